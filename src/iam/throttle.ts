import net from 'node:net';
import { LRUCache } from 'lru-cache';
import { AppError } from '../platform/errors.js';

/** Wrong passwords for one user before each further attempt must wait. */
export const USER_FREE_FAILURES = 5;
/** Wrong passwords one client address may make before it must wait. */
export const ADDRESS_FAILURES = 30;
/** How often the address budget gets one attempt back. */
export const ADDRESS_REFILL_MS = 20_000;

const tooMany = (wait: number) => {
  const seconds = Math.max(1, Math.ceil(wait / 1000));
  return new AppError('too_many', `Too many wrong passwords; retry after ${seconds} s.`, undefined, { 'Retry-After': String(seconds) });
};

/**
 * Slows down password guessing. Per user (keyed by the user's id, or the spelling of an unknown
 * user): after 5 wrong passwords, each further attempt waits 1 s, 2 s, 4 s … up to 5 minutes; a
 * right one resets it. Per client address, across users: 30 wrong passwords, then one more
 * every 20 s; a right password gives nothing back. While either waits, every attempt is answered
 * 429 with Retry-After, the right password too. Per process, in bounded memory.
 */
export class LoginThrottle {
  // Made on the first wrong password: their slots are allocated up front.
  private users?: LRUCache<string, { count: number; until: number }>;
  private addresses?: LRUCache<string, { level: number; at: number }>;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly addressFailures = ADDRESS_FAILURES,
  ) {}

  /** Throws the 429 while the address must wait. */
  checkAddress(address: string): void {
    if (this.addressFailures <= 0) return;
    const over = this.addressLevel(network(address)) + 1 - this.addressFailures;
    if (over > 0) throw tooMany(over * ADDRESS_REFILL_MS);
  }

  /** Throws the 429 while the user must wait. */
  checkUser(key: string): void {
    const f = this.users?.get(key);
    const wait = f ? f.until - this.now() : 0;
    if (wait > 0) throw tooMany(wait);
  }

  failed(key: string, address: string): void {
    const now = this.now();
    this.users ??= new LRUCache({ max: 100_000, ttl: 3_600_000 });
    const count = (this.users.get(key)?.count ?? 0) + 1;
    const delay = count < USER_FREE_FAILURES ? 0 : Math.min(300_000, 1000 * 2 ** (count - USER_FREE_FAILURES));
    this.users.set(key, { count, until: now + delay });
    if (this.addressFailures <= 0) return;
    this.addresses ??= new LRUCache({ max: 100_000, ttl: (this.addressFailures + 1) * ADDRESS_REFILL_MS });
    const where = network(address);
    this.addresses.set(where, { level: this.addressLevel(where) + 1, at: now });
  }

  succeeded(key: string): void {
    this.users?.delete(key);
  }

  /** Failures of the address's network not yet given back. */
  private addressLevel(network: string): number {
    const a = this.addresses?.get(network);
    return a ? Math.max(0, a.level - (this.now() - a.at) / ADDRESS_REFILL_MS) : 0;
  }
}

/** The key of a client address: IPv6 clients count by their /64 network, which one client usually holds whole. */
export function network(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!net.isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}
