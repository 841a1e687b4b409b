import { connect } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specs } from '../../orchestrator/test/support/stack.ts';
import { axeViolations, haveChromium, SHOTS, signIn, openConsole, type ConsoleHarness } from './support/chromium.ts';
import type { PortalStack } from './support/stack.ts';
import { freePort } from '../../orchestrator/test/support/waiting.ts';
import { RawClient } from '../../adapter/test/fix/raw-client.ts';

/**
 * The console's pages for config engineers, operators and viewers, in Debian's Chromium against the real
 * stack: the development IdP, the BFF serving a fresh Vite build, an orchestrator on PostgreSQL, and an
 * adapter pod in this process that really runs the FIX acceptor the wizard creates.
 *
 * The tests run in order and build on each other: the artifact uploaded first shows in the wizard's
 * picker, the adapter the wizard creates is enabled, edited, rolled back and then viewed by a viewer.
 */
const ADAPTER = 'client-acceptor';
/** What the tests read of GET /adapters/{name}. */
type AdapterJson = {
  enabled: boolean;
  mode: string;
  revision: number;
  description?: string;
  connector: { config: { listen: unknown; sessions: Array<Record<string, unknown>> } };
};

describe.skipIf(!haveChromium)('console pages in Chromium, with a real adapter pod', () => {
  let harness: ConsoleHarness;
  let stack: PortalStack;
  let browser: Browser;
  let fixPort: number;

  beforeAll(async () => {
    harness = await openConsole({ adapterPod: true });
    ({ stack, browser } = harness);
    fixPort = await freePort();
  }, 180_000);
  afterAll(() => harness?.close());

  const go = async (page: Page, path: string, heading: string) => {
    await page.goto(`${stack.portal}${path}`);
    await expect.poll(() => page.getByRole('heading', { level: 1, name: heading }).count()).toBe(1);
  };

  it('an engineer uploads, replaces, downloads and deletes artifacts; one in use names its adapters', async () => {
    const page = await signIn(browser, stack.portal, 'engineer');
    await page.getByRole('link', { name: 'Artifacts' }).click();
    await expect.poll(() => page.getByText('There are no artifacts yet.').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);

    await page.getByLabel('File').setInputFiles({ name: 'Custom44.xml', mimeType: 'application/xml', buffer: Buffer.from('<fix major="4" minor="4"/>\n') });
    expect(await page.getByLabel('Artifact name').inputValue()).toBe('custom44.xml');
    await page.getByRole('button', { name: 'Upload' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Uploaded custom44.xml, version 1.' }).count()).toBe(1);

    await page.getByLabel('Replace custom44.xml').setInputFiles({ name: 'x.xml', mimeType: 'application/xml', buffer: Buffer.from('<fix major="4" minor="4" v="2"/>\n') });
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Replaced custom44.xml: version 2.' }).count()).toBe(1);
    await expect.poll(() => page.getByRole('row', { name: /custom44\.xml/ }).first().textContent()).toMatch(/custom44\.xml2/);
    const href = await page.getByRole('link', { name: 'Download custom44.xml' }).getAttribute('href');
    expect(await page.evaluate(`fetch(${JSON.stringify(href)}).then((r) => r.text())`)).toBe('<fix major="4" minor="4" v="2"/>\n');

    // The versions and who uses it.
    await page.getByRole('button', { name: 'custom44.xml', exact: true }).click();
    await expect.poll(() => page.getByRole('table', { name: 'Versions of custom44.xml' }).getByRole('row').count()).toBe(3);
    await page.screenshot({ path: join(SHOTS, 'artifacts.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);

    // An adapter names it: deleting is refused, and the message names the adapter.
    const user = specs.fixInitiator('uses-dictionary');
    (user.connector.config.session as Record<string, unknown>).dataDictionary = 'custom44.xml';
    expect((await stack.admin('POST', '/adapters', user)).status).toBe(201);
    await page.getByRole('button', { name: 'Delete custom44.xml' }).click();
    await page.getByRole('button', { name: 'Yes, delete custom44.xml' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'custom44.xml is still used' });
    await expect.poll(() => refused.count()).toBe(1);
    expect(await refused.getByRole('link').allTextContents()).toEqual(['uses-dictionary']);
    await expect.poll(() => page.getByText('Referenced by: uses-dictionary').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'artifact-referenced.png'), fullPage: true });

    // One nobody uses goes.
    await page.getByLabel('File').setInputFiles({ name: 'spare.txt', mimeType: 'text/plain', buffer: Buffer.from('spare') });
    await page.getByRole('button', { name: 'Upload' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Delete spare.txt' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Delete spare.txt' }).click();
    await page.getByRole('button', { name: 'Yes, delete spare.txt' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Deleted spare.txt.' }).count()).toBe(1);
    expect((await stack.admin('GET', '/artifacts/spare.txt')).status).toBe(404);
    await page.context().close();
  });

  it('an engineer creates a FIX acceptor through the wizard: the server’s field error lands on the port, fixed, saved disabled', async () => {
    const page = await signIn(browser, stack.portal, 'engineer');
    await page.getByRole('link', { name: 'New adapter' }).click();
    await page.waitForURL(`${stack.portal}/new-adapter`);
    expect(await axeViolations(page)).toEqual([]);

    // Basics: a name that is taken (the server will say so once the config is valid).
    await page.getByRole('textbox', { name: /^Name/ }).fill('lse-gateway');
    await page.getByLabel('Mode').selectOption('active_passive');
    await page.getByRole('button', { name: 'Next: connection' }).click();

    // Connection: the form drawn from fix-acceptor's schema.
    await page.getByLabel('Connector type').selectOption('fix-acceptor');
    const legends = await page.locator('.schema-form legend').allTextContents();
    expect(legends.slice(0, 3)).toEqual(['Listen', 'Sessions (required)', 'Session 1']);
    // Conditional fields: the TLS certificate shows only once TLS is switched on.
    expect(await page.getByLabel('Server certificate').count()).toBe(0);
    await page.getByRole('switch', { name: 'Use TLS' }).check();
    expect(await page.getByLabel('Server certificate').count()).toBe(1);
    await page.getByRole('switch', { name: 'Use TLS' }).uncheck();
    // Advanced settings are folded; the artifact picker lists the uploaded artifact.
    expect(await page.getByLabel('Idle timeout').isVisible()).toBe(false);
    // The picker fetches the artifacts when it first draws: their option may come a moment later.
    await expect.poll(() => page.getByLabel('Data dictionary').locator('option').allTextContents()).toEqual(['None', 'custom44.xml']);
    await page.getByLabel('Address', { exact: true }).fill('127.0.0.1');
    await page.getByLabel(/^Port/).fill('70000');
    await page.getByLabel(/^FIX version/).selectOption('FIX.4.4');
    await page.getByLabel(/^SenderCompID/).fill('CROSSWIRE');
    await page.getByLabel(/^TargetCompID/).fill('CLIENT1');
    await page.getByLabel('Password').fill('s3cret-logon');
    await page.getByLabel('Username').fill('client1');
    await page.screenshot({ path: join(SHOTS, 'wizard-connection.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);

    // Review: the secret is masked.
    await page.getByRole('button', { name: 'Next: review' }).click();
    const review = await page.getByLabel('Configuration to be saved').textContent();
    expect(review).toContain('"port": 70000');
    expect(review).not.toContain('s3cret-logon');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create adapter' }).click();

    // The server refuses the port; the wizard goes back to the connection step and marks the field.
    const portError = page.locator('[data-pointer="/listen/port"] .field-error');
    await expect.poll(() => portError.textContent()).toBe('must be <= 65535');
    expect(await page.getByLabel(/^Port/).getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel(/^Port/).getAttribute('aria-describedby')).toContain(await portError.getAttribute('id'));
    await page.screenshot({ path: join(SHOTS, 'wizard-field-error.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);

    await page.getByLabel(/^Port/).fill(String(fixPort));
    await page.getByRole('button', { name: 'Next: review' }).click();
    await page.getByRole('button', { name: 'Create adapter' }).click();
    // The name is taken: back to the basics, the message on the name; everything else is kept.
    const name = page.getByRole('textbox', { name: /^Name/ });
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator(`[id="${(await name.getAttribute('id'))!}-error"]`).textContent()).toBe('is already taken');
    await name.fill(ADAPTER);
    await page.getByRole('button', { name: 'Next: connection' }).click();
    expect(await page.getByLabel(/^Port/).inputValue()).toBe(String(fixPort));
    expect(await page.getByLabel('Password').inputValue()).toBe('s3cret-logon');
    await page.getByRole('button', { name: 'Next: review' }).click();
    await page.getByRole('button', { name: 'Create adapter' }).click();
    await page.waitForURL(`${stack.portal}/adapters/${ADAPTER}?created=1`);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Created, disabled' }).count()).toBe(1);

    const created = (await (await stack.admin('GET', `/adapters/${ADAPTER}`)).json()) as AdapterJson;
    expect(created).toMatchObject({ enabled: false, mode: 'active_passive', revision: 1 });
    expect(created.connector.config.listen).toEqual({ host: '127.0.0.1', port: fixPort });
    expect(created.connector.config.sessions[0]).toMatchObject({ beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'CLIENT1', username: 'client1' });
    expect(created.connector.config.sessions[0]!.password).toMatchObject({ secret: { set: true } });
    await page.context().close();
  });

  it('an operator enables it after confirming; the pod runs it (Active, holder, epoch) and the event log fills; session actions ask first', async () => {
    const page = await signIn(browser, stack.portal, 'operator');
    await go(page, `/adapters/${ADAPTER}`, ADAPTER);
    expect(await page.getByRole('button', { name: 'Edit configuration' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('button', { name: 'Yes, enable' }).click();
    const status = page.locator('.status-bar');
    // Claiming first (enabled, not yet held), then Active once the pod's connector listens.
    await expect.poll(() => status.locator('.badge').first().textContent(), { timeout: 20_000 }).toBe('Active');
    expect(await status.textContent()).toContain('test-pod');
    expect(await status.textContent()).toMatch(/Lease epoch\s*1/);
    // The acceptor really listens on the port the wizard gave it.
    await new Promise<void>((resolve, reject) => {
      const socket = connect(fixPort, '127.0.0.1', () => (socket.destroy(), resolve()));
      socket.once('error', reject);
    });
    // A message trace started before the counterparty logs on shows its messages, the password masked by the pod.
    const tracePanel = page.locator('section[aria-labelledby="trace-title"]');
    await tracePanel.getByRole('button', { name: 'Trace 1 min' }).click();
    await expect.poll(() => tracePanel.getByRole('status').textContent()).toMatch(/^Tracing until .* \(started by Demo operator\)/);
    const eventRows = page.getByRole('table', { name: 'Events, newest first' }).locator('tbody tr');
    await expect.poll(() => eventRows.filter({ hasText: 'message trace on' }).count()).toBe(1);
    // A counterparty logs on and sends an order: the Messages panel counts both in, and the logon answer out.
    const counterparty = await RawClient.open(fixPort, { beginString: 'FIX.4.4', sender: 'CLIENT1', target: 'CROSSWIRE' });
    try {
      counterparty.logon(30, [[553, 'client1'], [554, 's3cret-logon']]);
      await expect.poll(() => counterparty.received.some((m) => m.msgType === 'A')).toBe(true);
      counterparty.send('D', [[11, 'e2e-1'], [21, '1'], [55, 'VOD.L'], [54, '1'], [60, '20261126-00:00:00'], [38, '100'], [40, '1']]);
      const messages = page.getByRole('table', { name: 'Messages in, out and rejected' });
      const lastHour = async (kind: string) => Number(await messages.getByRole('row', { name: new RegExp(`^${kind}`) }).locator('td').nth(2).textContent());
      await expect.poll(() => lastHour('In')).toBeGreaterThanOrEqual(2);
      expect(await lastHour('Out')).toBeGreaterThanOrEqual(1);
      const traced = tracePanel.getByRole('table', { name: 'Traced messages, newest first' }).locator('tbody tr');
      const tracedLogon = traced.filter({ hasText: '← in' }).filter({ hasText: '35=A' });
      await expect.poll(() => tracedLogon.count()).toBe(1);
      expect(await tracedLogon.textContent()).toContain('554=••••••');
      await expect.poll(() => traced.filter({ hasText: '11=e2e-1' }).count()).toBeGreaterThanOrEqual(1);
      expect(await tracePanel.textContent()).not.toContain('s3cret-logon');
    } finally {
      counterparty.socket.destroy();
    }
    await tracePanel.getByRole('button', { name: 'Stop trace' }).click();
    await expect.poll(() => tracePanel.getByRole('status').textContent()).toMatch(/^Not tracing/);
    const events = page.getByRole('table', { name: 'Events, newest first' }).locator('tbody tr');
    await expect.poll(() => events.count()).toBeGreaterThan(1);
    expect(await events.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('enabled by Demo operator')]));
    // Filters: by category, and by time.
    const eventsPanel = page.locator('section[aria-labelledby="events-title"]');
    await eventsPanel.getByLabel('Category').selectOption('connection');
    await expect.poll(async () => [...new Set(await events.locator('td:nth-child(3)').allTextContents())]).toEqual(['connection']);
    await eventsPanel.getByLabel('Until').fill('2020-01-01T00:00');
    await expect.poll(() => eventsPanel.getByText('No events match these filters.').count()).toBe(1);
    await eventsPanel.getByLabel('Until').fill('');
    await eventsPanel.getByLabel('Category').selectOption('');

    await page.getByRole('button', { name: 'Reset session' }).click();
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Yes, reset the session');
    await page.getByRole('button', { name: 'Yes, reset the session' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: /Session reset requested \(action \d+\)/ }).count()).toBe(1);
    await page.getByLabel('Next sender sequence number').fill('42');
    await page.getByRole('button', { name: 'Set sequence numbers' }).click();
    await page.getByRole('button', { name: 'Yes, set the sequence numbers' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: /New sequence numbers requested/ }).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'adapter-active.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('two tabs edit at once: the second to save sees who won and what changed, keeps the draft, and saves on top', async () => {
    const a = await signIn(browser, stack.portal, 'engineer');
    const b = await a.context().newPage();
    // Only the tab in front renders frames: each is brought to the front before it is used, as a person would.
    await a.bringToFront();
    await go(a, `/adapters/${ADAPTER}`, ADAPTER);
    await a.getByRole('button', { name: 'Edit configuration' }).click();
    await b.bringToFront();
    await go(b, `/adapters/${ADAPTER}`, ADAPTER);
    await b.getByRole('button', { name: 'Edit configuration' }).click();
    // The editor shows the stored secret as set, never its value.
    expect(await b.locator('[data-pointer="/sessions/0/password"]').textContent()).toContain('A value is set');
    expect(await a.locator('[data-pointer="/sessions/0/password"]').textContent()).toContain('A value is set');
    expect(await a.getByLabel('Password').inputValue()).toBe('');

    await b.getByLabel('Description', { exact: true }).fill('edited in tab B');
    await b.getByRole('button', { name: 'Save configuration' }).click();
    await expect.poll(() => b.getByRole('status').filter({ hasText: 'Saved as revision 2.' }).count()).toBe(1);

    await a.bringToFront();
    await a.getByLabel('Description', { exact: true }).fill('edited in tab A');
    await a.getByLabel(/^TargetCompID/).fill('CLIENT2');
    await a.getByRole('button', { name: 'Save configuration' }).click();
    const conflict = a.getByRole('alert').filter({ hasText: 'Someone else saved first.' });
    await expect.poll(() => conflict.count()).toBe(1);
    expect(await conflict.textContent()).toContain('now at revision 2; you started from revision 1');
    // Nothing typed is lost.
    expect(await a.getByLabel('Description', { exact: true }).inputValue()).toBe('edited in tab A');
    expect(await a.getByLabel(/^TargetCompID/).inputValue()).toBe('CLIENT2');
    await conflict.getByRole('button', { name: 'Show what changed in revision 2' }).click();
    await expect.poll(() => conflict.getByRole('row', { name: /\/description/ }).textContent()).toContain('edited in tab B');
    await a.screenshot({ path: join(SHOTS, 'edit-conflict.png'), fullPage: true });
    expect(await axeViolations(a)).toEqual([]);

    await conflict.getByRole('button', { name: 'Keep my edits on top of revision 2' }).click();
    await a.getByRole('button', { name: 'Save configuration' }).click();
    await expect.poll(() => a.getByRole('status').filter({ hasText: 'Saved as revision 3.' }).count()).toBe(1);
    const saved = (await (await stack.admin('GET', `/adapters/${ADAPTER}`)).json()) as AdapterJson;
    expect(saved).toMatchObject({ revision: 3, description: 'edited in tab A' });
    expect(saved.connector.config.sessions[0]).toMatchObject({ targetCompId: 'CLIENT2', password: { secret: { set: true } } });
    await a.context().close();
  });

  it('an engineer compares revisions side by side and rolls back to the first', async () => {
    const page = await signIn(browser, stack.portal, 'engineer');
    await go(page, `/adapters/${ADAPTER}`, ADAPTER);
    const history = page.locator('section[aria-labelledby="revisions-title"]');
    await expect.poll(() => history.locator('table.revisions tbody tr').count()).toBe(3);
    await history.getByRole('button', { name: 'Changes in revision 3' }).click();
    const diff = history.getByRole('table', { name: 'Changes from revision 2 to revision 3' });
    await expect.poll(() => diff.getByRole('row').count()).toBe(3);
    expect(await diff.getByRole('row', { name: /targetCompId/ }).textContent()).toMatch(/CLIENT1.*CLIENT2/);

    await history.getByRole('button', { name: 'Roll back to revision 1' }).click();
    await history.getByRole('button', { name: 'Yes, roll back to revision 1' }).click();
    await expect.poll(() => history.getByRole('status').filter({ hasText: 'Rolled back: revision 4 has the configuration of revision 1.' }).count()).toBe(1);
    await expect.poll(() => history.locator('table.revisions tbody tr').count()).toBe(4);
    const back = (await (await stack.admin('GET', `/adapters/${ADAPTER}`)).json()) as AdapterJson;
    expect(back.revision).toBe(4);
    expect(back.description).toBeUndefined();
    expect(back.connector.config.sessions[0]!.targetCompId).toBe('CLIENT1');
    await history.getByRole('button', { name: 'Changes in revision 4' }).click();
    await expect.poll(() => history.getByRole('table', { name: 'Changes from revision 3 to revision 4' }).getByRole('row', { name: /\/description/ }).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'revisions.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    // The pod picked up the rolled-back revision and is still running it.
    await expect.poll(() => page.locator('.status-bar .badge').first().textContent(), { timeout: 20_000 }).toBe('Active');
    await page.context().close();
  });

  it('a viewer finds no way to change anything on any page', async () => {
    const page = await signIn(browser, stack.portal, 'viewer');
    expect(await page.getByRole('link', { name: 'New adapter' }).count()).toBe(0);
    await go(page, `/adapters/${ADAPTER}`, ADAPTER);
    await expect.poll(() => page.getByRole('heading', { name: 'Revision history' }).count()).toBe(1);
    await expect.poll(() => page.locator('section[aria-labelledby="revisions-title"] tbody tr').count()).toBe(4);
    const changing = /^(Enable|Disable|Edit configuration|Reset session|Set sequence numbers|Roll back to revision \d+|Trace \d+ min|Stop trace)$/;
    expect(await page.getByRole('button', { name: changing }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Compare revision 1 with current' }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'adapter-viewer-console.png'), fullPage: true });

    await go(page, '/artifacts', 'Artifacts');
    await expect.poll(() => page.getByRole('row', { name: /custom44\.xml/ }).count()).toBeGreaterThan(0);
    expect(await page.getByRole('form', { name: 'Upload an artifact' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Delete/ }).count()).toBe(0);
    expect(await page.getByText(/^Replace/).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Download custom44.xml' }).count()).toBe(1);

    await go(page, '/new-adapter', 'New adapter');
    await expect.poll(() => page.getByText('Creating adapters needs the engineer role').count()).toBe(1);
    // The orchestrator refuses anyway.
    const forged = await page.evaluate(
      `fetch('/api/v1/adapters/${ADAPTER}/revisions/1/rollback', { method: 'POST', headers: { 'X-Crosswire-CSRF': '1' } }).then((r) => r.status)`,
    );
    expect(forged).toBe(403);
    await page.context().close();
  });

  it('plugins, pods and audit pages: fields of each type, the fleet, searchable audit with the chain intact', async () => {
    const page = await signIn(browser, stack.portal, 'viewer');

    await page.getByRole('link', { name: 'Plugins' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 2 }).count()).toBe(6);
    await page.getByRole('button', { name: 'Show the fields of fix-acceptor' }).click();
    const fields = page.getByRole('table', { name: 'Fields of fix-acceptor' });
    expect(await fields.getByRole('row', { name: /\/listen\/port/ }).textContent()).toContain('required');
    expect(await fields.getByRole('row', { name: /\/sessions\/\*\/password/ }).textContent()).toContain('secret (write-only)');
    await page.screenshot({ path: join(SHOTS, 'plugins.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Pods' }).click();
    const pod = page.getByRole('row', { name: /test-pod/ });
    await expect.poll(() => pod.count()).toBe(1);
    expect(await pod.textContent()).toContain('1 of 10');
    expect(await pod.textContent()).toContain('fix-acceptor');
    await page.screenshot({ path: join(SHOTS, 'pods.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Audit' }).click();
    await expect.poll(() => page.locator('.chain-ok').textContent()).toMatch(/^Intact\. \d+ records checked/);
    await page.getByLabel('Actor').fill('Demo engineer');
    await page.getByLabel('Target').fill(`adapter/${ADAPTER}`);
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.getByRole('table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(4);
    const actions = await page.getByRole('table').locator('tbody tr td:nth-child(3)').allTextContents();
    expect(actions).toEqual(['adapter.rollback', 'adapter.update', 'adapter.update', 'adapter.create']);
    await page.getByLabel('Action').fill('adapter.create');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByRole('button', { name: /Show changes/ }).click();
    const after = await page.locator('.side-by-side').textContent();
    expect(after).toContain('"port": ' + String(fixPort));
    expect(after).not.toContain('s3cret-logon');
    // A time window that ends before everything finds nothing.
    await page.getByLabel('Until').fill('2020-01-01T00:00');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByText('No records match these filters.').count()).toBe(1);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => rows.count()).toBeGreaterThan(5);
    await page.screenshot({ path: join(SHOTS, 'audit.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    await page.context().close();
  });
});
