import pg from 'pg';
import type { Database, Queryable, QueryOptions, QueryResult } from './database.ts';
import { PostgresNotifications } from './postgres-notifications.ts';

// bigint columns (lease epochs, event ids) arrive as strings; the store converts them explicitly.

export interface PostgresOptions {
  connectionString: string;
  /** Pool size; the lease protocol benefits from a few connections per orchestrator replica. */
  max?: number;
  applicationName?: string;
}

export function openPostgres(options: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'crosswire-orchestrator',
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 30_000,
    // Short OLTP statements only: JIT compilation cost 60x the query itself on the derived-status list.
    options: '-c jit=off',
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);

  const run = async <Row>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[], options?: QueryOptions) => {
    // With a name, pg parses the statement once per connection and afterwards only binds and executes it.
    const result = await client.query({ name: options?.name, text: sql, values: params as unknown[] | undefined });
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 } satisfies QueryResult<Row>;
  };

  const notifications = new PostgresNotifications({
    connectionString: options.connectionString,
    application_name: `${options.applicationName ?? 'crosswire-orchestrator'} (listen)`,
    connectionTimeoutMillis: 10_000,
  });

  let closing: Promise<void> | undefined;
  return {
    kind: 'postgres',
    listen: (channel, onNotify) => notifications.listen(channel, onNotify),
    query: (sql, params, options) => run(pool, sql, params, options),
    exec: async (sql) => void (await pool.query(sql)),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const tx: Queryable = {
          query: (sql, params, options) => run(client, sql, params, options),
          exec: async (sql) => void (await client.query(sql)),
        };
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    // Idempotent: the orchestrator and whoever opened the database may both close it.
    close: () => (closing ??= Promise.all([notifications.close(), pool.end()]).then(() => undefined)),
  };
}
