import { fieldErrors, type FieldError } from './errors';
import { keep, session } from './session';

/** An API answer that is not a success, as the console shows it. */
export class ApiError extends Error {
  readonly fields: FieldError[];
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string,
  ) {
    super(message);
    this.fields = fieldErrors(message);
  }
}

function requestId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Calls the API with the session's token; a 401 ends the session (the page then asks to sign in). */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'X-Auth-Token': session.value?.token ?? '' };
  if (path.startsWith('/v1/')) headers['Client-Request-Id'] = requestId();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: the text itself is the message
  }
  if (res.ok) return json as T;
  const e = (json ?? {}) as { error_code?: string; error_msg?: string; error?: { code?: string; message?: string } };
  const code = e.error_code ?? e.error?.code ?? String(res.status);
  const message = e.error_msg ?? e.error?.message ?? (text || res.statusText);
  if (res.status === 401) keep(null);
  throw new ApiError(res.status, code, message, res.headers.get('X-Request-Id') ?? '');
}

export const enc = encodeURIComponent;

/** A query string of the values that are set. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
