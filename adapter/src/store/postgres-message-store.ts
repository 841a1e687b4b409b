import type { Database } from '@crosswire/orchestrator';
import type { LeaseIdentity } from '../connectors/connector.ts';
import { StoreFencedError, type MessageStore, type SessionKey, type StoreSnapshot, type StoredMessage } from '../fix/session/message-store.ts';

/** SQLSTATE raised by the database's lease check (migration 002). */
const FENCED = 'CW001';

export const sessionKeyText = (key: SessionKey) => `${key.beginString}:${key.senderCompId}->${key.targetCompId}`;

function isFenced(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === FENCED;
}

/**
 * The FIX message store in PostgreSQL, shared by every pod that may ever hold the adapter, so a new
 * holder continues the same sequence numbers. Every write is stamped with the lease epoch and checked by
 * the database itself; a refused write throws `StoreFencedError` and the session stops without sending.
 * Each write is a single statement: one round trip, atomic without a transaction.
 */
export class PostgresMessageStore implements MessageStore {
  readonly #db: Database;
  readonly #lease: LeaseIdentity;
  readonly #key: string;

  constructor(db: Database, lease: LeaseIdentity, session: SessionKey) {
    this.#db = db;
    this.#lease = lease;
    this.#key = sessionKeyText(session);
  }

  async #write(sql: string, params: unknown[]): Promise<number> {
    try {
      return (await this.#db.query(sql, [this.#lease.adapterId, this.#key, this.#lease.slot, this.#lease.epoch, ...params])).rowCount;
    } catch (error) {
      if (isFenced(error)) throw new StoreFencedError(`the store refused a write at epoch ${this.#lease.epoch}: this pod no longer holds ${this.#lease.adapterName}`);
      throw error;
    }
  }

  async load(): Promise<StoreSnapshot> {
    // First use of a session by any holder creates its row (and proves the lease is live).
    await this.#write(
      `INSERT INTO fix_sessions (adapter_id, session_key, slot, epoch, next_sender_seq, next_target_seq)
       VALUES ($1, $2, $3, $4, 1, 1) ON CONFLICT (adapter_id, session_key) DO UPDATE SET slot = $3, epoch = $4`,
      [],
    );
    const { rows } = await this.#db.query<{ next_sender_seq: number; next_target_seq: number; creation_time: Date | string }>(
      'SELECT next_sender_seq, next_target_seq, creation_time FROM fix_sessions WHERE adapter_id = $1 AND session_key = $2',
      [this.#lease.adapterId, this.#key],
    );
    const row = rows[0]!;
    return { nextSenderSeqNum: row.next_sender_seq, nextTargetSeqNum: row.next_target_seq, creationTime: new Date(row.creation_time) };
  }

  async saveSent(seqNum: number, message: Buffer | null): Promise<void> {
    if (message === null) {
      await this.#setSender(seqNum + 1);
      return;
    }
    await this.#write(
      `WITH advanced AS (
         UPDATE fix_sessions SET next_sender_seq = $5 + 1, slot = $3, epoch = $4, updated_at = now()
          WHERE adapter_id = $1 AND session_key = $2 RETURNING adapter_id)
       INSERT INTO fix_messages (adapter_id, session_key, seq, slot, epoch, message)
       SELECT $1, $2, $5, $3, $4, $6 FROM advanced
       ON CONFLICT (adapter_id, session_key, seq) DO UPDATE SET message = EXCLUDED.message, slot = $3, epoch = $4`,
      [seqNum, message],
    );
  }

  setNextSenderSeqNum(seqNum: number): Promise<void> {
    return this.#setSender(seqNum);
  }

  async #setSender(seqNum: number): Promise<void> {
    await this.#write(
      'UPDATE fix_sessions SET next_sender_seq = $5, slot = $3, epoch = $4, updated_at = now() WHERE adapter_id = $1 AND session_key = $2',
      [seqNum],
    );
  }

  async setNextTargetSeqNum(seqNum: number): Promise<void> {
    await this.#write(
      'UPDATE fix_sessions SET next_target_seq = $5, slot = $3, epoch = $4, updated_at = now() WHERE adapter_id = $1 AND session_key = $2',
      [seqNum],
    );
  }

  async getSent(begin: number, end: number): Promise<StoredMessage[]> {
    const { rows } = await this.#db.query<{ seq: number; message: Uint8Array }>(
      'SELECT seq, message FROM fix_messages WHERE adapter_id = $1 AND session_key = $2 AND seq BETWEEN $3 AND $4 ORDER BY seq',
      [this.#lease.adapterId, this.#key, begin, end],
    );
    return rows.map((r) => ({ seqNum: r.seq, message: Buffer.from(r.message) }));
  }

  async reset(): Promise<void> {
    // Deleting is not caught by the row trigger, so the lease is checked explicitly in the same statement.
    await this.#write(
      `WITH live AS (SELECT crosswire_assert_live_lease($1, $3, $4)),
            dropped AS (DELETE FROM fix_messages WHERE adapter_id = $1 AND session_key = $2 AND EXISTS (SELECT 1 FROM live))
       UPDATE fix_sessions SET next_sender_seq = 1, next_target_seq = 1, creation_time = now(), slot = $3, epoch = $4, updated_at = now()
        WHERE adapter_id = $1 AND session_key = $2 AND EXISTS (SELECT 1 FROM live)`,
      [],
    );
  }
}
