import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { embeddedPostgres } from './postgres.js';
import { BOOTSTRAP_ENV } from './server.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** A PostgreSQL server of the test's own, which the test may stop and start again. */
export async function ownPostgres() {
  const pg = await embeddedPostgres({ persistent: true, flags: ['-c', 'max_connections=200'] });
  await pg.createDatabase('versionary');
  return { url: `${pg.baseUrl}versionary`, stop: pg.stop, start: pg.start, destroy: pg.destroy };
}

export interface Replica {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `versionary serve` as a child process and waits for its listening line. */
export async function startReplica(args: string[], env: Record<string, string> = {}): Promise<Replica> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], {
    env: { ...process.env, ...BOOTSTRAP_ENV, ...env },
  });
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
  const res = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...BOOTSTRAP_ENV, ...env },
    timeout: 60_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
