import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser } from './support/http-browser.ts';

const CLI = join(import.meta.dirname, '../../installer/src/cli.ts');
const TSX = join(import.meta.dirname, '../../node_modules/.bin/tsx');

describe('npm start: the portal on the printed URL with the printed demo users', () => {
  let child: ChildProcess;
  let output = '';
  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'crosswire-portal-dev-'));
    child = spawn(TSX, [CLI, 'dev', '--port', '0', '--data', dataDir], { env: { ...process.env, MANAGEMENT_PORT: '0' } });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 90_000;
    while (!output.includes('Press Ctrl+C to stop.')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`installer dev did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 120_000);
  // SIGTERM: tsx passes it on to the process it runs, which stops cleanly; SIGKILL would orphan that one.
  afterAll(async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }, 15_000);

  it('signs in as the printed viewer through the development IdP and lists the demo adapters', async () => {
    const portal = /Portal +(http:\/\/localhost:\d+)/.exec(output)?.[1];
    expect(portal, output).toBeDefined();
    expect(output).toMatch(/sign in as viewer, operator, engineer, admin \(password = user name\)/);
    const browser = new HttpBrowser(portal);
    await browser.login('viewer');
    const list = await browser.api('GET', '/api/v1/adapters');
    expect(list.status).toBe(200);
    expect((list.json.items as Array<{ name: string }>).map((a) => a.name)).toEqual(
      expect.arrayContaining(['demo-fix-acceptor', 'demo-market-data', 'demo-orders-to-nats', 'demo-venue-initiator']),
    );
    expect((await browser.api('POST', '/api/v1/adapters/demo-market-data/enable')).status).toBe(403);
    const page = await browser.request(`${portal}/adapters`);
    expect(page.text).toContain('<div id="root"></div>');
  }, 30_000);
});
