/**
 * `tsx adapter/bench/fix.ts` (part of `npm run bench`): the FIX engine against QuickFIX C++ and
 * jspurefix, every peer measured in the same run, loopback only, bounded in time.
 *
 *   1. Codec: parse and encode rates of our codec and jspurefix's on the same messages.
 *   2. Order -> ExecutionReport round trips: throughput (at most WINDOW unanswered) and latency
 *      p50/p99/p99.9 with orders paced at RATE per second, through our acceptor, our initiator,
 *      QuickFIX C++ (adapter/interop: oflow_acceptor / oflow_initiator), jspurefix, and a plain
 *      Node TCP echo as the floor. Acceptors run in a process of their own (QuickFIX C++ natively,
 *      ours and jspurefix's through adapter/bench/fix-peer.ts); a raw FIX client with no session
 *      layer drives them, so each acceptor row measures that acceptor alone.
 *   3. p99 at RATE orders/s through our acceptor with its store in PostgreSQL (a throw-away database
 *      on DATABASE_URL's server, or postgres://postgres@127.0.0.1:5432, dropped at the end).
 *
 * Rows whose peer is missing (QuickFIX C++ not built, PostgreSQL not reachable) say so and are skipped.
 * `--only=postgres` runs the PostgreSQL row alone (for work on the store); FIX_BENCH_PEER_FLAGS adds
 * Node flags to the peer processes (`--cpu-prof --cpu-prof-dir=DIR` to profile them).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { formatMs, formatRate, markdownTable, percentile } from '../../orchestrator/bench/stats.ts';
import { codecRates } from './fix-codec.ts';
import { jspurefixInitiator, latency, ourInitiator, RawFixClient, throughput, type OrderSender } from './fix-load.ts';
import {
  freePort,
  JSPUREFIX_DATA,
  OFLOW_ACCEPTOR,
  OFLOW_INITIATOR,
  parseOflowSummary,
  quickfixPeersBuilt,
  runPeer,
  startPeer,
  type RunningPeer,
} from '../test/interop/support.ts';

const settings = {
  codecMsPerCase: 1500,
  warmup: { count: 3_000, window: 200 },
  throughput: { count: 20_000, window: 500, limitMs: 15_000 },
  latency: { rate: 5_000, seconds: 2, drainMs: 5_000 },
  /** QuickFIX C++ initiator rows: its own burst of orders, throughput only. */
  oflowCount: 10_000,
  watchdogSeconds: 170,
};

const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
if (only !== undefined && only !== 'postgres') throw new Error(`--only=${only}: the only row that runs alone is 'postgres'`);

const here = dirname(fileURLToPath(import.meta.url));
const FIX_PEER = join(here, 'fix-peer.ts');
const log = (line: string) => console.error(line);
const scratch = mkdtempSync(join(tmpdir(), 'fix-bench-'));
const children = new Set<ChildProcess>();

interface Row {
  path: string;
  driver: string;
  perSecond?: number;
  latency?: { p50: number; p99: number; p999: number; answered: number; sent: number; rate: number };
  /** Which row this one's throughput is divided by for the QuickFIX C++ ratio. */
  versus?: string;
  note?: string;
}

// -------------------------------------------------------------------------------------------------
// Peers

async function startNodePeer(kind: 'echo' | 'own' | 'jspurefix', extra?: string): Promise<RunningPeer> {
  // FIX_BENCH_PEER_FLAGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`: profile the peers (NODE_OPTIONS may not carry those).
  const flags = process.env.FIX_BENCH_PEER_FLAGS?.split(' ').filter(Boolean) ?? [];
  const args = [...flags, '--import', 'tsx', FIX_PEER, kind, ...(extra ? [extra] : [])];
  const peer = await startPeer(process.execPath, args, 30_000);
  children.add(peer.process);
  return peer;
}

async function startQuickfixAcceptor(target: string): Promise<{ peer: RunningPeer; port: number }> {
  const port = await freePort();
  const dir = mkdtempSync(join(scratch, 'qf-'));
  const peer = await startPeer(OFLOW_ACCEPTOR, [
    '--port', String(port), '--sender', 'QFACC', '--target', target, '--spec', JSPUREFIX_DATA,
    '--store', join(dir, 'store'), '--log', join(dir, 'log'),
  ]);
  children.add(peer.process);
  return { peer, port };
}

