// Issue 5's end-to-end acceptance on the real stack: a jspurefix client sends orders to a FIX acceptor
// adapter; its pipeline routes them to the channel `orders`; a FIX initiator adapter sends them to a
// QuickFIX C++ venue whose execution reports come back through the channel `reports` to the client.
// The same orders fan out to a ws-acceptor (two WebSocket subscribers, which resume from their last
// channel offset whenever their connection drops) and to NATS JetStream (read back by a separate consumer). Three adapter pod processes against a real orchestrator on PostgreSQL; the
// pods holding the acceptor and the initiator are each killed with SIGKILL twice during the run.
//
// BRIDGE_ORDERS sets the order count (default 2,000; the acceptance run is BRIDGE_ORDERS=20000). The
// client paces its orders over about 40 s, so either takes about a minute with start-up. BRIDGE_DEBUG=1 prints progress, channel positions,
// stored sequence numbers and recent adapter events every 5 s.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy, type JetStreamManager, type NatsConnection } from 'nats';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../../../orchestrator/test/support/stack.ts';
import { freePort, sleep, until } from '../../../orchestrator/test/support/waiting.ts';
import { natsOrSkip, NATS_URL, testStream } from '../connectors/nats-support.ts';
import { OFLOW_ACCEPTOR, quickfixPeersBuilt, startPeer, type RunningPeer } from '../interop/support.ts';
import { PeerState, seqNumsFile, startJspurefix, waitForSeqNumWritesToSettle, type RunningJspurefix } from '../interop/jspurefix-peer.ts';
import { startPodProcess } from '../support/pod-process.ts';

const ORDERS = Number(process.env.BRIDGE_ORDERS ?? 2_000);
/** 0..ORDERS-1: order i carries ClOrdID `C<i>`. */
const ORDER_NUMBERS = Array.from({ length: ORDERS }, (_, i) => i);
/** Orders the client may have out without an execution report, like a trading client's limit. */
const WINDOW = 200;
/**
 * Orders per second the client sends at most: the flow lasts about 40 s whatever its size (at least
 * 100/s) plus the failovers, so the four kills, spread over the run, land while orders are flowing;
 * unpaced, the bridge can finish before the later kills.
 */
const RATE = Math.max(100, ORDERS / 40);
/** Short for quick failovers, but not so short that a busy 2-core machine moves leases on its own. */
const TTL_MS = 3_000;
/** How long the client waits, everything sent, for missing reports before it reconnects to ask again. */
const STALL_MS = 10_000;

const built = quickfixPeersBuilt('bridge system test');
const nc: NatsConnection | undefined = built ? await natsOrSkip() : undefined;

