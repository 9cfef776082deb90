import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

/** The README shows the samples of one operation exactly as the server generates them. */
describe("the README's SDK samples", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('sqlite');
  });
  afterAll(async () => s.close());

  it('are the generated samples of CreateEdgeApplicationVersion for a server on 127.0.0.1:8080', async () => {
    const doc = (await s.app.inject({ url: '/openapi.json', headers: { host: '127.0.0.1:8080' } })).json();
    const op = doc.paths['/v2/{project_id}/edge-apps/{edge_app_id}/versions'].post;
    const samples = op['x-codeSamples'] as { label: string; source: string }[];
    expect(samples.map((c) => c.label)).toEqual(['Node.js SDK', 'Python SDK', 'Go SDK', 'Java SDK', 'curl']);
    const readme = fs.readFileSync('README.md', 'utf8');
    for (const sample of samples) {
      const at = readme.indexOf(`<summary>${sample.label}</summary>`);
      expect(at, sample.label).toBeGreaterThan(0);
      const block = /```\w+\n([\s\S]*?)\n```/.exec(readme.slice(at))![1];
      expect(block, sample.label).toBe(sample.source.replace(/\n+$/, ''));
    }
  });
});
