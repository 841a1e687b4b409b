import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPortalStack, type PortalStack } from './support/stack.ts';

/**
 * The console in Debian's Chromium (playwright-core, no browser download) against the real stack:
 * the development IdP, the BFF serving a fresh Vite build, an orchestrator on PostgreSQL.
 */
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`portal end-to-end tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
/** Screenshots of each page land here (PORTAL_SCREENSHOTS overrides). */
const SHOTS = process.env.PORTAL_SCREENSHOTS ?? join(tmpdir(), 'crosswire-portal-screenshots');

describe.skipIf(!haveChromium)('portal in Chromium', () => {
  let stack: PortalStack;
  let browser: Browser;
  let distDir: string;

  beforeAll(async () => {
    distDir = await mkdtemp(join(tmpdir(), 'crosswire-portal-dist-'));
    const { build } = await import('vite');
    // Vitest sets NODE_ENV=test; the console under test is the production build (this test file's
    // worker only, and restored before the development IdP, which refuses production, starts).
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({
        configFile: join(import.meta.dirname, '../vite.config.ts'),
        build: { outDir: distDir, emptyOutDir: true, sourcemap: false },
        logLevel: 'warn',
      });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    stack = await startPortalStack({ staticDir: distDir });
    await mkdir(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (distDir) await rm(distDir, { recursive: true, force: true });
  });

  async function signIn(username: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${stack.portal}/adapters`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(username);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.portal}/adapters`);
    await expect.poll(() => page.getByRole('row').count()).toBeGreaterThan(1);
    return page;
  }

  it('a viewer signs in, sees the adapters with their status, filters them, and finds no way to change one', async () => {
    const page = await signIn('viewer');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Adapters');
    const names = await page.locator('tbody th').allTextContents();
    expect(names).toEqual(['lse-gateway', 'orders-to-nats', 'venue-initiator']);
    const row = page.getByRole('row', { name: /lse-gateway/ });
    expect(await row.textContent()).toContain('fix-acceptor');
    expect(await row.textContent()).toContain('Disabled');
    expect(await row.textContent()).toContain('Inactive');
    await expect.poll(() => page.locator('header .roles').textContent()).toBe(' (viewer)');
    await page.screenshot({ path: join(SHOTS, 'adapters.png'), fullPage: true });

    // Server-side search, as you type.
    await page.getByLabel('Name contains').fill('venue');
    await expect.poll(() => page.locator('tbody th').allTextContents()).toEqual(['venue-initiator']);
    expect(page.url()).toBe(`${stack.portal}/adapters?name=venue`);
    await page.getByLabel('Status').selectOption('Active');
    await expect.poll(() => page.getByText('No adapters match these filters.').count()).toBe(1);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => page.locator('tbody th').count()).toBe(3);

    await page.getByRole('link', { name: 'lse-gateway' }).click();
    await page.waitForURL(`${stack.portal}/adapters/lse-gateway`);
    await expect.poll(() => page.getByText('can view this adapter but not change it').count()).toBe(1);
    expect(await page.getByRole('button', { name: /^(Enable|Disable)$/ }).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'adapter-viewer.png'), fullPage: true });

    // A forged request from the page (no CSRF header) is refused by the BFF; a proper one by the orchestrator.
    const forged = await page.evaluate(() => fetch('/api/v1/adapters/lse-gateway/enable', { method: 'POST' }).then((r) => r.status));
    expect(forged).toBe(403);
    const asViewer = await page.evaluate(() =>
      fetch('/api/v1/adapters/lse-gateway/enable', { method: 'POST', headers: { 'X-Crosswire-CSRF': '1' } }).then((r) => r.status),
    );
    expect(asViewer).toBe(403);
    // The page's script cannot read the session cookie.
    expect(await page.evaluate('document.cookie')).toBe('');
    await page.context().close();
  });

  it('an operator enables an adapter after confirming, and sees the admin state and the event', async () => {
    const page = await signIn('operator');
    await page.getByRole('link', { name: 'venue-initiator' }).click();
    await page.waitForURL(`${stack.portal}/adapters/venue-initiator`);
    await page.getByRole('button', { name: 'Enable' }).click();
    const confirm = page.getByRole('button', { name: 'Yes, enable' });
    expect(await confirm.count()).toBe(1);
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Yes, enable');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('button', { name: 'Disable' }).count()).toBe(1);
    await expect.poll(() => page.locator('#admin-title + p').textContent()).toContain('Enabled');
    // Nobody claims it in this stack (no pod): the status says so, and the event log has the action.
    await expect.poll(() => page.getByRole('cell', { name: 'enabled by Demo operator' }).count(), { timeout: 5_000 }).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'adapter-operator.png'), fullPage: true });
    expect((await (await stack.admin('GET', '/adapters/venue-initiator')).json()) as { enabled: boolean }).toMatchObject({ enabled: true });

    // The list shows the change within the polling interval, without a reload.
    await page.getByRole('link', { name: 'Adapters', exact: true }).first().click();
    await expect.poll(() => page.getByRole('row', { name: /venue-initiator/ }).textContent(), { timeout: 3_000 }).toMatch(/Enabled/);
    await page.context().close();
  });

  it('shows changes made elsewhere within two seconds', async () => {
    const page = await signIn('viewer');
    expect(await page.getByRole('row', { name: /orders-to-nats/ }).textContent()).toContain('Disabled');
    expect((await stack.admin('POST', '/adapters/orders-to-nats/enable')).status).toBe(200);
    const started = Date.now();
    await expect.poll(() => page.getByRole('row', { name: /orders-to-nats/ }).textContent(), { timeout: 2_500, interval: 100 }).toMatch(/Enabled/);
    expect(Date.now() - started).toBeLessThan(2_500);
    await page.context().close();
  });

  it('has no accessibility violations on the adapters and adapter pages (axe-core)', async () => {
    const page = await signIn('operator');
    const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    const audit = async () => {
      // Evaluated through DevTools, not as a page script: the portal's CSP allows no inline scripts.
      await page.evaluate(axeSource);
      // Runs in the page (a string, so this Node.js file needs no DOM types).
      return page.evaluate<string[]>(`axe.run().then((r) => r.violations.map((v) => v.id + ' (' + v.impact + ', ' + v.nodes.length + ' nodes)'))`);
    };
    expect(await audit()).toEqual([]);
    await page.getByRole('link', { name: 'lse-gateway' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Events' }).count()).toBe(1);
    expect(await audit()).toEqual([]);
    await page.context().close();
  });

  it('signs out through the IdP and the old session cannot be used', async () => {
    const page = await signIn('viewer');
    const cookie = (await page.context().cookies(stack.portal)).find((c) => c.name === 'crosswire_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${stack.portal}/`);
    await expect.poll(() => page.getByRole('link', { name: 'Sign in' }).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'signed-out.png') });
    const replay = await fetch(`${stack.portal}/api/v1/adapters`, { headers: { cookie: `crosswire_session=${cookie.value}` } });
    expect(replay.status).toBe(401);
    // The IdP session ended too: signing in asks for the password again.
    await page.getByRole('link', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByLabel('Password').count()).toBe(1);
    await page.context().close();
  });
});
