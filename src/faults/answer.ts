import type { ErrorKind, ErrorTable, Rendered } from '../platform/errors.js';

const KIND_OF: Record<number, ErrorKind> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'too_large',
  415: 'unsupported_media',
  429: 'too_many',
  500: 'internal',
  503: 'unavailable',
};

const FALLBACK: Rendered = { status: 500, code: 'APIGW.0500', message: 'Internal server error.' };

/**
 * What a fault with this status answers in a family's envelope (its error table): the family's
 * own code and message for the status (its kind's entry, else any entry of that status other than
 * the gateway's "no such API"), else its generic code of the class (invalid for 4xx, internal for
 * 5xx). A code or message the rule gives wins.
 */
export function faultAnswer(
  table: ErrorTable,
  rule: { status: number; error_code: string | null; error_msg: string | null },
): Rendered {
  const { status } = rule;
  const kind = KIND_OF[status];
  const own = kind ? table[kind] : undefined;
  const base =
    (own?.status === status ? own : undefined) ??
    Object.entries(table).find(([k, r]) => k !== 'no_route' && r?.status === status)?.[1] ??
    (status < 500 ? table.invalid : table.internal) ??
    FALLBACK;
  return { status, code: rule.error_code ?? base.code, message: rule.error_msg ?? base.message };
}
