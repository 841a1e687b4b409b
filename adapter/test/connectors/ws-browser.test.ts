/**
 * A real browser as a ws-acceptor subscriber: Debian's Chromium, driven by playwright-core, loads a page
 * from a local HTTP server and opens `new WebSocket(url, ['crosswire.v1', 'crosswire.bearer.<token>'])`,
 * the only way a browser can present a token on a WebSocket.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, haveChromium, launchChromium } from '../../../portal/test/support/browser.ts';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { wsAcceptorConnector } from '../../src/connectors/ws-acceptor.ts';
import { wsAcceptorAdapter, metric, run, TOKEN, until, wsWorld, type WsWorld } from './ws-support.ts';

if (!haveChromium) console.warn(`ws-browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

/** The page a browser subscriber loads: it opens the socket named in its query and records what happens. */
// String.raw: the page's regular expressions keep their backslashes.
const PAGE = String.raw`<!doctype html>
<meta charset="utf-8">
<title>ws subscriber</title>
<script>
  window.seen = [];
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  // base64url without padding: '=' is not allowed in a subprotocol name.
  const encoded = btoa(token).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const socket = new WebSocket(params.get('ws'), ['crosswire.v1', 'crosswire.bearer.' + encoded]);
  socket.onopen = () => window.seen.push({ type: 'open', protocol: socket.protocol });
  socket.onmessage = (event) => window.seen.push({ type: 'message', data: event.data });
  socket.onerror = () => window.seen.push({ type: 'error' });
  socket.onclose = (event) => window.seen.push({ type: 'close', code: event.code });
</script>`;

interface Seen {
  type: 'open' | 'message' | 'error' | 'close';
  protocol?: string;
  data?: string;
  code?: number;
}

describe.skipIf(!haveChromium)('a browser subscribing to the ws-acceptor', () => {
  let world: WsWorld;
  let browser: Browser;
  let pages: Server;
  let pagePort: number;
  beforeAll(async () => {
    [world, browser] = await Promise.all([
      wsWorld(),
      launchChromium(),
    ]);
    pages = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE));
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    pagePort = (pages.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => pages?.close(resolve));
    await world?.close();
  });

  /** The allowed origin: the page server as http://127.0.0.1:<port>. http://localhost:<port> is the same server, another origin. */
  const allowedOrigin = () => `http://127.0.0.1:${pagePort}`;

  async function acceptor() {
    const { adapter, outbound, url } = await wsAcceptorAdapter(world, { allowedOrigins: [allowedOrigin()] });
    const running = await run(wsAcceptorConnector(world.deps()), adapter);
    onTestFinished(() => running.connector.stop('logout'));
    return { ...running, adapter, outbound, url };
  }

  /** A fresh browser context on the subscriber page, served from `origin`, offering `token`. */
  async function subscriber(origin: string, url: string, token: string): Promise<{ page: Page; seen: () => Promise<Seen[]> }> {
    const context = await browser.newContext();
    onTestFinished(() => context.close());
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${origin}/?${new URLSearchParams({ ws: url, token }).toString()}`);
    return {
      page,
      seen: async () => {
        if (errors.length > 0) throw new Error(`the subscriber page failed: ${errors.join('; ')}`);
        return page.evaluate<Seen[]>('window.seen');
      },
    };
  }

  it('opens with the token as a subprotocol, sees crosswire.v1 selected, and receives every channel message in order', async () => {
    const a = await acceptor();
    const { seen } = await subscriber(allowedOrigin(), a.url, TOKEN);
    const opened = await until('the browser socket opens', async () => (await seen()).find((e) => e.type === 'open' || e.type === 'close'));
    expect(opened).toEqual({ type: 'open', protocol: 'crosswire.v1' });
    const sent = Array.from({ length: 200 }, (_, i) => ({ seq: i + 1, side: i % 2 ? 'sell' : 'buy' }));
    await world.publish(a.outbound, sent);
    const received = await until('the browser has 200 messages', async () => {
      const messages = (await seen()).filter((e) => e.type === 'message');
      return messages.length >= 200 && messages;
    });
    expect(received.map((e) => JSON.parse(e.data!) as unknown)).toEqual(sent);
    expect((await seen()).some((e) => e.type === 'close' || e.type === 'error')).toBe(false);
    expect(await metric(world.registry, 'crosswire_ws_frames_out_total', { adapter: a.adapter.name })).toBe(200);
    expect(JSON.stringify(a.events)).not.toContain(TOKEN);
  });

  it('never opens a socket that offers a wrong token', async () => {
    const a = await acceptor();
    const { seen } = await subscriber(allowedOrigin(), a.url, 'not-the-token');
    const events = await until('the browser socket closes', async () => {
      const all = await seen();
      return all.some((e) => e.type === 'close') && all;
    });
    expect(events.map((e) => e.type)).toEqual(['error', 'close']);
    expect(events.at(-1)!.code).toBe(1006);
    expect(await metric(world.registry, 'crosswire_ws_refused_total', { adapter: a.adapter.name, reason: 'auth' })).toBe(1);
    expect(JSON.stringify(a.events)).not.toContain('not-the-token');
  });

  it('refuses a page from an origin that is not in allowedOrigins, even with the right token', async () => {
    const a = await acceptor();
    const other = `http://localhost:${pagePort}`;
    const { seen } = await subscriber(other, a.url, TOKEN);
    const events = await until('the browser socket closes', async () => {
      const all = await seen();
      return all.some((e) => e.type === 'close') && all;
    });
    expect(events.map((e) => e.type)).toEqual(['error', 'close']);
    expect(await metric(world.registry, 'crosswire_ws_refused_total', { adapter: a.adapter.name, reason: 'origin' })).toBe(1);
    expect(a.saw(new RegExp(`origin ${other} is not in allowedOrigins`))).toBe(true);
  });
});
