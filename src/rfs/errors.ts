import { defineError, GATEWAY, type ErrorTable, type Rendered } from '../platform/errors.js';

/** RFS's envelope (docs/api/errors.md): how each kind of error is answered under /v1/private-providers. */
const MISSING = { status: 400, code: 'RF.10011001', message: 'Missing required parameter(s).' };
const INVALID = { status: 400, code: 'RF.10011003', message: 'Invalid parameter(s).' };
const INTERNAL = { status: 500, code: 'RF.10010001', message: 'Internal Server Error.' };
const FORBIDDEN = { status: 403, code: 'RF.10013001', message: 'Forbidden.' };
const PROVIDER_NOT_FOUND = { status: 404, code: 'RF.10014001', message: 'The private provider does not exist.' };
const PROVIDER_EXISTS = { status: 409, code: 'RF.10015001', message: 'The private provider already exists.' };

export const RFS_ERRORS: ErrorTable = {
  ...GATEWAY,
  missing: MISSING,
  unknown_field: { status: 400, code: 'RF.10011002', message: 'Unrecognized parameter(s).' },
  invalid: INVALID,
  wrong_type: INVALID,
  unsupported_media: { ...INVALID, status: 415 },
  forbidden: FORBIDDEN,
  not_found: PROVIDER_NOT_FOUND,
  conflict: PROVIDER_EXISTS,
  too_many: { status: 429, code: 'RF.10016001', message: 'Too many requests, please try again later.' },
  unavailable: { ...INTERNAL, status: 503, message: 'The service is temporarily unavailable.' },
  internal: INTERNAL,
};

const pinned = (kind: 'not_found' | 'conflict' | 'forbidden', r: Rendered) =>
  defineError(kind, r.status, r.code, r.message);

/** RFS's own codes for providers and versions. */
export const errors = {
  providerNotFound: pinned('not_found', PROVIDER_NOT_FOUND),
  versionNotFound: defineError('not_found', 404, 'RF.10014002', 'The private provider version does not exist.'),
  providerExists: pinned('conflict', PROVIDER_EXISTS),
  versionExists: defineError('conflict', 409, 'RF.10015002', 'The private provider version already exists.'),
  quota: pinned('forbidden', FORBIDDEN),
};
