import type { Database } from '@crosswire/orchestrator';
import type { LeaseIdentity } from '../connectors/connector.ts';
import { StoreFencedError, type MessageStore, type OffsetCommit, type SessionKey, type StoreSnapshot, type StoredMessage } from '../fix/session/message-store.ts';

/** SQLSTATE raised by the database's lease check (migration 002). */
const FENCED = 'CW001';

/** Messages per statement: bounds one statement's size (its arrays) and so the wait of the writes queued behind it. */
const MAX_BATCH = 1000;

export const sessionKeyText = (key: SessionKey) => `${key.beginString}:${key.senderCompId}->${key.targetCompId}`;

function isFenced(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === FENCED;
}

export interface PostgresMessageStoreOptions {
  /**
   * When a batch counts as stored. `synchronous` (the default): once PostgreSQL has flushed it to
   * disk, so nothing acknowledged is ever lost. `asynchronous`: once PostgreSQL has it in memory
   * (synchronous_commit=off for these writes only), which saves the wait for the disk, and most of
   * the latency; a failover between pods loses nothing either way, but a crash of the database server
   * itself may lose the last few hundred milliseconds of writes, messages the counterparty already
   * received among them: the session would then reuse their sequence numbers and the counterparty
   * would refuse them (MsgSeqNum too low) until an operator sets the numbers. Opt in knowingly.
   */
  commit?: 'synchronous' | 'asynchronous';
}

type Write =
  | { kind: 'sent'; seqNum: number; message: Buffer | null; offset?: OffsetCommit }
  | { kind: 'sender'; seqNum: number }
  | { kind: 'target'; seqNum: number };

interface PendingWrite {
  write: Write;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Batch {
  writes: PendingWrite[];
  /** Messages stored by this batch (for the size cap). */
  messages: number;
}

/**
 * The FIX message store in PostgreSQL, shared by every pod that may ever hold the adapter, so a new
 * holder continues the same sequence numbers. Every write is stamped with the lease epoch and checked by
 * the database itself; a refused write throws `StoreFencedError` and the session stops without sending.
 *
 * Group commit: calls run one at a time in the order they were made. Writes (sent messages, sequence
 * number advances) made while an earlier call is still in flight are gathered into one batch, written
 * by one statement — one round trip, one commit, atomic — when their turn comes; each caller's promise
 * settles when its batch commits. A session sending thousands of messages a second thus pays one
 * commit per batch instead of two per order, and the order of its calls is the order of the commits.
 * A batch that fails fails every write after it as well, queued or new, until the store is loaded
 * again: nothing made after a refused write is ever stored, so the store never holds a message beyond
 * a hole.
 */
export class PostgresMessageStore implements MessageStore {
  readonly #db: Database;
  readonly #lease: LeaseIdentity;
  readonly #key: string;
  /** The last call queued; the next one starts when it settles. */
  #tail: Promise<unknown> = Promise.resolve();
  /** The batch still taking writes: queued, not started. */
  #open: Batch | undefined;
  /** Set by a failed write: every write fails with it, without running, until the next load. */
  #failure: { error: unknown } | undefined;
  readonly #asynchronous: boolean;
  #creationTime: Date | undefined;

  constructor(db: Database, lease: LeaseIdentity, session: SessionKey, options: PostgresMessageStoreOptions = {}) {
    this.#db = db;
    this.#lease = lease;
    this.#key = sessionKeyText(session);
    this.#asynchronous = options.commit === 'asynchronous';
  }

