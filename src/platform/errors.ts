/**
 * Errors are values with a kind. Each API family renders a kind with its own status, error_code
 * and canonical message (docs/api/errors.md); a service may also pin an exact code.
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

export type Family = 'iotedge' | 'rfs' | 'gateway';

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

const GATEWAY: Partial<Record<ErrorKind, Rendered>> = {
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

const IOTEDGE_INVALID = { status: 400, code: 'IoTEdge.00000005', message: 'The request parameter is invalid.' };
const IOTEDGE_FORMAT = { status: 400, code: 'IoTEdge.00000006', message: 'The request format is invalid.' };
const IOTEDGE_INTERNAL = { status: 500, code: 'IoTEdge.00000001', message: 'Internal server error.' };

const RFS_MISSING = { status: 400, code: 'RF.10011001', message: 'Missing required parameter(s).' };
const RFS_INVALID = { status: 400, code: 'RF.10011003', message: 'Invalid parameter(s).' };
const RFS_INTERNAL = { status: 500, code: 'RF.10010001', message: 'Internal Server Error.' };

const IAM_INVALID = { status: 400, code: 'IAM.0001', message: 'The request is invalid.' };

const TABLES: Record<Family, Partial<Record<ErrorKind, Rendered>>> = {
  iotedge: {
    ...GATEWAY,
    missing: IOTEDGE_INVALID,
    unknown_field: IOTEDGE_INVALID,
    invalid: IOTEDGE_INVALID,
    wrong_type: IOTEDGE_FORMAT,
    unsupported_media: { ...IOTEDGE_FORMAT, status: 415 },
    unavailable: { ...IOTEDGE_INTERNAL, status: 503, message: 'The service is temporarily unavailable.' },
    internal: IOTEDGE_INTERNAL,
  },
  rfs: {
    ...GATEWAY,
    missing: RFS_MISSING,
    unknown_field: { status: 400, code: 'RF.10011002', message: 'Unrecognized parameter(s).' },
    invalid: RFS_INVALID,
    wrong_type: RFS_INVALID,
    unsupported_media: { ...RFS_INVALID, status: 415 },
    forbidden: { status: 403, code: 'RF.10013001', message: 'Forbidden.' },
    not_found: { status: 404, code: 'RF.10014001', message: 'The private provider does not exist.' },
    conflict: { status: 409, code: 'RF.10015001', message: 'The private provider already exists.' },
    too_many: { status: 429, code: 'RF.10016001', message: 'Too many requests, please try again later.' },
    unavailable: { ...RFS_INTERNAL, status: 503, message: 'The service is temporarily unavailable.' },
    internal: RFS_INTERNAL,
  },
  gateway: {
    ...GATEWAY,
    missing: IAM_INVALID,
    unknown_field: IAM_INVALID,
    invalid: IAM_INVALID,
    wrong_type: IAM_INVALID,
    unsupported_media: { ...IAM_INVALID, status: 415 },
    not_found: { status: 404, code: 'IAM.0003', message: 'The resource could not be found.' },
    conflict: { status: 409, code: 'IAM.0004', message: 'The resource already exists.' },
    unavailable: { status: 503, code: 'APIGW.0503', message: 'The service is temporarily unavailable.' },
    internal: { status: 500, code: 'APIGW.0500', message: 'Internal server error.' },
  },
};

/** A factory of errors with an exact status, code and canonical message (a service's own codes). */
export function pinnedError(status: number, code: string, message: string): (detail?: string) => AppError {
  const kind: ErrorKind = status === 404 ? 'not_found' : status === 403 ? 'forbidden' : 'conflict';
  return (detail) => new AppError(kind, detail, { status, code, message });
}

/** Which family's envelope a request path gets. */
export function familyOf(url: string): Family {
  if (url.startsWith('/v2/')) return 'iotedge';
  if (url.startsWith('/v1/private-providers')) return 'rfs';
  return 'gateway';
}

/**
 * Tenant checks are the gateway's on every family: a credential for another project is 403
 * APIGW.0302 (docs/api/errors.md §6), even on RFS whose own 403 code is for quotas.
 */
export function tenantForbidden(detail: string): AppError {
  return new AppError('forbidden', detail, GATEWAY.forbidden);
}

export function render(family: Family, err: AppError): Rendered {
  const base = err.pinned ?? TABLES[family][err.kind] ?? TABLES[family].internal!;
  const message = err.detail ? `${base.message} ${err.detail}` : base.message;
  return { status: base.status, code: base.code, message };
}

export function envelope(r: Rendered): { error_code: string; error_msg: string } {
  return { error_code: r.code, error_msg: r.message };
}
