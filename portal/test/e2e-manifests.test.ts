import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readZip, writeZip } from '@crosswire/orchestrator/bundles';
import { axeViolations, haveChromium, SHOTS, signIn, openConsole, type ConsoleHarness } from './support/chromium.ts';
import type { PortalStack } from './support/stack.ts';

/**
 * Import and export in the console, in Debian's Chromium against the real stack (development IdP, the
 * BFF serving a fresh build, an orchestrator on PostgreSQL): zips and JSON files go through the BFF
 * byte for byte, an edited manifest shows as exactly that field, and only an engineer can confirm.
 */
const MANIFEST = 'manifests/adapter-lse-gateway.json';

describe.skipIf(!haveChromium)('import and export in Chromium', () => {
  let harness: ConsoleHarness;
  let stack: PortalStack;
  let browser: Browser;

  beforeAll(async () => {
    harness = await openConsole();
    ({ stack, browser } = harness);
  }, 180_000);
  afterAll(() => harness?.close());

  /** Clicks `what` and returns the file the browser saved, with the name it offered. */
  async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
    const [download] = await Promise.all([page.waitForEvent('download'), click()]);
    return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) };
  }

  const directBundle = async (query = '') => Buffer.from(await (await stack.admin('GET', `/manifests/bundle${query}`)).arrayBuffer());

  it('an engineer exports everything, imports an edited manifest, sees exactly that field change, confirms, and the adapter has it', async () => {
    const page = await signIn(browser, stack.portal, 'engineer');
    await page.getByRole('link', { name: 'Import / export' }).click();
    await page.waitForURL(`${stack.portal}/manifests`);
    await expect.poll(() => page.getByText('3 manifests').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);

    // The zip passes through the BFF unchanged: the same bytes as the orchestrator's own export.
    const all = await downloaded(page, () => page.getByRole('button', { name: 'Export everything (zip)' }).click());
    expect(all.name).toBe('crosswire-manifests.zip');
    expect(all.bytes.equals(await directBundle())).toBe(true);
    const entries = readZip(all.bytes);
    expect([...entries.keys()]).toEqual(['manifests/adapter-lse-gateway.json', 'manifests/adapter-orders-to-nats.json', 'manifests/adapter-venue-initiator.json']);

    // Bad input first: every problem by file and field, and nothing to confirm.
    const wrong = JSON.parse(entries.get(MANIFEST)!.toString('utf8')) as { spec: { mode: string } };
    wrong.spec.mode = 'sometimes';
    await page.getByLabel('Manifests or bundle').setInputFiles([
      { name: 'adapter-lse-gateway.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(wrong)) },
      { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"apiVersion": ') },
    ]);
    const problems = page.getByRole('alert').getByRole('table', { name: 'Problems, by file and field' });
    await expect.poll(() => problems.getByRole('row').count()).toBe(3);
    expect(await problems.getByRole('row', { name: /broken\.json/ }).textContent()).toContain('is not valid JSON');
    expect(await problems.getByRole('row', { name: /adapter-lse-gateway\.json/ }).textContent()).toContain('/spec/mode');
    expect(await page.getByRole('button', { name: /^Confirm/ }).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'import-problems.png'), fullPage: true });

    // The manifest edited as in Git: the listen port.
    const edited = JSON.parse(entries.get(MANIFEST)!.toString('utf8')) as { spec: { connector: { config: { listen: { port: number } } } } };
    expect(edited.spec.connector.config.listen.port).toBe(9876);
    edited.spec.connector.config.listen.port = 9999;
    await page.getByLabel('Manifests or bundle').setInputFiles({ name: 'adapter-lse-gateway.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(edited, null, 2)) });
    const diff = page.getByRole('table', { name: /Update Adapter lse-gateway/ });
    await expect.poll(() => diff.getByRole('row').count()).toBe(2);
    expect(await diff.getByRole('row', { name: /\/spec\/connector\/config\/listen\/port/ }).textContent()).toMatch(/9876.*9999/);
    expect(await page.getByRole('status').filter({ hasText: '0 to create, 1 to update, 0 to delete, 0 unchanged' }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'import-diff.png'), fullPage: true });

    await page.getByRole('button', { name: 'Confirm: apply 1 change' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Imported: 0 created, 1 updated, 0 deleted, 0 unchanged.' }).count()).toBe(1);
    const adapter = (await (await stack.admin('GET', '/adapters/lse-gateway')).json()) as { revision: number; connector: { config: { listen: { port: number } } } };
    expect(adapter).toMatchObject({ revision: 2, connector: { config: { listen: { port: 9999 } } } });
    const audit = (await (await stack.admin('GET', '/audit?action=manifests.import')).json()) as { items: Array<{ actor: { name: string } }> };
    expect(audit.items.map((r) => r.actor.name)).toEqual(['Demo engineer']);

    // The result links to the adapter, whose history says where the change came from.
    await page.getByRole('status').getByRole('link', { name: 'lse-gateway' }).click();
    await page.waitForURL(`${stack.portal}/adapters/lse-gateway`);
    await expect.poll(() => page.getByText('applied from manifests/adapter-lse-gateway.json in an uploaded zip bundle').count()).toBeGreaterThan(0);

    // One adapter's manifest from its console: the canonical file, as in the zip.
    const one = await downloaded(page, () => page.getByRole('button', { name: 'Export manifest' }).click());
    expect(one.name).toBe('adapter-lse-gateway.json');
    expect(JSON.parse(one.bytes.toString('utf8'))).toEqual(edited);
    expect(one.bytes.equals(readZip(await directBundle()).get(MANIFEST)!)).toBe(true);

    // A selection from the list.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Adapters' }).click();
    await page.getByRole('checkbox', { name: 'Select venue-initiator' }).check();
    await page.getByRole('checkbox', { name: 'Select orders-to-nats' }).check();
    const some = await downloaded(page, () => page.getByRole('button', { name: 'Export selected (2, zip)' }).click());
    expect([...readZip(some.bytes).keys()]).toEqual(['manifests/adapter-orders-to-nats.json', 'manifests/adapter-venue-initiator.json']);

    // A refusal is shown, not saved as a file: one of the selected adapters is deleted meanwhile.
    expect((await stack.admin('DELETE', '/adapters/orders-to-nats')).status).toBe(204);
    await page.getByRole('button', { name: 'Export selected (2, zip)' }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Download failed: no adapter or artifact is named "orders-to-nats"' }).count()).toBe(1);
    await page.context().close();
  });

  it('a viewer exports and previews an import, but cannot confirm it', async () => {
    const page = await signIn(browser, stack.portal, 'viewer');
    await page.getByRole('link', { name: 'Import / export' }).click();
    await expect.poll(() => page.getByText('You can preview an import; applying it needs the engineer role.').count()).toBe(1);
    const all = await downloaded(page, () => page.getByRole('button', { name: 'Export everything (zip)' }).click());
    const entries = readZip(all.bytes);
    const edited = JSON.parse(entries.get(MANIFEST)!.toString('utf8')) as { spec: { description?: string } };
    edited.spec.description = 'edited by a viewer';
    entries.set(MANIFEST, Buffer.from(JSON.stringify(edited)));
    await page.getByLabel('Manifests or bundle').setInputFiles({
      name: 'bundle.zip',
      mimeType: 'application/zip',
      buffer: writeZip([...entries].map(([name, data]) => ({ name, data }))),
    });
    const diff = page.getByRole('table', { name: /Update Adapter lse-gateway/ });
    await expect.poll(() => diff.getByRole('row', { name: /\/spec\/description/ }).count()).toBe(1);
    expect(await page.getByRole('button', { name: /^Confirm/ }).count()).toBe(0);
    expect(await page.getByText('Applying needs the engineer role.').count()).toBe(1);
    expect((await (await stack.admin('GET', '/adapters/lse-gateway')).json()) as { description?: string }).not.toMatchObject({ description: 'edited by a viewer' });
    await page.context().close();
  });
});
