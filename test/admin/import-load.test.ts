import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, passwordBody, startServer, type TestServer } from '../helpers/server.js';
import { iotedge, iotedgeSnapshot, VALID_VERSION, versionWith } from '../helpers/iotedge.js';

/** An import waits for nobody and makes nobody wait while its body is on the wire. */
describe.each(BACKENDS)('an import in progress on %s', (kind) => {
  let s: TestServer;
  let token: string;
  let other: string;
  let port: number;

  beforeAll(async () => {
    s = await startServer(kind);
    token = await adminToken(s);
    const project = await s.opened.iam.createProject({ name: `tenant-${kind}`, id: `tenant-project-${kind}` });
    const res = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordBody({ project: project.name }),
    });
    other = res.headers['x-subject-token'] as string;
    const iot = iotedge(s, other, project.id);
    expect((await iot.createApp({ edge_app_id: 'busy-app' })).statusCode).toBe(201);
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    port = (s.app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => s.close());

  it('does not hold up other tenants while its body stalls, and stores nothing of it', async () => {
    const before = await iotedgeSnapshot(s);
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const prefix = '{"format":"versionary-snapshot","version":1,"edge_apps":[';
    socket.write(
      `POST /_versionary/import HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n${prefix}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));

    const base = `http://127.0.0.1:${port}/v2/tenant-project-${kind}/edge-apps`;
    const headers = { 'x-auth-token': other, 'content-type': 'application/json' };
    const started = Date.now();
    const answers = [];
    for (let i = 0; i < 5; i++) {
      const t = await fetch(`http://127.0.0.1:${port}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(passwordBody({ project: `tenant-${kind}` })),
      });
      const created = await fetch(`${base}/busy-app/versions`, {
        method: 'POST',
        headers,
        body: JSON.stringify(versionWith('version', `3.${i}.0`, VALID_VERSION)),
      });
      const listed = await fetch(`${base}/busy-app/versions`, { headers });
      answers.push(t.status, created.status, listed.status);
    }
    // Each of these waited on nothing: far below the request timeout the stalled import will meet.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(answers).toEqual(Array(5).fill([201, 201, 200]).flat());
    socket.destroy();
    const after = await iotedgeSnapshot(s);
    expect(after.apps).toHaveLength(before.apps.length);
    expect(after.versions).toHaveLength(before.versions.length + 5);
  });
});

/**
 * Reads of other tenants go on while a large import is received and applied: none waits for the
 * import (the p99 itself is a measurement, printed here; a shared test machine cannot judge it).
 */
describe.each(BACKENDS)('a 50 MB import on %s', (kind) => {
  let s: TestServer;
  let token: string;

  beforeAll(async () => {
    s = await startServer(kind);
    token = await adminToken(s);
  });
  afterAll(async () => s.close());

  it('makes no read of another tenant wait for it', async () => {
    const project = await s.opened.iam.createProject({ name: `reader-${kind}`, id: `reader-project-${kind}` });
    const tokenRes = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordBody({ project: project.name }),
    });
    const reader = iotedge(s, tokenRes.headers['x-subject-token'] as string, project.id);
    expect((await reader.createApp({ edge_app_id: 'read-app' })).statusCode).toBe(201);
    expect((await reader.createVersion('read-app', VALID_VERSION)).statusCode).toBe(201);

    const iot = iotedge(s, token);
    expect((await iot.createApp({ edge_app_id: 'big-app' })).statusCode).toBe(201);
    expect((await iot.createVersion('big-app', VALID_VERSION)).statusCode).toBe(201);
    const one = (
      await s.app.inject({ method: 'GET', url: '/_versionary/export', headers: { 'x-auth-token': token } })
    ).json();
    const record = one.edge_app_versions.find((v: { edge_app_id: string }) => v.edge_app_id === 'big-app');
    const app = one.edge_apps.find((a: { edge_app_id: string }) => a.edge_app_id === 'big-app');
    const parts = [
      `{"format":"versionary-snapshot","version":1,"edge_apps":[${JSON.stringify({ ...app, edge_app_id: 'huge-app' })}],"edge_app_versions":[`,
    ];
    let size = parts[0]!.length;
    for (let i = 0; size < 50 * 1024 * 1024; i++) {
      const text = (i ? ',' : '') + JSON.stringify({ ...record, edge_app_id: 'huge-app', version: `${i}.0.0` });
      parts.push(text);
      size += text.length;
    }
    parts.push('],"rfs_providers":[],"rfs_provider_versions":[]}');
    const body = parts.join('');

    await s.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (s.app.server.address() as net.AddressInfo).port;
    const started = performance.now();
    const importing = fetch(`http://127.0.0.1:${port}/_versionary/import`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body,
    });
    let done = false;
    let took = 0;
    void importing.finally(() => {
      done = true;
      took = performance.now() - started;
    });
    const latencies: number[] = [];
    const url = `http://127.0.0.1:${port}/v2/${project.id}/edge-apps/read-app/versions`;
    const headers = { 'x-auth-token': tokenRes.headers['x-subject-token'] as string };
    while (!done) {
      const t = performance.now();
      const res = await fetch(latencies.length % 2 ? `${url}/1.0.0` : url, { headers });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      latencies.push(performance.now() - t);
    }
    const res = await importing;
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await res.json()).imported.edge_app_versions).toBe(parts.length - 2);
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
    console.log(
      `${kind}: ${latencies.length} reads during a ${Math.round(took)} ms import, p50 ${latencies[latencies.length >> 1]!.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`,
    );
    expect(latencies.length).toBeGreaterThan(20);
    expect(latencies.at(-1)!).toBeLessThan(took / 4);
  }, 180_000);
});
