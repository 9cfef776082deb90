import { Type, type Static } from 'typebox';

/** RFS private-provider schemas (docs/api/rfs.md §1.4, §3–§5): validation, types and OpenAPI. */

export const RX_PROVIDER_NAME = /^[0-9a-z](?:[0-9a-z-]*[0-9a-z])?$/;
// The official forms `^[a-z0-9]+[a-z0-9-]*$` backtrack quadratically; these accept the same strings.
export const RX_PROVIDER_ID = /^[a-z0-9][a-z0-9-]*$/;
export const RX_CLIENT_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
// The version or alias suffix is optional: a FunctionGraph function's own URN (what Terraform passes) has none.
export const RX_URN =
  /^urn:fss:.+:[A-Za-z0-9]{3,64}:function:default:[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9](?::(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,40}|![A-Za-z][A-Za-z0-9_-]{0,61})[A-Za-z0-9])?$/;
export const RX_AGENCY_URN = /^(?:iam:\*?:[A-Za-z0-9-]{1,64}:agency:.{1,64})?$/;

const str = (min: number, max: number, pattern?: RegExp, rule?: string, extra: object = {}) =>
  Type.String({
    minLength: min,
    maxLength: max,
    ...(pattern ? { pattern: pattern.source, 'x-rule': rule } : {}),
    ...extra,
  });

export const EXAMPLE_URN = 'urn:fss:cn-north-7:a61dfe3154de42829367056598d5040f:function:default:test:latest';
const opt = Type.Optional;

const ProviderName = str(
  1,
  64,
  RX_PROVIDER_NAME,
  'lower-case letters, digits and "-", starting and ending with a letter or digit',
  { examples: ['my-hello-world-provider-name'] },
);
export const ProviderId = str(36, 36, RX_PROVIDER_ID, 'the provider id (a lower-case UUID)');
const ProviderVersion = Type.String({ minLength: 5, maxLength: 128, format: 'semver', examples: ['0.0.2'] });
/**
 * docs/api/rfs.md §5.5: in a path only the length is checked; a value that is not a semantic version names no version
 * (404).
 */
const PathVersion = Type.String({
  minLength: 5,
  maxLength: 128,
  examples: ['0.0.2'],
  description: 'a provider version; one that is not a Semantic Version names none (404)',
});
const Description = str(0, 1024);
const Urn = str(
  32,
  256,
  RX_URN,
  'a FunctionGraph URN urn:fss:{region}:{project_id}:function:default:{name}[:{version or !alias}]',
);
const AgencyName = str(0, 64);
const AgencyUrn = str(0, 256, RX_AGENCY_URN, 'an agency URN iam::{domain_id}:agency:{name}');

export const ClientRequestHeaders = Type.Object({
  'client-request-id': str(
    36,
    128,
    RX_CLIENT_REQUEST_ID,
    'letters, digits and "-", starting with a letter or digit (a UUID is recommended)',
    {
      examples: ['6f1d4a3e-9c1b-4b7e-8f3a-2d5c7e9a1b30'],
      description: 'your unique id of this request, a UUID is recommended',
    },
  ),
});

export const ProviderParams = Type.Object({ provider_name: ProviderName });
export const VersionParams = Type.Object({ provider_name: ProviderName, provider_version: PathVersion });
export const ProviderIdQuery = Type.Object({ provider_id: opt(ProviderId) });

export const ListQuery = Type.Object({
  sort_key: opt(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 16 })),
  sort_dir: opt(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 16 })),
  marker: opt(str(1, 512)),
  limit: Type.Integer({ minimum: 10, maximum: 1000, default: 1000 }),
});
export type ListQuery = Static<typeof ListQuery>;
export const VersionListQuery = Type.Object({ ...ListQuery.properties, provider_id: opt(ProviderId) });
export type VersionListQuery = Static<typeof VersionListQuery>;

export const CreateProviderBody = Type.Object(
  {
    provider_name: ProviderName,
    provider_description: opt(Description),
    provider_version: opt(ProviderVersion),
    version_description: opt(Description),
    function_graph_urn: opt(Urn),
    provider_agency_urn: opt(AgencyUrn),
    provider_agency_name: opt(AgencyName),
  },
  {
    additionalProperties: false,
    examples: [{ provider_name: 'my-hello-world-provider-name', provider_description: 'my first private provider' }],
  },
);
export type CreateProviderBody = Static<typeof CreateProviderBody>;

export const UpdateProviderBody = Type.Object(
  { provider_description: opt(Description), provider_id: opt(ProviderId) },
  { additionalProperties: false, examples: [{ provider_description: 'my updated private provider' }] },
);
export type UpdateProviderBody = Static<typeof UpdateProviderBody>;

export const CreateVersionBody = Type.Object(
  {
    provider_id: opt(ProviderId),
    provider_version: ProviderVersion,
    version_description: opt(Description),
    function_graph_urn: Urn,
  },
  {
    additionalProperties: false,
    examples: [
      {
        provider_version: '0.0.2',
        function_graph_urn: EXAMPLE_URN,
        version_description: 'my second private provider version',
      },
    ],
  },
);
export type CreateVersionBody = Static<typeof CreateVersionBody>;

const S = Type.String();
export const ProviderCreated = Type.Object({ provider_id: S, provider_source: S });

export const ProviderSummary = Type.Object({
  provider_id: S,
  provider_name: S,
  provider_description: opt(S),
  provider_source: S,
  provider_agency_urn: opt(S),
  provider_agency_name: opt(S),
  create_time: S,
  update_time: S,
});
export type ProviderSummary = Static<typeof ProviderSummary>;

export const VersionSummary = Type.Object({
  provider_id: S,
  provider_name: S,
  provider_version: S,
  version_description: opt(S),
  function_graph_urn: S,
  create_time: S,
});
export type VersionSummary = Static<typeof VersionSummary>;
export const VersionMetadata = Type.Object({ ...VersionSummary.properties, provider_source: S });
export type VersionMetadata = Static<typeof VersionMetadata>;

const PageInfo = Type.Object({
  next_marker: Type.Union([S, Type.Null()]),
  previous_marker: Type.Union([S, Type.Null()]),
  current_count: Type.Integer(),
});
export const ProviderPage = Type.Object({ providers: Type.Array(ProviderSummary), page_info: PageInfo });
export const VersionPage = Type.Object({ versions: Type.Array(VersionSummary), page_info: PageInfo });
export type VersionPage = Static<typeof VersionPage>;

/** The provider_source of a provider. */
export const source = (name: string) => `huawei.com/private-provider/${name}`;

export const RfsError = Type.Object({
  error_code: S,
  error_msg: S,
  encoded_authorization_message: opt(S),
  details: opt(Type.Array(Type.Object({ error_code: S, error_msg: S }))),
});
