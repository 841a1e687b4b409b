import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, haveChromium, SHOTS, signIn, openConsole, type ConsoleHarness } from './support/chromium.ts';
import type { PortalStack } from './support/stack.ts';

/**
 * An admin's pages and a long adapter list, in Debian's Chromium against the real stack (development
 * IdP, BFF serving a fresh build, orchestrator on PostgreSQL) seeded with 250 adapters.
 */
const ADAPTERS = 250;

describe.skipIf(!haveChromium)('admin pages and a long adapter list in Chromium', () => {
  let harness: ConsoleHarness;
  let stack: PortalStack;
  let browser: Browser;

  beforeAll(async () => {
    harness = await openConsole({ adapters: ADAPTERS });
    ({ stack, browser } = harness);
  }, 180_000);
  afterAll(() => harness?.close());

  const names = (page: Page) => page.locator('tbody th').allTextContents();
  const pager = (page: Page) => page.getByRole('navigation', { name: 'Pages' });
  /** The roles the orchestrator gives a token whose roles claim carries `values`. */
  const rolesFor = async (...values: string[]) => {
    const token = await stack.seeder.mint({ sub: `probe-${values.join('-')}`, roles: values });
    const response = await fetch(`${stack.orchestrator.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    return response.status === 200 ? ((await response.json()) as { roles: string[] }).roles : `status ${response.status}`;
  };

  it('pages through 250 adapters on the server, with the range and the paging buttons right', async () => {
    const page = await signIn(browser, stack.portal, 'viewer');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(50);
    expect((await names(page))[0]).toBe('adapter-001');
    expect(await pager(page).textContent()).toContain('Page 1, adapters 1–50');
    expect(await page.getByRole('button', { name: 'Previous page' }).isDisabled()).toBe(true);

    for (let n = 2; n <= 5; n++) {
      await page.getByRole('button', { name: 'Next page' }).click();
      await expect.poll(() => pager(page).textContent()).toContain(`Page ${n}, adapters ${(n - 1) * 50 + 1}–${n * 50}`);
      // The range is only shown once that page's rows are.
      expect((await names(page))[0]).toBe(`adapter-${String((n - 1) * 50 + 1).padStart(3, '0')}`);
    }
    // 250 is exactly five pages: there is no sixth.
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    expect((await names(page)).at(-1)).toBe('adapter-250');
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => pager(page).textContent()).toContain('Page 4, adapters 151–200');

    // A bigger page size starts over; the last page is short.
    await page.getByLabel('Per page').selectOption('100');
    await expect.poll(() => pager(page).textContent()).toContain('Page 1, adapters 1–100');
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => pager(page).textContent()).toContain('Page 3, adapters 201–250');
    expect(await page.locator('tbody tr').count()).toBe(50);
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);

    // A search starts over too, and fits one page: no paging controls.
    await page.getByLabel('Name contains').fill('adapter-24');
    await expect.poll(() => names(page)).toEqual(Array.from({ length: 10 }, (_, i) => `adapter-24${i}`));
    expect(await pager(page).count()).toBe(0);
    await page.context().close();
  });

  it('an admin maps an IdP group to engineer on the Access page, and the next token from that group is an engineer', async () => {
    expect(await rolesFor('connectivity-engineers')).toBe('status 403');
    const page = await signIn(browser, stack.portal, 'admin');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Access' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Access' }).count()).toBe(1);
    await expect.poll(() => page.getByText('In force: AUTH_ROLE_MAP').count()).toBe(1);
    await expect.poll(() => page.getByText('claim carries admin, which grant you admin').count()).toBe(1);

    await page.getByRole('button', { name: 'Add a claim value' }).click();
    await page.getByLabel('Claim value in row 1').fill('connectivity-engineers');
    await page.getByLabel('engineer for connectivity-engineers').check();
    // A second row left empty: the server's error lands on that row, and nothing is saved.
    await page.getByRole('button', { name: 'Add a claim value' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByLabel('Claim value in row 2').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.field-error').textContent()).toContain('must not be empty');
    await page.getByRole('button', { name: 'Remove row 2' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved as version 1.' }).count()).toBe(1);
    expect(await rolesFor('connectivity-engineers')).toEqual(['viewer', 'engineer']);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'access.png'), fullPage: true });

    // Someone else saves first: the edit is kept, the message says so, and their version can be loaded.
    const theirs = await fetch(`${stack.orchestrator.url}/api/v1/role-mapping`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', 'if-match': '"1"' },
      body: JSON.stringify({ entries: [{ claimValue: 'connectivity-engineers', roles: ['engineer'] }, { claimValue: 'trading-desk', roles: ['viewer'] }] }),
    });
    expect(theirs.status).toBe(200);
    await page.getByLabel('operator for connectivity-engineers').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Someone else saved first.' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Discard my edits and load version 2' }).click();
    await expect.poll(() => page.getByLabel('Claim value in row 2').inputValue()).toBe('trading-desk');

    const audit = (await (await stack.admin('GET', '/audit?action=role-mapping.update')).json()) as { items: Array<{ actor: { name: string } }> };
    expect(audit.items.map((r) => r.actor.name)).toEqual(['Seed admin', 'Demo admin']);
    await page.context().close();
  });

  it('shows the Access page to no one but admins', async () => {
    const page = await signIn(browser, stack.portal, 'operator');
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Access' }).count()).toBe(0);
    await page.goto(`${stack.portal}/access`);
    await expect.poll(() => page.getByText('Only engineers and admins can see').count()).toBe(1);
    await page.context().close();
  });
});
