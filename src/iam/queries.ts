import type { Kysely } from 'kysely';
import type { Principal } from '../platform/auth.js';
import { Prepared } from '../store/prepared.js';
import type { Database } from '../store/types.js';

/** An access key with its user and domain. */
export interface KeyRow {
  access_key: string;
  secret_enc: string;
  description: string;
  created_at: string;
  user_id: string;
  user_name: string;
  domain_id: string;
  domain_name: string;
  is_admin: number;
}

/** A token's details: its user, domain and project (when scoped to one), and its lifetime. */
export interface TokenRow {
  user_id: string;
  user_name: string;
  is_admin: number;
  domain_id: string;
  domain_name: string;
  project_id: string | null;
  project_name: string | null;
  issued_at: string;
  expires_at: string;
}

export const keyQuery = (db: Kysely<Database>) =>
  db
    .selectFrom('access_keys')
    .innerJoin('users', 'users.id', 'access_keys.user_id')
    .innerJoin('domains', 'domains.id', 'users.domain_id')
    .select([
      'access_keys.access_key',
      'access_keys.secret_enc',
      'access_keys.description',
      'access_keys.created_at',
      'users.id as user_id',
      'users.name as user_name',
      'users.is_admin',
      'domains.id as domain_id',
      'domains.name as domain_name',
    ]);

// The look-ups of every authenticated request, compiled once.
export const KEY_BY_ID = new Prepared(['key'] as const, (db: Kysely<Database>, p) =>
  keyQuery(db).where('access_keys.access_key', '=', p.key),
);

export const TOKEN_BY_HASH = new Prepared(['hash'] as const, (db: Kysely<Database>, p) =>
  db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .innerJoin('domains', 'domains.id', 'tokens.domain_id')
    .leftJoin('projects', 'projects.id', 'tokens.project_id')
    .select([
      'users.id as user_id',
      'users.name as user_name',
      'users.is_admin',
      'domains.id as domain_id',
      'domains.name as domain_name',
      'projects.id as project_id',
      'projects.name as project_name',
      'tokens.issued_at',
      'tokens.expires_at',
    ])
    .where('tokens.token_hash', '=', p.hash),
);

export const PROJECT_BY_ID = new Prepared(['id'] as const, (db: Kysely<Database>, p) =>
  db.selectFrom('projects').selectAll().where('id', '=', p.id),
);

/** The caller a token or access key row names, acting in the given project (if any). */
export function principalOf(
  row: { user_id: string; user_name: string; is_admin: number; domain_id: string; domain_name: string },
  projectId: string | null,
  projectName: string | null,
): Principal {
  return {
    userId: row.user_id,
    userName: row.user_name,
    isAdmin: row.is_admin === 1,
    domainId: row.domain_id,
    domainName: row.domain_name,
    projectId,
    projectName,
  };
}
