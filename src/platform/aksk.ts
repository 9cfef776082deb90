import crypto from 'node:crypto';

/** AK/SK request signatures of the Huawei Cloud SDKs (SDK-HMAC-SHA256 and the derived V11 variant). */

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The hex SHA-256 of a body or text. */
export const sha256Hex = (data: string | Buffer): string => crypto.createHash('sha256').update(data).digest('hex');

export interface ParsedAuthorization {
  algorithm: 'SDK-HMAC-SHA256' | 'V11-HMAC-SHA256';
  accessKey: string;
  signedHeaders: string[];
  signature: string;
  /** V11 only: `<YYYYMMDD>/<region>/<service>`. */
  info?: string;
}

export interface SignedRequest {
  method: string;
  /** The request target exactly as received: path plus optional `?query`. */
  target: string;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body bytes; undefined or empty when there is none. */
  body?: Buffer;
}

export function isSignatureHeader(value: string | undefined): boolean {
  return value !== undefined && /^(SDK|V11)-HMAC-SHA256 /.test(value);
}

/** Parses the Authorization header; null when it is not a well-formed signature header. */
export function parseAuthorization(value: string): ParsedAuthorization | null {
  const m = /^(SDK-HMAC-SHA256|V11-HMAC-SHA256)\s+(.*)$/s.exec(value);
  if (!m) return null;
  const algorithm = m[1] as ParsedAuthorization['algorithm'];
  const fields = new Map<string, string>();
  for (const part of m[2]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!signedHeaders || !signature || !/^[0-9a-f]{64}$/.test(signature)) return null;
  const headers = signedHeaders.split(';');
  if (headers.some((h) => !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(h))) return null;
  if (algorithm === 'SDK-HMAC-SHA256') {
    const accessKey = fields.get('Access');
    if (!accessKey) return null;
    return { algorithm, accessKey, signedHeaders: headers, signature };
  }
  const credential = fields.get('Credential');
  const slash = credential?.indexOf('/') ?? -1;
  if (!credential || slash <= 0) return null;
  return {
    algorithm,
    accessKey: credential.slice(0, slash),
    info: credential.slice(slash + 1),
    signedHeaders: headers,
    signature,
  };
}

/** Parses `YYYYMMDDTHHMMSSZ`; epoch milliseconds, or null when malformed. */
export function parseSdkDate(value: string | undefined): number | null {
  const m = value && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(t);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return t;
}

const HEX = /[0-9A-Fa-f]/;

/** Percent-decodes to bytes; `+` stays `+`, a `%` without two hex digits stays literal. */
function decodeToBytes(s: string): Buffer {
  if (!s.includes('%')) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%' && HEX.test(s[i + 1] ?? '') && HEX.test(s[i + 2] ?? '')) {
      parts.push(Buffer.from(s.slice(start, i), 'utf8'), Buffer.from([parseInt(s.slice(i + 1, i + 3), 16)]));
      i += 2;
      start = i + 1;
    }
  }
  parts.push(Buffer.from(s.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    (b >= 0x30 && b <= 0x39) ||
    b === 0x2d ||
    b === 0x5f ||
    b === 0x2e ||
    b === 0x7e
  );
}

function encodeBytes(bytes: Buffer): string {
  let out = '';
  for (const b of bytes)
    out += isUnreserved(b) ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  return out;
}

/**
 * How the canonical URI is built from the path as received (docs/api/auth.md §2.3):
 * - `decode`: each segment percent-decoded, then encoded (every SDK on ordinary paths);
 * - `raw`: each segment encoded as received, so `%` becomes `%25` (the Node SDK's escaped path
 *   parameters);
 * - `unescape-path`: the whole path percent-decoded first (invalid UTF-8 becoming U+FFFD), then
 *   split on `/` and each part encoded, so an encoded slash (`a%2Fb`) counts as a separator (the
 *   Python SDK, which sends path parameters with `/` escaped but signs them un-escaped).
 */
export type UriRule = 'decode' | 'raw' | 'unescape-path';

const lenientUtf8 = new TextDecoder('utf-8');

export function canonicalUri(path: string, rule: UriRule = 'decode'): string {
  const segments = rule === 'unescape-path' ? lenientUtf8.decode(decodeToBytes(path)).split('/') : path.split('/');
  const uri = segments
    .map((seg) => encodeBytes(rule === 'decode' ? decodeToBytes(seg) : Buffer.from(seg, 'utf8')))
    .join('/');
  return uri.endsWith('/') ? uri : uri + '/';
}

