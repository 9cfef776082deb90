import crypto from 'node:crypto';
import { AppError } from '../platform/errors.js';

/**
 * Keyset paging for RFS lists (docs/api/rfs.md §4.2): a marker names the boundary item by its sort values
 * and id, never by an offset, so a walk neither skips nor repeats items while others are created
 * or deleted. Markers are opaque (base64url JSON plus a MAC) and bound to the sort parameters.
 */

export type SortDir = 'asc' | 'desc';

export interface Boundary {
  time: string;
  id: string;
}

export interface Cursor {
  forward: boolean;
  at: Boundary;
}

export interface KeysetQuery {
  dir: SortDir;
  cursor?: Cursor;
  limit: number;
}

/** The SQL pieces of a keyset page: comparison operators and the order of the two columns. */
export function keysetPlan(dir: SortDir, forward: boolean) {
  const flip = (d: SortDir): SortDir => (d === 'asc' ? 'desc' : 'asc');
  return {
    timeCmp: (forward ? dir === 'desc' : dir === 'asc') ? '<' : '>',
    idCmp: forward ? '>' : '<',
    timeOrder: forward ? dir : flip(dir),
    idOrder: (forward ? 'asc' : 'desc') as SortDir,
  } as const;
}

const invalid = (detail: string) => new AppError('invalid', detail);

/** Checks sort_key/sort_dir (repeated keys or comma lists) and returns the effective direction. */
export function sortDirection(sortKey: string[] | undefined, sortDir: string[] | undefined): SortDir {
  const keys = (sortKey ?? []).flatMap((k) => k.split(',')).filter((k) => k !== '');
  const dirs = (sortDir ?? []).flatMap((d) => d.split(',')).filter((d) => d !== '');
  if (keys.length !== dirs.length)
    throw invalid(
      `querystring sort_key and sort_dir must come in pairs (got ${keys.length} sort_key and ${dirs.length} sort_dir)`,
    );
  for (const k of keys) if (k !== 'create_time') throw invalid('querystring sort_key must be create_time');
  for (const d of dirs) if (d !== 'asc' && d !== 'desc') throw invalid('querystring sort_dir must be asc or desc');
  return (dirs[0] as SortDir | undefined) ?? 'desc';
}

export class MarkerCodec {
  constructor(private readonly key: Buffer) {}

  private mac(payload: string): string {
    return crypto.createHmac('sha256', this.key).update(payload).digest().subarray(0, 16).toString('base64url');
  }

  encode(scope: string, dir: SortDir, cursor: Cursor): string {
    const payload = Buffer.from(
      JSON.stringify({ s: `${scope}|${dir}`, f: cursor.forward ? 1 : 0, t: cursor.at.time, i: cursor.at.id }),
    ).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The cursor of a marker made for this list and these sort parameters; 400 otherwise. */
  decode(marker: string, scope: string, dir: SortDir): Cursor {
    const [payload, mac] = marker.split('.');
    const expected = payload ? this.mac(payload) : '';
    if (
      !payload ||
      !mac ||
      mac.length !== expected.length ||
      !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected))
    ) {
      throw invalid('querystring marker is not a marker this service issued');
    }
    const m = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      s: string;
      f: number;
      t: string;
      i: string;
    };
    if (m.s !== `${scope}|${dir}`)
      throw invalid('querystring marker was issued for other sort parameters or another list');
    return { forward: m.f === 1, at: { time: m.t, id: m.i } };
  }
}

export interface PageResult<T> {
  items: T[];
  next: Cursor | null;
  previous: Cursor | null;
}

/**
 * One page: fetch limit+1 rows in the walking direction to learn whether more lie beyond, and
 * probe one row on the other side of the page to learn whether a previous/next page exists.
 */
export async function keysetPage<T>(
  q: KeysetQuery,
  boundaryOf: (item: T) => Boundary,
  fetch: (forward: boolean, after: Boundary | undefined, limit: number) => Promise<T[]>,
): Promise<PageResult<T>> {
  const forward = q.cursor?.forward ?? true;
  const rows = await fetch(forward, q.cursor?.at, q.limit + 1);
  const more = rows.length > q.limit;
  const items = rows.slice(0, q.limit);
  if (!forward) items.reverse();
  if (items.length === 0) return { items, next: null, previous: null };
  const first = boundaryOf(items[0]!);
  const last = boundaryOf(items.at(-1)!);
  const beyond = async (fwd: boolean, at: Boundary) => (await fetch(fwd, at, 1)).length > 0;
  const hasNext = forward ? more : await beyond(true, last);
  const hasPrevious = forward ? q.cursor !== undefined && (await beyond(false, first)) : more;
  return {
    items,
    next: hasNext ? { forward: true, at: last } : null,
    previous: hasPrevious ? { forward: false, at: first } : null,
  };
}
