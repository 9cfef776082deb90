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

export interface Database {
  domains: DomainTable;
  projects: ProjectTable;
  users: UserTable;
  access_keys: AccessKeyTable;
  tokens: TokenTable;
  versionary_meta: MetaTable;
}

export type { Generated };
