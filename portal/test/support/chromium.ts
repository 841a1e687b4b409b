import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's Chromium, driven by playwright-core (no browser download). */
export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
/** Screenshots of each page land here (PORTAL_SCREENSHOTS overrides). */
export const SHOTS = process.env.PORTAL_SCREENSHOTS ?? join(tmpdir(), 'crosswire-portal-screenshots');

/** A production build of the console into a fresh folder, for the BFF to serve. */
export async function buildConsole(): Promise<string> {
  const distDir = await mkdtemp(join(tmpdir(), 'crosswire-portal-dist-'));
  const { build } = await import('vite');
  // Vitest sets NODE_ENV=test; the console under test is the production build (restored before the
  // development IdP, which refuses production, starts).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(import.meta.dirname, '../../vite.config.ts'),
      build: { outDir: distDir, emptyOutDir: true, sourcemap: false },
      logLevel: 'warn',
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return distDir;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Signs in through the development IdP in a fresh browser context and lands on the adapters list. */
export async function signIn(browser: Browser, portal: string, username: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${portal}/adapters`);
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(username);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${portal}/adapters`);
  await expect.poll(() => page.getByRole('row').count()).toBeGreaterThan(1);
  return page;
}

let axeSource: string | undefined;
/** axe-core's violations on the page as it is now: "rule (impact, n nodes)". */
export async function axeViolations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through DevTools, not as a page script: the portal's CSP allows no inline scripts.
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(axeSource);
  return page.evaluate<string[]>(
    `axe.run().then((r) => r.violations.map((v) => v.id + ' (' + v.impact + ', ' + v.nodes.length + ' nodes: ' + v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ') + ')'))`,
  );
}
