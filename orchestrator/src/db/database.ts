/**
 * The one database interface the orchestrator uses, over `pg` (production) and PGlite (embedded).
 * Everything above it speaks SQL through `query` and `transaction` only.
 */
export interface QueryResult<Row> {
  rows: Row[];
  /** Rows inserted, updated or deleted by the statement. */
  rowCount: number;
}

export interface QueryOptions {
  /**
   * Runs the statement as a named prepared statement: PostgreSQL parses and plans it once per
   * connection and each later run only binds the parameters, which matters for a statement run
   * thousands of times a second. A name stands for one text for the life of the process: pg refuses
   * the same name with another text. PGlite ignores it.
   */
  name?: string;
}

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<Row>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * Called with each payload a `NOTIFY` (or `pg_notify`) sends on the channel listened to, and with
 * `undefined` when notifications may have been missed (the listening connection was lost and has been
 * replaced): whoever waits on them should look again.
 */
export type NotificationHandler = (payload: string | undefined) => void;

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Listens for notifications on a PostgreSQL channel; resolves once listening, with a function that
   * stops. Notifications are a hint, never the data: they arrive after the notifying commit, may be
   * coalesced, and are lost while the connection is down (the handler then gets `undefined`).
   */
  listen(channel: string, onNotify: NotificationHandler): Promise<() => Promise<void>>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Closes the connections; calling it again is harmless. */
  close(): Promise<void>;
}

/** PostgreSQL error codes the domain reacts to. */
export const PgCode = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  serializationFailure: '40001',
} as const;

export function pgErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}
