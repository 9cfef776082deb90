import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freshBackend } from './helpers/backends.js';
import { startReplica } from './helpers/processes.js';
import { ADMIN_PASSWORD, MASTER_KEY, PROJECT_ID } from './helpers/server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The shell blocks of the README between two headings. */
function shellBlocks(from: string, to: string): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const part = readme.slice(readme.indexOf(from), readme.indexOf(to));
  return [...part.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** Every `./dist/cli.js …` line of the README's shell blocks, in order, without its comment. */
function readmeCommands(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith('./dist/cli.js '));
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

describe("the README's curl walk-through", () => {
  it('runs as written against a fresh server: token, project id, IoTEdge and all nine RFS operations', async () => {
    const backend = await freshBackend('sqlite');
    const server = await startReplica(['--data-dir', backend.dataDir, '--database', backend.database]);
    try {
      const script = shellBlocks('## Calling the API with curl', '## API explorer')
        .join('\n')
        .replaceAll('http://127.0.0.1:8080', server.url)
        .replace("PASSWORD='…'", `PASSWORD='${ADMIN_PASSWORD}'`);
      const res = spawnSync('bash', ['-c', `set -euo pipefail\n${script}\necho "project=$PROJECT_ID"`], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(res.status, res.stderr).toBe(0);
      expect(res.stdout).toContain(`project=${PROJECT_ID}`);
      expect(res.stdout).not.toContain('error_code');
      expect(res.stdout).toContain('"state":"PUBLISHED"');
      expect(res.stdout).toContain('HTTP/1.1 201');
      expect(res.stdout).toMatch(/204\n204\nproject=/);
    } finally {
      await server.stop();
      await backend.drop();
    }
  }, 120_000);
});
