import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CREATE_VERSION_EXAMPLE } from '../src/iotedge/examples.js';
import { freePort, load, probeLatency, startProcess, type LoadResult, type Proc } from './lib.js';
import { seedVersions } from './seed.js';

/**
 * npm run bench: Versionary and its baselines as separate processes, each driven by autocannon
 * with the same connections, duration and warm-up; one table of req/s, p50, p99, errors and the
 * ratio to the baseline measured in the same run. Exits non-zero when any scenario had errors.
 */
const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    versions: { type: 'string', default: '1000000' },
    out: { type: 'string', default: 'bench/results/latest.json' },
  },
});
/** A whole-number option, at least `min`; anything else stops the bench before it starts. */
function whole(name: keyof typeof opts, min: number): number {
  const value = Number(opts[name]);
  if (!Number.isInteger(value) || value < min) {
    process.stderr.write(
      `bench: --${name} must be a whole number of at least ${min}, got ${JSON.stringify(opts[name])}\n`,
    );
    process.exit(2);
  }
  return value;
}
const duration = whole('duration', 1);
const warmup = whole('warmup', 0);
const connections = whole('connections', 1);
const rounds = whole('rounds', 1);
const bigStore = whole('versions', 1000);

const CLI = path.resolve('dist/cli.js');
const PROJECT = 'benchproject';
const PASSWORD = 'bench-password-1';
// One credential drives every scenario: its request budget is raised above what the machine can
// serve, so that the limiter is still checked on every request but never answers 429.
const ENV = {
  VERSIONARY_PROJECT_ID: PROJECT,
  VERSIONARY_ADMIN_PASSWORD: PASSWORD,
  VERSIONARY_MASTER_KEY: 'ab'.repeat(32),
  VERSIONARY_LOG_LEVEL: 'info',
  VERSIONARY_RATE_LIMIT: '1000000000',
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-bench-'));
const procs: Proc[] = [];

interface Row {
  scenario: string;
  target: string;
  rps?: number;
  p50?: number;
  p99?: number;
  errors?: number;
  baseline?: string;
  ratio?: number;
  goal: string;
  met?: boolean;
  note?: string;
}
const rows: Row[] = [];

async function versionary(dataDir: string, probe = '/healthz', probeHeaders: Record<string, string> = {}) {
  const port = await freePort();
  const p = await startProcess(
    [CLI, 'serve', '--port', String(port), '--data-dir', dataDir],
    ENV,
    port,
    probe,
    probeHeaders,
  );
  procs.push(p);
  return p;
}

async function baseline(script: string, args: string[]) {
  const port = await freePort();
  const p = await startProcess(
    [process.execPath, '--import', 'tsx', path.resolve('bench/baselines', script), String(port), ...args],
    {},
    port,
    '/',
  );
  procs.push(p);
  return p;
}

async function bareServing(bytes: Buffer | string, name: string) {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  const port = await freePort();
  const p = await startProcess(
    [process.execPath, '--import', 'tsx', path.resolve('bench/baselines/bare.ts'), String(port), file],
    {},
    port,
    '/',
  );
  procs.push(p);
  return p;
}

async function token(url: string): Promise<string> {
  const res = await fetch(`${url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', password: PASSWORD } } },
        scope: { project: { id: PROJECT } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`token: ${res.status} ${await res.text()}`);
  return res.headers.get('x-subject-token')!;
}

async function call(
  url: string,
  tok: string,
  method: string,
  pathname: string,
  body?: unknown,
  extra: Record<string, string> = {},
) {
  const res = await fetch(url + pathname, {
    method,
    headers: { 'x-auth-token': tok, 'content-type': 'application/json', ...extra },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${pathname}: ${res.status} ${text}`);
  return text;
}

const common = { duration, warmup, connections };
const rid = '6f1d4a3e-9c1b-4b7e-8f3a-2d5c7e9a1b30';
const urn = 'urn:fss:cn-north-7:a61dfe3154de42829367056598d5040f:function:default:test:latest';

/**
 * Drives Versionary and its baseline `rounds` times, alternating which goes first, and reports the
 * round with the median ratio: a drift of the shared machine then weighs on both sides alike.
 * Errors are counted over all rounds.
 */
async function compare(
  scenario: string,
  ours: () => Promise<LoadResult>,
  base: () => Promise<LoadResult>,
  baseName: string,
  goal: string,
  minRatio: number,
) {
  const pairs: { ours: LoadResult; base: LoadResult; ratio: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    let a: LoadResult, b: LoadResult;
    if (i % 2 === 0) {
      a = await ours();
      b = await base();
    } else {
      b = await base();
      a = await ours();
    }
    pairs.push({ ours: a, base: b, ratio: a.rps / b.rps });
  }
  const byRatio = [...pairs].sort((x, y) => x.ratio - y.ratio);
  const mid = byRatio[Math.floor(byRatio.length / 2)]!;
  const oursErrors = pairs.reduce((n, p) => n + p.ours.errors, 0);
  const baseErrors = pairs.reduce((n, p) => n + p.base.errors, 0);
  const note = rounds > 1 ? `median of ${pairs.map((p) => p.ratio.toFixed(2)).join(', ')}` : undefined;
  rows.push({
    scenario,
    target: 'versionary',
    rps: mid.ours.rps,
    p50: mid.ours.p50,
    p99: mid.ours.p99,
    errors: oursErrors,
    baseline: baseName,
    ratio: mid.ratio,
    goal,
    met: mid.ratio >= minRatio && oursErrors === 0,
    note,
  });
  rows.push({
    scenario,
    target: baseName,
    rps: mid.base.rps,
    p50: mid.base.p50,
    p99: mid.base.p99,
    errors: baseErrors,
    goal: 'baseline',
  });
}

async function main() {
  // --- a working store: apps and providers with 100 versions each; the lists read the ones that
  // the create scenarios leave alone (exactly 100 versions, one page) ------------------------
  const main = await versionary(path.join(tmp, 'main'));
  const tok = await token(main.url);
  const apps = `/v2/${PROJECT}/edge-apps`;
  for (const app of ['bench-app', 'list-app']) {
    await call(main.url, tok, 'POST', apps, { edge_app_id: app });
    for (let i = 0; i < 100; i++)
      await call(main.url, tok, 'POST', `${apps}/${app}/versions`, { ...CREATE_VERSION_EXAMPLE, version: `1.0.${i}` });
  }
  for (const provider of ['bench-provider', 'list-provider']) {
    await call(
      main.url,
      tok,
      'POST',
      '/v1/private-providers',
      { provider_name: provider },
      { 'client-request-id': rid },
    );
    for (let i = 0; i < 100; i++)
      await call(
        main.url,
        tok,
        'POST',
        `/v1/private-providers/${provider}/versions`,
        { provider_version: `1.0.${i}`, function_graph_urn: urn },
        { 'client-request-id': rid },
      );
  }
  const auth = { 'x-auth-token': tok };

  // P1: show one version vs node:http with the same bytes
  const showPath = `${apps}/bench-app/versions/1.0.50`;
  const showBytes = await call(main.url, tok, 'GET', showPath);
  const bareShow = await bareServing(showBytes, 'show.json');
  await compare(
    'P1 show version',
    () => load({ ...common, url: main.url + showPath, headers: auth }),
    () => load({ ...common, url: bareShow.url }),
    'node:http same bytes',
    '>= 0.80',
    0.8,
  );

  // P2: create version (durable, synchronous=FULL) vs Fastify validating the same schema
  const validate = await baseline('fastify-validate.ts', []);
  let seq = 0;
  const createBody = (n: number) =>
    JSON.stringify({ ...CREATE_VERSION_EXAMPLE, version: `2.${process.pid % 1000}.${n}-${seq}` });
  await compare(
    'P2 create version',
    () =>
      load({
        ...common,
        url: main.url + `${apps}/bench-app/versions`,
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        bodyFor: (n) => createBody(n),
      }).finally(() => seq++),
    () =>
      load({
        ...common,
        url: validate.url + '/iotedge',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        bodyFor: (n) => createBody(n),
      }),
    'fastify validate only',
    '>= 0.50',
    0.5,
  );

  // P3: list 100 versions vs node:http with the same bytes
  const listPath = `${apps}/list-app/versions?limit=100`;
  const listBytes = await call(main.url, tok, 'GET', listPath);
  const bareList = await bareServing(listBytes, 'list.json');
  await compare(
    'P3 list 100 versions',
    () => load({ ...common, url: main.url + listPath, headers: auth }),
    () => load({ ...common, url: bareList.url }),
    'node:http same bytes',
    '>= 0.25',
    0.25,
  );

  // P7: RFS create version and list, same style
  const rfsHeaders = { ...auth, 'content-type': 'application/json', 'client-request-id': rid };
  const rfsBody = (n: number) => JSON.stringify({ provider_version: `3.${seq}.${n}`, function_graph_urn: urn });
  await compare(
    'P7 RFS create version',
    () =>
      load({
        ...common,
        url: main.url + '/v1/private-providers/bench-provider/versions',
        method: 'POST',
        headers: rfsHeaders,
        bodyFor: rfsBody,
      }).finally(() => seq++),
    () =>
      load({
        ...common,
        url: validate.url + '/rfs',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        bodyFor: rfsBody,
      }),
    'fastify validate only',
    '>= 0.50',
    0.5,
  );
  const rfsListPath = '/v1/private-providers/list-provider/versions?limit=100&sort_key=create_time&sort_dir=asc';
  const rfsListBytes = await call(main.url, tok, 'GET', rfsListPath, undefined, { 'client-request-id': rid });
  const bareRfsList = await bareServing(rfsListBytes, 'rfs-list.json');
  await compare(
    'P7 RFS list 100 versions',
    () => load({ ...common, url: main.url + rfsListPath, headers: rfsHeaders }),
    () => load({ ...common, url: bareRfsList.url }),
    'node:http same bytes',
    '>= 0.25',
    0.25,
  );
  await Promise.all(procs.splice(0).map((p) => p.stop()));

  // P4: cold start to the first 200, empty store (the median of 5 first starts: one is too noisy)
  const coldStarts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const cold = await versionary(path.join(tmp, `cold-${i}`));
    coldStarts.push(cold.startMs);
    await cold.stop();
  }
  const coldMs = median(coldStarts);
  rows.push({
    scenario: 'P4 cold start, empty store',
    target: 'versionary',
    p50: coldMs,
    goal: '< 300 ms',
    met: coldMs < 300,
    note: `median of ${coldStarts.map(Math.round).join(', ')}`,
  });

  // P5/P6: a store of 1,000 versions and one of `versions` (default 1,000,000), served side by side
  const stores = {
    small: { dir: path.join(tmp, 'small'), count: 1000 },
    big: { dir: path.join(tmp, 'big'), count: bigStore },
  };
  type Probe = { p50: number; errors: number };
  const latency = {} as Record<'small' | 'big', { show: Probe; list: Probe; rss: number; startMs: number }>;
  const served = {} as Record<
    'small' | 'big',
    {
      proc: Proc & { startMs: number };
      showUrl: string;
      listUrl: string;
      headers: Record<string, string>;
      probes: { show: Probe[]; list: Probe[] };
    }
  >;
  for (const name of ['small', 'big'] as const) {
    const s = stores[name];
    const migrated = spawnSync(process.execPath, [CLI, 'migrate', '--data-dir', s.dir], {
      env: { ...process.env, ...ENV },
      encoding: 'utf8',
    });
    if (migrated.status !== 0) throw new Error(migrated.stderr);
    const first = await versionary(s.dir);
    const t = await token(first.url);
    await first.stop();
    const started = performance.now();
    seedVersions(path.join(s.dir, 'versionary.db'), PROJECT, 'bench-app', s.count);
    process.stderr.write(`seeded ${s.count} versions in ${Math.round(performance.now() - started)} ms\n`);
    const mid = `1.${Math.floor(s.count / 2 / 1000)}.${Math.floor(s.count / 2) % 1000}`;
    const headers = { 'x-auth-token': t };
    const proc = await versionary(s.dir, `${apps}/bench-app/versions/${mid}`, headers);
    served[name] = {
      proc,
      showUrl: proc.url + `${apps}/bench-app/versions/${mid}`,
      listUrl: proc.url + `${apps}/bench-app/versions`,
      headers,
      probes: { show: [], list: [] },
    };
  }
  // Load at the usual concurrency (for the memory peak), then sequential probes for precise p50s,
  // in rounds that alternate between the two stores so that the machine's drift weighs on both.
  for (const name of ['small', 'big'] as const) {
    const { showUrl, listUrl, headers } = served[name];
    await load({ duration, warmup, connections, url: showUrl, headers });
    await load({ duration, warmup, connections, url: listUrl, headers });
  }
  for (let round = 0; round < 4; round++) {
    for (const name of round % 2 === 0 ? (['small', 'big'] as const) : (['big', 'small'] as const)) {
      const { showUrl, listUrl, headers, probes } = served[name];
      probes.show.push(await probeLatency(showUrl, headers, 500));
      probes.list.push(await probeLatency(listUrl, headers, 500));
    }
  }
  const merged = (probes: Probe[]): Probe => ({
    p50: median(probes.map((p) => p.p50)),
    errors: probes.reduce((n, p) => n + p.errors, 0),
  });
  for (const name of ['small', 'big'] as const) {
    const { proc, probes } = served[name];
    latency[name] = {
      startMs: proc.startMs,
      show: merged(probes.show),
      list: merged(probes.list),
      rss: proc.peakRssMb(),
    };
    await proc.stop();
  }
  const starts = [latency.big.startMs];
  for (let i = 0; i < 2; i++) {
    const again = await versionary(
      stores.big.dir,
      served.big.showUrl.slice(served.big.proc.url.length),
      served.big.headers,
    );
    starts.push(again.startMs);
    await again.stop();
  }
  latency.big.startMs = median(starts);
  const { small, big } = latency;
  rows.push({
    scenario: `P4 cold start, ${bigStore} versions`,
    target: 'versionary',
    p50: big.startMs,
    goal: '< 500 ms',
    met: big.startMs < 500,
    note: 'median of 3 starts',
  });
  for (const op of ['show', 'list'] as const) {
    const ratio = big[op].p50 / Math.max(small[op].p50, 0.001);
    rows.push({
      scenario: `P5 ${op} p50, 1k vs ${bigStore}`,
      target: 'versionary',
      p50: big[op].p50,
      errors: big[op].errors + small[op].errors,
      ratio,
      goal: '<= 1.3',
      met: ratio <= 1.3,
      note: `1k: ${small[op].p50.toFixed(2)} ms`,
    });
  }
  rows.push({
    scenario: `P6 peak RSS, ${bigStore} versions`,
    target: 'versionary',
    p50: big.rss,
    goal: '<= 150 MB',
    met: big.rss <= 150,
    note: 'MB (VmHWM)',
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function printTable() {
  const fmt = (v: number | undefined, d = 0) => (v === undefined ? '' : v.toFixed(d));
  // p50 column: milliseconds with two decimals where the measurement has them
  const lines = [
    '| scenario | target | req/s | p50 ms | p99 ms | errors | ratio | goal | met |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.target} | ${fmt(r.rps)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 1)} | ${r.errors ?? ''} | ${fmt(r.ratio, 2)} | ${r.goal} | ${r.met === undefined ? '' : r.met ? 'yes' : 'NO'}${r.note ? ` (${r.note})` : ''} |`,
    ),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main()
  .then(() => {
    fs.mkdirSync(path.dirname(opts.out!), { recursive: true });
    fs.writeFileSync(
      opts.out!,
      JSON.stringify(
        {
          machine: {
            cpus: os.cpus().length,
            model: os.cpus()[0]?.model,
            memoryGb: Math.round(os.totalmem() / 2 ** 30),
            node: process.version,
          },
          options: opts,
          rows,
        },
        null,
        2,
      ),
    );
    const failed = rows.some((r) => (r.errors ?? 0) > 0);
    process.exitCode = failed ? 1 : 0;
  })
  .catch((err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    printTable();
    await Promise.all(procs.map((p) => p.stop()));
    fs.rmSync(tmp, { recursive: true, force: true });
  });
