import {
  createLogger,
  loadConfig,
  startDevIssuer,
  startOrchestrator,
  type Database,
  type DevIssuer,
  type RunningOrchestrator,
} from '../src/index.ts';
import { createReadyDatabase, type Backend } from '../test/support/databases.ts';

export type { Backend };

/**
 * A real orchestrator over HTTP on a fresh, migrated and seeded database, as the installer leaves it.
 * PostgreSQL gets a throw-away database of its own, dropped by `stop()`; PGlite lives in memory.
 */


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

export async function startBenchStack(backend: Backend): Promise<BenchStack> {
  // The same throw-away databases the test suite uses, at the production pool size.
  const database = await createReadyDatabase(backend);
  let issuer: DevIssuer | undefined;
  let orchestrator: RunningOrchestrator | undefined;
  try {
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