describe.skipIf(!built || !nc)('the FIX bridge on the real stack (orchestrator, pod processes, QuickFIX venue, jspurefix client, ws, NATS)', () => {
  let stack: TestStack;
  let venue: RunningPeer;
  let jsm: JetStreamManager;
  let stream: { name: string; subject: string; remove: () => Promise<unknown> };
  const pods = new Map<string, ChildProcess>();
  const dir = mkdtempSync(join(tmpdir(), 'crosswire-bridge-'));
  let podCount = 0;
  const ports = { client: 0, venue: 0, ws: 0 };

  async function startPod(): Promise<string> {
    const id = `pod-${++podCount}`;
    pods.set(id, await startPodProcess(stack, id, { capacity: 10, registerTimeoutMs: 30_000 }));
    return id;
  }

  const holderOf = async (adapter: string) => {
    const status = (await stack.call('viewer', 'GET', `/adapters/${adapter}`)).body.status;
    return status?.state === 'Active' ? (status.holders[0] as { pod: string; epoch: number }) : undefined;
  };

  async function create(body: Record<string, unknown>) {
    const created = await stack.call('engineer', 'POST', '/adapters', body);
    expect(created.status, created.text).toBe(201);
    const enabled = await stack.call('operator', 'POST', `/adapters/${body.name as string}/enable`);
    expect(enabled.status, enabled.text).toBeLessThan(300);
  }

  beforeAll(async () => {
    jsm = await nc!.jetstreamManager();
    stream = await testStream(jsm, 'bridge');
    stack = await startStack('postgres', { CROSSWIRE_LEASE_TTL_MS: String(TTL_MS) });
    ports.client = await freePort();
    ports.venue = await freePort();
    ports.ws = await freePort();
    venue = await startPeer(OFLOW_ACCEPTOR, ['--port', String(ports.venue), '--sender', 'VENUE', '--target', 'CROSSWIRE', '--store', join(dir, 'venue-store'), '--log', join(dir, 'venue-log')]);
    await create({
      name: 'client-gw',
      mode: 'active_passive',
      connector: {
        type: 'fix-acceptor',
        config: {
          listen: { host: '127.0.0.1', port: ports.client },
          sessions: [{ beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'JSCLIENT' }],
          application: 'pipeline',
          subscribeChannel: 'reports',
        },
      },
      pipeline: { filters: [{ op: 'equals', field: 'MsgType', value: 'D' }], transforms: [], routes: [{ channel: 'orders', when: [] }] },
    });
    await create({
      name: 'venue-out',
      mode: 'active_passive',
      connector: {
        type: 'fix-initiator',
        config: {
          session: { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'VENUE' },
          connection: { host: '127.0.0.1', port: ports.venue, reconnectIntervalSeconds: 1, maxReconnectIntervalSeconds: 1 },
          application: 'pipeline',
          subscribeChannel: 'orders',
        },
      },
      pipeline: { filters: [{ op: 'equals', field: 'MsgType', value: '8' }], transforms: [], routes: [{ channel: 'reports', when: [] }] },
    });
    await create({
      name: 'fanout-ws',
      mode: 'active_passive',
      connector: {
        type: 'ws-acceptor',
        config: { listen: { host: '127.0.0.1', port: ports.ws, path: '/v1/orders' }, format: 'json', subscribeChannel: 'orders', authentication: { mode: 'none' } },
      },
    });
    await create({
      name: 'to-nats',
      mode: 'active_passive',
      connector: {
        type: 'nats-producer',
        config: { connection: { servers: [NATS_URL], reconnectIntervalSeconds: 1 }, subscribeChannel: 'orders', publish: { subject: `${stream.subject}.orders`, stream: stream.name } },
      },
    });
    for (let i = 0; i < 3; i++) await startPod();
    for (const name of ['client-gw', 'venue-out', 'fanout-ws', 'to-nats']) await until(`${name} to be Active`, () => holderOf(name), 60_000);
  }, 180_000);

  afterAll(async () => {
    for (const child of pods.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await venue?.stop();
    await stack?.stop();
    await stream?.remove();
    await nc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A browser-style subscriber: reconnects whenever its connection drops, resuming from the channel
   * offset after the last frame it got (`orders` starts empty, so the first connection asks from=1);
   * records the ClOrdIDs of each connection.
   */
  function wsSubscriber() {
    const connections: number[][] = [];
    let stopped = false;
    let socket: WebSocket | undefined;
    let lastOffset = 0;
    const open = () => {
      if (stopped) return;
      const received: number[] = [];
      const ws = new WebSocket(`ws://127.0.0.1:${ports.ws}/v1/orders?from=${lastOffset + 1}`);
      socket = ws;
      ws.on('open', () => connections.push(received));
      ws.on('message', (data: Buffer) => {
        const { offset, message } = JSON.parse(data.toString()) as { offset: number; message: [number | string, string][] };
        lastOffset = offset;
        const id = message.find(([tag]) => String(tag) === '11')?.[1] ?? '';
        received.push(Number(id.slice(1)));
      });
      ws.on('error', () => undefined);
      ws.on('close', () => void setTimeout(open, 200));
    };
    open();
    return {
      connections,
      all: () => connections.flat(),
      connected: () => socket?.readyState === WebSocket.OPEN,
      stop: () => {
        stopped = true;
        socket?.close();
      },
    };
  }

  it(`carries ${ORDERS} orders and their reports exactly once, in order, with both holders killed twice`, async () => {
    const subscribers = [wsSubscriber(), wsSubscriber()];
    await until('the ws subscribers to connect', () => subscribers.every((s) => s.connected()) || undefined, 20_000);

    // The client: jspurefix with a file store, so each reconnect continues the session's numbers.
    const state = new PeerState();
    state.resendFromStore = true;
    let next = 0;
    let finished = false;
    const options = { role: 'initiator' as const, port: ports.client, senderCompId: 'JSCLIENT', targetCompId: 'CROSSWIRE', heartBtInt: 5, storeDirectory: join(dir, 'client-store') };
    let nextAt = Date.now();
    const client = (async () => {
      while (!finished) {
        const peer: RunningJspurefix = startJspurefix(options, state);
        let ended = false;
        void peer.finished.then(() => (ended = true));
        let lastProgress = Date.now();
        let reportsSeen = state.filled.size;
        while (!ended && !finished) {
          const session = state.current;
          if (state.filled.size !== reportsSeen) [reportsSeen, lastProgress] = [state.filled.size, Date.now()];
          // All sent, some reports missing and nothing new for a while: reconnect and ask again from
          // the first missing report (below), as a trading client recovers a gap its engine lost.
          if (next === ORDERS && state.filled.size < ORDERS && Date.now() - lastProgress > STALL_MS) {
            console.warn(`[bridge] client: ${ORDERS - state.filled.size} reports missing and none for ${STALL_MS / 1000} s; reconnecting to ask for them again`);
            break;
          }
          // Paced without catching up after a stall (a failover), so the flow never bursts past a kill point.
          const now = Date.now();
          if (session && next < ORDERS && now >= nextAt && next - state.filled.size < WINDOW) {
            session.sendOrder(next++);
            nextAt = Math.max(nextAt, now - 20) + 1000 / RATE;
          } else await sleep(next < ORDERS ? 1 : 50);
        }
        if (!ended) peer.stop();
        await peer.finished;
        // jspurefix's file store writes its numbers asynchronously after a session ends (see jspurefix.test.ts),
        // and not always the highest last: let its writes land, then store the right ones over them. Which
        // numbers it should hold after a kill is not known here, hence waiting for the writes to settle.
        await waitForSeqNumWritesToSettle(seqNumsFile(options), state);
        await state.persistSenderSeq();
        // From the first report never received: reports come in order (checked below), so it lies just
        // after the report of the order before the first one missing.
        const firstMissing = ORDER_NUMBERS.slice(0, next).find((i) => !state.filled.has(`C${i}`));
        const reportBefore = firstMissing ? state.reportSeqOf(`C${firstMissing - 1}`) : undefined;
        await state.persistTargetSeq(reportBefore === undefined ? undefined : reportBefore + 1);
      }
    })();

    const progress = setInterval(() => {
      if (!process.env.BRIDGE_DEBUG) return;
      void (async () => {
        const holders = await Promise.all(['client-gw', 'venue-out'].map(async (a) => `${a}@${JSON.stringify(await holderOf(a))}`));
        const channels = (await stack.database.db.query('SELECT c.name, c.head, array_agg(cc.adapter_id || \'=\' || cc.committed_offset) AS consumers FROM channels c LEFT JOIN channel_consumers cc ON cc.channel = c.name GROUP BY c.name, c.head')).rows;
        const sessions = (await stack.database.db.query('SELECT * FROM fix_sessions')).rows;
        console.log(`[bridge] sent ${next}, reports ${state.filled.size}, logons ${state.logons}, session ${state.current ? 'up' : 'down'}, ${holders.map((h) => h.slice(0, 60)).join(' ')}\n${JSON.stringify(channels)}\n${JSON.stringify(sessions)}`);
        for (const a of ['client-gw', 'venue-out']) console.log(a, JSON.stringify((await stack.call('viewer', 'GET', `/adapters/${a}/events?limit=5`)).body));
      })();
    }, 5_000);
    // Each holder is killed twice, spread over the run; a new pod replaces each killed one, so there is
    // always a standby.
    const kills: Array<{ adapter: string; pod: string; epoch: number; after: number }> = [];
    for (const [fraction, adapter] of [[0.15, 'client-gw'], [0.35, 'venue-out'], [0.55, 'client-gw'], [0.75, 'venue-out']] as const) {
      await until(`${Math.round(fraction * ORDERS)} reports before killing ${adapter}`, () => state.filled.size >= fraction * ORDERS || undefined, 120_000);
      const held = await until(`${adapter} to be held`, () => holderOf(adapter), 60_000);
      kills.push({ adapter, pod: held.pod, epoch: held.epoch, after: state.filled.size });
      pods.get(held.pod)!.kill('SIGKILL');
      await startPod();
      await until(`${adapter} to move off ${held.pod}`, async () => {
        const h = await holderOf(adapter);
        return h && h.pod !== held.pod ? h : undefined;
      }, 60_000);
    }
    await until('every report', () => state.filled.size >= ORDERS || undefined, 300_000).catch((error: Error) => {
      const missing = ORDER_NUMBERS.filter((i) => !state.filled.has(`C${i}`));
      const seqs = missing.map((i) => [...state.sentOrders].filter(([, [n]]) => n === i).map(([seq]) => seq));
      throw new Error(`${error.message}: ${state.filled.size} of ${ORDERS}; missing ${JSON.stringify(missing.slice(0, 10))} sent as MsgSeqNum ${JSON.stringify(seqs.slice(0, 10))}; client logons at [sent, received] ${JSON.stringify(state.readyAt)}`);
    });
    await sleep(1_000); // anything duplicated would arrive now
    clearInterval(progress);
    finished = true;
    state.current?.logout();
    await client;

    // The client: one report per order, in the order sent. Order is judged by the MsgSeqNum our
    // acceptor gave each report (a resend keeps it), not by when jspurefix handed it over: jspurefix
    // passes on a message past a gap at once, before the resend that fills the gap, where QuickFIX
    // would hold it back.
    expect(state.duplicates, `repeated reports (ClOrdID: ExecID@MsgSeqNum): ${state.repeats.join('; ')}`).toBe(0);
    const reportSeqs = ORDER_NUMBERS.map((i) => state.reportSeqOf(`C${i}`));
    const outOfOrder = reportSeqs.findIndex((seq, i) => seq === undefined || (i > 0 && seq <= reportSeqs[i - 1]!));
    expect(outOfOrder, `the report for C${outOfOrder} came as MsgSeqNum ${reportSeqs[outOfOrder]}, after C${outOfOrder - 1}'s ${reportSeqs[outOfOrder - 1]}`).toBe(-1);
    // Sequence numbers continued: at each logon both numbers are at least where the last one left off.
    expect(state.logons).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < state.readyAt.length; i++) {
      const logons = `client logons at [sent, received, their Logon's MsgSeqNum] ${JSON.stringify(state.readyAt)}`;
      expect(state.readyAt[i]![0], logons).toBeGreaterThan(state.readyAt[i - 1]![0]);
      expect(state.readyAt[i]![2], logons).toBeGreaterThan(state.readyAt[i - 1]![1]);
    }
    expect(kills.map((k) => k.adapter)).toEqual(['client-gw', 'venue-out', 'client-gw', 'venue-out']);
    // Every kill landed while orders were still flowing.
    expect(kills.filter((k) => k.after >= ORDERS), JSON.stringify(kills)).toEqual([]);

    // NATS: a separate consumer reads the stream; Nats-Msg-Id dedup makes the count exact.
    const js = nc!.jetstream();
    await until('the NATS stream to hold every order', async () => (await jsm.streams.info(stream.name)).state.messages >= ORDERS || undefined, 60_000);
    await sleep(1_000);
    expect((await jsm.streams.info(stream.name)).state.messages).toBe(ORDERS);
    const consumer = await jsm.consumers.add(stream.name, { ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All });
    const fromNats: number[] = [];
    const messages = await (await js.consumers.get(stream.name, consumer.name)).fetch({ max_messages: ORDERS, expires: 30_000 });
    for await (const m of messages) {
      const fields = JSON.parse(new TextDecoder().decode(m.data)) as [number | string, string][];
      fromNats.push(Number((fields.find(([tag]) => String(tag) === '11')?.[1] ?? '').slice(1)));
      if (fromNats.length === ORDERS) break;
    }
    expect(fromNats).toEqual(ORDER_NUMBERS);

    // WebSocket: each subscriber resumes from its last channel offset + 1 after every dropped connection
    // (docs/message-flow.md, WebSocket), so across all its connections it sees every order exactly once,
    // in order: C0..C{ORDERS-1}, counts matching what was sent.
    await until('every order at the ws subscribers', () => subscribers.every((s) => s.all().length >= ORDERS), 60_000).catch(() => undefined);
    await sleep(1_000); // anything repeated would arrive now
    for (const s of subscribers) {
      s.stop();
      const all = s.all();
      const firstWrong = all.findIndex((n, i) => n !== i);
      expect(all.length, `a ws subscriber saw ${all.length} of ${ORDERS} over ${s.connections.length} connections; first out of place at ${firstWrong}: C${all[firstWrong]}`).toBe(ORDERS);
      expect(all).toEqual(ORDER_NUMBERS);
    }
    const seen = subscribers.map((s) => `${new Set(s.all()).size} (${s.connections.length} connections)`);

    // The venue: every order exactly once (QuickFIX counts what its session hands the application).
    const venueOutput = (await venue.stop()).output;
    expect(venueOutput).toContain(`ORDERS ${ORDERS}`);
    console.log(`[bridge] ${ORDERS} orders, kills ${JSON.stringify(kills)}, client logons ${state.logons} (resent reports ignored: ${state.resendsIgnored}), venue logons ${venueOutput.match(/^LOGON/gm)?.length ?? 0}, ws subscribers saw ${seen.join(' and ')} distinct orders`);
  }, 900_000);
});