  async load(): Promise<StoreSnapshot> {
    return this.#serially(async () => {
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
      this.#failure = undefined;
      this.#creationTime = new Date(row.creation_time);
      return { nextSenderSeqNum: row.next_sender_seq, nextTargetSeqNum: row.next_target_seq, creationTime: new Date(row.creation_time) };
    });
  }

  /**
   * When the stored sequence numbers were last reset, as the database has it (the same for every
   * holder): with the session key it names one run of sequence numbers, a received message's origin.
   */
  get creationTime(): Date {
    if (!this.#creationTime) throw new Error(`the store of ${this.#key} is not loaded`);
    return this.#creationTime;
  }

  /**
   * Runs `work` in the store's order: after every write queued before it has committed, before every
   * write queued after it. For a write of the application's that must see the sequence numbers as the
   * session last wrote them (a channel append that advances the inbound number itself). A failure of
   * `work` is the caller's: it does not stop later writes.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.#serially(work);
  }

  /**
   * `exclusive` for a write the session's numbers depend on (a channel append that advances the
   * inbound number): when it fails, every write after it fails too, until the next load, exactly as
   * when one of the session's own writes fails. The session's next write, queued behind it, then
   * fails, and the session drops the connection and reloads its numbers from what was stored.
   */
  exclusiveWrite<T>(work: () => Promise<T>): Promise<T> {
    return this.#serially(async () => {
      this.#throwIfFailed();
      try {
        return await work();
      } catch (error) {
        this.#failure ??= { error };
        this.#open = undefined;
        throw error;
      }
    });
  }

  /** With `offset`, the channel consumer's position moves in the same statement as the message is kept (fenced like the rest). */
  saveSent(seqNum: number, message: Buffer | null, offset?: OffsetCommit): Promise<void> {
    return this.#enqueue(offset === undefined ? { kind: 'sent', seqNum, message } : { kind: 'sent', seqNum, message, offset });
  }

  setNextSenderSeqNum(seqNum: number): Promise<void> {
    return this.#enqueue({ kind: 'sender', seqNum });
  }

  setNextTargetSeqNum(seqNum: number): Promise<void> {
    return this.#enqueue({ kind: 'target', seqNum });
  }

  getSent(begin: number, end: number): Promise<StoredMessage[]> {
    // Queued like the writes, so a resend sees every message sent before it was asked for.
    return this.#serially(async () => {
      const { rows } = await this.#db.query<{ seq: number; message: Uint8Array }>(
        'SELECT seq, message FROM fix_messages WHERE adapter_id = $1 AND session_key = $2 AND seq BETWEEN $3 AND $4 ORDER BY seq',
        [this.#lease.adapterId, this.#key, begin, end],
      );
      return rows.map((r) => ({ seqNum: r.seq, message: Buffer.from(r.message) }));
    });
  }

  reset(): Promise<void> {
    return this.#serially(async () => {
      this.#throwIfFailed();
      // Deleting is not caught by the row trigger, so the lease is checked explicitly in the same statement.
      await this.#guarded(async () => {
        await this.#write(
          `WITH live AS (SELECT crosswire_assert_live_lease($1, $3, $4)),
                dropped AS (DELETE FROM fix_messages WHERE adapter_id = $1 AND session_key = $2 AND EXISTS (SELECT 1 FROM live))
           UPDATE fix_sessions SET next_sender_seq = 1, next_target_seq = 1, creation_time = now(), slot = $3, epoch = $4, updated_at = now()
            WHERE adapter_id = $1 AND session_key = $2 AND EXISTS (SELECT 1 FROM live)`,
          [],
        );
        const { rows } = await this.#db.query<{ creation_time: Date | string }>(
          'SELECT creation_time FROM fix_sessions WHERE adapter_id = $1 AND session_key = $2',
          [this.#lease.adapterId, this.#key],
        );
        if (rows[0]) this.#creationTime = new Date(rows[0].creation_time);
      });
    });
  }

  // -----------------------------------------------------------------------------------------------

  #serially<T>(work: () => Promise<T>): Promise<T> {
    this.#open = undefined;
    const run = this.#tail.then(work);
    this.#tail = run.then(noop, noop);
    return run;
  }

  #enqueue(write: Write): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let batch = this.#open;
      if (batch === undefined || (write.kind === 'sent' && write.message !== null && batch.messages >= MAX_BATCH)) {
        const opened: Batch = { writes: [], messages: 0 };
        batch = opened;
        this.#open = opened;
        // Never before the current turn of the event loop is over, so that what it writes together
        // (a reply, and the inbound advance past the message it answers) shares one statement.
        const turnOver = new Promise<void>((resolve) => setImmediate(resolve));
        const run = this.#tail.then(() => turnOver).then(() => this.#commit(opened));
        this.#tail = run.then(noop, noop);
      }
      batch.writes.push({ write, resolve, reject });
      if (write.kind === 'sent' && write.message !== null) batch.messages++;
    });
  }

  async #commit(batch: Batch): Promise<void> {
    // From here on, writes go to the next batch.
    if (this.#open === batch) this.#open = undefined;
    try {
      this.#throwIfFailed();
      await this.#guarded(() => this.#writeBatch(batch.writes));
    } catch (error) {
      for (const pending of batch.writes) pending.reject(error);
      return;
    }
    for (const pending of batch.writes) pending.resolve();
  }

  /** One statement for the whole batch: the last sender and target values win, every message is kept. */
  async #writeBatch(writes: PendingWrite[]): Promise<void> {
    let sender: number | null = null;
    let target: number | null = null;
    const messages = new Map<number, Buffer>();
    const offsets = new Map<string, { from: number; to: number }>();
    for (const { write } of writes) {
      if (write.kind === 'target') target = write.seqNum;
      else if (write.kind === 'sender') sender = write.seqNum;
      else {
        sender = write.seqNum + 1;
        if (write.message !== null) messages.set(write.seqNum, write.message);
        if (write.offset) mergeOffset(offsets, write.offset);
      }
    }
    // Offsets ride with stored messages only, as before (a message read from a channel is always stored).
    const withMessages = messages.size > 0;
    const withOffsets = withMessages && offsets.size > 0;
    const params: unknown[] = [sender, target];
    if (withMessages) params.push([...messages.keys()], [...messages.values()]);
    if (withOffsets) params.push([...offsets.keys()], [...offsets.values()].map((o) => o.from), [...offsets.values()].map((o) => o.to));
    const statement = batchStatement(withMessages, withOffsets, this.#asynchronous);
    await this.#write(statement.text, params, statement.name);
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }

  /** Runs a write; if it fails, every later write fails with it until the next load (see the class comment). */
  async #guarded(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      this.#failure ??= { error };
      this.#open = undefined;
      throw error;
    }
  }

  /** `name`: a prepared statement's (see `QueryOptions`), for the statements a session runs again and again. */
  async #write(sql: string, params: unknown[], name?: string): Promise<number> {
    try {
      const values = [this.#lease.adapterId, this.#key, this.#lease.slot, this.#lease.epoch, ...params];
      return (await this.#db.query(sql, values, name === undefined ? undefined : { name })).rowCount;
    } catch (error) {
      if (isFenced(error)) throw new StoreFencedError(`the store refused a write at epoch ${this.#lease.epoch}: this pod no longer holds ${this.#lease.adapterName}`);
      throw error;
    }
  }
}

