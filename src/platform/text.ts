/**
 * What the server accepts as text: request bodies are JSON in UTF-8, and every string in them is
 * well-formed Unicode. Stored text is exactly what was sent, or nothing: a lone surrogate (which
 * UTF-8 cannot carry, and the stores would silently turn into U+FFFD) is refused, never repaired.
 */

declare global {
  interface String {
    /** ES2024, in Node since 20. */
    isWellFormed(): boolean;
  }
}

/** What a client should send instead; ends every unsupported-media message. */
export const SEND_JSON_UTF8 = 'Send the body as JSON in UTF-8 with Content-Type: application/json.';

const MAX_ECHO = 64;
const echo = (s: string) => (s.length > MAX_ECHO ? `${s.slice(0, MAX_ECHO)}…` : s);

/**
 * Why a request body with this Content-Type header is not accepted, with what to send instead;
 * undefined when it is JSON in UTF-8: `application/json` (any case) with no charset parameter or
 * `charset=utf-8` (any case, quoted or not; `utf8` too). `undefined` is a missing header.
 */
export function contentTypeProblem(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return `The Content-Type header is missing. ${SEND_JSON_UTF8}`;
  if (header === 'application/json' || header === 'application/json;charset=UTF-8') return undefined;
  const parts = header.split(';');
  const mediaType = parts[0]!.trim();
  if (mediaType.toLowerCase() !== 'application/json')
    return `The content type ${echo(mediaType)} is not supported. ${SEND_JSON_UTF8}`;
  for (let i = 1; i < parts.length; i++) {
    const param = parts[i]!;
    const eq = param.indexOf('=');
    if ((eq === -1 ? param : param.slice(0, eq)).trim().toLowerCase() !== 'charset') continue;
    let value = eq === -1 ? '' : param.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    const lower = value.toLowerCase();
    if (lower !== 'utf-8' && lower !== 'utf8') return `The charset ${echo(value)} is not supported. ${SEND_JSON_UTF8}`;
  }
  return undefined;
}

/**
 * The offset of the first byte of `buf` that is not part of well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or -1 when all of it is.
 */
export function invalidUtf8Offset(buf: Uint8Array): number {
  const n = buf.length;
  let i = 0;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined) return i;
      if (c < lo || c > hi) return i + k;
      lo = 0x80;
      hi = 0xbf;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * Whether JSON text (already decoded from UTF-8, hence well-formed itself) may parse into a string
 * with a lone surrogate: only a `\uD800`–`\uDFFF` escape can produce one. A quick scan of the text
 * that spares walking the parsed value in all but rare cases. A NUL escape counts too: NUL is
 * refused like a lone surrogate.
 */
export function mayHoldLoneSurrogate(jsonText: string): boolean {
  // indexOf is many times faster than a regular expression over a large body.
  // One pass over the escapes finds both: a surrogate (\uD800-\uDFFF) and a NUL (\u0000).
  for (let i = jsonText.indexOf('\\u'); i !== -1; i = jsonText.indexOf('\\u', i + 2)) {
    if (jsonText.startsWith('0000', i + 2)) return true;
    if ((jsonText.charCodeAt(i + 2) | 0x20) !== 0x64) continue; // d or D
    const next = jsonText.charCodeAt(i + 3) | 0x20;
    if (next === 0x38 || next === 0x39 || (next >= 0x61 && next <= 0x66)) return true; // 8, 9, a-f
  }
  return false;
}

const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const hex = (unit: number) => `\\u${unit.toString(16).padStart(4, '0')}`;
/** A key or string with its lone surrogates written as `\uXXXX`, so that a message may show it. */
const printable = (s: string) => s.replace(LONE, (c) => hex(c.charCodeAt(0)));

interface Found {
  /** The path of the string or key, as validation messages name fields: `a.b[0].c` ('' = the value itself). */
  path: string;
  /** The first lone surrogate code unit in it. */
  unit: number;
}

interface Frame {
  value: unknown;
  parent: Frame | undefined;
  key: string | number;
}

function pathOf(frame: Frame | undefined, last?: string): string {
  const parts: (string | number)[] = last === undefined ? [] : [last];
  for (let f = frame; f?.parent; f = f.parent) parts.push(f.key);
  let path = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i]!;
    path = typeof p === 'number' ? `${path}[${p}]` : path ? `${path}.${p}` : p;
  }
  return path;
}

/** Text that cannot be stored as it was sent: a lone surrogate, or a NUL (which PostgreSQL refuses). */
const unstorable = (s: string) => !s.isWellFormed() || s.includes('\0');

function firstLoneUnit(s: string): number {
  if (s.isWellFormed()) return 0;
  LONE.lastIndex = 0;
  const m = LONE.exec(s);
  LONE.lastIndex = 0;
  return m ? m[0].charCodeAt(0) : 0;
}

/** The first string or object key (in document order) that is not well-formed Unicode. */
export function locateLoneSurrogate(value: unknown): Found | undefined {
  // Iterative, so that a deeply nested value cannot overflow the stack.
  const stack: Frame[] = [{ value, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const v = frame.value;
    if (typeof v === 'string') {
      if (unstorable(v)) return { path: pathOf(frame), unit: firstLoneUnit(v) };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], parent: frame, key: i });
    } else if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v);
      for (const k of keys) if (unstorable(k)) return { path: pathOf(frame, printable(k)), unit: firstLoneUnit(k) };
      for (let i = keys.length - 1; i >= 0; i--)
        stack.push({ value: (v as Record<string, unknown>)[keys[i]!], parent: frame, key: keys[i]! });
    }
  }
  return undefined;
}

/**
 * The path of the first string or object key in a parsed JSON value that holds a lone surrogate
 * (is not well-formed Unicode), as validation messages name fields (`container_settings.envs.FOO`,
 * `volumes[0].name`; a lone surrogate in a key is shown as `\uXXXX`); '' when the value itself is
 * such a string; undefined when all text in it is well-formed.
 */
export function findLoneSurrogate(value: unknown): string | undefined {
  return locateLoneSurrogate(value)?.path;
}

/**
 * The message detail for a value holding a lone surrogate, or undefined when all its text is
 * well-formed. `within` is the path of the value itself (e.g. `edge_apps[3]` for one record of a
 * streamed document); '' is a whole request body.
 */
export function loneSurrogateProblem(value: unknown, within = ''): string | undefined {
  const found = locateLoneSurrogate(value);
  if (!found) return undefined;
  const { path } = found;
  const full = within && path ? `${within}${path.startsWith('[') ? '' : '.'}${path}` : within || path;
  if (found.unit === 0) return `${full || 'The body'} holds a NUL character (\\u0000), which cannot be stored.`;
  return `${full || 'The body'} holds a lone surrogate (${hex(found.unit)}), which is not a Unicode character.`;
}
