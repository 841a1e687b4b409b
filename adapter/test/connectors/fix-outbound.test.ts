/**
 * A FIX initiator adapter sending its `subscribeChannel` to a venue (our own acceptor engine), on real
 * PostgreSQL: a burst goes out exactly once, in order, with the channel position moving in the same
 * statement as the outbound store write, also when the holder is fenced out mid-burst and a second
 * holder takes over at a new epoch. An acceptor adapter sends each session's own channel on that session.
 */
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { openPostgres } from '../../../orchestrator/src/index.ts';
import { freePort } from '../../../orchestrator/test/support/waiting.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import type { ChannelAppend } from '../../src/channels/index.ts';
import { fixAcceptorConnector, fixInitiatorConnector } from '../../src/connectors/fix.ts';
import { FixAcceptor, FixInitiator, MemoryMessageStore, formatUtcTimestamp } from '../../src/fix/index.ts';
import type { Message } from '../../src/pipeline/message.ts';
import { PostgresMessageStore } from '../../src/store/postgres-message-store.ts';
import { lease } from '../channels/support.ts';
import { JSPUREFIX_DATA } from '../fix/helpers.ts';
import { RawClient } from '../fix/raw-client.ts';
import { run, until, wsWorld, type WsWorld } from './ws-support.ts';

const FIX44 = join(JSPUREFIX_DATA, 'FIX44.xml');

/** A TCP forwarder that can lose what the client sends (connections stay open), like a path that silently drops. */
async function blackholeProxy(targetPort: number) {
  let frozen = false;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      if (!frozen) upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cutAll = () => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  return {
    port: (server.address() as AddressInfo).port,
    freeze: () => void (frozen = true),
    /** Drops the connections that lost data and forwards again. */
    thaw: () => {
      cutAll();
      frozen = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        cutAll();
        server.close(() => resolve());
      }),
  };
}

interface Received {
  seq: number;
  clOrdId: string;
  possDup: boolean;
  account: string | undefined;
}

/** The venue: records every NewOrderSingle its session hands the application, with its number. */
async function venue() {
  const received: Received[] = [];
  const acceptor = new FixAcceptor(
    { listen: { host: '127.0.0.1', port: 0 }, sessions: [{ beginString: 'FIX.4.4', senderCompId: 'VENUE', targetCompId: 'CROSSWIRE' }] },
    {
      dictionary: FIX44,
      storeFactory: () => new MemoryMessageStore(),
      application: {
        onMessage: (m) => {
          received.push({ seq: m.getInt(34) ?? 0, clOrdId: m.get(11) ?? '', possDup: m.get(43) === 'Y', account: m.get(1) });
        },
      },
    },
  );
  await acceptor.start();
  return { received, acceptor, port: acceptor.port };
}

const orderFields = (n: number): [number, string][] => [
  [35, 'D'],
  [11, `ORD-${n}`],
  [55, 'EUR/USD'],
  [54, '1'],
  [60, formatUtcTimestamp(Date.now())],
  [38, String(n)],
  [40, '2'],
  [44, '1.1'],
];