function portOf(peer: RunningPeer): number {
  return Number(/^READY (\d+)/m.exec(peer.output.join(''))?.[1]);
}

async function stopPeer(peer: RunningPeer): Promise<void> {
  await peer.stop();
  children.delete(peer.process);
}

// -------------------------------------------------------------------------------------------------
// Measures

async function measure(path: string, driver: string, sender: OrderSender, versus?: string): Promise<Row> {
  let next = 0;
  const { warmup, throughput: t, latency: l } = settings;
  await throughput(sender, next, warmup.count, warmup.window, t.limitMs);
  next += warmup.count;
  const rt = await throughput(sender, next, t.count, t.window, t.limitMs);
  next += t.count;
  const lat = await latency(sender, next, l.rate, l.seconds, l.drainMs);
  const row: Row = {
    path,
    driver,
    perSecond: rt.perSecond,
    latency: {
      p50: percentile(lat.samples, 50),
      p99: percentile(lat.samples, 99),
      p999: percentile(lat.samples, 99.9),
      answered: lat.samples.length,
      sent: lat.sent,
      rate: lat.rate,
    },
    versus,
  };
  if (rt.answered < rt.count) row.note = `throughput: ${rt.answered} of ${rt.count} answered within ${t.limitMs / 1000} s`;
  if (lat.samples.length < lat.sent) row.note = `${row.note ? `${row.note}; ` : ''}latency: ${lat.samples.length} of ${lat.sent} answered`;
  log(`  ${path}: ${formatRate(rt.perSecond)} round trips/s, p50 ${formatMs(row.latency!.p50)} ms, p99 ${formatMs(row.latency!.p99)} ms`);
  return row;
}

async function viaRawClient(path: string, kind: 'echo' | 'own' | 'jspurefix', versus?: string): Promise<Row> {
  const peer = await startNodePeer(kind);
  try {
    const client = await RawFixClient.connect(portOf(peer), { sender: 'BENCH', target: 'CROSSWIRE', logon: kind !== 'echo' });
    try {
      return await measure(path, 'raw FIX client', client, versus);
    } finally {
      await client.close();
    }
  } finally {
    await stopPeer(peer);
  }
}

async function quickfixAcceptorRow(path: string, driver: string, connectSender: (port: number) => Promise<OrderSender>, target: string, versus?: string): Promise<Row> {
  const { peer, port } = await startQuickfixAcceptor(target);
  try {
    const sender = await connectSender(port);
    try {
      return await measure(path, driver, sender, versus);
    } finally {
      await sender.close();
    }
  } finally {
    await stopPeer(peer);
  }
}

async function oflowInitiatorRow(path: string, port: number, sender: string, target: string, versus?: string): Promise<Row> {
  const dir = mkdtempSync(join(scratch, 'qfi-'));
  const result = await runPeer(
    OFLOW_INITIATOR,
    ['--port', String(port), '--count', String(settings.oflowCount), '--sender', sender, '--target', target, '--spec', JSPUREFIX_DATA,
      '--store', join(dir, 'store'), '--log', join(dir, 'log'), '--timeout', '30'],
    40_000,
  );
  const summary = parseOflowSummary(result.stdout);
  if (!summary.ok) return { path, driver: 'QuickFIX C++ initiator', note: `failed: ${summary.error}` };
  // Its time runs from start-up, logon included; all orders are sent at once, then it waits for the reports.
  const perSecond = summary.received / summary.seconds;
  log(`  ${path}: ${formatRate(perSecond)} round trips/s`);
  return { path, driver: 'QuickFIX C++ initiator', perSecond, versus, note: `${formatRate(settings.oflowCount)} orders sent at once; time includes connect and logon` };
}

