export type Change =
  | { path: string; kind: 'changed'; before: unknown; after: unknown }
  | { path: string; kind: 'added'; after: unknown }
  | { path: string; kind: 'removed'; before: unknown };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/**
 * What changed from `a` to `b`, field by field, named by JSON path (`container_settings.envs.MODE`,
 * `arch[1]`). Objects are compared key by key, arrays item by item; anything else as a whole.
 */
export function diff(a: unknown, b: unknown, path = ''): Change[] {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => {
      const p = join(path, k);
      if (!(k in b)) return [{ path: p, kind: 'removed' as const, before: a[k] }];
      if (!(k in a)) return [{ path: p, kind: 'added' as const, after: b[k] }];
      return diff(a[k], b[k], p);
    });
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const changes: Change[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const p = `${path}[${i}]`;
      if (i >= b.length) changes.push({ path: p, kind: 'removed', before: a[i] });
      else if (i >= a.length) changes.push({ path: p, kind: 'added', after: b[i] });
      else changes.push(...diff(a[i], b[i], p));
    }
    return changes;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  return [{ path: path || '(whole)', kind: 'changed', before: a, after: b }];
}
