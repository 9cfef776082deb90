import path from 'node:path';
import { runCached } from './code-cache.js';
import type * as Kit from './index.js';

/**
 * dist/index.cjs, what `require('versionary')` and `import 'versionary'` load: the test kit's
 * bundle (dist/kit.cjs, made from index.ts) run from a V8 code cache, which takes about a third
 * off the first start in a process (npm run bench:kit).
 */
const kit = runCached(path.join(import.meta.dirname, 'kit.cjs')) as typeof Kit;
export const startVersionary = kit.startVersionary;
