/**
 * `tsx adapter/bench/bridge.ts` (part of `npm run bench`): the FIX bridge end to end, both rows in
 * one run, loopback, against the QuickFIX C++ venue (adapter/interop/build/oflow_acceptor).
 *
 *   - bridge: raw FIX client → fix-acceptor adapter (pipeline, exactly-once inbound append) → channel
 *     `orders` (PostgreSQL) → fix-initiator adapter (offset moved with the outbound store write) →
 *     venue → fix-initiator adapter (pipeline) → channel `reports` → fix-acceptor adapter → client.
 *   - floor: the same FIX path with the channel skipped: our acceptor hands each order straight to our
 *     initiator session in the same process (memory stores), and each report straight back.
 *
 * Throughput with at most WINDOW orders unanswered; latency p50/p99 with orders paced at RATE per
 * second. Needs PostgreSQL (DATABASE_URL's server or 127.0.0.1:5432) and the QuickFIX C++ build;
 * says so and skips otherwise.
 */
import { performance } from 'node:perf_hooks';
import { formatMs, formatRate, markdownTable, percentile } from '../../orchestrator/bench/stats.ts';
import { fixAcceptorConnector, fixInitiatorConnector } from '../src/connectors/fix.ts';
import { FixAcceptor, FixInitiator, MemoryMessageStore, type FixMessage } from '../src/fix/index.ts';
import { run, wsWorld } from '../test/connectors/ws-support.ts';
import { FIX44_XML, freePort, OFLOW_ACCEPTOR, quickfixPeersBuilt, startPeer, waitFor, type RunningPeer } from '../test/interop/support.ts';
import { latency, RawFixClient, throughput, type OrderSender } from './fix-load.ts';

const settings = {
  warmup: { count: 100, window: 50 },
  throughput: { count: 1_000, window: 200, limitMs: 90_000 },
  // Paced below what the exactly-once path sustains on a small machine, so latency is not queueing.
  latency: { rate: 10, seconds: 6, drainMs: 20_000 },
};
const log = (line: string) => console.error(line);
/** The session's own header and trailer: each session writes its own. */
const SESSION_HEADER = new Set([8, 9, 10, 34, 35, 49, 52, 56, 43, 97, 122]);

interface Row {
  path: string;
  perSecond: number;
  p50: number;
  p99: number;
  note?: string;
}

async function measure(path: string, sender: OrderSender): Promise<Row> {
  const { warmup, throughput: t, latency: l } = settings;
  let next = 0;
  await throughput(sender, next, warmup.count, warmup.window, t.limitMs);
  next += warmup.count;
  const rt = await throughput(sender, next, t.count, t.window, t.limitMs);
  next += t.count;
  const lat = await latency(sender, next, l.rate, l.seconds, l.drainMs);
  const row: Row = { path, perSecond: rt.perSecond, p50: percentile(lat.samples, 50), p99: percentile(lat.samples, 99) };
  const notes = [];
  if (rt.answered < rt.count) notes.push(`throughput: ${rt.answered} of ${rt.count} answered`);
  if (lat.samples.length < lat.sent) notes.push(`latency: ${lat.samples.length} of ${lat.sent} answered`);
  if (notes.length > 0) row.note = notes.join('; ');
  log(`  ${path}: ${formatRate(row.perSecond)} round trips/s, p50 ${formatMs(row.p50)} ms, p99 ${formatMs(row.p99)} ms`);
  return row;
}

async function venue(target: string): Promise<{ peer: RunningPeer; port: number }> {
  const port = await freePort();
  return { peer: await startPeer(OFLOW_ACCEPTOR, ['--port', String(port), '--sender', 'VENUE', '--target', target, '--reset']), port };
}

