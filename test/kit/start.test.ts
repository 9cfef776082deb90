import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startVersionary } from '../../src/index.js';
import { freshBackend } from '../helpers/backends.js';

const APP = { edge_app_id: 'opcua-driver', edge_app_name: 'OPCUA-driver', function_type: 'PROTOCOL_PARSING' };

const SEED = {
  format: 'versionary-snapshot',
  version: 1,
  edge_apps: [
    {
      project_id: '0123456789abcdef0123456789abcdef',
      edge_app_id: 'seeded-app',
      edge_app_name: 'seeded',
      function_type: 'PROTOCOL_PARSING',
      app_type: 'USER',
      create_time: '2024-05-01T08:30:00.000Z',
      update_time: '2024-05-01T08:30:00.000Z',
    },
  ],
  edge_app_versions: [],
  rfs_providers: [],
  rfs_provider_versions: [],
} as const;

async function call(url: string, token: string, method = 'GET', body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: { 'x-auth-token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

describe('startVersionary', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-kit-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('serves a store in memory on a free port of 127.0.0.1 with the documented identity, writing no file', async () => {
    const cwd = process.cwd();
    const dir = tmp();
    process.chdir(dir);
    try {
      const vx = await startVersionary();
      expect(vx.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(vx).toMatchObject({
        region: 'cn-north-7',
        domainName: 'default',
        domainId: 'fedcba9876543210fedcba9876543210',
        projectId: '0123456789abcdef0123456789abcdef',
        userName: 'admin',
        adminPassword: 'versionary-test-password',
        accessKey: 'VERSIONARYTESTKEY001',
        secretKey: 'VersionaryTestSecretKey00000000000000000',
      });
      const token = await vx.token();
      expect(await vx.token()).toBe(token);
      const created = await call(`${vx.url}/v2/${vx.projectId}/edge-apps`, token, 'POST', APP);
      expect(created.status).toBe(201);
      const login = await fetch(`${vx.url}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: 'admin', password: vx.adminPassword, domain: { name: 'default' } } },
            },
            scope: { project: { name: 'cn-north-7' } },
          },
        }),
      });
      expect(login.status).toBe(201);
      await vx.stop();
      await vx.stop();
      await expect(fetch(`${vx.url}/healthz`)).rejects.toThrow();
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('runs several instances in one process, each with its own data', async () => {
    const [a, b] = await Promise.all([startVersionary(), startVersionary({ projectId: 'other0project', port: 0 })]);
    try {
      expect(a.url).not.toBe(b.url);
      expect(b.projectId).toBe('other0project');
      expect((await call(`${a.url}/v2/${a.projectId}/edge-apps`, await a.token(), 'POST', APP)).status).toBe(201);
      const listed = await call(`${b.url}/v2/${b.projectId}/edge-apps`, await b.token());
      expect(JSON.parse(listed.body).count).toBe(0);
      await a.faults.add({ operation: '*', status: 503 });
      expect((await call(`${b.url}/v2/${b.projectId}/edge-apps`, await b.token())).status).toBe(200);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('imports a seed at start and again at each reset, which also clears the fault rules', async () => {
    const file = path.join(tmp(), 'seed.json');
    fs.writeFileSync(file, JSON.stringify(SEED));
    for (const seed of [SEED, file]) {
      const vx = await startVersionary({ seed: seed as never });
      try {
        const token = await vx.token();
        expect((await vx.export()).edge_apps.map((a) => a.edge_app_id)).toEqual(['seeded-app']);
        await call(`${vx.url}/v2/${vx.projectId}/edge-apps`, token, 'POST', APP);
        await vx.faults.add({ operation: 'ShowEdgeApp', status: 500 });
        await vx.reset();
        expect((await vx.export()).edge_apps.map((a) => a.edge_app_id)).toEqual(['seeded-app']);
        expect(await vx.faults.list()).toEqual([]);
        expect((await call(`${vx.url}/v2/${vx.projectId}/edge-apps/seeded-app`, token)).status).toBe(200);
      } finally {
        await vx.stop();
      }
    }
  });

  it('refuses a bad seed, naming the record and field, and leaves nothing running', async () => {
    const bad = { ...SEED, edge_apps: [{ ...SEED.edge_apps[0], function_type: 'NOPE' }] };
    await expect(startVersionary({ seed: bad as never })).rejects.toMatchObject({
      status: 400,
      code: 'IAM.0001',
      message: expect.stringContaining('edge_apps[0]'),
    });
    const file = path.join(tmp(), 'bad.json');
    fs.writeFileSync(file, JSON.stringify(bad));
    await expect(startVersionary({ seed: file })).rejects.toThrow(
      /--seed .*bad\.json: edge_apps\[0\]: function_type must be one of/,
    );
    await expect(startVersionary({ seed: path.join(tmp(), 'missing.json') })).rejects.toThrow(/ENOENT/);
  });

  it('imports and exports snapshots, and adds fault rules as the admin API does', async () => {
    const vx = await startVersionary({ settings: { 'rate-limit': 0, 'auth-cache': 0 } });
    try {
      expect(await vx.import(JSON.stringify(SEED))).toEqual({
        edge_apps: 1,
        edge_app_versions: 0,
        rfs_providers: 0,
        rfs_provider_versions: 0,
      });
      await expect(vx.import(SEED as never)).rejects.toMatchObject({ status: 409, code: 'IAM.0004' });
      expect((await vx.import(Buffer.from(JSON.stringify(SEED)), { mode: 'replace' })).edge_apps).toBe(1);
      const one = await vx.export({ projectId: vx.projectId });
      expect([one.project_id, one.edge_apps.length]).toEqual([vx.projectId, 1]);
      await expect(vx.faults.add({ operation: 'CreateEdgeApp', status: 700 })).rejects.toMatchObject({
        status: 400,
        code: 'IAM.0001',
        message: expect.stringContaining('status must be <= 599'),
      });
      const rule = await vx.faults.add({ operation: 'CreateEdgeApp', status: 503, times: 1 });
      expect((await call(`${vx.url}/v2/${vx.projectId}/edge-apps`, await vx.token(), 'POST', APP)).status).toBe(503);
      expect(await vx.faults.list()).toEqual([{ ...rule, remaining: 0, hits: 1 }]);
      await vx.faults.delete(rule.id);
      await expect(vx.faults.delete(rule.id)).rejects.toMatchObject({ status: 404, code: 'IAM.0003' });
      expect(await vx.faults.clear()).toBe(0);
    } finally {
      await vx.stop();
    }
  });

  it('refuses an unknown setting or a bad value', async () => {
    await expect(startVersionary({ settings: { 'no-such-flag': 1 } })).rejects.toThrow(
      'settings: no-such-flag is not a setting of versionary serve',
    );
    await expect(startVersionary({ settings: { 'rate-limit': 'x' } })).rejects.toThrow(/--rate-limit/);
    await expect(startVersionary({ store: 'mysql://x' })).rejects.toThrow(/--database/);
  });

  it.each(['sqlite', 'postgres'] as const)('keeps its data in %s and finds its identity again', async (kind) => {
    const backend = await freshBackend(kind);
    try {
      const first = await startVersionary({ store: backend.database });
      await call(`${first.url}/v2/${first.projectId}/edge-apps`, await first.token(), 'POST', APP);
      await first.stop();
      const again = await startVersionary({ store: backend.database });
      expect(again.projectId).toBe('0123456789abcdef0123456789abcdef');
      expect((await again.export()).edge_apps.map((a) => a.edge_app_id)).toEqual([APP.edge_app_id]);
      await again.stop();
    } finally {
      await backend.drop();
    }
  });
});
