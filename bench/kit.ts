import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import type { StartVersionary } from '../src/kit/types.js';

/**
 * npm run bench:kit: start to ready of startVersionary() in this process with an empty store in
 * memory (the package as built, dist/index.cjs): from the call until its promise resolves (the port
 * is bound and the first identity created), and until the first 200 from /healthz. The first start
 * also loads the bundle; the others run in a process that has started one already.
 */
const { values: opts } = parseArgs({ options: { starts: { type: 'string', default: '21' } } });
const starts = Number(opts.starts);
if (!Number.isInteger(starts) || starts < 2) {
  process.stderr.write('bench:kit: --starts must be a whole number of at least 2\n');
  process.exit(2);
}
const GOAL_MS = 100;

const loading = performance.now();
const { startVersionary } = createRequire(import.meta.url)('../dist/index.cjs') as { startVersionary: StartVersionary };
const loadMs = performance.now() - loading;

const ready: number[] = [];
const answered: number[] = [];
for (let i = 0; i < starts; i++) {
  const t0 = performance.now();
  const vx = await startVersionary();
  ready.push(performance.now() - t0);
  const res = await fetch(`${vx.url}/healthz`);
  if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
  answered.push(performance.now() - t0);
  await vx.stop();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => x.toFixed(1);
const later = ready.slice(1);
process.stdout.write(
  [
    `bundle load: ${ms(loadMs)} ms`,
    `first start: ${ms(ready[0]!)} ms to ready, ${ms(answered[0]!)} ms to the first /healthz 200`,
    `next ${later.length} starts: median ${ms(median(later))} ms to ready (min ${ms(Math.min(...later))}, max ${ms(
      Math.max(...later),
    )}), median ${ms(median(answered.slice(1)))} ms to the first 200`,
    `goal: under ${GOAL_MS} ms to ready: ${median(later) < GOAL_MS ? 'met' : 'NOT met'} (median of the later starts)`,
    '',
  ].join('\n'),
);
