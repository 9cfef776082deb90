import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCached } from './code-cache.js';

/**
 * The installed command (dist/cli.js). It runs the bundled program, dist/versionary.cjs, from a V8
 * code cache (code-cache.ts): that takes 60–90 ms (a sixth) off a cold start (npm run
 * bench:startup). The build writes the cache for the usual invocations.
 */
runCached(path.join(path.dirname(fileURLToPath(import.meta.url)), 'versionary.cjs'));