/** Client → acceptor adapter → channel → initiator adapter → venue and back, exactly-once on PostgreSQL. */
async function bridgeRow(): Promise<Row> {
  const world = await wsWorld();
  const v = await venue('CROSSWIRE');
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const orders = await world.channel('orders');
    const reports = await world.channel('reports');
    const port = await freePort();
    const inbound = await world.adapter({
      mode: 'active_passive',
      connector: {
        type: 'fix-acceptor',
        config: { listen: { host: '127.0.0.1', port }, sessions: [{ beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'BENCH' }], application: 'pipeline', subscribeChannel: reports },
      },
      pipeline: { filters: [{ op: 'equals', field: 'MsgType', value: 'D' }], transforms: [], routes: [{ channel: orders, when: [] }] },
    } as never);
    const outbound = await world.adapter({
      mode: 'active_passive',
      connector: {
        type: 'fix-initiator',
        config: {
          session: { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'VENUE' },
          connection: { host: '127.0.0.1', port: v.port, reconnectIntervalSeconds: 1 },
          application: 'pipeline',
          subscribeChannel: orders,
        },
      },
      pipeline: { filters: [{ op: 'equals', field: 'MsgType', value: '8' }], transforms: [], routes: [{ channel: reports, when: [] }] },
    } as never);
    const acceptor = await run(fixAcceptorConnector(world.deps()), inbound);
    stops.push(() => acceptor.connector.stop('logout'));
    const initiator = await run(fixInitiatorConnector(world.deps()), outbound);
    stops.push(() => initiator.connector.stop('logout'));
    await waitFor('the initiator adapter to log on to the venue', () => initiator.states.includes('Active'), 20_000);
    const client = await RawFixClient.connect(port, { sender: 'BENCH', target: 'CROSSWIRE', logon: true });
    stops.push(() => client.close());
    const row = await measure('client → acceptor adapter → channel (PostgreSQL, exactly once) → initiator adapter → QuickFIX C++ venue, and back', client);
    // A row that lost orders says why: the adapters' own warnings and errors.
    for (const [name, adapter] of [['acceptor adapter', acceptor], ['initiator adapter', initiator]] as const) {
      for (const e of adapter.events.filter((e) => e.level !== 'info' && e.level !== 'debug').slice(0, 10)) log(`  ${name} ${e.level}: ${e.message}`);
    }
    return row;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await v.peer.stop();
    await world.close();
  }
}

/** The floor: the same FIX sessions, the order handed straight from our acceptor to our initiator in one process. */
async function floorRow(): Promise<Row> {
  const v = await venue('CROSSWIRE');
  const port = await freePort();
  const holder: { acceptor?: FixAcceptor } = {};
  // Sends each venue report back to the client's session as it is.
  const toClient = (report: FixMessage) => {
    const fields = [...report.fields()].filter(([tag]) => !SESSION_HEADER.has(tag));
    void holder.acceptor!.session('CROSSWIRE', 'BENCH', 'FIX.4.4')!.handle.send('8', fields);
  };
  const initiator = new FixInitiator(
    { session: { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'VENUE', heartBtInt: 30 }, connection: { host: '127.0.0.1', port: v.port, reconnectIntervalSeconds: 1 } },
    { dictionary: FIX44_XML, storeFactory: () => new MemoryMessageStore(), application: { onMessage: (m) => toClient(m) } },
  );
  const acceptor = new FixAcceptor(
    { listen: { host: '127.0.0.1', port }, sessions: [{ beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'BENCH' }] },
    {
      dictionary: FIX44_XML,
      storeFactory: () => new MemoryMessageStore(),
      application: {
        onMessage: (order) => {
          const fields = [...order.fields()].filter(([tag]) => !SESSION_HEADER.has(tag));
          void initiator.session.handle.send('D', fields);
        },
      },
    },
  );
  holder.acceptor = acceptor;
  await acceptor.start();
  await initiator.start();
  try {
    await waitFor('the floor initiator to log on', () => initiator.session.isLoggedOn, 10_000);
    const client = await RawFixClient.connect(port, { sender: 'BENCH', target: 'CROSSWIRE', logon: true });
    try {
      return await measure('floor: the same FIX path, channel skipped (direct hand-off in one process, memory stores)', client);
    } finally {
      await client.close();
    }
  } finally {
    await initiator.stop({ logout: true });
    await acceptor.stop({ logout: false });
    await v.peer.stop();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  if (!quickfixPeersBuilt('bridge bench')) {
    console.log('\nFIX bridge: skipped (the QuickFIX C++ venue is not built: `bash adapter/interop/build.sh`)');
    return;
  }
  log('FIX bridge bench:');
  const rows: Row[] = [];
  rows.push(await floorRow());
  try {
    rows.push(await bridgeRow());
  } catch (error) {
    rows.push({ path: `bridge: not measured (${(error as Error).message})`, perSecond: NaN, p50: NaN, p99: NaN });
  }
  const { throughput: t, latency: l } = settings;
  console.log('');
  console.log(`FIX bridge end to end (FIX 4.4, loopback, QuickFIX C++ venue filling every order; throughput: ${formatRate(t.count)} orders, at most ${t.window} unanswered; latency: ${formatRate(l.rate)} orders/s for ${l.seconds} s):`);
  console.log('');
  console.log(markdownTable(['path', 'orders/s', 'p50 ms', 'p99 ms'], rows.map((r) => [r.path, formatRate(r.perSecond), formatMs(r.p50), formatMs(r.p99)])));
  for (const row of rows) if (row.note) console.log(`- ${row.path}: ${row.note}`);
  console.log(`Total ${((performance.now() - started) / 1000).toFixed(0)} s.`);
}

await main();
// Pools and timers of the world's database are closed; anything left (a peer's socket) must not keep the bench alive.
process.exit(0);