describe('a FIX adapter sending its subscribeChannel', () => {
  let world: WsWorld;
  beforeAll(async () => {
    world = await wsWorld();
  });
  afterAll(async () => {
    await world.close();
  });

  /** Appends FIX orders `first..last` to the channel as another adapter (the producer) would. */
  async function publishOrders(channel: string, first: number, last: number) {
    const producer = await world.adapter({
      mode: 'active_passive',
      connector: { type: 'fix-acceptor', config: { listen: { port: await freePort() }, sessions: [{ beginString: 'FIX.4.4', senderCompId: 'P', targetCompId: 'Q' }] } },
    } as never);
    const messages: ChannelAppend[] = [];
    for (let n = first; n <= last; n++) {
      const message: Message = {
        headers: { msgType: 'D' },
        body: { kind: 'fix', fields: orderFields(n) },
        origin: { adapterId: producer.id, session: 'test', seq: n },
        receivedAt: new Date().toISOString(),
      };
      messages.push({ channel, message });
    }
    for (let i = 0; i < messages.length; i += 500) await world.store.append(messages.slice(i, i + 500), { lease: producer.lease });
  }

  /** An initiator adapter sending `channel` to the venue at `port`; `heartBtInt` and a `pipeline` optional. */
  async function initiatorAdapter(channel: string, port: number, options: { heartBtInt?: number; pipeline?: Record<string, unknown> } = {}) {
    return world.adapter({
      mode: 'single',
      connector: {
        type: 'fix-initiator',
        config: {
          session: { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'VENUE', ...(options.heartBtInt ? { heartBtInt: options.heartBtInt } : {}) },
          connection: { host: '127.0.0.1', port, reconnectIntervalSeconds: 1, maxReconnectIntervalSeconds: 1 },
          application: 'pipeline',
          subscribeChannel: channel,
        },
      },
      ...(options.pipeline ? { pipeline: options.pipeline } : {}),
    } as never);
  }

  const committed = async (channel: string, adapterId: string) =>
    Number((await world.test.db.query<{ committed_offset: string }>('SELECT committed_offset FROM channel_consumers WHERE channel = $1 AND adapter_id = $2', [channel, adapterId])).rows[0]?.committed_offset);

  it('sends a burst of 2,000 exactly once, in order, across a failover in the middle', async () => {
    const v = await venue();
    onTestFinished(() => v.acceptor.stop({ logout: false }));
    const wire = await blackholeProxy(v.port);
    onTestFinished(() => wire.close());
    const channel = await world.channel('to-venue');
    await publishOrders(channel, 1, 2000);
    const adapter = await initiatorAdapter(channel, wire.port);
    const first = await run(fixInitiatorConnector(world.deps()), adapter);
    let firstStopped = false;
    onTestFinished(() => (firstStopped ? undefined : first.connector.stop('fence')));

    await until('the venue has part of the burst', () => v.received.length >= 300, 20_000);
    // From here the first holder's bytes are lost on the way, while it keeps storing and sending:
    // messages stored (their channel position passed) that the venue never saw.
    wire.freeze();
    const before = v.received.length;
    await until('the first holder stored more than the venue received', async () => (await committed(channel, adapter.id)) > before, 20_000);
    // The holder is cut off: another pod claims the adapter (the database refuses the old epoch from
    // now on), and the old one is stopped without another byte, as the worker does on losing a lease.
    const next = await lease(world.test, adapter.id, 'pod-2');
    await first.connector.stop('fence');
    firstStopped = true;
    wire.thaw();
    expect(v.received.length).toBe(before);
    expect(before).toBeLessThan(2000);

    const second = await run(fixInitiatorConnector(world.deps()), { ...adapter, lease: next });
    onTestFinished(() => second.connector.stop('logout'));
    await until('the venue has every order', () => v.received.length >= 2000, 30_000);
    await until('the channel position is at the end', async () => (await committed(channel, adapter.id)) >= 2000);

    // Exactly once, in order, by ClOrdID; sequence numbers only go up (the second holder continued them).
    expect(v.received.map((r) => r.clOrdId)).toEqual(Array.from({ length: 2000 }, (_, n) => `ORD-${n + 1}`));
    const seqs = v.received.map((r) => r.seq);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
    // What the first holder stored but the venue did not get came back by FIX resend, as possible duplicates.
    expect(v.received.slice(before).some((r) => r.possDup)).toBe(true);
    expect(v.received.slice(0, before).some((r) => r.possDup)).toBe(false);
    expect(await committed(channel, adapter.id)).toBe(2000);
    // Every order is in the outbound store, once.
    const { rows } = await world.test.db.query<{ n: string }>('SELECT count(*) AS n FROM fix_messages WHERE adapter_id = $1', [adapter.id]);
    expect(Number(rows[0]!.n)).toBe(2000);
  });

  it('rides out a database outage: the session drops without sending, reloads its numbers, and sends the rest once', async () => {
    const v = await venue();
    onTestFinished(() => v.acceptor.stop({ logout: false }));
    // The pod reaches PostgreSQL through a proxy the test can cut; the producer appends directly.
    const url = new URL(world.test.url!);
    const database = await startTcpProxy(url.hostname, Number(url.port || 5432));
    onTestFinished(() => database.close());
    const db = openPostgres({ connectionString: Object.assign(new URL(url), { host: database.address }).toString(), max: 4 });
    onTestFinished(() => db.close());
    const channel = await world.channel('outage');
    await publishOrders(channel, 1, 100);
    const adapter = await initiatorAdapter(channel, v.port, { heartBtInt: 1 });
    const running = await run(fixInitiatorConnector({ ...world.deps(), db }), adapter);
    onTestFinished(() => running.connector.stop('logout'));
    await until('the venue has the first 100', () => v.received.length >= 100, 20_000);
    const venueSession = () => v.acceptor.session('VENUE', 'CROSSWIRE', 'FIX.4.4')!;

    database.cut();
    await publishOrders(channel, 101, 200);
    // The next heartbeat cannot be stored: the connection drops, and nothing more goes out meanwhile.
    await until('the session to drop its connection', () => running.saw(/Message store call failed; disconnecting without sending/) || undefined, 20_000);
    await until('the venue to see the disconnect', () => !venueSession().isLoggedOn || undefined, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(v.received.length).toBe(100);

    database.heal();
    await until('the venue has every order', () => v.received.length >= 200, 30_000);
    expect(running.saw(/Message store reachable again/)).toBe(true);
    // Exactly once, in order, without a reset: the numbers continued from what was stored.
    expect(v.received.map((r) => r.clOrdId)).toEqual(Array.from({ length: 200 }, (_, n) => `ORD-${n + 1}`));
    const seqs = v.received.map((r) => r.seq);
    expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!)).toBe(true);
    expect(running.states.at(-1)).toBe('Active');
    expect(running.events.filter((e) => /stopped|refused a write/.test(e.message))).toEqual([]);
    await until('the channel position is at the end', async () => (await committed(channel, adapter.id)) >= 200);
  });

  it('parks a channel message that is not FIX in the dead-letter channel and sends the rest; without one, stops at it', async () => {
    const v = await venue();
    onTestFinished(() => v.acceptor.stop({ logout: false }));
    const channel = await world.channel('mixed');
    const dead = await world.channel('mixed-dead');
    await publishOrders(channel, 1, 2);
    await world.publish(channel, [{ note: 'a JSON body has no FIX fields' }]);
    await publishOrders(channel, 3, 4);
    const adapter = await initiatorAdapter(channel, v.port, { pipeline: { filters: [], transforms: [], routes: [], deadLetterChannel: dead } });
    const running = await run(fixInitiatorConnector(world.deps()), adapter);
    onTestFinished(() => running.connector.stop('logout'));
    await until('the venue has the four orders', () => v.received.length >= 4, 20_000);
    expect(v.received.map((r) => r.clOrdId)).toEqual(['ORD-1', 'ORD-2', 'ORD-3', 'ORD-4']);
    await until('the position past every message', async () => (await committed(channel, adapter.id)) === 5);
    const parked = await world.contents(dead);
    expect(parked.map((p) => p.body)).toEqual([{ kind: 'json', value: { note: 'a JSON body has no FIX fields' } }]);
    expect(parked[0]!.headers).toMatchObject({ 'crosswire-dead-letter-reason': 'its body is JSON, not FIX fields', 'crosswire-parked-from': `${channel}:3` });
    expect(running.saw(/offset 3 parked in .*: its body is JSON, not FIX fields/)).toBe(true);
    expect(running.states.at(-1)).toBe('Active');

    // The same channel for an adapter without a dead-letter channel: it stops at the message, skipping nothing.
    const second = await venue();
    onTestFinished(() => second.acceptor.stop({ logout: false }));
    const strict = await initiatorAdapter(channel, second.port);
    const stopped = await run(fixInitiatorConnector(world.deps()), strict);
    onTestFinished(() => stopped.connector.stop('logout'));
    await until('it to stop at the message', () => stopped.saw(/offset 3 cannot be sent as FIX: its body is JSON, not FIX fields; sending stopped there/) || undefined, 20_000);
    await until('the orders before it to be sent', async () => (await committed(channel, strict.id)) === 2 && second.received.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second.received.map((r) => r.clOrdId)).toEqual(['ORD-1', 'ORD-2']);
  });

  it('sends on an acceptor adapter to the client that logs on, and continues after it reconnects', async () => {
    const channel = await world.channel('to-client');
    const port = await freePort();
    const adapter = await world.adapter({
      mode: 'active_passive',
      connector: {
        type: 'fix-acceptor',
        config: { listen: { port }, sessions: [{ beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'CLIENT1' }], subscribeChannel: channel },
      },
    } as never);
    const running = await run(fixAcceptorConnector(world.deps()), adapter);
    onTestFinished(() => running.connector.stop('fence'));
    await publishOrders(channel, 1, 20);
    const client = await RawClient.open(port, { beginString: 'FIX.4.4', sender: 'CLIENT1', target: 'CROSSWIRE' });
    onTestFinished(() => client.close());
    client.logon(30);
    await client.until(() => client.received.filter((m) => m.msgType === 'D').length === 20);
    const orders = client.received.filter((m) => m.msgType === 'D');
    expect(orders.map((m) => m.get(11))).toEqual(Array.from({ length: 20 }, (_, n) => `ORD-${n + 1}`));
    // The header is the session's: a message's own 35/49/56 are not copied.
    expect(orders.every((m) => m.get(49) === 'CROSSWIRE' && m.get(56) === 'CLIENT1')).toBe(true);
    await until('the position moved', async () => (await committed(channel, adapter.id)) === 20);
  });

  /** A client (our own initiator engine) of the acceptor at `port` as `compId`; its numbers carry over from one logon to the next. */
  function fixClient(port: number, compId: string) {
    const store = new MemoryMessageStore();
    const received: Received[] = [];
    let initiator: FixInitiator | undefined;
    const logOff = async () => {
      await initiator?.stop({ logout: true });
      initiator = undefined;
    };
    onTestFinished(logOff);
    return {
      received,
      logOn: async () => {
        const client = new FixInitiator(
          {
            session: { beginString: 'FIX.4.4', senderCompId: compId, targetCompId: 'CROSSWIRE' },
            connection: { host: '127.0.0.1', port, reconnectIntervalSeconds: 1, maxReconnectIntervalSeconds: 1 },
          },
          {
            dictionary: FIX44,
            storeFactory: () => store,
            application: { onMessage: (m) => void received.push({ seq: m.getInt(34) ?? 0, clOrdId: m.get(11) ?? '', possDup: m.get(43) === 'Y', account: m.get(1) }) },
          },
        );
        initiator = client;
        await client.start();
        await until(`${compId} to log on`, () => client.session.isLoggedOn || undefined, 10_000);
      },
      logOff,
    };
  }

  it('sends on an acceptor adapter each session its own channel, the first also the top-level one, also to a session that logs on later', async () => {
    const [own1, own2, shared] = await Promise.all([world.channel('to-client1'), world.channel('to-client2'), world.channel('to-first')]);
    const port = await freePort();
    const adapter = await world.adapter({
      mode: 'active_passive',
      connector: {
        type: 'fix-acceptor',
        config: {
          listen: { port },
          subscribeChannel: shared,
          sessions: [
            { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'CLIENT1', subscribeChannel: own1 },
            { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'CLIENT2', subscribeChannel: own2 },
          ],
        },
      },
    } as never);
    const running = await run(fixAcceptorConnector(world.deps()), adapter);
    onTestFinished(() => running.connector.stop('logout'));
    const range = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, n) => `ORD-${first + n}`);
    // Orders 1.. go to CLIENT1's channel, 101.. to CLIENT2's, 201.. to the top-level one.
    const within = (received: Received[], first: number) => received.map((r) => r.clOrdId).filter((id) => Number(id.slice(4)) >= first && Number(id.slice(4)) < first + 100);
    await publishOrders(own1, 1, 20);
    await publishOrders(own2, 101, 120);
    await publishOrders(shared, 201, 205);

    const client1 = fixClient(port, 'CLIENT1');
    const client2 = fixClient(port, 'CLIENT2');
    await client1.logOn();
    await until('CLIENT1 has its channel and the top-level one', () => client1.received.length >= 25, 10_000);
    // CLIENT2 has not logged on: its channel waits, position untouched.
    expect(await committed(own2, adapter.id)).toBe(0);

    // Both clients away, more for each; then each logs on and gets what it missed.
    await client1.logOff();
    await publishOrders(own1, 21, 30);
    await publishOrders(own2, 121, 130);
    await publishOrders(shared, 206, 210);
    await client2.logOn();
    await until('CLIENT2 has its channel', () => client2.received.length >= 30, 10_000);
    await client1.logOn();
    await until('CLIENT1 has the rest', () => client1.received.length >= 40, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Each on the right session only, each channel in its own order, each message once.
    expect(within(client1.received, 1)).toEqual(range(1, 30));
    expect(within(client1.received, 201)).toEqual(range(201, 210));
    expect(client1.received).toHaveLength(40);
    expect(client2.received.map((r) => r.clOrdId)).toEqual(range(101, 130));
    expect([...client1.received, ...client2.received].some((r) => r.possDup)).toBe(false);
    expect([await committed(own1, adapter.id), await committed(own2, adapter.id), await committed(shared, adapter.id)]).toEqual([30, 30, 10]);
    expect(running.events.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('stores a sent message only together with its channel position: a position moved meanwhile refuses both', async () => {
    const channel = await world.channel('atomic');
    await publishOrders(channel, 1, 3);
    const adapter = await initiatorAdapter(channel, await freePort());
    await world.store.subscribe(channel, adapter.lease, 'earliest');
    const store = new PostgresMessageStore(world.test.db, { ...adapter.lease, adapterName: adapter.name, pod: 'p' }, { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'VENUE' });
    await store.load();
    const bytes = (n: number) => Buffer.from(`8=FIX.4.4\x0135=D\x0134=${n}\x01`, 'latin1');
    await Promise.all([store.saveSent(1, bytes(1), { channel, from: 0, to: 1 }), store.saveSent(2, bytes(2), { channel, from: 1, to: 2 })]);
    expect(await committed(channel, adapter.id)).toBe(2);
    // Another writer moved the position past message 3: the message and the move are refused together.
    await world.store.commit(channel, adapter.lease, { from: 2, to: 3 });
    await expect(store.saveSent(3, bytes(3), { channel, from: 2, to: 3 })).rejects.toThrow(/no longer where this holder read it/);
    const { rows } = await world.test.db.query<{ seq: number }>('SELECT seq FROM fix_messages WHERE adapter_id = $1 ORDER BY seq', [adapter.id]);
    expect(rows.map((r) => r.seq)).toEqual([1, 2]);
    expect((await new PostgresMessageStore(world.test.db, { ...adapter.lease, adapterName: adapter.name, pod: 'p' }, { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'VENUE' }).load()).nextSenderSeqNum).toBe(3);
  });

  it('bridges a client to a venue: acceptor adapter, pipeline, channel, initiator adapter', async () => {
    const v = await venue();
    onTestFinished(() => v.acceptor.stop({ logout: false }));
    const channel = await world.channel('bridge');
    const port = await freePort();
    const inbound = await world.adapter({
      mode: 'active_passive',
      connector: {
        type: 'fix-acceptor',
        config: { listen: { port }, sessions: [{ beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'CLIENT1' }], application: 'pipeline' },
      },
      pipeline: { filters: [{ op: 'equals', field: 'MsgType', value: 'D' }], transforms: [{ op: 'set', field: 'Account', value: 'HOUSE-1' }], routes: [{ channel, when: [] }] },
    } as never);
    const acceptor = await run(fixAcceptorConnector(world.deps()), inbound);
    onTestFinished(() => acceptor.connector.stop('fence'));
    const outbound = await initiatorAdapter(channel, v.port);
    const initiator = await run(fixInitiatorConnector(world.deps()), outbound);
    onTestFinished(() => initiator.connector.stop('logout'));

    const client = await RawClient.open(port, { beginString: 'FIX.4.4', sender: 'CLIENT1', target: 'CROSSWIRE' });
    onTestFinished(() => client.close());
    client.logon(30);
    await client.next('A');
    for (let n = 1; n <= 200; n++) client.send('D', orderFields(n).slice(1));
    await until('the venue has every order', () => v.received.length >= 200, 20_000);
    expect(v.received.map((r) => r.clOrdId)).toEqual(Array.from({ length: 200 }, (_, n) => `ORD-${n + 1}`));
    // The pipeline's transform travelled with the message.
    expect(v.received.every((r) => r.account === 'HOUSE-1')).toBe(true);
    expect(await committed(channel, outbound.id)).toBe(200);
  });
});
