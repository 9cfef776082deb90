/**
 * The public types of the package (`import { startVersionary } from 'versionary'`). This file
 * imports nothing: the build turns it into dist/index.d.ts as it is.
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** A snapshot as `GET /_versionary/export` writes it (README, Admin API). */
export interface Snapshot {
  format: 'versionary-snapshot';
  version: 1;
  exported_at?: string;
  project_id?: string | null;
  domain_id?: string | null;
  edge_apps: Record<string, unknown>[];
  edge_app_versions: Record<string, unknown>[];
  rfs_providers: Record<string, unknown>[];
  rfs_provider_versions: Record<string, unknown>[];
}

export interface SnapshotCounts {
  edge_apps: number;
  edge_app_versions: number;
  rfs_providers: number;
  rfs_provider_versions: number;
}

export interface VersionaryOptions {
  /** `memory` (default: nothing written to disk), `sqlite:<file>` or `postgres://user:pass@host:port/db`. */
  store?: string;
  /** A snapshot (object or file name) imported in the add mode when the store is created, and again by reset(). */
  seed?: string | Snapshot;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default cn-north-7. */
  region?: string;
  /** Default silent. */
  logLevel?: LogLevel;
  /** The first identity; each has a fixed, documented default (README, Use it in your tests). */
  domainName?: string;
  domainId?: string;
  projectId?: string;
  adminPassword?: string;
  accessKey?: string;
  secretKey?: string;
  /** 64 hex characters. */
  masterKey?: string;
  /** Makes every generated id, key, token and request id the same on every run with this seed. */
  idSeed?: number | string;
  /** Any other setting by its flag name without `--`, as `versionary serve` takes it: `{ 'rate-limit': 0 }`. */
  settings?: Record<string, string | number>;
}

/** A fault rule to add (README, Faults on purpose). */
export interface FaultRuleInput {
  /** An operationId of /openapi.json (IoTEdge, RFS or IAM), or `*`. */
  operation: string;
  project_id?: string;
  /** 400-599; without it, the rule only delays. */
  status?: number;
  error_code?: string;
  error_msg?: string;
  /** 0-1, default 1. */
  probability?: number;
  /** Default unlimited. */
  times?: number;
  /** 0-60000, default 0. */
  delay_ms?: number;
}

export interface FaultRule {
  id: string;
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
}

/** What the methods of a running Versionary throw when the server refuses: its status and error code. */
export interface VersionaryError extends Error {
  status: number;
  code: string;
}

export interface Versionary {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly region: string;
  readonly domainName: string;
  readonly domainId: string;
  /** The project named after the region. */
  readonly projectId: string;
  /** `admin`, an administrator. */
  readonly userName: string;
  readonly adminPassword: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** An IAM token of the admin user, scoped to projectId (reused until it nears expiry). */
  token(): Promise<string>;
  /** Deletes all API data and every fault rule; then imports the seed again, if one was given. */
  reset(): Promise<void>;
  /** Loads a snapshot in one transaction; mode add (default) refuses existing records. */
  import(snapshot: Snapshot | string | Uint8Array, options?: { mode?: 'add' | 'replace' }): Promise<SnapshotCounts>;
  /** All API data, or one project's. */
  export(options?: { projectId?: string }): Promise<Snapshot>;
  /** The fault rules of the admin's domain. */
  readonly faults: {
    add(rule: FaultRuleInput): Promise<FaultRule>;
    list(): Promise<FaultRule[]>;
    delete(id: string): Promise<void>;
    /** How many were deleted. */
    clear(): Promise<number>;
  };
  /** Stops serving and closes the store (a store in memory is gone). */
  stop(): Promise<void>;
}

export type StartVersionary = (options?: VersionaryOptions) => Promise<Versionary>;
