import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLED_AS, CORE, MODELS, SERVICES } from '../../src/samples/sdk-names.js';
import { camel, goType, pascal, snake } from '../../src/samples/case.js';
import {
  ACCESS_KEY,
  ADMIN_PASSWORD,
  DOMAIN_ID,
  PROJECT_ID,
  SECRET_KEY,
  adminToken,
  startServer,
  type TestServer,
} from '../helpers/server.js';
import {
  jsSyntaxErrors,
  operations,
  recordingSdk,
  runNode,
  sampleOf,
  type Built,
  type Op,
  type Recorded,
} from './helpers.js';

const LABELS = ['Node.js SDK', 'Python SDK', 'Go SDK', 'Java SDK', 'curl'];
const fields = Object.values(MODELS).flatMap((m) => Object.keys(m));
const serviceOf = (op: Op) => SERVICES[op.tags.find((t) => SERVICES[t])!]!;
const sdkOperation = (op: Op) => CALLED_AS[op.operationId] ?? op.operationId;
const all = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => m[1]!);

describe('the code samples of the OpenAPI document', () => {
  let s: TestServer;
  let url: string;
  let doc: any;
  let ops: Op[];
  beforeAll(async () => {
    s = await startServer('sqlite');
    url = await s.app.listen({ host: '127.0.0.1', port: 0 });
    doc = await (await fetch(`${url}/openapi.json`)).json();
    ops = operations(doc);
  });
  afterAll(async () => s.close());

  /** The document's operation with this id, and the request its examples make. */
  const expected = (operationId: string) => {
    const op = ops.find((o) => o.operationId === operationId)!;
    let p = op.path.replace('{project_id}', PROJECT_ID);
    const query: Record<string, string> = {};
    const headers: Record<string, string> = {};
    for (const param of op.parameters ?? []) {
      const v = param.example ?? (param as any).schema?.examples?.[0];
      if (v === undefined || v === null || param.name === 'project_id') continue;
      if (param.in === 'path') p = p.replace(`{${param.name}}`, encodeURIComponent(String(v)));
      if (param.in === 'query') query[param.name] = String(v);
      if (param.in === 'header') headers[param.name.toLowerCase()] = String(v);
    }
    // Without an example, the samples send a body of the schema's required fields (checked against the server).
    const body =
      op.requestBody?.content['application/json']?.example ?? (op.requestBody ? expect.any(Object) : undefined);
    return { method: op.method.toUpperCase(), path: p, query, headers, body };
  };

  it('gives every IoTEdge, RFS and IAM operation the five samples, SDKs first, with this server in them', () => {
    expect(ops.length).toBeGreaterThanOrEqual(27);
    for (const op of ops) {
      expect(
        op.samples.map((x) => x.label),
        op.operationId,
      ).toEqual(LABELS);
      for (const sample of op.samples) {
        expect(sample.source).toContain(url);
        expect(sample.source).not.toMatch(/http:\/\/\{endpoint\}/);
        // No secret on the page: the keys come from the environment.
        expect(sample.source).not.toContain(SECRET_KEY);
        expect(sample.source).not.toContain(ACCESS_KEY);
      }
      const sdk = op.samples.slice(0, 4).map((x) => x.source);
      for (const source of sdk) expect(source).toMatch(/HUAWEICLOUD_SDK_AK[\s\S]*HUAWEICLOUD_SDK_SK/);
      const scope = serviceOf(op).credentials === 'BasicCredentials' ? /\{project_id\}/ : /\{domain_id\}/;
      for (const source of sdk) expect(source).toMatch(scope);
      if (op.parameters?.some((p) => p.name === 'client-request-id'))
        for (const source of sdk) expect(source).toMatch(/client_?request_?id/i);
    }
    // IoTEdge's path carries the project id; curl has it there.
    expect(
      sampleOf(
        ops.find((o) => o.operationId === 'ShowEdgeApp')!,
        'shell',
      ),
    ).toContain(`${url}/v2/{project_id}/edge-apps/my-edge-app`);
  });

  it('says where an SDK has no call for an operation, and uses the one that answers alike', () => {
    const alias = ops.find((o) => o.operationId === 'ShowPrivateProvider')!;
    for (const sample of alias.samples.slice(0, 4)) {
      expect(sample.source).toContain('The SDKs have no ShowPrivateProvider call');
      expect(sample.source).toMatch(/show_?private_?provider_?metadata/i);
    }
  });

  it('writes Node.js samples the TypeScript compiler parses', () => {
    for (const op of ops) expect(jsSyntaxErrors(sampleOf(op, 'node')), op.operationId).toEqual([]);
  });

  it('writes Python samples that py_compile accepts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-py-'));
    const files = ops.map((op) => {
      const file = path.join(dir, `${snake(op.operationId)}.py`);
      fs.writeFileSync(file, sampleOf(op, 'python'));
      return file;
    });
    const run = spawnSync('python3', ['-m', 'py_compile', ...files], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  const gofmt = spawnSync('gofmt', ['-h']).error === undefined;
  it.skipIf(!gofmt)('writes Go samples that gofmt -e parses (skipped: no gofmt here, Go is not installed)', () => {
    for (const op of ops) {
      const run = spawnSync('gofmt', ['-e'], { input: sampleOf(op, 'go'), encoding: 'utf8' });
      expect(run.stderr, op.operationId).toBe('');
    }
  });

  it('writes Java samples whose brackets balance outside strings, one public class named after the call', () => {
    // No Java parser is at hand: the structure is checked instead.
    for (const op of ops) {
      const source = sampleOf(op, 'java');
      const code = source.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\/\/.*$/gm, '');
      const stack: string[] = [];
      for (const ch of code) {
        if ('({['.includes(ch)) stack.push(ch);
        const open = { ')': '(', '}': '{', ']': '[' }[ch];
        if (open) expect(stack.pop(), op.operationId).toBe(open);
      }
      expect(stack, op.operationId).toEqual([]);
      expect(code.match(/public class (\w+) \{/)?.[1]).toBe(sdkOperation(op));
      expect(code).toContain('public static void main(String[] args) {');
      for (const line of code.split('\n').map((l) => l.trim()))
        if (/^(String|ICredential|\w+Client|\w+Request|\w+Response) \w+ = /.test(line)) expect(line).toMatch(/[;(]$/);
    }
  });

  it('uses only the SDK names of the fixture', () => {
    const models = new Set(Object.keys(MODELS));
    const clients = new Set(Object.values(SERVICES).map((x) => x.client));
    const node = new Set<string>([...CORE.node.names, ...fields.map((f) => `with${pascal(f)}`)]);
    const java = new Set<string>([...CORE.java.names, ...fields.map((f) => `with${pascal(f)}`)]);
    for (const op of ops) {
      const service = serviceOf(op);
      const call = sdkOperation(op);
      expect(models.has(`${call}Request`), call).toBe(true);

      const n = sampleOf(op, 'node');
      expect(all(n, /require\("([^"]+)"\)/g)).toEqual([CORE.node.module, service.module.node]);
      for (const name of all(n, /new \w+\.(\w+)\(/g))
        expect(models.has(name) || name === service.credentials, name).toBe(true);
      for (const name of all(n, /\.(with\w+)\(/g)) expect(node.has(name), name).toBe(true);
      expect(all(n, /^ {2}\.(\w+)\(request\)/gm)).toEqual([camel(call)]);
      expect(n).toContain(`${service.client}.newBuilder()`);

      const p = sampleOf(op, 'python');
      expect(all(p, /^from (\S+) import/gm)).toEqual([...CORE.python.names.slice(0, 2), service.module.python]);
      for (const name of all(p, /\b([A-Z]\w+)\(/g))
        expect(models.has(name) || name === service.credentials || name === service.client, name).toBe(true);
      for (const name of all(p, /(\w+)=(?!=)/g)) expect(fields.map(snake), name).toContain(name);
      for (const name of all(p, /request\.(\w+) = /g))
        expect(Object.keys(MODELS[`${call}Request`]!).map(snake)).toContain(name);
      expect(all(p, /client\.(\w+)\(request\)/g)).toEqual([snake(call)]);
      for (const name of all(p, /\.(\w+)\(/g).filter((x) => x !== snake(call)))
        expect(CORE.python.names as readonly string[], name).toContain(name);
      for (const name of all(p, /\be\.(\w+)/g)) expect(CORE.python.names as readonly string[]).toContain(name);

      const g = sampleOf(op, 'go');
      for (const name of all(g, /model\.(\w+)\{/g)) expect([...models].map(goType), name).toContain(name);
      for (const name of all(g, /request\.(\w+) = /g))
        expect(Object.keys(MODELS[`${call}Request`]!).map(pascal)).toContain(name);
      expect(all(g, /client\.(\w+)\(request\)/g)).toEqual([call]);
      for (const name of all(g, /\.(With\w+|Build|NewCredentialsBuilder)\(/g))
        expect(CORE.go.names as readonly string[], name).toContain(name);
      for (const name of all(g, /\be\.(\w+)/g)) expect(CORE.go.names as readonly string[]).toContain(name);
      expect(g).toContain(`New${service.client}(`);
      for (const name of all(g, /^\t(?:\w+ )?"(github\.com[^"]+)"/gm))
        expect([...CORE.go.names, service.module.go, `${service.module.go}/model`], name).toContain(name);

      const j = sampleOf(op, 'java');
      for (const name of all(j, /^import (com\.huaweicloud[\w.*]+);/gm))
        expect([
          ...CORE.java.names,
          `${service.module.java}.${service.client}`,
          `${service.module.java}.model.*`,
        ]).toContain(name);
      for (const name of all(j, /new (\w+)\(/g))
        expect(models.has(name) || clients.has(name) || name === service.credentials, name).toBe(true);
      for (const name of all(j, /\.(with\w+|newBuilder|build|get(?!env)\w+)\(/g))
        expect(java.has(name), name).toBe(true);
      expect(all(j, /client\.(\w+)\(request\)/g)).toEqual([camel(call)]);
    }
  });

  it('runs the Node.js samples of IAM against this server through the official SDK', async () => {
    const token = await adminToken(s);
    const env = { HUAWEICLOUD_SDK_AK: ACCESS_KEY, HUAWEICLOUD_SDK_SK: SECRET_KEY, X_SUBJECT_TOKEN: token };
    const iam = ops.filter((o) => o.tags.includes('IAM'));
    expect(iam.length).toBeGreaterThanOrEqual(7);
    for (const op of iam) {
      const source = sampleOf(op, 'node')
        .replaceAll('{domain_id}', DOMAIN_ID)
        .replaceAll('"your-password"', JSON.stringify(ADMIN_PASSWORD));
      const { out, err } = await runNode(source, env);
      expect(err, op.operationId).toBeUndefined();
      const result = JSON.parse(out!);
      expect(result.httpStatusCode, op.operationId).toBeLessThan(300);
    }
  });

  /** The JSON a recorded SDK model stands for: each setter is a field of its class in the fixture. */
  const json = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(json);
    if (value && typeof value === 'object' && 'model' in value) {
      const b = value as Built;
      const known = Object.keys(MODELS[b.model] ?? {});
      return Object.fromEntries(
        Object.entries(b.fields).map(([setter, v]) => {
          const name = known.find((f) => pascal(f) === setter);
          expect(name, `${b.model}.with${setter}`).toBeDefined();
          return [name, json(v)];
        }),
      );
    }
    return value;
  };

  it('sends, from every Node.js sample of IoTEdge and RFS, the request of the operation example', async () => {
    for (const op of ops.filter((o) => !o.tags.includes('IAM'))) {
      const service = serviceOf(op);
      const calls: Recorded[] = [];
      const sdk = recordingSdk(service.client, Object.keys(MODELS), calls);
      await runNode(sampleOf(op, 'node'), {}, { [service.module.node]: sdk });
      expect(calls.map((c) => c.operation)).toEqual([camel(sdkOperation(op))]);
      const request = json(calls[0]!.request) as Record<string, unknown>;
      const want = expected(sdkOperation(op));
      const target = ops.find((o) => o.operationId === sdkOperation(op))!;
      let sent = target.path.replace('{project_id}', PROJECT_ID);
      const headers: Record<string, string> = {};
      const query: Record<string, string> = {};
      for (const [name, v] of Object.entries(request)) {
        if (name === 'body') continue;
        const param = target.parameters!.find((x) => x.name.toLowerCase() === name.toLowerCase());
        expect(param, name).toBeDefined();
        if (param!.in === 'path') sent = sent.replace(`{${param!.name}}`, encodeURIComponent(String(v)));
        if (param!.in === 'header') headers[name.toLowerCase()] = String(v);
        if (param!.in === 'query') query[name] = String(v);
      }
      expect({ path: sent, headers, query, body: request.body }, op.operationId).toEqual({
        path: want.path,
        headers: want.headers,
        query: want.query,
        body: want.body,
      });
    }
  });

  it('sends, from every curl sample, the method, path, headers and body of the operation example', () => {
    for (const op of ops) {
      const source = sampleOf(op, 'shell');
      const [, method, target] = source.match(/^curl -X (\w+) "([^"]+)"/)!;
      const u = new URL(target!.replace('{project_id}', PROJECT_ID));
      const want = expected(op.operationId);
      expect(method).toBe(want.method);
      expect(u.origin).toBe(url);
      expect(u.pathname).toBe(want.path);
      expect(Object.fromEntries(u.searchParams)).toEqual(want.query);
      const headers = Object.fromEntries(
        all(source, /-H "([^"]+)"/g).map((h) => h.split(': ').map((x, i) => (i ? x : x.toLowerCase()))),
      );
      for (const [name, value] of Object.entries(want.headers)) expect(headers[name]).toBe(value);
      const body = source.match(/-d '([\s\S]*)'\n$/)?.[1];
      expect(body === undefined ? undefined : JSON.parse(body.replaceAll(`'\\''`, "'")), op.operationId).toEqual(
        want.body,
      );
      if (!op.path.startsWith('/v3/auth/tokens') || op.method !== 'post')
        expect(headers['x-auth-token']).toBe('$X_AUTH_TOKEN');
    }
  });

  it('decodes, in every Go sample, the operation example into the SDK body model', () => {
    for (const op of ops) {
      const raw = sampleOf(op, 'go').match(/json\.Unmarshal\(\[\]byte\(`([\s\S]*?)`\)/)?.[1];
      const want = expected(sdkOperation(op)).body;
      expect(raw === undefined ? undefined : JSON.parse(raw), op.operationId).toEqual(want);
    }
  });

  const curl = spawnSync('curl', ['--version']).error === undefined;
  it.skipIf(!curl)('runs a curl sample against this server', async () => {
    const op = ops.find((o) => o.operationId === 'KeystoneListRegions')!;
    const env = { ...process.env, X_AUTH_TOKEN: await adminToken(s) };
    const { stdout } = await promisify(execFile)('bash', ['-c', sampleOf(op, 'shell')], { env });
    expect(JSON.parse(stdout).regions.length).toBeGreaterThan(0);
  });
});
