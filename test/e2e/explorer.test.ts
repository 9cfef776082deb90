import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { ADMIN_PASSWORD, PROJECT_ID, adminToken, startServer, type TestServer } from '../helpers/server.js';
import { iotedge } from '../helpers/iotedge.js';
import { rfs } from '../helpers/rfs.js';

/** Screenshots go to docs/ with VERSIONARY_SCREENSHOTS=1 (for the README), else to a temporary dir. */
const shots = process.env.VERSIONARY_SCREENSHOTS
  ? path.resolve('docs')
  : fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-shots-'));
const VIEWPORT = { width: 1400, height: 900 };

/** Features of Scalar that reach services outside the server; none may be on the page. */
const OUTWARD = [
  'Ask AI',
  'Generate MCP',
  'VS Code',
  'Cursor',
  'Share',
  'Deploy',
  'Configure',
  'Developer Tools',
  'Powered by Scalar',
  'Open in API Client',
];

describe('the API explorer in a real browser', () => {
  let s: TestServer;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Every request that would have left the server: each is blocked and fails the test it happens in. */
  const outside: string[] = [];
  /** The API requests the page sent to the server. */
  const sent: string[] = [];
  const leave = (request: string) => {
    if (!outside.includes(request)) outside.push(request);
  };

  beforeAll(async () => {
    s = await startServer('sqlite');
    url = await s.app.listen({ host: '127.0.0.1', port: 0 });
    const origin = new URL(url).origin;
    expect(
      (await rfs(s, await adminToken(s)).createProvider({ provider_name: 'my-hello-world-provider-name' })).statusCode,
    ).toBe(201);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: VIEWPORT });
    // Every request of every page of the context goes through here: only the server's origin passes.
    await context.route('**/*', async (route) => {
      const request = route.request();
      const target = request.url();
      if (new URL(target).origin !== origin) {
        leave(`${request.method()} ${target}`);
        return route.abort('blockedbyclient');
      }
      if (!target.includes('/explorer')) sent.push(`${request.method()} ${target.slice(origin.length)}`);
      return route.continue();
    });
    await context.routeWebSocket(/.*/, (ws) => {
      leave(`websocket ${ws.url()}`);
      return ws.close();
    });
    // What routing cannot see (a service worker, a navigation to another scheme) is caught here.
    context.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(origin) && !/^(data|blob|about):/.test(u)) leave(`${r.method()} ${u}`);
    });
    page = await context.newPage();
  }, 120_000);

  afterEach(async () => {
    // A test that failed with the request editor open leaves it to the next one closed.
    if (await page?.locator('.scalar-client--open').isVisible()) await page.keyboard.press('Escape');
    expect(outside).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  /** Shown, inside the viewport and not covered by anything else: what a user actually sees. */
  const expectInView = async (locator: Locator) => {
    await expect(locator.isVisible()).resolves.toBe(true);
    const box = await locator.boundingBox();
    expect(box).not.toBeNull();
    const { x, y, width, height } = box!;
    expect(y).toBeGreaterThanOrEqual(0);
    expect(x).toBeGreaterThanOrEqual(0);
    expect(y + height).toBeLessThanOrEqual(VIEWPORT.height);
    expect(x + width).toBeLessThanOrEqual(VIEWPORT.width);
    const onTop = await locator.evaluate(
      (el, [cx, cy]) => {
        const hit = document.elementFromPoint(cx!, cy!);
        return !!hit && (el === hit || el.contains(hit));
      },
      [x + width / 2, y + height / 2],
    );
    expect(onTop).toBe(true);
  };

  const expectHidden = async (locator: Locator) => {
    await expect(locator.isVisible()).resolves.toBe(false);
    expect(await locator.boundingBox()).toBeNull();
  };

  /** No button or link of an outward feature is shown, and every shown link stays on the server. */
  const expectNothingOutward = async () => {
    for (const name of OUTWARD) {
      for (const el of await page.getByText(name, { exact: true }).all())
        await expect(el.isVisible(), name).resolves.toBe(false);
      for (const el of await page.getByRole('button', { name, exact: true }).all())
        await expect(el.isVisible(), name).resolves.toBe(false);
    }
    const links = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLAnchorElement>('a[href]')]
        .filter((a) => a.getClientRects().length > 0 && getComputedStyle(a).visibility !== 'hidden')
        .map((a) => a.href),
    );
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((href) => !href.startsWith('blob:') && new URL(href).origin !== new URL(url).origin)).toEqual(
      [],
    );
  };

  const ready = () =>
    page
      .getByRole('button', { name: /Group - IoTEdge/ })
      .first()
      .waitFor();

  const openGroup = async (group: string) => {
    const open = page.getByRole('button', { name: `Open Group - ${group}` });
    if (await open.isVisible()) await open.click();
  };

  const openTry = async (group: string, operation: string, method: string, route: string) => {
    await openGroup(group);
    await page.locator('.t-doc__sidebar').getByText(operation, { exact: true }).first().click();
    await page.getByRole('button', { name: `Test Request (${method} ${route})` }).click();
    const send = page.getByRole('button', { name: new RegExp(`Send ${method} request`) }).first();
    await send.waitFor();
    return send;
  };

  const sendAndShoot = async (send: Locator, status: RegExp, shot: string) => {
    await send.click();
    const shown = page.locator('.scalar-client--open').getByText(status).first();
    await shown.waitFor({ timeout: 15_000 }).catch(async (e) => {
      await page.screenshot({ path: path.join(shots, `failed-${shot}`) });
      throw e;
    });
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(shots, shot) });
    return (await shown.innerText()).trim();
  };

  const closeTry = async () => {
    await page.keyboard.press('Escape');
    await page.locator('.scalar-client--open').waitFor({ state: 'detached' });
  };

  it(
    'before sign-in shows the sign-in form, no "Sign out", and nothing that leaves the server',
    { timeout: 60_000 },
    async () => {
      await page.goto(`${url}/explorer`);
      await ready();
      await expectInView(page.locator('#signin input[name=password]'));
      await expectInView(page.locator('#signin button[type=submit]'));
      await expectHidden(page.locator('#signout'));
      await expectHidden(page.locator('#who'));
      await expectNothingOutward();
    },
  );

  it(
    'signs in from the middle of the page, which comes back with "Signed in as…" in view',
    { timeout: 60_000 },
    async () => {
      // Reading an operation puts it in the address, so the page comes back to it after the reload.
      await openGroup('IoTEdge');
      await page.locator('.t-doc__sidebar').getByText('List edge apps', { exact: true }).first().click();
      await page.waitForFunction(() => location.hash.includes('edge-apps'));
      await page.fill('#signin input[name=password]', ADMIN_PASSWORD);
      await page.click('#signin button[type=submit]');
      await page.waitForSelector('#signed-in:not([hidden])');
      await ready();
      await page.waitForTimeout(500);
      expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0);
      await expectInView(page.locator('#who'));
      await expectInView(page.locator('#signout'));
      expect(await page.innerText('#who')).toContain(PROJECT_ID);
      await expectHidden(page.locator('#signin'));
      await expectNothingOutward();

      await page.evaluate(() => window.scrollTo(0, 0));
      await page.waitForTimeout(300);
      await expectInView(page.locator('#who'));
      await page.screenshot({ path: path.join(shots, 'explorer.png') });
    },
  );

  it(
    'shows the Node.js SDK sample of an IoTEdge and an RFS operation first, with this server and the project in it',
    { timeout: 60_000 },
    async () => {
      for (const [group, operation, id, client] of [
        [
          'IoTEdge',
          'Create an edge app version',
          'POST/v2/{project_id}/edge-apps/{edge_app_id}/versions',
          'IoTEdgeClient',
        ],
        ['RFS', 'Create a private provider version', 'POST/v1/private-providers/{provider_name}/versions', 'RfsClient'],
      ] as const) {
        await openGroup(group);
        await page.locator('.t-doc__sidebar').getByText(operation, { exact: true }).first().click();
        const section = page.locator(`section[id$="${id}"]`);
        const code = section.locator('pre, code').filter({ hasText: client }).first();
        await code.waitFor({ timeout: 15_000 });
        await code.scrollIntoViewIfNeeded();
        // The program is taller than the window: its first line is what must be in view.
        const box = (await code.boundingBox())!;
        expect(box.y + 20).toBeGreaterThanOrEqual(0);
        expect(box.y + 20).toBeLessThanOrEqual(VIEWPORT.height);
        await expect(code.isVisible()).resolves.toBe(true);
        const text = await code.innerText();
        expect(text).toContain('require("@huaweicloud/huaweicloud-sdk-core")');
        expect(text).toContain(`const endpoint = "${url}"`);
        expect(text).toContain(`const projectId = "${PROJECT_ID}"`);
        expect(text).toContain('process.env.HUAWEICLOUD_SDK_AK');
        // The tab shown is the Node.js SDK's: the first of the SDK samples, before the generic clients.
        await expectInView(section.getByText('Node.js SDK', { exact: true }).first());
        await page.screenshot({ path: path.join(shots, `explorer-sdk-sample-${group.toLowerCase()}.png`) });
      }
    },
  );

  it('names every operation in the sidebar by its summary, never by its path', { timeout: 60_000 }, async () => {
    for (const group of ['IoTEdge', 'RFS', 'IAM', 'Admin']) await openGroup(group);
    for (const more of await page.getByRole('button', { name: /^Show all .* endpoints$/ }).all())
      if (await more.isVisible()) await more.click();
    const sidebar = page.locator('.t-doc__sidebar');
    const entries = (await sidebar.locator('a').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
    expect(entries.length).toBeGreaterThan(20);
    expect(entries.filter((t) => /\/(v1|v2|v3|_versionary)\//.test(t) || t.startsWith('/'))).toEqual([]);
    const show = sidebar.getByText('Show a private provider', { exact: true });
    await show.scrollIntoViewIfNeeded();
    await expectInView(show);
  });

  it('creates an edge app and a provider version through "try it"', { timeout: 90_000 }, async () => {
    const app = await openTry('IoTEdge', 'Create an edge app', 'post', '/v2/{project_id}/edge-apps');
    expect(await sendAndShoot(app, /^201\b/, 'explorer-create-edge-app.png')).toMatch(/^201/);
    await closeTry();
    const version = await openTry(
      'RFS',
      'Create a private provider version',
      'post',
      '/v1/private-providers/{provider_name}/versions',
    );
    expect(await sendAndShoot(version, /^201\b/, 'explorer-create-provider-version.png')).toMatch(/^201/);
    await closeTry();

    // What the page created is there when asked through the API.
    const token = await adminToken(s);
    const created = await iotedge(s, token).showApp('my-edge-app');
    expect(created.statusCode).toBe(200);
    expect(created.json().edge_app_name).toBe('MyEdgeApp');
    expect((await rfs(s, token).showVersion('my-hello-world-provider-name', '0.0.2')).statusCode).toBe(200);
  });

  it(
    'lists edge apps with the optional filters empty and off, so the first try finds the app',
    { timeout: 60_000 },
    async () => {
      // In the reference: offset and limit have defaults and are not marked required.
      await openGroup('IoTEdge');
      await page.locator('.t-doc__sidebar').getByText('List edge apps', { exact: true }).first().click();
      const section = page.locator('section[id$="GET/v2/{project_id}/edge-apps"]');
      for (const name of ['offset', 'limit', 'app_type', 'function_type']) {
        const item = section.locator(`li.parameter-item:has([id$=".query.${name}"])`).first();
        await item.scrollIntoViewIfNeeded();
        await expectInView(item);
        expect(await item.innerText()).not.toMatch(/(^|\s)required(\s|$)/);
      }

      const send = await openTry('IoTEdge', 'List edge apps', 'get', '/v2/{project_id}/edge-apps');
      const client = page.locator('.scalar-client--open');
      // A row is its checkbox, its name and its value (the row element itself has no box of its own).
      const row = (name: string) => {
        const cells = client.locator(`tr#${name} > td`);
        return {
          include: client.getByRole('checkbox', { name: `Include ${name} in request` }),
          key: cells.nth(1),
          value: cells.nth(2),
        };
      };
      for (const name of ['app_type', 'function_type', 'edge_app_id', 'protocol']) {
        const { include, key, value } = row(name);
        await value.scrollIntoViewIfNeeded();
        await expectInView(key);
        await expectInView(value);
        expect((await value.innerText()).trim()).toBe('');
        await expect(include.isChecked()).resolves.toBe(false);
      }
      for (const [name, shown] of [
        ['offset', '0'],
        ['limit', '10'],
      ] as const) {
        const { include, key, value } = row(name);
        await expectInView(key);
        await expectInView(value);
        expect((await key.innerText()).trim()).toBe(name);
        expect((await value.innerText()).trim()).toBe(shown);
        await expect(include.isChecked()).resolves.toBe(true);
      }

      sent.length = 0;
      expect(await sendAndShoot(send, /^200\b/, 'explorer-list-edge-apps.png')).toMatch(/^200/);
      const count = client
        .getByText('"count": 1', { exact: false })
        .or(client.locator('.cm-line').filter({ hasText: /"count":\s*1\b/ }))
        .first();
      await expectInView(count);
      const list = sent.filter((r) => r.startsWith(`GET /v2/${PROJECT_ID}/edge-apps`));
      expect(list).toHaveLength(1);
      expect(list[0]).not.toMatch(/app_type|function_type/);
      await closeTry();
    },
  );

  it(
    'offers code samples for curl, Node.js, Python and Go, with no menu that leaves the server',
    { timeout: 60_000 },
    async () => {
      await page.evaluate(() => window.scrollTo(0, 0));
      const text = await page.evaluate(() => document.body.innerText);
      for (const client of ['Shell', 'Node.js', 'Python']) expect(text).toContain(client);
      await page
        .getByRole('button', { name: /Select from all clients/ })
        .first()
        .click();
      const go = page.getByText('Go', { exact: true }).first();
      await go.scrollIntoViewIfNeeded();
      await expectInView(go);
      await expectNothingOutward();
      await page.keyboard.press('Escape');

      // The request editor's own code sample and its client menu.
      await openTry('RFS', 'Show a private provider', 'get', '/v1/private-providers/{provider_name}/metadata');
      const client = page.locator('.scalar-client--open');
      await client.getByRole('button', { name: /Code Snippet/ }).click();
      // The request editor's snippet starts on the Node.js SDK sample too.
      const picker = client.getByRole('button', { name: /Node\.js SDK/ }).first();
      await picker.click();
      await page.waitForTimeout(300);
      await expectNothingOutward();
      await page.keyboard.press('Escape');
      await closeTry();
    },
  );

  it('signs out back to the form', { timeout: 60_000 }, async () => {
    await page.click('#signout');
    await page.waitForSelector('#signin:not([hidden])');
    await ready();
    await expectInView(page.locator('#signin input[name=password]'));
    await expectHidden(page.locator('#signout'));
  });

  it('made no request outside the server', () => {
    expect(outside).toEqual([]);
    expect(sent.length).toBeGreaterThan(0);
  });
});
