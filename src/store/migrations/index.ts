import type { Migration } from 'kysely';
import * as m001 from './001_identity.js';

/** Every migration, in order. Names never change once released. */
export const MIGRATIONS: Record<string, Migration> = {
  '001_identity': m001,
};
