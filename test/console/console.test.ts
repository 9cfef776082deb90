import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { accessibilityProblems, guard, type Guard } from '../helpers/guarded-page.js';
import { ADMIN_PASSWORD, PROJECT_ID, adminToken, startServer, type TestServer } from '../helpers/server.js';

/** Screenshots go to docs/ with VERSIONARY_SCREENSHOTS=1 (for the README), else to a temporary dir. */
const shots = process.env.VERSIONARY_SCREENSHOTS
  ? path.resolve('docs')
  : fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-console-'));
const VIEWPORT = { width: 1400, height: 900 };
const APPS = `/console/projects/${PROJECT_ID}/edge-apps`;

describe('the console in a real browser', () => {
  let s: TestServer;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let g: Guard;
  /** The API calls the pages made, as "METHOD path?query". */
  const calls: string[] = [];

  beforeAll(async () => {
    s = await startServer('sqlite');
    origin = new URL(await s.app.listen({ host: '127.0.0.1', port: 0 })).origin;
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: VIEWPORT });
    g = await guard(context, origin);
    context.on('request', (r) => {
      const u = new URL(r.url());
      if (!u.pathname.startsWith('/console')) calls.push(`${r.method()} ${u.pathname}${u.search}`);
    });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterEach(async () => {
    expect(g.outside).toEqual([]);
    expect(g.errors).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  const accessible = async () => expect(await accessibilityProblems(page)).toEqual([]);
  const heading = () => page.locator('main h1');
  /** The browser's back button (a history step within the page; Playwright's goBack waits for a load). */
  const back = () => page.evaluate(() => history.back());
  const vform = () => page.locator('form[aria-labelledby=create-version]');
  const confirm = async (button: string, confirmWith: string) => {
    await page.getByRole('button', { name: button, exact: true }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByRole('button', { name: confirmWith, exact: true }).click();
    return dialog;
  };

  it('signs in and shows the overview with its counts and latest changes', async () => {
    await page.goto(`${origin}/console`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Versionary console');
    await accessible();
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Incorrect IAM authentication');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading().filter({ hasText: 'Overview' }).waitFor();
    await page.getByText('edge apps in cn-north-7').waitFor();
    expect(await page.locator('.card .number').first().textContent()).toBe('0');
    await accessible();
  });

  it('creates an app through its form, and lands on the app page', async () => {
    await page.getByRole('link', { name: 'Edge apps', exact: true }).click();
    await heading().filter({ hasText: 'Edge apps' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(APPS);
    await page.getByRole('button', { name: 'Create edge app' }).click();
    const form = page.locator('form[aria-labelledby=create-app]');
    await form.getByLabel('Edge app id').fill('x');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.locator('#f-edge_app_id-error').waitFor();
    expect(await page.locator('#f-edge_app_id-error').textContent()).toContain(
      'edge_app_id must NOT have fewer than 4',
    );
    await accessible();
    await form.getByLabel('Edge app id').fill('demo-app');
    await form.getByLabel('Name').fill('Demo_app');
    await form.getByLabel('Function type').selectOption('PROTOCOL_PARSING');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await heading().filter({ hasText: 'demo-app' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`${APPS}/demo-app`);
    await page.getByText('PROTOCOL_PARSING').waitFor();
    const stored = await s.opened.store.db.selectFrom('edge_apps').selectAll().execute();
    expect(stored.map((a) => [a.edge_app_id, a.edge_app_name, a.function_type])).toEqual([
      ['demo-app', 'Demo_app', 'PROTOCOL_PARSING'],
    ]);
  });

  it('shows the API refusal of a bad version form next to the fields it names, and stores nothing', async () => {
    await page.getByRole('button', { name: 'Create version' }).click();
    await vform().getByLabel('Version', { exact: true }).fill('1.0.0');
    await vform().getByLabel('Image').fill('');
    await vform().getByLabel('x86_64').uncheck();
    await page.getByRole('button', { name: 'Create version', exact: true }).last().click();
    await page.locator('#f-container_settings-image_url-error').waitFor();
    expect(await page.locator('#f-container_settings-image_url-error').textContent()).toContain(
      'container_settings.image_url must NOT have fewer than 1 characters',
    );
    expect(await page.locator('#arch-error').textContent()).toContain('arch');
    expect(await vform().getByLabel('Image').getAttribute('aria-invalid')).toBe('true');
    await accessible();
    expect(await s.opened.store.db.selectFrom('edge_app_versions').selectAll().execute()).toEqual([]);
  });

  it('creates two versions through the form, the second with other settings in the JSON editor', async () => {
    await vform().getByLabel('Image').fill('swr.cn-north-4.myhuaweicloud.com/edge/demo:1.0.0');
    await vform().getByLabel('x86_64').check();
    await page.getByRole('button', { name: 'Create version', exact: true }).last().click();
    await heading().filter({ hasText: 'demo-app 1.0.0' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`${APPS}/demo-app/versions/1.0.0`);

    await page.getByRole('link', { name: 'demo-app' }).click();
    await heading().filter({ hasText: 'demo-app' }).waitFor();
    await page.getByRole('button', { name: 'Create version' }).click();
    await vform().getByLabel('Version', { exact: true }).fill('1.1.0');
    await vform().getByLabel('Image').fill('swr.cn-north-4.myhuaweicloud.com/edge/demo:1.1.0');
    await vform().getByLabel('arm64').check();
    const editor = vform().getByLabel(/Other settings/);
    const rest = JSON.parse(await editor.inputValue());
    rest.container_settings.envs = { LOG_LEVEL: 'debug', REGION: 'cn-north-7' };
    rest.container_settings.resources.limits.memory = 4096;
    await editor.fill(JSON.stringify(rest, null, 2));
    await page.getByRole('button', { name: 'Create version', exact: true }).last().click();
    await heading().filter({ hasText: 'demo-app 1.1.0' }).waitFor();
    await page.getByRole('cell', { name: 'REGION' }).waitFor();
    const stored = await s.opened.store.db.selectFrom('edge_app_versions').select(['version', 'state']).execute();
    expect(stored.map((v) => v.version).sort()).toEqual(['1.0.0', '1.1.0']);
  });

  it('publishes a version after a confirmation, and shows the API refusal of deleting it', async () => {
    await page.goto(`${origin}${APPS}/demo-app/versions/1.0.0`);
    await heading().filter({ hasText: 'demo-app 1.0.0' }).waitFor();
    await page.getByText('image_url').first().waitFor();
    await accessible();
    // The dialog is keyboard-operated: opened with Enter, closed with Escape, nothing changed.
    await page.getByRole('button', { name: 'Publish', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.locator('dialog[open]').waitFor();
    await accessible();
    await page.keyboard.press('Escape');
    await page.locator('dialog[open]').waitFor({ state: 'detached' });
    expect(await page.locator('.badge').first().textContent()).toBe('DRAFT');

    await confirm('Publish', 'Publish');
    await page.locator('.badge', { hasText: 'PUBLISHED' }).waitFor();
    const dialog = await confirm('Delete version', 'Delete');
    await dialog.getByRole('alert').waitFor();
    expect(await dialog.getByRole('alert').textContent()).toContain('has already published');
    expect(await dialog.getByRole('alert').textContent()).toContain('IoTEdge.02100605');
    await page.keyboard.press('Escape');
    const row = await s.opened.store.db
      .selectFrom('edge_app_versions')
      .select('state')
      .where('version', '=', '1.0.0')
      .executeTakeFirst();
    expect(row?.state).toBe('PUBLISHED');
    await page.screenshot({ path: path.join(shots, 'console-version.png') });
  });

  it('compares the two versions from the versions table, field by field', async () => {
    await page.getByRole('link', { name: 'demo-app' }).click();
    await page.getByRole('checkbox', { name: 'Compare 1.0.0' }).check();
    await page.getByRole('checkbox', { name: 'Compare 1.1.0' }).check();
    await accessible();
    await page.screenshot({ path: path.join(shots, 'console-app.png') });
    await page.getByRole('link', { name: /Compare 1\.\d\.0 and 1\.\d\.0/ }).click();
    await page.locator('table.diff').waitFor();
    const rows = await page
      .locator('table.diff tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent)));
    const byPath = Object.fromEntries(rows.map((r) => [r[0], r.slice(1)]));
    expect(Object.keys(byPath)).toEqual(
      expect.arrayContaining([
        'arch[1]',
        'container_settings.envs.LOG_LEVEL',
        'container_settings.envs.REGION',
        'container_settings.image_url',
        'container_settings.resources.limits.memory',
      ]),
    );
    expect(byPath['container_settings.envs.REGION']![0]).toBe('added');
    expect(byPath['container_settings.resources.limits.memory']![0]).toBe('changed');
    expect(rows.some((r) => r[0] === 'version' || r[0] === 'create_time')).toBe(false);
    await accessible();
    await page.screenshot({ path: path.join(shots, 'console-diff.png'), fullPage: true });
  });

  it('walks back and forward through the pages it came by', async () => {
    const compare = page.url();
    await back();
    await heading()
      .filter({ hasText: /^demo-app$/ })
      .waitFor();
    expect(new URL(page.url()).pathname).toBe(`${APPS}/demo-app`);
    await page.evaluate(() => history.forward());
    await page.locator('table.diff').waitFor();
    expect(page.url()).toBe(compare);
    // A deep link in another tab opens the page itself: the sign-in is the browser's, shared with the explorer.
    const other = await context.newPage();
    other.setDefaultTimeout(10_000);
    await other.goto(`${origin}${APPS}/demo-app/versions/1.1.0`);
    await other.locator('main h1', { hasText: 'demo-app 1.1.0' }).waitFor();
    await other.goto(`${origin}/explorer`);
    await other.getByText('Signed in as admin').waitFor();
    await other.close();
  });

  it('creates a provider and versions, lists them newest semantic version first, and deletes them', async () => {
    await page.getByRole('link', { name: 'Providers' }).click();
    await heading().filter({ hasText: 'Private providers' }).waitFor();
    await page.locator('.pager').waitFor();
    await accessible();
    await page.getByRole('button', { name: 'Create provider' }).click();
    await page.getByLabel('Provider name').fill('demo-provider');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await heading().filter({ hasText: 'demo-provider' }).waitFor();
    await page.getByText('huawei.com/private-provider/demo-provider').first().waitFor();
    await page.getByRole('button', { name: 'Create version' }).click();
    for (const v of ['1.2.0', '1.10.0', '1.0.0-rc.1', 'bad']) {
      await page.getByLabel('Version', { exact: true }).fill(v);
      await page.getByRole('button', { name: 'Create version', exact: true }).last().click();
      if (v === 'bad') await page.locator('#f-provider_version-error').waitFor();
      else await page.getByRole('rowheader', { name: v, exact: true }).waitFor();
    }
    expect(await page.locator('#f-provider_version-error').textContent()).toContain('provider_version');
    const order = await page.locator('tbody th[scope=row]').allTextContents();
    expect(order).toEqual(['1.10.0', '1.2.0', '1.0.0-rc.1']);
    await accessible();
    await confirm('Delete 1.2.0', 'Delete');
    await page.getByRole('rowheader', { name: '1.2.0', exact: true }).waitFor({ state: 'detached' });
    const stored = await s.opened.store.db.selectFrom('rfs_provider_versions').select('provider_version').execute();
    expect(stored.map((v) => v.provider_version).sort()).toEqual(['1.0.0-rc.1', '1.10.0']);
    await confirm('Delete provider', 'Delete');
    await heading().filter({ hasText: 'Private providers' }).waitFor();
    expect(await s.opened.store.db.selectFrom('rfs_providers').selectAll().execute()).toEqual([]);
  });

  it('shows every step in the activity trail with the user who took it, and filters it', async () => {
    await page.getByRole('link', { name: 'Activity' }).click();
    await heading().filter({ hasText: 'Activity' }).waitFor();
    await page.locator('table.activity').waitFor();
    const rows = await page
      .locator('table.activity tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((c) => c.textContent!.trim())));
    const steps = rows.map((r) => `${r[2]} ${r[4]}`).reverse();
    expect(steps).toEqual([
      'CreateEdgeApp 400 IoTEdge.00000005',
      'CreateEdgeApp 201',
      'CreateEdgeApplicationVersion 400 IoTEdge.00000005',
      'CreateEdgeApplicationVersion 201',
      'CreateEdgeApplicationVersion 201',
      'UpdateEdgeApplicationVersionState 200',
      'DeleteEdgeApplicationVersion 403 IoTEdge.02100605',
      'CreatePrivateProvider 201',
      'CreatePrivateProviderVersion 201',
      'CreatePrivateProviderVersion 201',
      'CreatePrivateProviderVersion 201',
      'CreatePrivateProviderVersion 400 RF.10011003',
      'DeletePrivateProviderVersion 204',
      'DeletePrivateProvider 204',
    ]);
    expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(['admin']));
    await accessible();
    await page.screenshot({ path: path.join(shots, 'console-activity.png') });
    await page.getByLabel('Outcome').selectOption('failure');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/outcome=failure/);
    await page.waitForFunction(() => document.querySelectorAll('table.activity tbody tr').length === 4);
    expect(calls.at(-1)).toMatch(/^GET \/_versionary\/activity\?outcome=failure&limit=50$/);
    await back();
    await page.waitForFunction(() => document.querySelectorAll('table.activity tbody tr').length === 14);
  });

  it('answers an unknown console path with a page that leads back', async () => {
    await page.goto(`${origin}/console/no/such/page`);
    await heading().filter({ hasText: 'No such page' }).waitFor();
    await accessible();
    await page.getByRole('link', { name: 'Back to the overview' }).click();
    await heading().filter({ hasText: 'Overview' }).waitFor();
  });

  it('switches project, and a deep link of a project moves the session to it', async () => {
    await s.opened.iam.createProject({ name: 'cn-south-1' });
    await page.goto(`${origin}/console`);
    await heading().filter({ hasText: 'Overview' }).waitFor();
    const select = page.getByLabel('Project', { exact: true });
    await select.locator('option', { hasText: 'cn-south-1' }).waitFor({ state: 'attached' });
    const other = await select.locator('option', { hasText: 'cn-south-1' }).getAttribute('value');
    await select.selectOption(other!);
    await page.getByText('edge apps in cn-south-1').waitFor();
    expect(await page.locator('.card .number').first().textContent()).toBe('0');
    await page.goto(`${origin}${APPS}/demo-app`);
    await heading()
      .filter({ hasText: /^demo-app$/ })
      .waitFor();
    expect(await select.inputValue()).toBe(PROJECT_ID);
    await accessible();
  });

  it('pages through 10,000 versions of one app and of one provider without loading them all', async () => {
    const token = await adminToken(s);
    const exported = await s.app.inject({ url: '/_versionary/export', headers: { 'x-auth-token': token } });
    const snap = exported.json();
    const template = snap.edge_app_versions.find((v: { version: string }) => v.version === '1.1.0');
    snap.edge_apps = snap.edge_apps.map((a: object) => ({ ...a, edge_app_id: 'big-app' }));
    snap.edge_app_versions = Array.from({ length: 10_000 }, (_, i) => ({
      ...template,
      edge_app_id: 'big-app',
      version: `2.${Math.floor(i / 100)}.${i % 100}`,
      state: 'DRAFT',
      publish_time: undefined,
      off_shelf_time: undefined,
    }));
    const provider = {
      domain_id: snap.domain_id,
      provider_id: '1b15e005-bdbb-4bd7-8f9a-a09b6774b4b3',
      provider_name: 'big-provider',
      create_time: '2026-01-01T00:00:00.000Z',
      update_time: '2026-01-01T00:00:00.000Z',
    };
    snap.rfs_providers = [provider];
    snap.rfs_provider_versions = Array.from({ length: 10_000 }, (_, i) => ({
      provider_id: provider.provider_id,
      provider_version: `1.${i % 100}.${Math.floor(i / 100)}`,
      function_graph_urn: `urn:fss:cn-north-7:${PROJECT_ID}:function:default:f${i}`,
      create_time: '2026-01-01T00:00:00.000Z',
    }));
    const imported = await s.app.inject({
      method: 'POST',
      url: '/_versionary/import',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      payload: JSON.stringify(snap),
    });
    expect(imported.statusCode, imported.body).toBe(200);

    calls.length = 0;
    await page.goto(`${origin}${APPS}/big-app`);
    await page.getByText('1–20 of 10000').waitFor();
    await page.getByRole('link', { name: 'Next' }).click();
    await page.getByText('21–40 of 10000').waitFor();
    expect(new URL(page.url()).searchParams.get('offset')).toBe('20');
    expect(await page.locator('tbody tr').count()).toBe(20);
    const lists = calls.filter((c) => c.includes('/edge-apps/big-app/versions?'));
    expect(lists.length).toBeGreaterThan(0);
    for (const c of lists) expect(c).toMatch(/limit=20/);

    await page.goto(`${origin}/console/providers/big-provider`);
    await page.getByText('1–20 of 10000').waitFor();
    const order = await page.locator('tbody th[scope=row]').allTextContents();
    expect(order.slice(0, 3)).toEqual(['1.99.99', '1.99.98', '1.99.97']);
    await page.getByRole('link', { name: 'Next' }).click();
    await page.getByText('21–40 of 10000').waitFor();
    expect((await page.locator('tbody th[scope=row]').allTextContents())[0]).toBe('1.99.79');
  }, 120_000);
});