/** An encoded slash, the only thing the `unescape-path` rule reads differently from `decode`. */
const ENCODED_SLASH = /%2f/i;

export function canonicalQuery(query: string): string {
  const byKey = new Map<string, { enc: string; values: { sort: string; enc: string }[] }>();
  for (const piece of query.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const kb = decodeToBytes(eq < 0 ? piece : piece.slice(0, eq));
    const vb = decodeToBytes(eq < 0 ? '' : piece.slice(eq + 1));
    const key = kb.toString('utf8');
    let entry = byKey.get(key);
    if (!entry) byKey.set(key, (entry = { enc: encodeBytes(kb), values: [] }));
    entry.values.push({ sort: vb.toString('utf8'), enc: encodeBytes(vb) });
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...byKey.keys()]
    .sort(cmp)
    .flatMap((k) => {
      const e = byKey.get(k)!;
      return e.values.sort((a, b) => cmp(a.sort, b.sort)).map((v) => `${e.enc}=${v.enc}`);
    })
    .join('&');
}

function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** The canonical request of docs/api/auth.md §2.1, or null when a signed header is absent. */
export function canonicalRequest(req: SignedRequest, signedHeaders: string[], rule: UriRule = 'decode'): string | null {
  const q = req.target.indexOf('?');
  const path = q < 0 ? req.target : req.target.slice(0, q);
  const query = q < 0 ? '' : req.target.slice(q + 1);
  let headerLines = '';
  for (const name of signedHeaders) {
    const v = headerValue(req.headers, name);
    if (v === undefined) return null;
    headerLines += `${name}:${v}\n`;
  }
  const declared = headerValue(req.headers, 'x-sdk-content-sha256');
  const payloadHash = declared ?? (req.body && req.body.length > 0 ? sha256Hex(req.body) : EMPTY_SHA256);
  return [
    req.method.toUpperCase(),
    canonicalUri(path, rule),
    canonicalQuery(query),
    headerLines,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

function signingKey(auth: ParsedAuthorization, secretKey: string): Buffer | string {
  if (auth.algorithm === 'SDK-HMAC-SHA256') return secretKey;
  const derived = crypto.hkdfSync(
    'sha256',
    Buffer.from(secretKey, 'utf8'),
    Buffer.from(auth.accessKey, 'utf8'),
    Buffer.from(auth.info ?? '', 'utf8'),
    32,
  );
  return Buffer.from(derived).toString('hex');
}

export function stringToSign(auth: ParsedAuthorization, sdkDate: string, canonical: string): string {
  const hash = sha256Hex(canonical);
  return auth.algorithm === 'SDK-HMAC-SHA256'
    ? `${auth.algorithm}\n${sdkDate}\n${hash}`
    : `${auth.algorithm}\n${sdkDate}\n${auth.info}\n${hash}`;
}

export function sign(auth: ParsedAuthorization, secretKey: string, sdkDate: string, canonical: string): string {
  return crypto
    .createHmac('sha256', signingKey(auth, secretKey))
    .update(stringToSign(auth, sdkDate, canonical), 'utf8')
    .digest('hex');
}

/**
 * Checks the signature against the request: structure, then the decoding canonical URI, then, for a
 * path holding escapes, the raw variant the Node SDK produces for escaped path segments, and for a
 * path holding an encoded slash the Python SDK's whole-path unescaping. Does not check the clock.
 */
export function verifySignature(req: SignedRequest, auth: ParsedAuthorization, secretKey: string): boolean {
  if (!auth.signedHeaders.includes('host') || !auth.signedHeaders.includes('x-sdk-date')) return false;
  const sdkDate = headerValue(req.headers, 'x-sdk-date');
  if (sdkDate === undefined) return false;
  if (auth.algorithm === 'V11-HMAC-SHA256' && !auth.info?.startsWith(sdkDate.slice(0, 8) + '/')) return false;
  const expected = Buffer.from(auth.signature, 'hex');
  const q = req.target.indexOf('?');
  const path = q < 0 ? req.target : req.target.slice(0, q);
  const rules: UriRule[] = !path.includes('%')
    ? ['decode']
    : ENCODED_SLASH.test(path)
      ? ['decode', 'raw', 'unescape-path']
      : ['decode', 'raw'];
  for (const rule of rules) {
    const canonical = canonicalRequest(req, auth.signedHeaders, rule);
    if (canonical === null) return false;
    const actual = Buffer.from(sign(auth, secretKey, sdkDate, canonical), 'hex');
    if (crypto.timingSafeEqual(actual, expected)) return true;
  }
  return false;
}
