import { freePort } from '../test/helpers/ports.js';
export { freePort };
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import autocannon from 'autocannon';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
}

export interface Proc {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
  /** Peak resident memory so far, in MB (VmHWM). */
  peakRssMb(): number;
}

/** Starts a process and waits until `probe` answers 200 (or the process prints "ready"). */
export async function startProcess(
  cmd: string[],
  env: Record<string, string>,
  port: number,
  probe = '/healthz',
  probeHeaders: Record<string, string> = {},
): Promise<Proc & { startMs: number }> {
  const started = performance.now();
  const child = spawn(cmd[0]!, cmd.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => (out += d);
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${cmd.join(' ')} exited: ${out}`);
    try {
      const res = await fetch(url + probe, { headers: probeHeaders });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      /* not up yet */
    }
    if (performance.now() - started > 60_000) throw new Error(`${cmd.join(' ')} did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  const startMs = performance.now() - started;
  // Once up, what the process logs is read and dropped: kept, a server's access log would grow
  // without bound in the memory of the load generator.
  child.stdout!.off('data', keep);
  child.stdout!.resume();
  return {
    child,
    url,
    startMs,
    peakRssMb() {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Makes each request's body (unique ids for creates). */
  bodyFor?: (n: number) => string;
  duration: number;
  connections: number;
  warmup: number;
}

/** Drives one target with autocannon: a warm-up, then the measured run. */
export async function load(o: LoadOptions): Promise<LoadResult> {
  let n = 0;
  const run = (duration: number) =>
    autocannon({
      url: o.url,
      method: o.method ?? 'GET',
      headers: o.headers,
      body: o.body,
      connections: o.connections,
      duration,
      requests: o.bodyFor ? [{ setupRequest: (req) => ({ ...req, body: o.bodyFor!(n++) }) }] : undefined,
    });
  if (o.warmup > 0) await run(o.warmup);
  const r = await run(o.duration);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    requests: r.requests.total,
  };
}

/** Latency percentiles in milliseconds (sub-millisecond precision) of `n` sequential requests. */
export async function probeLatency(
  url: string,
  headers: Record<string, string>,
  n: number,
): Promise<{ p50: number; p99: number; errors: number }> {
  const times: number[] = [];
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    times.push(performance.now() - started);
    if (res.status !== 200) errors++;
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(n / 2)]!, p99: times[Math.floor(n * 0.99)]!, errors };
}
