import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { ADMIN_PASSWORD, PROJECT_ID, adminToken, startServer, type TestServer } from '../helpers/server.js';
import { iotedge } from '../helpers/iotedge.js';
import { rfs } from '../helpers/rfs.js';

/** Screenshots go to docs/ with VERSIONARY_SCREENSHOTS=1 (for the README), else to a temporary dir. */
const shots = process.env.VERSIONARY_SCREENSHOTS ? path.resolve('docs') : fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-shots-'));

describe('the API explorer in a real browser', () => {
  let s: TestServer;
  let url: string;
  let browser: Browser;
  let page: Page;
  const outside: string[] = [];

  beforeAll(async () => {
    s = await startServer('sqlite');
    url = await s.app.listen({ host: '127.0.0.1', port: 0 });
    expect((await rfs(s, await adminToken(s)).createProvider({ provider_name: 'my-hello-world-provider-name' })).statusCode).toBe(201);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(url) && !u.startsWith('data:') && !u.startsWith('blob:') && !u.startsWith('about:')) outside.push(u);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  const tryIt = async (group: string, operation: string, method: string, route: string, shot: string) => {
    await page.getByRole('button', { name: `Open Group - ${group}` }).click();
    await page.getByText(operation, { exact: true }).first().click();
    await page.getByRole('button', { name: `Test Request (${method} ${route})` }).click();
    const send = page.getByRole('button', { name: new RegExp(`Send ${method} request`) }).first();
    await send.waitFor();
    await send.click();
    const status = page.getByText(/^201\b/).first();
    await status.waitFor({ timeout: 15_000 }).catch(async (e) => {
      await page.screenshot({ path: path.join(shots, `failed-${shot}`) });
      throw e;
    });
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(shots, shot) });
    const shown = (await status.innerText()).trim();
    await page.keyboard.press('Escape');
    return shown;
  };

  it('signs in, then creates an edge app and a provider version through "try it"', { timeout: 90_000 }, async () => {
    await page.goto(`${url}/explorer`);
    await page.fill('#signin input[name=password]', ADMIN_PASSWORD);
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#signed-in:not([hidden])');
    expect(await page.innerText('#who')).toContain(PROJECT_ID);
    await page.getByRole('button', { name: 'Open Group - IoTEdge' }).waitFor();
    await page.screenshot({ path: path.join(shots, 'explorer.png') });

    expect(await tryIt('IoTEdge', 'Create an edge app', 'post', '/v2/{project_id}/edge-apps', 'explorer-create-edge-app.png')).toMatch(/^201/);
    expect(await tryIt('RFS', 'Create a private provider version', 'post', '/v1/private-providers/{provider_name}/versions', 'explorer-create-provider-version.png')).toMatch(/^201/);

    // What the page created is there when asked through the API.
    const token = await adminToken(s);
    const app = await iotedge(s, token).showApp('my-edge-app');
    expect(app.statusCode).toBe(200);
    expect(app.json().edge_app_name).toBe('MyEdgeApp');
    const version = await rfs(s, token).showVersion('my-hello-world-provider-name', '0.0.2');
    expect(version.statusCode).toBe(200);
  });

  it('offers code samples for curl, Node.js, Python and Go', { timeout: 60_000 }, async () => {
    const text = await page.evaluate(() => document.body.innerText);
    for (const client of ['Shell', 'Node.js', 'Python']) expect(text).toContain(client);
    await page.getByRole('button', { name: /Select from all clients/ }).first().click();
    await expect(page.getByText('Go', { exact: true }).first().isVisible()).resolves.toBe(true);
    await page.keyboard.press('Escape');
  });

  it('made no request outside the server', () => {
    expect(outside).toEqual([]);
  });
});
