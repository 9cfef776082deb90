import type { ErrorTable } from '../platform/errors.js';
import { GATEWAY } from '../platform/errors.js';

/**
 * IAM's envelope (docs/api/errors.md): how each kind of error is answered under /v3/. The admin
 * API and requests no family covers are answered in it too (server.ts makes it the default).
 */
const INVALID = { status: 400, code: 'IAM.0001', message: 'The request is invalid.' };

export const IAM_ERRORS: ErrorTable = {
  ...GATEWAY,
  missing: INVALID,
  unknown_field: INVALID,
  invalid: INVALID,
  wrong_type: INVALID,
  unsupported_media: { ...INVALID, status: 415 },
  not_found: { status: 404, code: 'IAM.0003', message: 'The resource could not be found.' },
  conflict: { status: 409, code: 'IAM.0004', message: 'The resource already exists.' },
  unavailable: { status: 503, code: 'APIGW.0503', message: 'The service is temporarily unavailable.' },
  internal: { status: 500, code: 'APIGW.0500', message: 'Internal server error.' },
};
