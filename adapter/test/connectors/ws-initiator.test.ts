import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { selfSigned as makeSelfSigned } from '../../../orchestrator/test/support/certificates.ts';
import { WebSocketServer, type WebSocket } from 'ws';
import { freePort } from '../../../orchestrator/test/support/waiting.ts';
import { wsAcceptorConnector } from '../../src/connectors/ws-acceptor.ts';
import { wsInitiatorConnector } from '../../src/connectors/ws-initiator.ts';
import { ChannelFencedError } from '../../src/channels/index.ts';
import { lease } from '../channels/support.ts';
import { metric, run, TOKEN, until, wsWorld, type WsWorld } from './ws-support.ts';

/** A feed server as a venue would run it: checks the bearer token, records what it receives. */
async function feedServer(port: number) {
  const received: string[] = [];
  const sockets = new Set<WebSocket>();
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port,
    path: '/feed',
    verifyClient: (info: { req: { headers: Record<string, string | string[] | undefined> } }) => info.req.headers.authorization === `Bearer ${TOKEN}`,
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('message', (data: Buffer) => received.push(data.toString('utf8')));
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    received,
    sockets,
    send: (value: unknown) => {
      for (const socket of sockets) socket.send(JSON.stringify(value));
    },
    stop: async () => {
      for (const socket of sockets) socket.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'ws-tls-'));
const selfSigned = (name: string) => makeSelfSigned(dir, name);