async function postgresRow(commit: 'synchronous' | 'asynchronous'): Promise<Row> {
  const path = commit === 'synchronous' ? 'our FixAcceptor, store in PostgreSQL' : 'our FixAcceptor, store in PostgreSQL, asynchronous commit (opt-in)';
  const { createReadyDatabase } = await import('../../orchestrator/test/support/databases.ts');
  const { createAdapter } = await import('../../orchestrator/src/domain/adapters.ts');
  const { setAdminState } = await import('../../orchestrator/src/domain/actions.ts');
  const { claimLease } = await import('../../orchestrator/src/store/leases.ts');
  const { engineer, servicesFor } = await import('../../orchestrator/test/support/services.ts');
  let test: Awaited<ReturnType<typeof createReadyDatabase>>;
  try {
    test = await createReadyDatabase('postgres', { poolSize: 2 });
  } catch (error) {
    return { path, driver: 'raw FIX client', note: `skipped: ${(error as Error).message}` };
  }
  try {
    const services = servicesFor(test.db);
    const spec = { name: 'bench', mode: 'single', connector: { type: 'fix-acceptor', config: { listen: { port: 9876 }, sessions: [{ beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'BENCH' }] } } };
    const adapterId = (await createAdapter(services, engineer, spec as Parameters<typeof createAdapter>[2])).id;
    await setAdminState(services, engineer, adapterId, true);
    const grant = await claimLease(test.db, adapterId, 'bench-pod', 600_000);
    if (!grant) throw new Error('could not claim the bench lease');
    const lease = { adapterId, adapterName: 'bench', slot: 0, epoch: grant.epoch, pod: 'bench-pod' };
    // Said in the table: a server that does not wait for its disk would flatter this row.
    const setting = async (name: string) => (await test.db.query<{ setting: string }>('SELECT setting FROM pg_settings WHERE name = $1', [name])).rows[0]?.setting ?? '?';
    const durability =
      commit === 'synchronous'
        ? `every batch committed with synchronous_commit=${await setting('synchronous_commit')}, fsync=${await setting('fsync')} (the default)`
        : `every batch committed with synchronous_commit=off (the store's opt-in 'asynchronous' commit), fsync=${await setting('fsync')}`;
    const peer = await startNodePeer('own', JSON.stringify({ url: test.url, lease, commit }));
    try {
      const client = await RawFixClient.connect(portOf(peer), { sender: 'BENCH', target: 'CROSSWIRE', logon: true });
      try {
        // The same warm-up, throughput and paced latency runs as every other row.
        const row = await measure(path, 'raw FIX client', client);
        row.note = [row.note, `durability: ${durability}`].filter(Boolean).join('; ');
        return row;
      } finally {
        await client.close();
      }
    } finally {
      await stopPeer(peer);
    }
  } finally {
    await test.drop();
  }
}

// -------------------------------------------------------------------------------------------------

function report(rows: Row[]): string {
  const byPath = new Map(rows.map((r) => [r.path, r]));
  const ratio = (r: Row): string => {
    const base = r.versus ? byPath.get(r.versus)?.perSecond : undefined;
    return r.perSecond !== undefined && base ? `${(r.perSecond / base).toFixed(2)}×` : '';
  };
  return markdownTable(
    ['path (peer measured in this run)', 'driven by', 'round trips/s', 'p50 ms', 'p99 ms', 'p99.9 ms', '÷ QuickFIX C++'],
    rows.map((r) => [
      r.path,
      r.driver,
      r.perSecond === undefined ? 'n/a' : formatRate(r.perSecond),
      formatMs(r.latency?.p50 ?? Number.NaN),
      formatMs(r.latency?.p99 ?? Number.NaN),
      formatMs(r.latency?.p999 ?? Number.NaN),
      ratio(r),
    ]),
  );
}

