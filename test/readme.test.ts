import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MASTER_KEY } from './helpers/server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Every `./dist/cli.js …` line of the README's shell blocks, in order, without its comment. */
function readmeCommands(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((b) => b.split('\n')).map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l.startsWith('./dist/cli.js '));
}

describe("the README's commands", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-readme-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('run as written, in order, on a new store', () => {
    const commands = readmeCommands();
    expect(commands.length).toBeGreaterThan(10);
    let accessKey = '';
    for (const line of commands) {
      if (/^\.\/dist\/cli\.js serve\b/.test(line)) continue;
      const args = line
        .replace('<access-key>', accessKey)
        .replace('<project-id>', crypto.randomBytes(16).toString('hex'))
        .replace('<password>', 'readme-password-1')
        .split(/\s+/)
        .slice(1);
      const res = spawnSync(path.join(ROOT, 'dist/cli.js'), args, {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, VERSIONARY_DATA_DIR: dataDir, VERSIONARY_MASTER_KEY: MASTER_KEY },
        timeout: 30_000,
      });
      expect(res.status, `${line}\n${res.stderr}`).toBe(0);
      accessKey = /access_key=(\S+)/.exec(res.stdout)?.[1] ?? accessKey;
    }
    expect(accessKey).not.toBe('');
  }, 120_000);
});
