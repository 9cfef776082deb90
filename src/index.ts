/** The package: `import { startVersionary } from 'versionary'` (README, Use it in your tests). */
export { startVersionary } from './kit/start.js';
export type * from './kit/types.js';
