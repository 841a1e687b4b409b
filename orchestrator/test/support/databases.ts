import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate, openPglite, openPostgres, seedPlugins, type Database, type Queryable } from '../../src/index.ts';
import { builtinPlugins } from '@crosswire/adapter/plugins';

/** The server the suite runs against; `.ci/run` points DATABASE_URL at a throw-away database. */
export const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type Backend = 'postgres' | 'pglite';
export const BACKENDS: Backend[] = ['postgres', 'pglite'];

export interface TestDatabase {
  db: Database;
  /** For tests that need more connections to the same database (PostgreSQL only). */
  url: string | undefined;
  drop(): Promise<void>;
}

/** A fresh, empty database of its own for one test file, dropped afterwards. */
export async function createTestDatabase(backend: Backend, options: { poolSize?: number } = {}): Promise<TestDatabase> {
  if (backend === 'pglite') {
    const db = await openPglite();
    return { db, url: undefined, drop: () => db.close() };
  }
  const name = `crosswire_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`the tests need PostgreSQL at ${POSTGRES_URL} (set DATABASE_URL): ${(error as Error).message}`);
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  const db = openPostgres({ connectionString: url.toString(), max: options.poolSize ?? 10 });
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      const cleanup = new pg.Client({ connectionString: POSTGRES_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** Migrated and seeded with the built-in plugins, as the installer leaves it. */
export async function createReadyDatabase(backend: Backend, options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const test = await createTestDatabase(backend, options);
  await migrate(test.db);
  await seedPlugins(test.db, builtinPlugins);
  return test;
}

/**
 * Ends the adapter's current lease now, as if its holder had frozen past its TTL: tests that need a
 * lease to lapse do it this way, deterministic on a loaded machine where a short real TTL is not.
 */
export async function expireLease(db: Queryable, adapterId: string): Promise<void> {
  await db.query("UPDATE leases SET expires_at = clock_timestamp() - interval '1 second' WHERE adapter_id = $1", [adapterId]);
}
