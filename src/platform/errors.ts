/**
 * Errors are values with a kind. Each API family renders a kind with its own status, error_code
 * and canonical message (its ErrorTable, registered with registerErrors for its path prefix); a
 * family may also define codes of its own with defineError (docs/api/errors.md).
 */
export type ErrorKind =
  | 'missing' // a required parameter, header or field is absent
  | 'unknown_field' // a body field the operation does not know
  | 'wrong_type' // not JSON, not an object, or a field of the wrong JSON type
  | 'invalid' // a value breaks a rule: length, pattern, enum, range
  | 'unauthorized'
  | 'forbidden' // authenticated, but not for this project
  | 'not_found'
  | 'conflict'
  | 'no_route'
  | 'unsupported_media'
  | 'too_large'
  | 'too_many'
  | 'unavailable'
  | 'internal';

export interface Rendered {
  status: number;
  code: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    /** Detail appended to the canonical message; must never hold a secret. */
    readonly detail?: string,
    /** An exact status and code that override the family's default for the kind. */
    readonly pinned?: Rendered,
    readonly headers?: Record<string, string>,
  ) {
    super(detail ?? kind);
  }
}

/** How a family renders each kind of error. */
export type ErrorTable = Partial<Record<ErrorKind, Rendered>>;

/**
 * The API gateway's answers, the same in front of every family: authentication, tenancy, routing,
 * size and throttling.
 */
export const GATEWAY: ErrorTable = {
  unauthorized: { status: 401, code: 'APIGW.0301', message: 'Incorrect IAM authentication information.' },
  forbidden: { status: 403, code: 'APIGW.0302', message: 'The IAM user is not authorized to access the API.' },
  no_route: {
    status: 404,
    code: 'APIGW.0101',
    message: 'The API does not exist or has not been published in the environment.',
  },
  too_large: { status: 413, code: 'APIGW.0201', message: 'Request entity too large.' },
  too_many: { status: 429, code: 'APIGW.0308', message: 'The throttling threshold has been reached.' },
};

/** What every table falls back to for a kind it does not name. */
const LAST_RESORT: Rendered = { status: 500, code: 'APIGW.0500', message: 'Internal server error.' };

/** The table of requests no family covers, unless the server names another. */
const PLATFORM: ErrorTable = {
  ...GATEWAY,
  unavailable: { status: 503, code: 'APIGW.0503', message: 'The service is temporarily unavailable.' },
  internal: LAST_RESORT,
};

/**
 * A factory of one error code of a family, with its kind, exact status, code and canonical
 * message; the detail it is called with is appended to the message.
 */
export function defineError(
  kind: ErrorKind,
  status: number,
  code: string,
  message: string,
): (detail?: string) => AppError {
  const rendered = { status, code, message };
  return (detail) => new AppError(kind, detail, rendered);
}

/**
 * Tenant checks are the gateway's on every family: a credential for another project is 403
 * APIGW.0302 (docs/api/errors.md §6), even on RFS whose own 403 code is for quotas.
 */
export const tenantForbidden = defineError('forbidden', 403, GATEWAY.forbidden!.code, GATEWAY.forbidden!.message);

export function render(table: ErrorTable, err: AppError): Rendered {
  const base = err.pinned ?? table[err.kind] ?? table.internal ?? LAST_RESORT;
  const message = err.detail ? `${base.message} ${err.detail}` : base.message;
  return { status: base.status, code: base.code, message };
}

export function envelope(r: Rendered): { error_code: string; error_msg: string } {
  return { error_code: r.code, error_msg: r.message };
}

/** The envelope of the requests under one path prefix. */
interface Registered {
  prefix: string;
  table: ErrorTable;
}

/**
 * Which table renders the errors of a request: each family registers its own for its path prefix
 * when its routes are registered; requests under no prefix get the default. One registry per
 * server (several may run in one process).
 */
export class ErrorTables {
  private readonly families: Registered[] = [];
  private fallback: ErrorTable = PLATFORM;

  register(prefix: string, table: ErrorTable): void {
    if (!this.families.some((f) => f.prefix === prefix)) this.families.push({ prefix, table });
  }

  /** The table of requests that no family's prefix covers. */
  setDefault(table: ErrorTable): void {
    this.fallback = table;
  }

  /** The table for a request URL (path and query). */
  of(url: string): ErrorTable {
    for (const f of this.families) if (url.startsWith(f.prefix)) return f.table;
    return this.fallback;
  }
}
