import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specs } from '../../orchestrator/test/support/stack.ts';
import { axeViolations, haveChromium, SHOTS, signIn, openConsole, type ConsoleHarness } from './support/chromium.ts';
import type { PortalStack } from './support/stack.ts';

const ORDER = '8=FIX.4.4|35=D|11=ORD-1|55=EUR/USD|54=1|38=100|40=2|44=1.0850';

/**
 * The pipeline designer on the adapter console, in Chromium against the real stack: an engineer builds
 * a filter, a transform and a route, is told on the right input why the server refused a pattern,
 * saves a new revision and runs a pasted order through it; a viewer reads and tries, but cannot change.
 */
describe.skipIf(!haveChromium)('pipeline designer in Chromium', () => {
  let harness: ConsoleHarness;
  let stack: PortalStack;
  let browser: Browser;

  beforeAll(async () => {
    harness = await openConsole({ adapters: 0 });
    ({ stack, browser } = harness);
    await stack.admin('POST', '/adapters', specs.fixAcceptor('gateway'));
    // Another adapter's route makes an existing channel for the designer to offer.
    await stack.admin('POST', '/adapters', { ...specs.fixInitiator('audit-feed'), pipeline: { routes: [{ channel: 'audit' }] } });
  }, 180_000);
  afterAll(() => harness?.close());

  const group = (page: Page, name: string) => page.getByRole('group', { name, exact: true });

  it('an engineer builds a pipeline, fixes the field the server names, saves a revision and tries an order', async () => {
    const page = await signIn(browser, stack.portal, 'engineer');
    await page.goto(`${stack.portal}/adapters/gateway`);
    await expect.poll(() => page.getByRole('heading', { name: 'Pipeline' }).count()).toBe(1);

    await page.getByRole('button', { name: 'Add filter' }).click();
    await group(page, 'Filter 1').getByLabel('Field', { exact: true }).fill('35');
    await group(page, 'Filter 1').getByLabel('Test', { exact: true }).selectOption('matches');
    await group(page, 'Filter 1').getByLabel('Pattern', { exact: true }).fill('^(D|G$');

    await page.getByRole('button', { name: 'Add transform' }).click();
    await group(page, 'Transform 1').getByLabel('Field', { exact: true }).fill('1');
    await group(page, 'Transform 1').getByLabel('Value', { exact: true }).fill('ACC-9');

    await page.getByRole('button', { name: 'Add route' }).click();
    const route = group(page, 'Route 1');
    // The channel names come from their own request, which a slow machine may answer after the form is drawn.
    await expect.poll(() => page.locator('datalist option[value="audit"]').count()).toBeGreaterThan(0);
    await route.getByLabel('Channel', { exact: true }).fill('orders');
    await page.getByRole('button', { name: 'Add condition to route 1' }).click();
    const when = group(page, 'Route 1 condition 1');
    await when.getByLabel('Field', { exact: true }).fill('55');
    await when.getByLabel('Test', { exact: true }).selectOption('matches');
    await when.getByLabel('Pattern', { exact: true }).fill('^EUR/');
    await page.getByLabel('Dead-letter channel').fill('orders-parked');

    await page.getByRole('button', { name: 'Save pipeline' }).click();
    const pattern = group(page, 'Filter 1').getByLabel('Pattern', { exact: true });
    await expect.poll(() => pattern.getAttribute('aria-invalid')).toBe('true');
    expect(await group(page, 'Filter 1').textContent()).toContain('fix the pattern');
    expect(await route.getByLabel('Pattern', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    expect(((await (await stack.admin('GET', '/adapters/gateway')).json()) as { revision: number }).revision).toBe(1);

    await pattern.fill('^(D|G)$');
    await page.getByRole('button', { name: 'Save pipeline' }).click();
    await expect.poll(() => page.getByText('Pipeline saved as revision 2.').count()).toBe(1);
    const saved = (await (await stack.admin('GET', '/adapters/gateway')).json()) as { revision: number; pipeline: unknown };
    expect(saved).toMatchObject({
      revision: 2,
      pipeline: {
        filters: [{ op: 'matches', field: '35', pattern: '^(D|G)$' }],
        transforms: [{ op: 'set', field: '1', value: 'ACC-9' }],
        routes: [{ channel: 'orders', when: [{ op: 'matches', field: '55', pattern: '^EUR/' }] }],
        deadLetterChannel: 'orders-parked',
      },
    });
    await expect.poll(() => page.getByRole('row', { name: /^2 / }).count()).toBeGreaterThan(0);

    await page.getByLabel('Message', { exact: true }).fill(ORDER);
    await page.getByRole('button', { name: 'Run through the pipeline' }).click();
    const result = page.locator('.try-result');
    await expect.poll(() => result.textContent()).toContain('Delivered to orders.');
    const text = (await result.textContent()) ?? '';
    expect(text).toContain('Filter 1 (35 matches): passed');
    expect(text).toContain('Transform 1 (set 1): 8=FIX.4.4|35=D|11=ORD-1|55=EUR/USD|54=1|38=100|40=2|44=1.0850|1=ACC-9');
    expect(text).toContain('Route 1 to orders: matched');
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('section.pipeline').screenshot({ path: join(SHOTS, 'pipeline.png') });
    await page.context().close();
  });

  it('a viewer reads the pipeline and tries it, but cannot change it', async () => {
    const page = await signIn(browser, stack.portal, 'viewer');
    await page.goto(`${stack.portal}/adapters/audit-feed`);
    const channel = group(page, 'Route 1').getByLabel('Channel', { exact: true });
    await expect.poll(() => channel.inputValue()).toBe('audit');
    expect(await channel.isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save pipeline' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Add filter' }).count()).toBe(0);
    await page.getByLabel('Message', { exact: true }).fill('{"order": {"id": "A"}}');
    await page.getByRole('button', { name: 'Run through the pipeline' }).click();
    await expect.poll(() => page.locator('.try-result').textContent()).toContain('Delivered to audit.');
    expect(await axeViolations(page)).toEqual([]);
    await page.context().close();
  });
});
