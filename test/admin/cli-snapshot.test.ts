import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, freshBackend, type Backend } from '../helpers/backends.js';
import { runCli } from '../helpers/processes.js';
import { adminToken, startServer, PROJECT_ID } from '../helpers/server.js';
import { iotedge, versionWith, VALID_VERSION } from '../helpers/iotedge.js';
import { rfs, URN } from '../helpers/rfs.js';

/** The operator's commands take back every snapshot they write: 6 apps × 100 versions and a provider with 520. */
describe.each(BACKENDS)('versionary admin export / import on %s', (kind) => {
  let backend: Backend;
  let db: string[];
  let file: string;
  const stable = (text: string) => text.replace(/"exported_at":"[^"]*"/, '"exported_at":null');

  beforeAll(async () => {
    backend = await freshBackend(kind);
    db = ['--data-dir', backend.dataDir, '--database', backend.database];
    file = path.join(backend.dataDir, 'snapshot.json');
    const s = await startServer(kind, { backend });
    const token = await adminToken(s);
    const iot = iotedge(s, token);
    for (let a = 0; a < 6; a++) {
      expect((await iot.createApp({ edge_app_id: `cli-app-${a}` })).statusCode).toBe(201);
      for (let v = 0; v < 100; v += 10) {
        const created = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            iot.createVersion(`cli-app-${a}`, versionWith('version', `1.${v + i}.0`, VALID_VERSION)),
          ),
        );
        expect(created.map((r) => r.statusCode)).toEqual(Array(10).fill(201));
      }
      expect((await iot.setState(`cli-app-${a}`, '1.7.0', 'PUBLISHED')).statusCode).toBe(200);
    }
    const r = rfs(s, token);
    expect((await r.createProvider({ provider_name: 'cli-provider' })).statusCode).toBe(201);
    for (let v = 0; v < 520; v += 20) {
      const created = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          r.createVersion('cli-provider', { provider_version: `0.${v + i}.0+b.${i}`, function_graph_urn: URN }),
        ),
      );
      expect(created.map((x) => x.statusCode)).toEqual(Array(20).fill(201));
    }
    await s.app.close();
    await s.opened.store.close();
  }, 300_000);
  afterAll(async () => backend.drop());

  it('export, reset, import and export again give the same snapshot', () => {
    const exported = runCli(['admin', 'export', '--out', file, ...db]);
    expect(exported.code, exported.stderr).toBe(0);
    const first = fs.readFileSync(file, 'utf8');
    expect(JSON.parse(first).edge_app_versions).toHaveLength(600);
    expect(runCli(['admin', 'reset', '--yes', ...db]).code).toBe(0);
    const imported = runCli(['admin', 'import', file, '--json', ...db]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toEqual({
      edge_apps: 6,
      edge_app_versions: 600,
      rfs_providers: 1,
      rfs_provider_versions: 520,
    });
    const replaced = runCli(['admin', 'import', file, '--mode', 'replace', ...db]);
    expect(replaced.code, replaced.stderr).toBe(0);
    const again = runCli(['admin', 'export', '--out', `${file}.again`, ...db]);
    expect(again.code, again.stderr).toBe(0);
    expect(stable(fs.readFileSync(`${file}.again`, 'utf8'))).toBe(stable(first));
  }, 120_000);

  it('exports and imports one domain, and refuses records of a project the store does not have', () => {
    const one = runCli(['admin', 'export', '--domain', 'default', '--out', file, ...db]);
    expect(one.code, one.stderr).toBe(0);
    const snapshot = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(snapshot.domain_id).toEqual(expect.any(String));
    expect(snapshot.edge_apps).toHaveLength(6);
    const stray = {
      ...snapshot,
      edge_apps: [{ ...snapshot.edge_apps[0], project_id: 'not-a-project' }],
      edge_app_versions: [],
      rfs_providers: [],
      rfs_provider_versions: [],
    };
    fs.writeFileSync(file, JSON.stringify(stray));
    const refused = runCli(['admin', 'import', file, '--mode', 'replace', ...db]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('edge_apps[0].project_id: project not-a-project does not exist');
    const created = runCli(['admin', 'domain', 'create', 'other-domain', ...db]);
    expect(created.code, created.stderr).toBe(0);
    for (const args of [
      ['reset', '--yes'],
      ['export', '--out', file],
    ]) {
      const outside = runCli(['admin', ...args, '--domain', 'other-domain', '--project-id', PROJECT_ID, ...db]);
      expect(outside.code).not.toBe(0);
      expect(outside.stderr).toContain(`project ${PROJECT_ID} does not exist in domain other-domain`);
      const missing = runCli(['admin', ...args, '--project-id', 'no-such-project', ...db]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('project no-such-project does not exist');
    }
    const after = runCli(['admin', 'export', '--project-id', PROJECT_ID, '--out', file, ...db]);
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).edge_app_versions).toHaveLength(600);
  }, 120_000);
});