/**
 * The batch statements: one text per shape (messages or not, channel offsets or not, asynchronous
 * commit or not), so each can be a named prepared statement, parsed and planned once per connection
 * rather than per batch (that took about 0.25 ms of a 0.6 ms four-message batch here, see docs/fix.md).
 * The messages and offsets travel as arrays, so the text does not grow with the batch. Parameters: $1 adapter, $2 session key, $3 slot, $4 epoch (every
 * statement's), $5 next sender number or null, $6 next target number or null, $7 sequence numbers,
 * $8 messages, $9 channels, $10 offsets read from, $11 offsets moved to.
 */
function batchStatement(withMessages: boolean, withOffsets: boolean, asynchronous: boolean): { name: string; text: string } {
  const name = `crosswire_fix_store_batch${withMessages ? '_messages' : ''}${withOffsets ? '_offsets' : ''}${asynchronous ? '_async' : ''}`;
  let text = batchStatements.get(name);
  if (text === undefined) {
    text = batchStatementText(withMessages, withOffsets, asynchronous);
    batchStatements.set(name, text);
  }
  return { name, text };
}

const batchStatements = new Map<string, string>();

function batchStatementText(withMessages: boolean, withOffsets: boolean, asynchronous: boolean): string {
  // Asynchronous commit is set for this statement's own transaction only (set_config local = true).
  const commit = asynchronous ? `commit_mode AS (SELECT set_config('synchronous_commit', 'off', true) AS mode)` : undefined;
  const update = `UPDATE fix_sessions SET next_sender_seq = COALESCE($5::integer, next_sender_seq),
        next_target_seq = COALESCE($6::integer, next_target_seq), slot = $3, epoch = $4, updated_at = now()
      WHERE adapter_id = $1 AND session_key = $2${asynchronous ? ' AND EXISTS (SELECT 1 FROM commit_mode)' : ''}`;
  if (!withMessages) return commit === undefined ? update : `WITH ${commit} ${update}`;
  // Channel offsets carried by the messages (migration 005): compare-and-set on each consumer row,
  // fenced by its trigger; `crosswire_channel_expect` undoes the whole statement if one did not move.
  const moved = withOffsets
    ? `offsets AS (SELECT * FROM unnest($9::text[], $10::bigint[], $11::bigint[]) AS o (channel, "from", "to")),
        moved AS (UPDATE channel_consumers c SET committed_offset = o."to", slot = $3, epoch = $4, updated_at = clock_timestamp()
          FROM offsets o WHERE c.channel = o.channel AND c.adapter_id = $1 AND c.committed_offset = o."from"
           AND o."to" <= (SELECT head FROM channels WHERE name = o.channel) RETURNING 1),
        checked AS (SELECT crosswire_channel_expect((SELECT count(*) FROM moved) = (SELECT count(*) FROM offsets), 'CW003',
          'a channel offset of ' || $1 || ' is no longer where this holder read it') AS ok), `
    : '';
  // One statement: the session row and every message row are fenced by their triggers, and a refusal
  // of any of them refuses the lot.
  return `WITH ${commit === undefined ? '' : `${commit}, `}${moved}advanced AS (${update} RETURNING adapter_id)
       INSERT INTO fix_messages (adapter_id, session_key, seq, slot, epoch, message)
       SELECT $1, $2, m.seq, $3, $4, m.message FROM advanced${withOffsets ? ', checked' : ''}, unnest($7::integer[], $8::bytea[]) AS m (seq, message)
       ON CONFLICT (adapter_id, session_key, seq) DO UPDATE SET message = EXCLUDED.message, slot = $3, epoch = $4`;
}

/** Offset moves of one batch, per channel: consecutive messages chain (`from` of one is `to` of the one before). */
function mergeOffset(offsets: Map<string, { from: number; to: number }>, offset: OffsetCommit): void {
  if (!(Number.isSafeInteger(offset.from) && Number.isSafeInteger(offset.to) && offset.to > offset.from && offset.from >= 0)) {
    throw new Error(`a channel offset moves forward: from ${offset.from} to ${offset.to}`);
  }
  const known = offsets.get(offset.channel);
  if (!known) offsets.set(offset.channel, { from: offset.from, to: offset.to });
  else if (known.to === offset.from) known.to = offset.to;
  else throw new Error(`channel ${offset.channel}: a message read after offset ${offset.from} follows one at ${known.to}`);
}

function noop(): void {}
