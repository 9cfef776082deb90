import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { BrowserContext, Page } from 'playwright-core';

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface Guard {
  /** Requests that would have left the server (each was blocked). */
  outside: string[];
  /** Errors the pages logged or threw. */
  errors: string[];
  /** API calls the server refused (4xx): Chromium logs each as an error, but they are answers the page shows. */
  refused: string[];
}

/**
 * Keeps every page of the context on `origin`: any other request is blocked and recorded, and so
 * is every error a page logs or throws.
 */
export async function guard(context: BrowserContext, origin: string): Promise<Guard> {
  const g: Guard = { outside: [], errors: [], refused: [] };
  const leave = (what: string) => {
    if (!g.outside.includes(what)) g.outside.push(what);
  };
  await context.route('**/*', async (route) => {
    const request = route.request();
    if (new URL(request.url()).origin !== origin) {
      leave(`${request.method()} ${request.url()}`);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  await context.routeWebSocket(/.*/, (ws) => {
    leave(`websocket ${ws.url()}`);
    return ws.close();
  });
  context.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !/^(data|blob|about):/.test(u)) leave(`${r.method()} ${u}`);
  });
  context.on('page', (page) => watch(page, g));
  return g;
}

function watch(page: Page, g: Guard) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const at = msg.location().url;
    const api = at !== '' && !new URL(at).pathname.startsWith('/console');
    if (api && /^Failed to load resource: the server responded with a status of 4\d\d /.test(msg.text())) {
      g.refused.push(`${msg.text()} ${at}`);
    } else g.errors.push(`console: ${msg.text()} ${at}`);
  });
  page.on('pageerror', (err) => g.errors.push(`page: ${err.message}`));
}

export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core's serious and critical findings on the page as it is now. */
export async function accessibilityProblems(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document) => Promise<{ violations: any[] }> } }).axe;
    const result = await axe.run(document);
    return result.violations.map((v) => ({
      id: v.id as string,
      impact: v.impact as string | null,
      help: v.help as string,
      nodes: (v.nodes as { target: string[] }[]).map((n) => n.target.join(' ')),
    }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
