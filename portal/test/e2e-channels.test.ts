import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specs } from '../../orchestrator/test/support/stack.ts';
import { PostgresChannelStore } from '../../adapter/src/channels/index.ts';
import { DEAD_LETTER_REASON } from '../../adapter/src/pipeline/index.ts';
import { lease, order } from '../../adapter/test/channels/support.ts';
import { axeViolations, haveChromium, SHOTS, signIn, openConsole, type ConsoleHarness } from './support/chromium.ts';
import type { PortalStack } from './support/stack.ts';

/**
 * The Channels pages in Chromium against the real stack, after pods (here: the adapter's channel store
 * under real leases) appended and consumed: lag per consumer, masked messages, a dead letter's reason,
 * and retention that only engineers change.
 */
describe.skipIf(!haveChromium)('channels in Chromium', () => {
  let harness: ConsoleHarness;
  let stack: PortalStack;
  let browser: Browser;

  beforeAll(async () => {
    harness = await openConsole({ adapters: 0 });
    ({ stack, browser } = harness);

    const created = async (body: unknown) => ((await (await stack.admin('POST', '/adapters', body)).json()) as { id: string }).id;
    const inbound = await created({ ...specs.fixAcceptor('venue-gateway'), pipeline: { routes: [{ channel: 'orders' }], deadLetterChannel: 'orders-parked' } });
    const outbound = await created(specs.fixInitiator('venue-out'));
    for (const name of ['venue-gateway', 'venue-out']) await stack.admin('POST', `/adapters/${name}/enable`);
    const store = new PostgresChannelStore(stack.database.db);
    const producer = await lease(stack.database, inbound, 'pod-in');
    const consumer = await lease(stack.database, outbound, 'pod-out');
    const logon = order(inbound, 1);
    await store.append(
      [
        { ...logon, body: { kind: 'fix' as const, fields: [...(logon.body.kind === 'fix' ? logon.body.fields : []), [554, 'hunter2'] as const] } },
        order(inbound, 2),
        order(inbound, 3),
      ].map((message) => ({ channel: 'orders', message })),
      { lease: producer },
    );
    const parked = order(inbound, 4);
    await store.append([{ channel: 'orders-parked', message: { ...parked, headers: { ...parked.headers, [DEAD_LETTER_REASON]: 'no route took the message' } } }], {
      lease: producer,
    });
    await store.subscribe('orders', consumer);
    await store.commit('orders', consumer, { from: 0, to: 1 });
  }, 180_000);
  afterAll(() => harness?.close());

  it('an operator sees each consumer’s lag, reads messages with the password masked, and why a dead letter was parked', async () => {
    const page = await signIn(browser, stack.portal, 'operator');
    await page.getByRole('link', { name: 'Channels' }).click();
    const orders = page.getByRole('row', { name: /^orders / });
    await expect.poll(() => orders.textContent()).toContain('venue-out (2)');
    expect(await orders.textContent()).toContain('venue-gateway');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'channels.png'), fullPage: true });

    await page.getByRole('link', { name: 'orders', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Channel orders' }).count()).toBe(1);
    await expect.poll(() => page.getByRole('row', { name: /^1 venue-gateway/ }).textContent()).toContain('554=••••••');
    expect(await page.content()).not.toContain('hunter2');
    await expect.poll(() => page.getByRole('row', { name: /^venue-out/ }).textContent()).toMatch(/venue-out\s*1\s*2/);
    // An operator reads; changing retention is for engineers.
    expect(await page.getByLabel('Keep for (minutes)').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save retention' }).count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'channel.png'), fullPage: true });

    await page.goto(`${stack.portal}/channels/orders-parked`);
    await expect.poll(() => page.getByText('Parked: no route took the message').count()).toBe(1);
    await page.getByRole('button', { name: 'Replay message 1' }).click();
    await expect.poll(() => page.getByText('Replay queued: the pod holding venue-gateway runs it').count()).toBe(1);
    const actions = (await (await stack.admin('GET', '/adapters/venue-gateway/events?category=action')).json()) as { items: Array<{ message: string }> };
    expect(actions.items[0]!.message).toMatch(/^replay-dead-letters requested by /);
    expect(await axeViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('an engineer sets retention: a value below the minimum is refused on its field, a good one is saved', async () => {
    const page = await signIn(browser, stack.portal, 'engineer');
    await page.goto(`${stack.portal}/channels/orders`);
    await page.getByLabel('Keep for (minutes)').fill('0.5');
    await page.getByRole('button', { name: 'Save retention' }).click();
    await expect.poll(() => page.getByText('must be at least 60000 (one minute)').count()).toBe(1);
    await page.getByLabel('Keep for (minutes)').fill('1440');
    await page.getByRole('button', { name: 'Save retention' }).click();
    await expect.poll(() => page.getByText('Retention saved.').count()).toBe(1);
    const channel = (await (await stack.admin('GET', '/channels/orders')).json()) as { retention: unknown };
    expect(channel.retention).toEqual({ maxAgeMs: 86_400_000, maxBytes: null });
    await page.context().close();
  });

  it('a viewer sees the channels but no message contents', async () => {
    const page = await signIn(browser, stack.portal, 'viewer');
    await page.goto(`${stack.portal}/channels/orders`);
    await expect.poll(() => page.getByText('Message contents are shown to operators and above.').count()).toBe(1);
    expect(await page.getByRole('heading', { name: 'Newest messages' }).count()).toBe(0);
    await page.context().close();
  });
});
