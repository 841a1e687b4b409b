import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.ts';
import { expect } from 'vitest';
import { startPortalStack, type PortalStack, type PortalStackOptions } from './stack.ts';

export { CHROMIUM, haveChromium, launchChromium } from './browser.ts';
/** Screenshots of each page land here (PORTAL_SCREENSHOTS overrides). */
export const SHOTS = process.env.PORTAL_SCREENSHOTS ?? join(tmpdir(), 'crosswire-portal-screenshots');

const REPO = join(import.meta.dirname, '../../..');
/** What a console build depends on: its sources, its Vite config, and the contract types it imports. */
const BUILD_INPUTS = ['portal/src/app', 'portal/vite.config.ts', 'orchestrator/src/contract'];

async function buildInputsHash(): Promise<string> {
  const hash = createHash('sha256');
  const visit = async (relative: string): Promise<void> => {
    const path = join(REPO, relative);
    if ((await stat(path)).isDirectory()) {
      for (const entry of (await readdir(path)).sort()) await visit(join(relative, entry));
      return;
    }
    hash.update(`${relative}\0`).update(await readFile(path)).update('\0');
  };
  for (const input of BUILD_INPUTS) await visit(input);
  return hash.digest('hex').slice(0, 16);
}

/**
 * A production build of the console for the BFF to serve, made once per version of its sources and
 * shared by every test file (and run) that asks: each e2e file building its own cost CI a minute. A
 * build lands in a staging folder and is renamed into place whole, so a reader never sees half of one.
 */
export async function buildConsole(): Promise<string> {
  const dir = join(tmpdir(), `crosswire-console-${await buildInputsHash()}`);
  if (existsSync(join(dir, 'index.html'))) return dir;
  const staging = await mkdtemp(join(tmpdir(), 'crosswire-console-build-'));
  const { build } = await import('vite');
  // Vitest sets NODE_ENV=test; the console under test is the production build (restored before the
  // development IdP, which refuses production, starts).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(import.meta.dirname, '../../vite.config.ts'),
      build: { outDir: staging, emptyOutDir: true, sourcemap: false },
      logLevel: 'warn',
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  try {
    await rename(staging, dir);
  } catch {
    // Another test file built the same sources meanwhile: theirs is as good.
    await rm(staging, { recursive: true, force: true });
  }
  return dir;
}

export interface ConsoleHarness {
  stack: PortalStack;
  browser: Browser;
  close(): Promise<void>;
}

/** The real stack serving a production build of the console, and Chromium to drive it. */
export async function openConsole(options: Omit<PortalStackOptions, 'staticDir'> = {}): Promise<ConsoleHarness> {
  const stack = await startPortalStack({ ...options, staticDir: await buildConsole() });
  await mkdir(SHOTS, { recursive: true });
  const browser = await launchChromium();
  return {
    stack,
    browser,
    close: async () => {
      await browser.close();
      await stack.stop();
    },
  };
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