async function main(): Promise<void> {
  const started = performance.now();
  const watchdog = setTimeout(() => {
    log(`FIX bench: stopped after ${settings.watchdogSeconds} s`);
    cleanUp();
    process.exit(1);
  }, settings.watchdogSeconds * 1000);
  watchdog.unref();

  const rows: Row[] = [];
  const quickfix = only === undefined && quickfixPeersBuilt('bench');
  const codec = only === undefined ? await otherRows(rows, quickfix) : [];
  log('FIX bench: PostgreSQL store');
  rows.push(await postgresRow('synchronous'));
  rows.push(await postgresRow('asynchronous'));

  const { rate, seconds } = settings.latency;
  const { count, window } = settings.throughput;
  if (codec.length > 0) {
    console.log('');
    console.log('FIX codec (same FIX 4.4 NewOrderSingle and ExecutionReport, best of repeated rounds):');
    console.log('');
    console.log(
      markdownTable(
        ['measure', 'ours', 'jspurefix', 'ours ÷ jspurefix'],
        codec.map((c) => [c.name, formatRate(c.ours), formatRate(c.jspurefix), `${(c.ours / c.jspurefix).toFixed(2)}×`]),
      ),
    );
  }
  console.log('');
  console.log(`FIX order → execution report round trips (FIX 4.4, loopback; throughput: ${formatRate(count)} orders, at most ${window} unanswered; latency: ${formatRate(rate)} orders/s for ${seconds} s):`);
  console.log('');
  console.log(report(rows));
  console.log('');
  for (const row of rows) if (row.note) console.log(`- ${row.path}: ${row.note}`);
  if (only === undefined && !quickfix) console.log('- QuickFIX C++ rows skipped: run `bash adapter/interop/build.sh` (needs libquickfix-dev)');
  for (const pg of rows.filter((r) => r.path.includes('PostgreSQL'))) {
    if (pg.latency) console.log(`- p99 at ${formatRate(rate)} orders/s, ${pg.path}: ${formatMs(pg.latency.p99)} ms (target: below 2 ms)`);
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}`;
  console.log(
    `- Machine: ${machine}. ÷ QuickFIX C++: round trips/s over the QuickFIX C++ acceptor driven the same way (the QuickFIX C++ initiator row for the last one). ` +
      'Stores: ours and jspurefix in memory, QuickFIX C++ FileStore.',
  );
  console.log(`Total ${((performance.now() - started) / 1000).toFixed(0)} s.`);
}

/** Every row but the PostgreSQL one; returns the codec rates. */
async function otherRows(rows: Row[], quickfix: boolean): Promise<Awaited<ReturnType<typeof codecRates>>> {
  log('FIX bench: codec');
  const codec = await codecRates(settings.codecMsPerCase);

  const QF_ACCEPTOR = 'QuickFIX C++ acceptor';
  const QF_QF = 'QuickFIX C++ initiator → QuickFIX C++ acceptor';
  log('FIX bench: round trips');
  rows.push(await viaRawClient('Node TCP echo (floor)', 'echo'));
  if (quickfix) rows.push(await quickfixAcceptorRow(QF_ACCEPTOR, 'raw FIX client', (port) => RawFixClient.connect(port, { sender: 'BENCH', target: 'QFACC', logon: true }), 'BENCH'));
  rows.push(await viaRawClient('our FixAcceptor', 'own', QF_ACCEPTOR));
  rows.push(await viaRawClient('jspurefix acceptor', 'jspurefix', QF_ACCEPTOR));
  if (quickfix) {
    rows.push(await quickfixAcceptorRow('our FixInitiator → QuickFIX C++ acceptor', 'our FixInitiator', (port) => ourInitiator(port, 'QFACC'), 'BENCHI', QF_ACCEPTOR));
    rows.push(await quickfixAcceptorRow('jspurefix initiator → QuickFIX C++ acceptor', 'jspurefix initiator', (port) => jspurefixInitiator(port, 'QFACC'), 'BENCHI', QF_ACCEPTOR));
  }
  {
    const peer = await startNodePeer('own');
    try {
      const sender = await ourInitiator(portOf(peer), 'CROSSWIRE');
      try {
        rows.push(await measure('our FixInitiator → our FixAcceptor', 'our FixInitiator', sender, quickfix ? QF_ACCEPTOR : undefined));
      } finally {
        await sender.close();
      }
      if (quickfix) {
        const { peer: qf, port } = await startQuickfixAcceptor('BENCHI');
        try {
          rows.push(await oflowInitiatorRow(QF_QF, port, 'BENCHI', 'QFACC'));
        } finally {
          await stopPeer(qf);
        }
        rows.push(await oflowInitiatorRow('QuickFIX C++ initiator → our FixAcceptor', portOf(peer), 'BENCHQ', 'CROSSWIRE', QF_QF));
      }
    } finally {
      await stopPeer(peer);
    }
  }
  return codec;
}

function cleanUp(): void {
  for (const child of children) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
}

main()
  .then(() => {
    cleanUp();
    process.exit(0);
  })
  .catch((error: unknown) => {
    console.error(error);
    cleanUp();
    process.exit(1);
  });
