import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, startProcess } from './lib.js';

/**
 * npm run bench:startup: cold start to the first 200 from /healthz (P4 of bench/run.ts, a fresh
 * data folder each time) of the command with its code cache and of the bundle run without it,
 * interleaved start by start; prints every sample and the medians, of the time to ready and of the
 * CPU time used until then. `--variant name=command` (repeatable) compares other commands.
 */
const { values: opts } = parseArgs({
  options: {
    starts: { type: 'string', default: '9' },
    variant: { type: 'string', multiple: true, default: [] },
  },
});
const starts = Number(opts.starts);
if (!Number.isInteger(starts) || starts < 1) {
  process.stderr.write(`bench:startup: --starts must be a whole number of at least 1\n`);
  process.exit(2);
}
const ENV = {
  VERSIONARY_PROJECT_ID: 'benchproject',
  VERSIONARY_ADMIN_PASSWORD: 'bench-password-1',
  VERSIONARY_MASTER_KEY: 'ab'.repeat(32),
  VERSIONARY_LOG_LEVEL: 'info',
};
// The command as bench/run.ts runs it (through its shebang, from the code cache), and the same
// program with the same V8 flags without the cache.
const CLI = path.resolve('dist/cli.js');
const shebangFlags = fs.readFileSync(CLI, 'utf8').split('\n')[0]!.split(' ').slice(3);
const variants: [string, string[]][] = opts.variant.length
  ? opts.variant.map((v) => {
      const at = v.indexOf('=');
      return [v.slice(0, at), v.slice(at + 1).split(' ')];
    })
  : [
      ['dist/cli.js (code cache)', [CLI]],
      [
        `node ${shebangFlags.join(' ')} dist/versionary.cjs (no cache)`,
        [process.execPath, ...shebangFlags, path.resolve('dist/versionary.cjs')],
      ],
    ];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-startup-'));
const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
const cpu = new Map<string, number[]>(variants.map(([name]) => [name, []]));
/** CPU time (user + system) the process has used, in ms: steadier than wall time on a busy machine. */
const cpuMs = (pid: number) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};
try {
  // One start of each first, not counted: it brings the files into the page cache.
  for (let i = -1; i < starts; i++) {
    for (const [name, cmd] of variants) {
      const port = await freePort();
      const data = path.join(tmp, `${samples.get(name)!.length}-${Math.random().toString(36).slice(2)}`);
      const p = await startProcess([...cmd, 'serve', '--port', String(port), '--data-dir', data], ENV, port);
      const used = cpuMs(p.child.pid!);
      await p.stop();
      if (i < 0) continue;
      samples.get(name)!.push(p.startMs);
      cpu.get(name)!.push(used);
    }
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
const list = (ms: number[]) => `median ${median(ms).toFixed(0)} ms (${ms.map((m) => m.toFixed(0)).join(', ')})`;
for (const [name, ms] of samples) console.log(`${name}: to ready ${list(ms)}; CPU ${list(cpu.get(name)!)}`);
