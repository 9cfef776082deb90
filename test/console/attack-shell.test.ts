import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consolePages } from '../../src/console/routes.js';
import type { App } from '../../src/platform/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** The console's page and its files under hostile paths, methods and headers. */
describe('the console page shell, attacked', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('sqlite');
  });
  afterAll(async () => s.close());

  it('answers 404 for asset names that are properties of every object, not "not built"', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
      const res = await s.app.inject({ url: `/console/assets/${name}` });
      expect(res.statusCode, name).toBe(404);
      expect(res.json().error_code).toBe('APIGW.0101');
    }
  });

  it('answers 404, not the page, for any other path under /console/assets, traversals included', async () => {
    for (const url of [
      '/console/assets/',
      '/console/assets/console.js/x',
      '/console/assets/x/console.js',
      '/console/assets/..%2F..%2Fpackage.json',
      '/console/assets/%2e%2e/%2e%2e/package.json',
      '/console/assets/console.js%00.css',
      '/console/assets/CONSOLE.JS',
    ]) {
      const res = await s.app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).not.toContain('text/html');
    }
    // A traversal the URL parser resolves lands outside /console, where nothing answers.
    const up = await s.app.inject({ url: '/console/assets/../../package.json' });
    expect(up.statusCode).toBe(404);
    expect(up.body).not.toContain('"name"');
  });

  it('puts the policy on every HTML answer, HEAD and odd queries included, and refuses other methods', async () => {
    for (const [method, url] of [
      ['GET', '/console?"><script>alert(1)</script>'],
      ['GET', '/console/projects/%3Cscript%3E/edge-apps'],
      ['GET', '/console/providers/x?offset=-1#frag'],
      ['HEAD', '/console'],
      ['HEAD', '/console/activity'],
    ] as const) {
      const res = await s.app.inject({ method, url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['content-security-policy']).not.toContain('unsafe');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-cache');
      if (method === 'GET') expect(res.body).not.toContain('script>alert');
    }
    for (const method of ['POST', 'PUT', 'DELETE'] as const) {
      const res = await s.app.inject({ method, url: '/console' });
      expect(res.statusCode, method).toBe(404);
    }
  });

  it('lets a browser revalidate the built files: an ETag, and 304 when it matches', async () => {
    const first = await s.app.inject({ url: '/console/assets/console.js' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('no-cache');
    expect(first.headers['x-content-type-options']).toBe('nosniff');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await s.app.inject({ url: '/console/assets/console.js', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const weak = await s.app.inject({
      url: '/console/assets/console.js',
      headers: { 'if-none-match': `"other", W/${etag}` },
    });
    expect(weak.statusCode).toBe(304);
    const stale = await s.app.inject({ url: '/console/assets/console.js', headers: { 'if-none-match': '"stale"' } });
    expect(stale.statusCode).toBe(200);
    expect(stale.body).toBe(first.body);
    const head = await s.app.inject({ method: 'HEAD', url: '/console/assets/console.css' });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-type']).toBe('text/css; charset=utf-8');
  });
});

describe('the console before and after npm run build', () => {
  let dir: string;
  let app: App;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-console-dist-'));
    app = Fastify() as unknown as App;
    consolePages(app, { region: 'cn-north-7', assetsDir: dir });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 in plain text until built, then the files, and a rebuild, without a restart', async () => {
    const before = await app.inject({ url: '/console/assets/console.js' });
    expect(before.statusCode).toBe(503);
    expect(before.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(before.headers['cache-control']).toBe('no-store');
    expect(before.body).toBe('The console is not built: run npm run build.');
    // The page itself is there, with its policy.
    const page = await app.inject({ url: '/console' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");

    fs.writeFileSync(path.join(dir, 'console.js'), 'console.log(1);');
    const built = await app.inject({ url: '/console/assets/console.js' });
    expect(built.statusCode).toBe(200);
    expect(built.body).toBe('console.log(1);');

    fs.writeFileSync(path.join(dir, 'console.js'), 'console.log(22);');
    fs.utimesSync(path.join(dir, 'console.js'), new Date(), new Date(Date.now() + 5000));
    const rebuilt = await app.inject({ url: '/console/assets/console.js' });
    expect(rebuilt.body).toBe('console.log(22);');
    expect(rebuilt.headers.etag).not.toBe(built.headers.etag);

    fs.rmSync(path.join(dir, 'console.js'));
    expect((await app.inject({ url: '/console/assets/console.js' })).statusCode).toBe(503);
  });
});
