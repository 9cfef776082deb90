import { describe, expect, it } from 'vitest';
import { SnapshotGuard, type ValueKind } from '../../src/admin/guard.js';

const run = (text: string | Buffer, limits = { depth: 8, recordBytes: 1000 }, chunk = 7) => {
  const keys: [string, ValueKind][] = [];
  const guard = new SnapshotGuard(limits, (k, kind) => keys.push([k, kind]));
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunk) guard.feed(bytes.subarray(i, i + chunk));
  return keys;
};

describe('the snapshot guard', () => {
  it('reports top-level keys in order with the kind of their values, across chunk boundaries', () => {
    for (const chunk of [1, 3, 7, 1000]) {
      expect(
        run(
          '{ "format" : "a\\"b", "version":1,"x\\"y":null, "edge_apps":[{"k":"[{"}], "t": {"a":[]} }',
          undefined,
          chunk,
        ),
      ).toEqual([
        ['format', 'scalar'],
        ['version', 'scalar'],
        ['x\\"y', 'scalar'],
        ['edge_apps', 'array'],
        ['t', 'object'],
      ]);
    }
  });

  it('refuses nesting deeper than the limit, wherever it is', () => {
    expect(() => run(`{"a":${'['.repeat(8)}${']'.repeat(8)}}`)).toThrow(/nest deeper than 8 levels/);
    expect(run(`{"a":${'['.repeat(7)}${']'.repeat(7)}}`)).toEqual([['a', 'array']]);
    expect(() => run('['.repeat(100000))).toThrow(/nest deeper/);
  });

  it('refuses a record or a string larger than the limit', () => {
    expect(() => run(`{"t":[{"a":[${'{},'.repeat(400)}{}]}]}`)).toThrow(/a record is larger than 1000 bytes/);
    expect(run(`{"t":[{"a":[${'{},'.repeat(300)}{}]},{"b":[${'{},'.repeat(300)}{}]}]}`)).toEqual([['t', 'array']]);
    expect(() => run(`{"t":"${'x'.repeat(1001)}"}`)).toThrow(/a string is longer than 1000 bytes/);
    expect(() => run(`{"t":["${'\\u0041'.repeat(200)}"]}`)).toThrow(/a string is longer/);
  });

  it('reads tens of megabytes of records', () => {
    const record = JSON.stringify({ description: 'd'.repeat(200), n: 'a\\b', list: ['x', 'y'] });
    const text = `{"format":"f","t":[${Array(200_000).fill(record).join(',')}]}`;
    const keys = run(text, { depth: 8, recordBytes: 4096 }, 65536);
    expect(keys).toEqual([
      ['format', 'scalar'],
      ['t', 'array'],
    ]);
  });
});
