import fs from 'node:fs';
import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser } from 'playwright-core';

/** A real headless Chromium: Debian's when installed, else the one inside @sparticuz/chromium. */
export async function launchBrowser(): Promise<Browser> {
  const debian = '/usr/bin/chromium';
  const executablePath = fs.existsSync(debian) ? debian : await chromium.executablePath();
  const args = [
    ...(executablePath === debian ? ['--no-sandbox', '--disable-gpu'] : chromium.args),
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ];
  return playwright.launch({ executablePath, args, headless: true });
}
