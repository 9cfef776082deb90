import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export type BackendName = 'sqlite' | 'postgres';
export const BACKENDS: BackendName[] = ['sqlite', 'postgres'];

export interface Backend {
  name: BackendName;
  /** A database URL of a new, empty database. */
  database: string;
  /** A directory for the data dir (master key file, SQLite file). */
  dataDir: string;
  drop(): Promise<void>;
}

/** A fresh empty database of the given kind: a temporary SQLite file or a new PostgreSQL database. */
export async function freshBackend(name: BackendName): Promise<Backend> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-test-'));
  if (name === 'sqlite') {
    return {
      name,
      database: `sqlite:${path.join(dataDir, 'versionary.db')}`,
      dataDir,
      drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const admin = inject('pgAdminUrl');
  const dbName = `vt_${crypto.randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${dbName}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${dbName}`;
  return {
    name,
    database: url.toString(),
    dataDir,
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${dbName} with (force)`);
      await c.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
