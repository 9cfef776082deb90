import { defineError, GATEWAY, type ErrorTable } from '../platform/errors.js';

/** IoTEdge's envelope (docs/api/errors.md): how each kind of error is answered under /v2/. */
const INVALID = { status: 400, code: 'IoTEdge.00000005', message: 'The request parameter is invalid.' };
const FORMAT = { status: 400, code: 'IoTEdge.00000006', message: 'The request format is invalid.' };
const INTERNAL = { status: 500, code: 'IoTEdge.00000001', message: 'Internal server error.' };

export const IOTEDGE_ERRORS: ErrorTable = {
  ...GATEWAY,
  missing: INVALID,
  unknown_field: INVALID,
  invalid: INVALID,
  wrong_type: FORMAT,
  unsupported_media: { ...FORMAT, status: 415 },
  unavailable: { ...INTERNAL, status: 503, message: 'The service is temporarily unavailable.' },
  internal: INTERNAL,
};

/** IoTEdge's own codes for apps and versions. */
export const errors = {
  appExists: defineError('conflict', 400, 'IoTEdge.02100601', 'The app has already existed.'),
  appNotFound: defineError('not_found', 404, 'IoTEdge.02100602', 'The app does not exist.'),
  versionExists: defineError('conflict', 400, 'IoTEdge.02100603', 'The app version has already existed.'),
  versionNotFound: defineError(
    'not_found',
    404,
    'IoTEdge.02100604',
    'The app software package version does not exist.',
  ),
  published: defineError(
    'forbidden',
    403,
    'IoTEdge.02100605',
    'The app software package version has already published.',
  ),
  notPublished: defineError(
    'forbidden',
    403,
    'IoTEdge.02100606',
    'The app software package version has not publish yet.',
  ),
};
