import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { CREATE_VERSION_EXAMPLE } from '../src/iotedge/examples.js';
import { freePort, startProcess } from './lib.js';

/**
 * npm run soak -- --minutes 10 --rate 2000: a mixed workload (show, list, create of IoTEdge
 * versions, RFS version creates and lists) at a fixed rate; prints, per minute, the server's
 * resident memory, request errors and p99 latency, and the RSS growth from the first minute.
 */
const { values: opts } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '20' },
  },
});
const PROJECT = 'soakproject';
const PASSWORD = 'soak-password-1';
const rid = '6f1d4a3e-9c1b-4b7e-8f3a-2d5c7e9a1b30';
const urn = 'urn:fss:cn-north-7:a61dfe3154de42829367056598d5040f:function:default:test:latest';

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-soak-'));
  const port = await freePort();
  const server = await startProcess(
    [path.resolve('dist/cli.js'), 'serve', '--port', String(port), '--data-dir', dir],
    { VERSIONARY_PROJECT_ID: PROJECT, VERSIONARY_ADMIN_PASSWORD: PASSWORD },
    port,
  );
  const tokenRes = await fetch(`${server.url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', password: PASSWORD } } },
        scope: { project: { id: PROJECT } },
      },
    }),
  });
  const token = tokenRes.headers.get('x-subject-token')!;
  const h = { 'x-auth-token': token, 'content-type': 'application/json', 'client-request-id': rid };
  const apps = `/v2/${PROJECT}/edge-apps`;
  await fetch(server.url + apps, { method: 'POST', headers: h, body: '{"edge_app_id":"soak-app"}' });
  await fetch(server.url + `${apps}/soak-app/versions`, {
    method: 'POST',
    headers: h,
    body: JSON.stringify({ ...CREATE_VERSION_EXAMPLE, version: '0.0.1' }),
  });
  await fetch(server.url + '/v1/private-providers', {
    method: 'POST',
    headers: h,
    body: '{"provider_name":"soak-provider"}',
  });
  let n = 0;
  const status = (pid: number) =>
    Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  const rows: { minute: number; rssMb: number; errors: number; p99: number; rps: number }[] = [];
  for (let minute = 1; minute <= Number(opts.minutes); minute++) {
    const r = await autocannon({
      url: server.url,
      connections: Number(opts.connections),
      duration: 60,
      overallRate: Number(opts.rate),
      headers: h,
      requests: [
        { method: 'GET', path: `${apps}/soak-app/versions/0.0.1` },
        { method: 'GET', path: `${apps}/soak-app/versions?limit=20` },
        {
          method: 'POST',
          path: `${apps}/soak-app/versions`,
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({ ...CREATE_VERSION_EXAMPLE, version: `1.${minute}.${n++}` }),
          }),
        },
        {
          method: 'POST',
          path: '/v1/private-providers/soak-provider/versions',
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({ provider_version: `1.${minute}.${n++}`, function_graph_urn: urn }),
          }),
        },
        { method: 'GET', path: '/v1/private-providers/soak-provider/versions?limit=20' },
      ],
    });
    rows.push({
      minute,
      rssMb: status(server.child.pid!),
      errors: r.errors + r.timeouts + r.non2xx,
      p99: r.latency.p99,
      rps: r.requests.average,
    });
    const last = rows.at(-1)!;
    process.stdout.write(
      `minute ${minute}: ${last.rps.toFixed(0)} req/s, RSS ${last.rssMb.toFixed(1)} MB, errors ${last.errors}, p99 ${last.p99} ms\n`,
    );
  }
  const growth = (rows.at(-1)!.rssMb / rows[0]!.rssMb - 1) * 100;
  const errors = rows.reduce((a, r) => a + r.errors, 0);
  process.stdout.write(`RSS growth from minute 1: ${growth.toFixed(1)} %, errors: ${errors}\n`);
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exitCode = errors > 0 || growth >= 10 ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
