import { PGlite } from '@electric-sql/pglite';
import type { Database, QueryResult } from './database.ts';

/**
 * The embedded database: PostgreSQL compiled to WebAssembly, in this process. One connection, so
 * transactions run one at a time; that is the trade for needing no server.
 * `dataDir` undefined keeps everything in memory.
 */
export async function openPglite(dataDir?: string): Promise<Database> {
  const db = await PGlite.create(dataDir);
  const toResult = <Row>(result: { rows: unknown[]; affectedRows?: number }): QueryResult<Row> => ({
    rows: result.rows as Row[],
    rowCount: result.affectedRows ?? result.rows.length,
  });
  let closing: Promise<void> | undefined;
  // `query`'s statement name (QueryOptions) is not passed on: PGlite runs in this process, so there is
  // no round trip to save, and it has no named statements to keep.
  return {
    kind: 'pglite',
    // In-process: nothing to lose, so the handler never hears `undefined`.
    listen: async (channel, onNotify) => {
      const stop = await db.listen(channel, (payload) => onNotify(payload));
      return () => stop();
    },
    query: async (sql, params) => toResult(await db.query(sql, params as unknown[] | undefined)),
    exec: async (sql) => void (await db.exec(sql)),
    transaction: (work) =>
      db.transaction((tx) =>
        work({
          query: async (sql, params) => toResult(await tx.query(sql, params as unknown[] | undefined)),
          exec: async (sql) => void (await tx.exec(sql)),
        }),
      ),
    close: () => (closing ??= db.close()),
  };
}
