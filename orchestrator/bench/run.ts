/**
 * `npm run bench`: the orchestrator over HTTP on PostgreSQL and on PGlite, side by side.
 *
 *   1. 10,000 adapters, listed 100 per page following nextCursor: p50 and p99 per page.
 *   2. 1,000 enabled adapters and 10 pods (each its own credential): claim, release and renew round
 *      trips per second.
 *
 * Each measure runs on a fresh, migrated and seeded database (PostgreSQL: a throw-away database on
 * DATABASE_URL's server, or postgres://postgres@127.0.0.1:5432, dropped at the end). Loopback only;
 * every phase is bounded in count and time. `npm run bench -- pglite` runs one backend only.
 */
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { claimAndRenew, type LeaseResult, type Throughput } from './leases.ts';
import { pageThroughAdapters, type ListResult } from './list.ts';
import { enableAdapters, seedAdapters, type SeedResult } from './seed.ts';
import { POSTGRES_URL } from '../test/support/databases.ts';
import { startBenchStack, type Backend, type BenchStack } from './stack.ts';
import { formatCount, formatMs, formatRate, markdownTable, percentile } from './stats.ts';

const LIST_ADAPTERS = 10_000;
const PAGE_SIZE = 100;
const LEASE_ADAPTERS = 1_000;
const PODS = 10;

const settings = {
  // Through the API when 10,000 creates are projected to take under 45 s (60 s allowed, with margin).
  seed: { concurrency: 8, probe: 500, budgetSeconds: 45 },
  list: { passes: 5, budgetSeconds: 20 },
  leases: { pods: PODS, capacity: 150, inFlight: 4, claimSeconds: 5, renewSeconds: 5, maxCycles: 20 },
  /** The whole run is stopped after this, whatever happens. */
  watchdogSeconds: 420,
};

const LABEL: Record<Backend, string> = { postgres: 'PostgreSQL', pglite: 'PGlite' };

interface BackendResult {
  /** `SHOW server_version`: PGlite embeds a PostgreSQL of its own. */
  version: string;
  /** The 10,000 listed adapters. */
  seed: SeedResult;
  list: ListResult;
  /** The 1,000 adapters of the lease measure, all created through the API. */
  created: SeedResult;
  leases: LeaseResult;
}

const log = (line: string) => console.error(line);
const open = new Set<BenchStack>();
let interrupted = false;

async function withStack<T>(backend: Backend, work: (stack: BenchStack) => Promise<T>): Promise<T> {
  const stack = await startBenchStack(backend);
  open.add(stack);
  try {
    return await work(stack);
  } finally {
    open.delete(stack);
    await stack.stop();
  }
}

