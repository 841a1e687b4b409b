import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { builtinPlugins } from '@crosswire/adapter/plugins';
import {
  createLogger,
  loadConfig,
  migrate,
  openPglite,
  openPostgres,
  seedPlugins,
  startDevIssuer,
  startOrchestrator,
  type Database,
  type DevIssuer,
  type RunningOrchestrator,
} from '../src/index.ts';

/**
 * A real orchestrator over HTTP on a fresh, migrated and seeded database, as the installer leaves it.
 * PostgreSQL gets a throw-away database of its own, dropped by `stop()`; PGlite lives in memory.
 */

export type Backend = 'postgres' | 'pglite';

/** The server the benchmark runs against (a throw-away database is created on it). */
export const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchStack {
  backend: Backend;
  /** Base URL of the API, ending in /api/v1. */
  api: string;
  db: Database;
  issuer: DevIssuer;
  /** Tokens for people: engineer-and-operator work goes through `admin`, reads through `viewer`. */
  tokens: { admin: string; viewer: string };
  /** A pod credential with its own subject, as each real pod has. */
  podToken(sub: string): Promise<string>;
  stop(): Promise<void>;
}

interface BenchDatabase {
  db: Database;
  drop(): Promise<void>;
}

async function createDatabase(backend: Backend): Promise<BenchDatabase> {
  if (backend === 'pglite') {
    const db = await openPglite();
    return { db, drop: () => db.close().catch(() => undefined) };
  }
  const name = `crosswire_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`the benchmark needs PostgreSQL at ${POSTGRES_URL} (set DATABASE_URL): ${(error as Error).message}`);
  }
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  // The production default pool size (openPostgres without `max`), so the numbers are the shipped ones.
  const db = openPostgres({ connectionString: url.toString(), applicationName: 'crosswire-bench' });
  return {
    db,
    async drop() {
      await db.close().catch(() => undefined);
      const cleanup = new pg.Client({ connectionString: POSTGRES_URL });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

export async function startBenchStack(backend: Backend): Promise<BenchStack> {
  const database = await createDatabase(backend);
  let issuer: DevIssuer | undefined;
  let orchestrator: RunningOrchestrator | undefined;
  try {
    await migrate(database.db);
    await seedPlugins(database.db, builtinPlugins);
    issuer = await startDevIssuer();
    const config = loadConfig({
      PORT: '0',
      MANAGEMENT_PORT: '0',
      HOST: '127.0.0.1',
      AUTH_ISSUERS: JSON.stringify([{ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri }]),
      CROSSWIRE_SECRET_KEY: '22'.repeat(32),
      // Measure the server, not the limiter: every request comes from 127.0.0.1.
      CROSSWIRE_API_RATE: '0',
    });
    orchestrator = await startOrchestrator(database.db, config, createLogger({ level: 'silent' }));
    const openIssuer = issuer;
    const mint = (claims: Parameters<DevIssuer['mint']>[0]) => openIssuer.mint(claims);
    const [admin, viewer] = await Promise.all([
      mint({ sub: 'bench-admin', name: 'Bench admin', roles: ['admin'] }),
      mint({ sub: 'bench-viewer', name: 'Bench viewer', roles: ['viewer'] }),
    ]);
    const running = orchestrator;
    let stopping: Promise<void> | undefined;
    return {
      backend,
      api: `${running.url}/api/v1`,
      db: database.db,
      issuer: openIssuer,
      tokens: { admin, viewer },
      podToken: (sub) => mint({ sub, name: sub, roles: ['pod'] }),
      stop() {
        // Once only, however many callers (the run, a signal) ask. The orchestrator's stop() closes the
        // database; drop() then removes the PostgreSQL database.
        stopping ??= (async () => {
          await running.stop(1_000).catch(() => undefined);
          await openIssuer.close().catch(() => undefined);
          await database.drop();
        })();
        return stopping;
      },
    };
  } catch (error) {
    if (orchestrator) await orchestrator.stop(1_000).catch(() => undefined);
    if (issuer) await issuer.close().catch(() => undefined);
    await database.drop().catch(() => undefined);
    throw error;
  }
}