describe('the ws-initiator connector', () => {
  let world: WsWorld;
  beforeAll(async () => {
    world = await wsWorld();
  });
  afterAll(async () => {
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function initiator(url: string, config: Record<string, unknown> = {}) {
    const [inbound, outbound] = await Promise.all([world.channel('from-feed'), world.channel('to-feed')]);
    const adapter = await world.adapter({
      mode: 'single',
      connector: {
        type: 'ws-initiator',
        config: {
          connection: { url, reconnectIntervalSeconds: 1, maxReconnectIntervalSeconds: 1 },
          subscribeChannel: outbound,
          authentication: { mode: 'bearer', token: { secretRef: { name: 'ws', key: 'token' } } },
          ...config,
        },
      },
      pipeline: { filters: [], transforms: [], routes: [{ channel: inbound, when: [] }] },
    });
    const running = await run(wsInitiatorConnector(world.deps()), adapter);
    onTestFinished(() => running.connector.stop('logout'));
    return { ...running, adapter, inbound, outbound };
  }

  it("puts the server's frames into the channel in order, and sends the channel to the server", async () => {
    const port = await freePort();
    const feed = await feedServer(port);
    onTestFinished(() => feed.stop());
    const i = await initiator(`ws://127.0.0.1:${port}/feed`);
    await until('connected', () => feed.sockets.size === 1);
    for (let n = 1; n <= 100; n++) feed.send({ tick: n });
    const stored = await until('100 ticks stored', async () => {
      const rows = await world.contents(i.inbound);
      return rows.length === 100 && rows;
    });
    expect(stored.map((m) => m.body)).toEqual(Array.from({ length: 100 }, (_, n) => ({ kind: 'json', value: { tick: n + 1 } })));
    await world.publish(i.outbound, Array.from({ length: 50 }, (_, n) => ({ order: n + 1 })));
    await until('50 orders at the server', () => feed.received.length >= 50);
    expect(feed.received).toEqual(Array.from({ length: 50 }, (_, n) => JSON.stringify({ order: n + 1 })));
    expect(i.states.at(-1)).toBe('Active');
  });

  it('reconnects after the server restarts and continues from its committed offset without repeating', async () => {
    const port = await freePort();
    let feed = await feedServer(port);
    const i = await initiator(`ws://127.0.0.1:${port}/feed`);
    onTestFinished(() => feed.stop());
    await until('connected', () => feed.sockets.size === 1);
    await world.publish(i.outbound, Array.from({ length: 100 }, (_, n) => ({ order: n + 1 })));
    await until('the first 100 at the server', () => feed.received.length >= 100);
    const before = [...feed.received];
    await feed.stop();
    await until('the initiator sees the disconnect', () => i.states.some((s) => /reconnecting/.test(s)));
    await world.publish(i.outbound, Array.from({ length: 100 }, (_, n) => ({ order: n + 101 })));
    feed = await feedServer(port);
    await until('the next 100 at the restarted server', () => feed.received.length >= 100, 15_000);
    const all = [...before, ...feed.received].map((f) => (JSON.parse(f) as { order: number }).order);
    expect(all).toEqual(Array.from({ length: 200 }, (_, n) => n + 1));
    expect(await metric(world.registry, 'crosswire_ws_reconnect_attempts_total', { adapter: i.adapter.name })).toBeGreaterThanOrEqual(1);
  });

  it('after a failover the next lease holder continues from the committed offset; the old holder can no longer commit', async () => {
    const port = await freePort();
    const feed = await feedServer(port);
    onTestFinished(() => feed.stop());
    const first = await initiator(`ws://127.0.0.1:${port}/feed`);
    await world.publish(first.outbound, Array.from({ length: 100 }, (_, n) => ({ order: n + 1 })));
    await until('the first 100 at the server', () => feed.received.length >= 100);
    await first.connector.stop('fence');
    const next = await run(wsInitiatorConnector(world.deps()), { ...first.adapter, lease: await lease(world.test, first.adapter.id, 'standby-pod') });
    onTestFinished(() => next.connector.stop('logout'));
    await world.publish(first.outbound, Array.from({ length: 100 }, (_, n) => ({ order: n + 101 })));
    await until('all 200 at the server', () => feed.received.length >= 200);
    expect(feed.received.map((f) => (JSON.parse(f) as { order: number }).order)).toEqual(Array.from({ length: 200 }, (_, n) => n + 1));
    // The consumer row belongs to the new epoch; the old holder's writes are refused by the database.
    const { rows } = await world.test.db.query<{ epoch: string }>('SELECT epoch FROM channel_consumers WHERE channel = $1', [first.outbound]);
    expect(Number(rows[0]!.epoch)).toBeGreaterThan(first.adapter.lease.epoch);
    await expect(world.store.subscribe(first.outbound, first.adapter.lease)).rejects.toBeInstanceOf(ChannelFencedError);
  });

  it('reports a refused upgrade (wrong token) and keeps retrying', async () => {
    const port = await freePort();
    const feed = await feedServer(port);
    onTestFinished(() => feed.stop());
    const i = await initiator(`ws://127.0.0.1:${port}/feed`, { authentication: { mode: 'bearer', token: 'not-the-token' } });
    await until('the refusal event', () => i.saw(/refused the WebSocket upgrade: HTTP 401/));
    expect(feed.sockets.size).toBe(0);
    await until('the Error state with the retry', () => /^Error: not connected to .* reconnecting in/.test(i.states.at(-1) ?? ''));
    expect(JSON.stringify(i.events)).not.toContain('not-the-token');
  });

  it('connects over wss with mutual TLS and an HMAC-signed handshake to a ws-acceptor; a wrong secret is refused', async () => {
    const server = selfSigned('localhost');
    const client = selfSigned('client');
    const stranger = selfSigned('stranger');
    const port = await freePort();
    // Both client certificates are self-signed, so each is its own CA: only the fingerprint list tells them apart.
    await world.upload('client-ca', client.cert + stranger.cert);
    await world.upload('server-ca', server.cert);
    const [fromInitiator, toInitiator] = await Promise.all([world.channel('acc-in'), world.channel('acc-out')]);
    const acceptorAdapter = await world.adapter({
      mode: 'active_passive',
      connector: {
        type: 'ws-acceptor',
        config: {
          listen: { host: '127.0.0.1', port },
          subscribeChannel: toInitiator,
          authentication: { mode: 'hmac', hmacSecret: { secretRef: { name: 'ws', key: 'hmac' } } },
          tls: {
            enabled: true,
            certificate: server.cert,
            privateKey: server.key,
            requireClientCertificate: true,
            caBundle: 'client-ca',
            allowedClientFingerprints: [client.fingerprint],
          },
        },
      },
      pipeline: { filters: [], transforms: [], routes: [{ channel: fromInitiator, when: [] }] },
    });
    const acceptor = await run(wsAcceptorConnector(world.deps()), acceptorAdapter);
    onTestFinished(() => acceptor.connector.stop('logout'));
    const tls = { serverName: 'localhost', caBundle: 'server-ca', clientCertificate: client.cert, clientKey: client.key };
    const url = `wss://127.0.0.1:${port}/`;
    const i = await initiator(url, { authentication: { mode: 'hmac', hmacKeyId: 'k1', hmacSecret: { secretRef: { name: 'ws', key: 'hmac' } } }, tls });
    await world.publish(i.outbound, [{ hello: 'acceptor' }]);
    await world.publish(toInitiator, [{ hello: 'initiator' }]);
    await until('the initiator message at the acceptor', async () => (await world.contents(fromInitiator)).length === 1);
    await until('the acceptor message at the initiator', async () => (await world.contents(i.inbound)).length === 1);
    expect((await world.contents(fromInitiator))[0]!.body).toEqual({ kind: 'json', value: { hello: 'acceptor' } });
    expect((await world.contents(i.inbound))[0]!.body).toEqual({ kind: 'json', value: { hello: 'initiator' } });

    const wrong = await initiator(url, { authentication: { mode: 'hmac', hmacKeyId: 'k1', hmacSecret: 'wrong-secret' }, tls });
    await until('the refusal', () => wrong.saw(/HTTP 401/));
    expect(acceptor.saw(/signature does not match/)).toBe(true);
    expect(JSON.stringify(acceptor.events)).not.toContain('ws-test-hmac-secret');

    const unlisted = await initiator(url, {
      authentication: { mode: 'hmac', hmacKeyId: 'k1', hmacSecret: { secretRef: { name: 'ws', key: 'hmac' } } },
      tls: { ...tls, clientCertificate: stranger.cert, clientKey: stranger.key },
    });
    await until('the certificate refusal', () => acceptor.saw(new RegExp(`refused client certificate ${stranger.fingerprint}`)));
    expect(await metric(world.registry, 'crosswire_ws_refused_total', { adapter: acceptorAdapter.name, reason: 'client-certificate' })).toBeGreaterThanOrEqual(1);
    expect(unlisted.states.at(-1)).toMatch(/^Error/);
  });
});
