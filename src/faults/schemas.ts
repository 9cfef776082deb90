import { Type, type Static } from 'typebox';
import { ProjectParams } from '../iotedge/schemas.js';

const opt = Type.Optional;
const strict = { additionalProperties: false } as const;

/** The longest delay a rule may add, in milliseconds. */
export const MAX_DELAY_MS = 60_000;
/** The most rules one domain may hold. */
export const MAX_RULES = 100;

export const FaultBody = Type.Object(
  {
    operation: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^(\\*|[A-Za-z][A-Za-z0-9_]*)$',
      description: 'an operationId of /openapi.json (IoTEdge, RFS or IAM), or * for all of them',
      examples: ['CreateEdgeApp'],
    }),
    project_id: opt({
      ...ProjectParams.properties.project_id,
      description: 'only requests acting in this project of your domain',
    }),
    status: opt(Type.Integer({ minimum: 400, maximum: 599, description: 'the status to answer', examples: [503] })),
    error_code: opt(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[A-Za-z0-9._-]+$',
        description: "default: the family's own code for the status",
      }),
    ),
    error_msg: opt(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        pattern: '^[^\\u0000-\\u001f]*$',
        description: "default: the family's own message for the status",
      }),
    ),
    probability: opt(Type.Number({ minimum: 0, maximum: 1, description: 'chance that a request is hit; default 1' })),
    times: opt(Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'hits at most; default unlimited' })),
    delay_ms: opt(
      Type.Integer({ minimum: 0, maximum: MAX_DELAY_MS, description: 'wait this long first; default 0 (no delay)' }),
    ),
  },
  strict,
);
export type FaultBody = Static<typeof FaultBody>;

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(t: T) =>
  Type.Union([t, Type.Null()]);

export const FaultRule = Type.Object({
  id: Type.String(),
  operation: Type.String(),
  project_id: Nullable(Type.String()),
  status: Nullable(Type.Integer({ description: 'null: a delay only, then the request goes through' })),
  error_code: Nullable(Type.String()),
  error_msg: Nullable(Type.String()),
  probability: Type.Number(),
  times: Nullable(Type.Integer({ description: 'null: unlimited' })),
  remaining: Nullable(Type.Integer({ description: 'hits left; null: unlimited' })),
  hits: Type.Integer({ description: 'requests this rule has answered or delayed, on every replica' }),
  delay_ms: Type.Integer(),
  created_at: Type.String(),
});
export type FaultRule = Static<typeof FaultRule>;

export const FaultList = Type.Object({ faults: Type.Array(FaultRule) });
export const FaultParams = Type.Object({ fault_id: Type.String({ minLength: 1, maxLength: 64 }) }, strict);
export const NoQuery = Type.Object({}, strict);
export const Deleted = Type.Object({ deleted: Type.Integer() });
