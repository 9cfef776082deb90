import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { snapshotDir } from '../../src/admin/spool.js';

describe('temporary directories of snapshots', () => {
  const tmp = process.env.TMPDIR;
  afterEach(() => {
    if (tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmp;
  });

  it('removes those a killed process left a day ago, and no other', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-root-'));
    process.env.TMPDIR = root;
    const old = Date.now() / 1000 - 2 * 24 * 3600;
    for (const name of ['versionary-import-stale', 'versionary-export-stale', 'other-stale']) {
      fs.mkdirSync(path.join(root, name));
      fs.writeFileSync(path.join(root, name, 'rows.jsonl'), 'x');
      fs.utimesSync(path.join(root, name), old, old);
    }
    fs.mkdirSync(path.join(root, 'versionary-import-busy'));
    const made = await snapshotDir('import');
    expect(fs.readdirSync(root).sort()).toEqual(
      ['other-stale', 'versionary-export-stale', 'versionary-import-busy', path.basename(made)].sort(),
    );
    await snapshotDir('export');
    expect(fs.existsSync(path.join(root, 'versionary-export-stale'))).toBe(false);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
