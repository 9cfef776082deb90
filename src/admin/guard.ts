import { AppError } from '../platform/errors.js';

/** What a top-level value of a snapshot is: its first character decides. */
export type ValueKind = 'array' | 'object' | 'scalar';

export interface GuardLimits {
  /** Deepest nesting of arrays and objects (the snapshot object itself is depth 1). */
  depth: number;
  /** Most bytes of one record (a value nested in a top-level value) and of any one string. */
  recordBytes: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = new Set([0x5b, 0x7b]);
const CLOSE = new Set([0x5d, 0x7d]);
const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Reads the bytes of a snapshot before the JSON parser does, in one pass that keeps no more than
 * a key: it refuses nesting deeper than a snapshot ever has, a record or string larger than any
 * record can be, and reports each top-level key with the kind of its value as soon as that is
 * known, so that a snapshot of the wrong shape is refused before its records are read. The
 * parser itself would take time growing with the square of the depth, and memory with the
 * size of a record, before anything could be said.
 */
export class SnapshotGuard {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private stringBytes = 0;
  private recordBytes = 0;
  /**
   * Inside the top-level object: whether the next string is a key, the key being read, and the key waiting for its
   * value.
   */
  private expectKey = false;
  private key: number[] | null = null;
  private pendingKey: string | null = null;
  private offset = 0;

  constructor(
    private readonly limits: GuardLimits,
    private readonly onKey: (name: string, kind: ValueKind) => void,
  ) {}

  feed(chunk: Uint8Array): void {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let quoteAt = -1;
    let slashAt = -1;
    for (let i = 0; i < bytes.length; i++) {
      if (this.inString && !this.escaped && this.key === null) {
        // Most bytes are inside strings: skip to the next quote or backslash at once (each is
        // searched for again only once passed, so a chunk is scanned in linear time).
        if (quoteAt < i) quoteAt = nextOf(bytes, QUOTE, i);
        if (slashAt < i) slashAt = nextOf(bytes, BACKSLASH, i);
        const next = Math.min(quoteAt, slashAt);
        const skipped = next - i;
        if (skipped > 0) {
          this.stringBytes += skipped;
          if (this.depth >= 3) this.recordBytes += skipped;
          this.offset += skipped;
          this.checkSizes();
          i = next;
          if (i >= bytes.length) break;
        }
      }
      this.step(bytes[i]!);
      this.offset++;
    }
  }

  private step(b: number): void {
    if (this.depth >= 3) this.recordBytes++;
    if (this.inString) {
      this.stringBytes++;
      this.checkSizes();
      if (this.escaped) this.escaped = false;
      else if (b === BACKSLASH) this.escaped = true;
      else if (b === QUOTE) {
        this.inString = false;
        if (this.key) {
          this.pendingKey = Buffer.from(this.key).toString('utf8');
          this.key = null;
          return;
        }
      }
      if (this.key && this.key.length < 256) this.key.push(b);
      return;
    }
    this.checkSizes();
    if (SPACE.has(b) || b === COLON) return;
    if (this.depth === 1 && this.pendingKey !== null && !this.expectKey) this.valueStarts(b);
    if (b === QUOTE) {
      this.inString = true;
      this.stringBytes = 0;
      if (this.depth === 1 && this.expectKey) {
        this.key = [];
        this.expectKey = false;
      }
    } else if (OPEN.has(b)) {
      this.depth++;
      if (this.depth > this.limits.depth)
        this.refuse(`arrays and objects nest deeper than ${this.limits.depth} levels`);
      if (this.depth === 1) this.expectKey = b === 0x7b;
      if (this.depth === 3) this.recordBytes = 1;
    } else if (CLOSE.has(b)) {
      this.depth--;
    } else if (b === COMMA && this.depth === 1) {
      this.expectKey = true;
    }
  }

  private valueStarts(b: number): void {
    const name = this.pendingKey!;
    this.pendingKey = null;
    this.onKey(name, b === 0x5b ? 'array' : b === 0x7b ? 'object' : 'scalar');
  }

  private checkSizes(): void {
    if (this.inString && this.stringBytes > this.limits.recordBytes)
      this.refuse(`a string is longer than ${this.limits.recordBytes} bytes`);
    if (this.depth >= 3 && this.recordBytes > this.limits.recordBytes)
      this.refuse(`a record is larger than ${this.limits.recordBytes} bytes`);
  }

  private refuse(what: string): never {
    throw new AppError('invalid', `not a snapshot this server takes: ${what} (at byte ${this.offset})`);
  }
}

/** The index of the next byte b in bytes from i, or bytes.length. */
function nextOf(bytes: Buffer, b: number, i: number): number {
  const at = bytes.indexOf(b, i);
  return at < 0 ? bytes.length : at;
}
