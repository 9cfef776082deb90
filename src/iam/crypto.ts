import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomIds, type IdSource } from '../platform/ids.js';

const scrypt = promisify(crypto.scrypt) as (
  pw: string,
  salt: Buffer,
  len: number,
  opts: crypto.ScryptOptions,
) => Promise<Buffer>;
const SCRYPT = { N: 16384, r: 8, p: 1 };

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return crypto.timingSafeEqual(actual, expected);
}

export { sha256Hex } from '../platform/aksk.js';

export const newId = (ids: IdSource = randomIds): string => ids.bytes(16, 'id').toString('hex');

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomFrom(alphabet: string, length: number, ids: IdSource, purpose: string): string {
  let out = '';
  for (const b of ids.bytes(length * 2, purpose)) {
    if (b < 256 - (256 % alphabet.length)) out += alphabet[b % alphabet.length];
    if (out.length === length) return out;
  }
  return out + randomFrom(alphabet, length - out.length, ids, purpose);
}

/** Access key ids look like Huawei's: 20 upper-case letters and digits. */
export const newAccessKey = (ids: IdSource = randomIds): string =>
  randomFrom('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 20, ids, 'access-key');
export const newSecretKey = (ids: IdSource = randomIds): string => randomFrom(ALNUM, 40, ids, 'secret-key');
export const newPassword = (ids: IdSource = randomIds): string => randomFrom(ALNUM, 20, ids, 'password');
export const newToken = (ids: IdSource = randomIds): string => `vtk-${ids.bytes(32, 'token').toString('base64url')}`;

/** AES-256-GCM with the deployment's master key; the text form is iv.tag.ciphertext in base64url. */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('master key must be 32 bytes');
  }

  seal(plain: string): string {
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return [iv, c.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
  }

  /** Throws when the text was sealed with another key or altered. */
  open(sealed: string): string {
    const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
    if (!iv || !tag || !body) throw new Error('malformed sealed secret');
    const d = crypto.createDecipheriv('aes-256-gcm', this.key, iv);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(body), d.final()]).toString('utf8');
  }
}

/**
 * The master key from VERSIONARY_MASTER_KEY, else from (or newly written to) <dataDir>/master.key;
 * with no data dir (a store in memory), a new key that is never written.
 */
export function loadMasterKey(
  hex: string | undefined,
  dataDir: string | null,
  ids: IdSource = randomIds,
): { key: Buffer; generatedFile?: string } {
  if (hex) return { key: Buffer.from(hex, 'hex') };
  if (dataDir === null) return { key: ids.bytes(32, 'master-key') };
  const file = path.join(dataDir, 'master.key');
  if (fs.existsSync(file)) {
    const text = fs.readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new Error(`${file} does not hold 64 hex characters`);
    return { key: Buffer.from(text, 'hex') };
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const key = ids.bytes(32, 'master-key');
  fs.writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  return { key, generatedFile: file };
}
