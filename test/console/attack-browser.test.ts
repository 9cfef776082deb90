import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { guard, type Guard } from '../helpers/guarded-page.js';
import { PROJECT_ID, adminToken, passwordBody, startServer, type TestServer } from '../helpers/server.js';
import { rfs, URN } from '../helpers/rfs.js';

/** Markup in every form a stored value or a link could carry it. */
const EVIL =
  '"><img src=x onerror="window.__ran=1"><script>window.__ran=2</script>' +
  '<a href="javascript:window.__ran=3">x</a>{{constructor.constructor("window.__ran=4")()}}';

/** What a hostile tenant stores and links to, shown by the console in a real browser. */
describe('the console in a real browser, attacked', () => {
  let s: TestServer;
  let origin: string;
  let browser: Browser;
  let page: Page;
  let g: Guard;
  let token: string;
  let foreignProject: string;

  beforeAll(async () => {
    s = await startServer('sqlite');
    origin = new URL(await s.app.listen({ host: '127.0.0.1', port: 0 })).origin;
    token = await adminToken(s);
    const r = rfs(s, token);
    expect((await r.createProvider({ provider_name: 'hostile', provider_description: EVIL })).statusCode).toBe(201);
    const version = { provider_version: '1.0.0-x.y', version_description: EVIL, function_graph_urn: URN };
    expect((await r.createVersion('hostile', version)).statusCode).toBe(201);
    // A refused call with markup in its path is in the activity trail.
    const refused = await r.raw(
      'POST',
      `/v1/private-providers/${encodeURIComponent('<img src=x onerror=1>')}/versions`,
      {
        provider_version: '1.0.0',
        function_graph_urn: URN,
      },
    );
    expect(refused.statusCode).toBe(400);
    await s.opened.iam.createDomain({ name: 'elsewhere' });
    await s.opened.iam.createProject({ name: 'cn-east-3', domain: 'elsewhere' });
    const d = await s.opened.iam.resolveDomain('elsewhere');
    foreignProject = (await s.opened.iam.listProjects(d.id, 'cn-east-3'))[0]!.id;

    browser = await launchBrowser();
    const context = await browser.newContext();
    g = await guard(context, origin);
    // Every policy violation and dialog the pages cause is counted.
    await context.addInitScript(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(e.violatedDirective));
    });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('dialog', (d) => {
      g.errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    const signed = await s.app.inject({ method: 'POST', url: '/v3/auth/tokens?nocatalog=1', payload: passwordBody() });
    const me = signed.json().token;
    token = signed.headers['x-subject-token'] as string;
    await page.goto(`${origin}/console`);
    await page.evaluate((sess) => localStorage.setItem('versionary-session', JSON.stringify(sess)), {
      token,
      user: 'admin',
      domainId: me.user.domain.id,
      domainName: 'default',
      projectId: PROJECT_ID,
      projectName: 'cn-north-7',
      expiresAt: me.expires_at,
    });
  }, 120_000);

  afterEach(async () => {
    expect(await page.evaluate(() => (window as unknown as { __ran?: number }).__ran)).toBeUndefined();
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    expect(g.outside).toEqual([]);
    expect(g.errors).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  const session = async () =>
    JSON.parse((await page.evaluate(() => localStorage.getItem('versionary-session'))) ?? 'null') as {
      token: string;
      projectId: string;
    } | null;

  it('shows stored markup as text on the provider pages, and runs none of it', async () => {
    await page.goto(`${origin}/console/providers`);
    await page.getByRole('link', { name: 'hostile', exact: true }).waitFor();
    expect(await page.locator('main').innerText()).toContain('<script>window.__ran=2</script>');
    expect(await page.locator('main img, main script, main a[href^="javascript:"]').count()).toBe(0);
    await page.getByRole('link', { name: 'hostile', exact: true }).click();
    await page.getByText('1.0.0-x.y').first().waitFor();
    const text = await page.locator('main').innerText();
    expect(text.split('onerror="window.__ran=1"').length - 1).toBeGreaterThanOrEqual(2);
    expect(await page.locator('main img, main script, main a[href^="javascript:"]').count()).toBe(0);
  });

  it('shows a refused path with markup in the activity trail as text', async () => {
    await page.goto(`${origin}/console/activity`);
    await page.getByText('%3Cimg', { exact: false }).first().waitFor();
    expect(await page.locator('main img, main script').count()).toBe(0);
  });

  it('keeps every link the console builds on the console, whatever the ids in it', async () => {
    for (const path of [
      `/console/projects/${PROJECT_ID}/edge-apps/${encodeURIComponent('<img src=x onerror=alert(1)>')}`,
      `/console/projects/${PROJECT_ID}/edge-apps/a/compare?a=javascript:alert(1)&b=%22%3E%3Cscript%3E`,
      '/console/providers/javascript:alert(1)',
    ]) {
      await page.goto(origin + path);
      await page.locator('main h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
      for (const href of hrefs) expect(href, `${path}: ${href}`).toMatch(/^(\/console|\/explorer|#)/);
    }
    g.refused.length = 0;
  });

  it("refuses a deep link to another domain's project or a traversal, staying where it was", async () => {
    const before = await session();
    for (const id of [foreignProject, '..%2F..%2Fv3', 'p%3Fq%23r']) {
      await page.goto(`${origin}/console/projects/${id}/edge-apps`);
      await page.getByText('not available to this user').waitFor();
      const now = await session();
      expect(now?.token).toBe(before?.token);
      expect(now?.projectId).toBe(PROJECT_ID);
    }
    g.refused.length = 0;
  });
});
