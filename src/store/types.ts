import type { Generated } from 'kysely';

/** Row shapes of every table, as Kysely sees them. Timestamps are ISO-8601 UTC text. */
export interface DomainTable {
  id: string;
  name: string;
  created_at: string;
}

export interface ProjectTable {
  id: string;
  domain_id: string;
  name: string;
  created_at: string;
}

export interface UserTable {
  id: string;
  domain_id: string;
  name: string;
  password_hash: string;
  is_admin: number;
  created_at: string;
}

export interface AccessKeyTable {
  access_key: string;
  user_id: string;
  secret_enc: string;
  description: string;
  created_at: string;
}

export interface TokenTable {
  token_hash: string;
  user_id: string;
  project_id: string | null;
  domain_id: string;
  issued_at: string;
  expires_at: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface EdgeAppTable {
  project_id: string;
  edge_app_id: string;
  edge_app_name: string | null;
  description: string | null;
  function_type: string;
  protocol: string | null;
  delivered_app: number | null;
  app_type: string;
  deploy_type: string | null;
  last_published_version: string | null;
  version_count: number;
  create_time: string;
  update_time: string;
}

export interface EdgeAppVersionTable {
  project_id: string;
  edge_app_id: string;
  version: string;
  state: string;
  deploy_type: string;
  /** JSON array of architectures. */
  arch: string;
  ai_card_type: string;
  description: string | null;
  sdk_version: string | null;
  deploy_multi_instance: number;
  create_time: string;
  update_time: string;
  publish_time: string | null;
  off_shelf_time: string | null;
  /** Every field without a column of its own, as the client sent it (JSON object text; iotedge/schemas.ts Spec). */
  spec: string;
  /** Cache: the show response without edge_app_id and name, made from the fields above (iotedge/renderings.ts). */
  doc: string;
  /** Cache: the list item without edge_app_id and name. */
  brief: string;
}

export interface RfsProviderTable {
  /** The owning domain (account): names are unique per domain (docs/api/rfs.md §1.3). */
  domain_id: string;
  provider_name: string;
  provider_id: string;
  provider_description: string | null;
  provider_agency_name: string | null;
  provider_agency_urn: string | null;
  create_time: string;
  update_time: string;
}

export interface RfsProviderVersionTable {
  provider_id: string;
  provider_version: string;
  version_description: string | null;
  function_graph_urn: string;
  create_time: string;
  /** Cache: the version summary without provider_id and provider_name, made from the columns (rfs/renderings.ts). */
  doc: string;
}

/** One mutating API call and its outcome (src/activity/). Never a secret or a body. */
export interface ActivityTable {
  /** PostgreSQL answers a bigint as text. */
  id: Generated<number | string>;
  /** When the server received the call (its clock), ISO-8601 UTC. */
  at: string;
  request_id: string;
  domain_id: string;
  /** Null for calls on the domain (RFS, IAM, admin). */
  project_id: string | null;
  user_id: string;
  user_name: string;
  /** The access key id when the caller signed with AK/SK. */
  access_key: string | null;
  /** The route's operationId. */
  operation: string;
  method: string;
  /** The URL path, without the query. */
  resource: string;
  status: number;
  /** The error code answered, null on success. */
  error_code: string | null;
}

/** A fault rule (src/faults/): null status = a delay only; null times = unlimited, remaining counts down. */
export interface FaultRuleTable {
  id: string;
  domain_id: string;
  operation: string;
  project_id: string | null;
  status: number | null;
  error_code: string | null;
  error_msg: string | null;
  probability: number;
  times: number | null;
  remaining: number | null;
  hits: number;
  delay_ms: number;
  created_at: string;
  /** The rule's place in its domain's order (the order rules are added in); never answered. */
  seq: number;
}

/** An activity row before it is stored. */
export type NewActivity = Omit<ActivityTable, 'id'>;

export interface Database {
  domains: DomainTable;
  projects: ProjectTable;
  users: UserTable;
  access_keys: AccessKeyTable;
  tokens: TokenTable;
  versionary_meta: MetaTable;
  edge_apps: EdgeAppTable;
  edge_app_versions: EdgeAppVersionTable;
  rfs_providers: RfsProviderTable;
  rfs_provider_versions: RfsProviderVersionTable;
  activity: ActivityTable;
  fault_rules: FaultRuleTable;
}

export type { Generated };
