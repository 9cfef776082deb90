import net from 'node:net';
import { LRUCache } from 'lru-cache';
import { AppError } from '../platform/errors.js';
import { systemClock, type Clock } from '../platform/clock.js';

/** Wrong passwords for one user before each further attempt must wait. */
export const USER_FREE_FAILURES = 5;
/** Wrong passwords one client address may make before it must wait. */
export const ADDRESS_FAILURES = 30;
/** How often the address budget gets one attempt back. */
export const ADDRESS_REFILL_MS = 20_000;
/** Users, and addresses, whose counts are kept; as many may have attempts under way, and as many attempts wait. */
export const KEPT = 100_000;

const tooMany = (wait: number) => {
  const seconds = Math.max(1, Math.ceil(wait / 1000));
  return new AppError('too_many', `Too many wrong passwords; retry after ${seconds} s.`, undefined, {
    'Retry-After': String(seconds),
  });
};

/** How long a user waits after its count-th wrong password in a row. */
const userDelay = (count: number): number =>
  count < USER_FREE_FAILURES ? 0 : Math.min(300_000, 1000 * 2 ** (count - USER_FREE_FAILURES));

/**
 * One login attempt let through the throttle. Until it is settled (failed, succeeded or released)
 * it counts as a wrong password of its address, and of its user once named.
 */
export interface LoginAttempt {
  /** Names the user (by its key); rejects with the 429 while the user must wait. */
  user(key: string): Promise<void>;
  /** A wrong password or an unknown user: what the attempt holds stays counted. */
  failed(): void;
  /** The right password: the user's count starts over; the address gets nothing back. */
  succeeded(): void;
  /** Gives back what the attempt holds, counting nothing. Does nothing once settled. */
  release(): void;
}

/** The attempts under way for one user or network, and those waiting for one of them to end. */
interface Running {
  held: number;
  waiting: (() => void)[];
}

/**
 * Slows down password guessing. Per user (keyed by the user's id, or the spelling of an unknown
 * user): after 5 wrong passwords, each further attempt waits 1 s, 2 s, 4 s … up to 5 minutes; a
 * right one resets it. Per client address, across users: 30 wrong passwords, then one more
 * every 20 s; a right password gives nothing back. While either waits, every attempt is answered
 * 429 with Retry-After, the right password too.
 *
 * Attempts sent at once are answered as if sent one after another. An attempt under way counts as
 * a wrong password from its check, made at the same moment, until it is answered; one that would
 * be over the limit were those all wrong waits for one of them to end, then is checked again. So
 * no more passwords are tried than one by one, and right passwords sent at once all get in.
 * Per process, in bounded memory.
 */
export class LoginThrottle {
  // Made on the first wrong password: their slots are allocated up front.
  private users?: LRUCache<string, { count: number; until: number }>;
  private addresses?: LRUCache<string, { level: number; at: number }>;
  /** Attempts under way, by user key and by network; an entry lives only while some are. */
  private readonly running = { users: new Map<string, Running>(), addresses: new Map<string, Running>() };
  /** Attempts waiting for another to end. */
  private waiting = 0;

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly addressFailures = ADDRESS_FAILURES,
  ) {}

  /** Lets an attempt from the address begin; rejects with the 429 while the address must wait. */
  async begin(address: string): Promise<LoginAttempt> {
    const where = this.addressFailures > 0 ? network(address) : undefined;
    if (where !== undefined) {
      for (;;) {
        const level = this.addressLevel(where);
        const over = level + 1 - this.addressFailures;
        if (over > 0) throw tooMany(over * ADDRESS_REFILL_MS);
        const running = this.running.addresses.get(where);
        if (!running || level + running.held + 1 <= this.addressFailures) break;
        await this.oneEnds(running, (level + running.held + 1 - this.addressFailures) * ADDRESS_REFILL_MS);
      }
      hold(this.running.addresses, where);
    }
    let key: string | undefined;
    let open = true;
    const settle = (outcome?: 'failed' | 'succeeded') => {
      if (!open) return;
      open = false;
      if (where !== undefined) {
        if (outcome === 'failed') this.addressFailed(where);
        letGo(this.running.addresses, where);
      }
      if (key !== undefined) {
        if (outcome === 'failed') this.userFailed(key);
        else if (outcome === 'succeeded') this.users?.delete(key);
        letGo(this.running.users, key);
      }
    };
    return {
      user: async (k) => {
        if (!open || key !== undefined) throw new Error('a login attempt names one user, before it is settled');
        for (;;) {
          const f = this.users?.get(k);
          const wait = f ? f.until - this.clock.now() : 0;
          if (wait > 0) throw tooMany(wait);
          const running = this.running.users.get(k);
          const next = running ? userDelay((f?.count ?? 0) + running.held) : 0;
          if (next === 0) break;
          await this.oneEnds(running!, next);
        }
        if (!open) throw new Error('a login attempt names one user, before it is settled');
        hold(this.running.users, k);
        key = k;
      },
      failed: () => settle('failed'),
      succeeded: () => settle('succeeded'),
      release: () => settle(),
    };
  }

  /** Waits for an attempt under way to end; with KEPT attempts waiting already, the 429 for `wait`. */
  private async oneEnds(running: Running, wait: number): Promise<void> {
    if (this.waiting >= KEPT) throw tooMany(wait);
    this.waiting++;
    try {
      await new Promise<void>((resolve) => running.waiting.push(resolve));
    } finally {
      this.waiting--;
    }
  }

  private userFailed(key: string): void {
    this.users ??= new LRUCache({ max: KEPT, ttl: 3_600_000 });
    const count = (this.users.get(key)?.count ?? 0) + 1;
    this.users.set(key, { count, until: this.clock.now() + userDelay(count) });
  }

  private addressFailed(where: string): void {
    this.addresses ??= new LRUCache({ max: KEPT, ttl: (this.addressFailures + 1) * ADDRESS_REFILL_MS });
    this.addresses.set(where, { level: this.addressLevel(where) + 1, at: this.clock.now() });
  }

  /** Failures of the address's network not yet given back. */
  private addressLevel(network: string): number {
    const a = this.addresses?.get(network);
    return a ? Math.max(0, a.level - (this.clock.now() - a.at) / ADDRESS_REFILL_MS) : 0;
  }
}

/** Counts one more attempt under way; with KEPT users or networks under way already, a new one gets the 429. */
function hold(running: Map<string, Running>, key: string): void {
  const r = running.get(key);
  if (r) r.held++;
  else if (running.size >= KEPT) throw tooMany(1000);
  else running.set(key, { held: 1, waiting: [] });
}

/** Counts one attempt less under way, and lets those waiting for it check again. */
function letGo(running: Map<string, Running>, key: string): void {
  const r = running.get(key);
  if (!r) return;
  r.held--;
  const waiting = r.waiting;
  r.waiting = [];
  if (r.held <= 0) running.delete(key);
  for (const wake of waiting) wake();
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
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
