import { Type, type Static } from 'typebox';
import { ProjectParams } from '../iotedge/schemas.js';

const opt = Type.Optional;
// No control characters: PostgreSQL cannot compare a NUL, and no stored value holds one.
const Text = (maxLength: number, description: string) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[^\\u0000-\\u001f]*$', description });

// Unknown parameters are refused, as on the admin API: a misspelled filter must not widen the answer.
export const ActivityQuery = Type.Object(
  {
    project_id: opt(ProjectParams.properties.project_id),
    resource: opt(Text(2048, 'only calls on paths that start with this')),
    operation: opt(Text(64, 'only this operationId')),
    user: opt(Text(64, 'only the calls of this user (id or name)')),
    outcome: opt(
      Type.Unsafe<'success' | 'failure'>({
        type: 'string',
        enum: ['success', 'failure'],
        description: 'success (status below 400) or failure',
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    marker: opt(Text(64, 'page_info.next_marker of the previous page')),
  },
  { additionalProperties: false },
);
export type ActivityQuery = Static<typeof ActivityQuery>;

const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);

export const ActivityItem = Type.Object({
  time: Type.String({ description: 'when the server received the call, UTC' }),
  request_id: Type.String({ description: 'the X-Request-Id of the call' }),
  domain_id: Type.String(),
  project_id: Nullable(Type.String({ description: 'null for calls on the domain (RFS, IAM, admin)' })),
  user_id: Type.String(),
  user_name: Type.String(),
  access_key: Nullable(Type.String({ description: 'the access key id of an AK/SK-signed call' })),
  operation: Type.String({ description: 'the operationId' }),
  method: Type.String(),
  resource: Type.String({ description: 'the URL path, without the query' }),
  status: Type.Integer(),
  error_code: Nullable(Type.String()),
  outcome: Type.Unsafe<'success' | 'failure'>({ type: 'string', enum: ['success', 'failure'] }),
});
export type ActivityItem = Static<typeof ActivityItem>;

export const ActivityPage = Type.Object(
  {
    activity: Type.Array(ActivityItem, { description: 'newest first' }),
    page_info: Type.Object({
      next_marker: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
      current_count: Type.Integer(),
    }),
  },
  {
    examples: [
      {
        activity: [
          {
            time: '2024-05-01T08:30:00.000Z',
            request_id: '6f1c0e0a4b7d4c3e9a2f1b0c8d7e6f5a',
            domain_id: 'fedcba9876543210fedcba9876543210',
            project_id: '0123456789abcdef0123456789abcdef',
            user_id: '5d3f0c2b1a0948e7b6c5d4e3f2a1b0c9',
            user_name: 'admin',
            access_key: null,
            operation: 'DeleteEdgeApplicationVersion',
            method: 'DELETE',
            resource: '/v2/0123456789abcdef0123456789abcdef/edge-apps/my-app/versions/1.0.0',
            status: 403,
            error_code: 'IoTEdge.02100605',
            outcome: 'failure',
          },
        ],
        page_info: { next_marker: 'MTIz', current_count: 1 },
      },
    ],
  },
);
export type ActivityPage = Static<typeof ActivityPage>;
