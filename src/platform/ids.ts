import crypto from 'node:crypto';

/**
 * Where every generated id and secret comes from: request ids, provider ids, IAM ids, access and
 * secret keys, passwords, tokens, a generated master key and fault-rule draws. Random by default;
 * with a seed (`--id-seed`) each purpose gets its own deterministic stream, so that two servers
 * started alike and called alike answer alike.
 */
export interface IdSource {
  /** n bytes for one purpose (each purpose is a stream of its own when seeded). */
  bytes(n: number, purpose: string): Buffer;
  readonly seeded: boolean;
}

export const randomIds: IdSource = { bytes: (n) => crypto.randomBytes(n), seeded: false };

/** A deterministic source: HMAC-SHA256(seed, purpose ‖ counter) blocks, a counter per purpose. */
export function seededIds(seed: string): IdSource {
  // A whole number is one seed however it is written: 007 is 7.
  const canonical = /^\d+$/.test(seed) ? BigInt(seed).toString() : seed;
  const key = crypto.createHash('sha256').update(`versionary-id-seed\0${canonical}`).digest();
  const counters = new Map<string, number>();
  return {
    seeded: true,
    bytes(n, purpose) {
      const blocks: Buffer[] = [];
      let have = 0;
      while (have < n) {
        const i = counters.get(purpose) ?? 0;
        counters.set(purpose, i + 1);
        const block = crypto.createHmac('sha256', key).update(`${purpose}\0${i}`).digest();
        blocks.push(block);
        have += block.length;
      }
      return Buffer.concat(blocks).subarray(0, n);
    },
  };
}

export const idSource = (seed?: string): IdSource => (seed === undefined ? randomIds : seededIds(seed));

/** A request id: 32 hex characters. */
export const requestId = (ids: IdSource): string =>
  ids.seeded ? ids.bytes(16, 'request').toString('hex') : crypto.randomUUID().replaceAll('-', '');

/** A random (version 4) UUID. */
export function uuid(ids: IdSource, purpose: string): string {
  if (!ids.seeded) return crypto.randomUUID();
  const b = ids.bytes(16, purpose);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A number in [0, 1). */
export const draw = (ids: IdSource, purpose: string): number => ids.bytes(6, purpose).readUIntBE(0, 6) / 2 ** 48;
