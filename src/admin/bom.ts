import type { JSONParser } from '@streamparser/json';

/**
 * The streaming JSON parser decodes the bytes of a string piece by piece with a TextDecoder that
 * drops a byte order mark at the start of each piece: a U+FEFF inside a string would be lost on
 * import. Its decoder is swapped for one that keeps them (the parser's version is pinned, and
 * test/admin/bom.test.ts fails if this stops holding).
 */
export function keepByteOrderMarks(parser: JSONParser): void {
  const strings = (parser as unknown as { tokenizer?: { bufferedString?: { decoder?: unknown } } }).tokenizer
    ?.bufferedString;
  if (!(strings?.decoder instanceof TextDecoder)) throw new Error('the JSON parser no longer has a string decoder');
  strings.decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
}