async function benchBackend(backend: Backend): Promise<BackendResult> {
  const label = LABEL[backend];
  const t0 = performance.now();
  const since = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

  const { version, seed, list } = await withStack(backend, async (stack) => {
    const version = (await stack.db.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown';
    log(`${label}: creating ${formatCount(LIST_ADAPTERS)} adapters…`);
    const seed = await seedAdapters(stack, LIST_ADAPTERS, { ...settings.seed, log });
    log(`  ${formatCount(seed.viaApi)} through POST /adapters, ${formatCount(seed.viaSql)} by SQL, in ${seed.seconds.toFixed(1)} s (${since()})`);
    log(`${label}: paging through them ${PAGE_SIZE} at a time…`);
    const list = await pageThroughAdapters(stack, { expected: LIST_ADAPTERS, pageSize: PAGE_SIZE, ...settings.list });
    log(`  ${list.passes} passes of ${list.pagesPerPass} pages after one warm-up pass (${since()})`);
    return { version, seed, list };
  });

  const { created, leases } = await withStack(backend, async (stack) => {
    log(`${label}: ${formatCount(LEASE_ADAPTERS)} enabled adapters, ${PODS} pods claiming and renewing…`);
    const created = await seedAdapters(stack, LEASE_ADAPTERS, { ...settings.seed, probe: LEASE_ADAPTERS, budgetSeconds: Infinity, log });
    await enableAdapters(stack, created.ids, settings.seed.concurrency);
    const leases = await claimAndRenew(stack, created.ids, settings.leases);
    log(
      `  ${formatCount(leases.claims.ok)} claims in ${leases.cycles} cycles, ${formatCount(leases.renews.ok)} renews; ` +
        `refused: ${leases.claims.refused} claims, ${leases.releases.refused} releases, ${leases.renews.refused} renews (${since()})`,
    );
    return { created, leases };
  });
  return { version, seed, list, created, leases };
}

const rate = (t: Throughput) => (t.seconds > 0 ? t.ok / t.seconds : Number.NaN);

function report(results: Map<Backend, BackendResult>): string {
  const backends = [...results.keys()];
  const row = (measure: string, cell: (r: BackendResult) => string) => [measure, ...backends.map((b) => cell(results.get(b)!))];
  const rows = [
    row(`list ${formatCount(LIST_ADAPTERS)} adapters, ${PAGE_SIZE} per page: p50 ms per page`, (r) => formatMs(percentile(r.list.pages, 50))),
    row(`… p99 ms per page`, (r) => formatMs(percentile(r.list.pages, 99))),
    row(`… pages measured`, (r) => `${formatCount(r.list.pages.length)} (${r.list.passes} × ${r.list.pagesPerPass})`),
    row(`claim round trips/s (${formatCount(LEASE_ADAPTERS)} adapters, ${PODS} pods)`, (r) => formatRate(rate(r.leases.claims))),
    row(`… claim p50 / p99 ms`, (r) => `${formatMs(percentile(r.leases.claims.latencies, 50))} / ${formatMs(percentile(r.leases.claims.latencies, 99))}`),
    row(`renew round trips/s`, (r) => formatRate(rate(r.leases.renews))),
    row(`… renew p50 / p99 ms`, (r) => `${formatMs(percentile(r.leases.renews.latencies, 50))} / ${formatMs(percentile(r.leases.renews.latencies, 99))}`),
    row(`release round trips/s`, (r) => formatRate(rate(r.leases.releases))),
    row('database (server_version)', (r) => r.version.split(' ')[0] ?? r.version),
    row(`create adapter round trips/s (POST /adapters, ${settings.seed.concurrency} in flight)`, (r) => formatRate(r.created.apiRate)),
  ];
  return markdownTable(['measure', ...backends.map((b) => LABEL[b])], rows);
}

function notes(results: Map<Backend, BackendResult>): string[] {
  const lines: string[] = [];
  for (const [backend, r] of results) {
    const l = r.leases;
    if (r.seed.viaSql > 0) {
      lines.push(
        `${LABEL[backend]}: of the ${formatCount(LIST_ADAPTERS)} listed adapters, ${formatCount(r.seed.viaApi)} were created through POST /adapters ` +
          `and ${formatCount(r.seed.viaSql)} inserted directly with SQL (the same rows createAdapter writes), to keep the run short.`,
      );
    }
    const refused = l.claims.refused + l.releases.refused + l.renews.refused;
    if (refused > 0) lines.push(`${LABEL[backend]}: ${refused} lease calls were refused with 409 (counted out of the rates).`);
    const core = (t: Throughput) => `${Math.round((100 * t.cpuSeconds) / t.seconds)}%`;
    lines.push(
      `${LABEL[backend]}: ${formatCount(l.claims.ok)} claims over ${l.cycles} claim/release cycles in ${l.claims.seconds.toFixed(1)} s of claiming, ` +
        `${formatCount(l.renews.ok)} renews in ${l.renews.seconds.toFixed(1)} s; this process used ${core(l.claims)} of one core while claiming ` +
        `and ${core(l.renews)} while renewing.`,
    );
  }
  return lines;
}

async function cleanup(): Promise<void> {
  await Promise.all([...open].map((stack) => stack.stop().catch(() => undefined)));
  open.clear();
}

async function main(): Promise<void> {
  const requested = process.argv.slice(2).filter((a) => a === 'postgres' || a === 'pglite') as Backend[];
  const backends: Backend[] = requested.length > 0 ? requested : ['postgres', 'pglite'];
  const watchdog = setTimeout(() => {
    log(`the benchmark ran longer than ${settings.watchdogSeconds} s: stopping`);
    void cleanup().finally(() => process.exit(1));
  }, settings.watchdogSeconds * 1000);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      log(`${signal}: stopping and dropping the benchmark databases`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
  log(`Crosswire orchestrator benchmark on ${machine}`);
  if (backends.includes('postgres')) log(`PostgreSQL: throw-away databases on ${new URL(POSTGRES_URL).host}`);
  const started = performance.now();
  const results = new Map<Backend, BackendResult>();
  for (const backend of backends) results.set(backend, await benchBackend(backend));
  clearTimeout(watchdog);

  console.log('');
  console.log(report(results));
  console.log('');
  const pool = backends.includes('postgres') ? '; PostgreSQL through the default pool of 10 connections' : '';
  console.log(`Machine: ${machine}. Orchestrator and clients in one Node process over loopback HTTP${pool}.`);
  console.log(
    `List: one client, one warm-up pass not counted. Leases: ${PODS} pods with their own pod tokens, ${settings.leases.inFlight} requests in flight each, ` +
      `each claiming its ${LEASE_ADAPTERS / PODS} adapters (fix-initiator, mode single), then renewing them for ${settings.leases.renewSeconds} s.`,
  );
  for (const line of notes(results)) console.log(line);
  console.log(`Total ${((performance.now() - started) / 1000).toFixed(0)} s.`);
}

main().catch(async (error: unknown) => {
  // After a signal, requests failing against the stopped orchestrator are expected, not news.
  if (interrupted) return;
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  await cleanup();
  process.exit(1);
});
