import type { Migration } from 'kysely';
import * as m001 from './001_identity.js';
import * as m002 from './002_iotedge.js';
import * as m003 from './003_rfs.js';
import * as m004 from './004_version_docs.js';
import { rfsDomains } from './005_rfs_domains.js';
import * as m006 from './006_version_spec.js';
import * as m007 from './007_activity.js';
import * as m008 from './008_faults.js';

/** Every migration, in order. Names never change once released. */
export const MIGRATIONS: Record<string, Migration> = {
  '001_identity': m001,
  '002_iotedge': m002,
  '003_rfs': m003,
  '004_version_docs': m004,
  // Refuses what cannot move by itself unless the operator resolves it (migrate.ts).
  '005_rfs_domains': rfsDomains(),
  '006_version_spec': m006,
  '007_activity': m007,
  '008_faults': m008,
};
