/**
 * Channels for adapter pods, in PostgreSQL (or PGlite). Every write carries the pod's lease and is
 * judged by the database; each write is one statement, so it lands completely or not at all:
 *
 * - `append`: messages to one or more channels, idempotent on their origin (adapter, session, seq).
 * - `appendWithInboundSeq`: the same, plus the FIX inbound sequence advance (`fix_sessions.next_target_seq`),
 *   so a received message is either delivered and acknowledged, or neither — across any failover.
 * - `consume`: at most `limit` (capped by `maxBatch`) messages after the consumer's committed offset.
 * - `commitWithOutbound`: the consumer's offset advance plus the outbound FIX messages and the next
 *   sender sequence number (`fix_messages`, `fix_sessions`), so a message is sent-and-stored exactly
 *   when its offset moves; FIX resend covers the wire after a failover.
 */
import type { Database } from '@crosswire/orchestrator';
import type { Message } from '../pipeline/message.ts';
import { decodeBody, encodeBody, toInt, toIso } from './codec.ts';
import { ChannelConflictError, channelError } from './errors.ts';
import { APPEND_SQL, APPEND_WITH_SEQ_SQL, APPENDED_NOTIFICATION, COMMIT_SQL, COMMIT_WITH_OUTBOUND_SQL, type AppendRow } from './statements.ts';

/** The lease a write carries; a connector's `LeaseIdentity` fits. */
export interface ChannelLease {
  readonly adapterId: string;
  readonly slot: number;
  readonly epoch: number;
}

/** One message for one channel; a pipeline `Delivery` fits. */
export interface ChannelAppend {
  readonly channel: string;
  readonly message: Message;
}

export interface AppendedMessage {
  readonly channel: string;
  readonly offset: number;
  readonly originSession: string;
  readonly originSeq: number;
}

export interface AppendResult {
  /** What this call added, in offset order per channel. */
  readonly appended: readonly AppendedMessage[];
  /** Messages that were already in their channel (same origin): not added again. */
  readonly duplicates: number;
}

export interface InboundResult extends AppendResult {
  /** The sequence number was already past `seq`: this inbound message was handled before, nothing written. */
  readonly alreadyHandled: boolean;
}

export interface ConsumedMessage {
  readonly channel: string;
  readonly offset: number;
  readonly appendedAt: string;
  readonly message: Message;
}

export interface ConsumedBatch {
  readonly channel: string;
  /** The committed offset the batch was read after: pass it back as `from` when committing. */
  readonly committed: number;
  readonly messages: readonly ConsumedMessage[];
}

export interface OutboundFixMessage {
  /** MsgSeqNum the message was encoded with. */
  readonly seq: number;
  /** The whole encoded message, as it goes on the wire. */
  readonly bytes: Buffer;
}

export interface CommitRequest {
  /** The committed offset the consumer read after (compare-and-set: refused if it moved). */
  readonly from: number;
  /** The offset of the last message this commit covers. */
  readonly to: number;
}

export interface CommitWithOutboundRequest extends CommitRequest {
  /** `BeginString:SenderCompID->TargetCompID` of the outbound session. */
  readonly sessionKey: string;
  /** Consecutive sequence numbers starting at the session's next sender sequence number; may be empty. */
  readonly messages: readonly OutboundFixMessage[];
}

export interface ChannelStoreOptions {
  /** The most messages one `consume` returns, whatever is asked: a consumer's memory stays bounded. */
  maxBatch?: number;
}

export const DEFAULT_MAX_BATCH = 500;

export class PostgresChannelStore {
  readonly #db: Database;
  readonly maxBatch: number;

  constructor(db: Database, options: ChannelStoreOptions = {}) {
    this.#db = db;
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isSafeInteger(this.maxBatch) || this.maxBatch < 1) throw new Error('maxBatch must be a positive integer');
  }

  /** Appends messages received by the lease's adapter; idempotent on each message's origin. */
  async append(messages: readonly ChannelAppend[], options: { lease: ChannelLease }): Promise<AppendResult> {
    const row = await this.#append({ text: APPEND_SQL, name: 'crosswire_channel_append' }, options.lease, messages, []);
    return appendResult(row, messages.length);
  }

  /**
   * Appends what one inbound FIX message became (zero or more channel messages) and advances the
   * session's next inbound sequence number from `seq` to `seq + 1`, in one statement. An inbound
   * message the store has already handled (the number is past `seq`) writes nothing and says so; a
   * number behind `seq` (a gap the session did not fill) is a `ChannelConflictError`.
   */
  appendWithInboundSeq(
    messages: readonly ChannelAppend[],
    options: { lease: ChannelLease; sessionKey: string; seq: number },
  ): Promise<InboundResult> {
    return this.appendWithInboundRange(messages, { ...options, first: options.seq, last: options.seq });
  }

  /**
   * The same for consecutive inbound messages `first..last` at once (what each became, in `messages`):
   * all appended and the number advanced to `last + 1`, or nothing. A range the store has wholly
   * handled writes nothing and says so; a number anywhere else is a `ChannelConflictError`.
   */
  async appendWithInboundRange(
    messages: readonly ChannelAppend[],
    options: { lease: ChannelLease; sessionKey: string; first: number; last: number },
  ): Promise<InboundResult> {
    const { lease, sessionKey, first, last } = options;
    if (!Number.isSafeInteger(first) || first < 1 || !Number.isSafeInteger(last) || last < first) {
      throw new Error(`inbound sequence numbers ${first}..${last} are not a range of positive integers`);
    }
    const row = await this.#append({ text: APPEND_WITH_SEQ_SQL, name: 'crosswire_channel_append_inbound' }, lease, messages, [sessionKey, first, last]);
    if (toInt(row.advanced) === 1) return { ...appendResult(row, messages.length), alreadyHandled: false };
    if (row.next_target_seq === null || row.next_target_seq === undefined) {
      throw new ChannelConflictError(`append to channels: FIX session ${sessionKey} has no stored state; load the session first`);
    }
    const next = toInt(row.next_target_seq);
    if (next > last) return { appended: [], duplicates: messages.length, alreadyHandled: true };
    const which = first === last ? String(first) : `${first}..${last}`;
    throw new ChannelConflictError(`append to channels: FIX session ${sessionKey} expects inbound ${next}, not ${which}`);
  }

  /** The statements are named: prepared once per connection, since each is run for every message batch. */
  async #append(sql: { text: string; name: string }, lease: ChannelLease, messages: readonly ChannelAppend[], extra: unknown[]): Promise<AppendRow> {
    const rows = messages.map(({ channel, message }, i) => {
      if (message.origin.adapterId !== lease.adapterId) {
        throw new Error(`a pod appends what its own adapter received: origin ${message.origin.adapterId} is not ${lease.adapterId}`);
      }
      const body = encodeBody(message.body);
      return {
        i,
        channel,
        session: message.origin.session,
        seq: message.origin.seq,
        received_at: message.receivedAt,
        headers: message.headers,
        kind: body.kind,
        body: body.bytes.toString('base64'),
      };
    });
    try {
      const { rows: result } = await this.#db.query<AppendRow>(sql.text, [lease.adapterId, lease.slot, lease.epoch, JSON.stringify(rows), ...extra], { name: sql.name });
      return result[0]!;
    } catch (error) {
      throw channelError(error, `append at epoch ${lease.epoch}`);
    }
  }

  /**
   * Makes the lease's adapter a consumer of the channel (or takes over its existing offset, stamping
   * this lease). A new consumer starts after the current head (`latest`) or before the first message
   * (`earliest`). Returns the committed offset.
   */
  async subscribe(channel: string, lease: ChannelLease, from: 'earliest' | 'latest' = 'earliest'): Promise<number> {
    try {
      const { rows } = await this.#db.query<{ committed_offset: unknown }>(
        `INSERT INTO channel_consumers (channel, adapter_id, slot, epoch, committed_offset)
         SELECT name, $2, $3, $4, CASE WHEN $5 = 'latest' THEN head ELSE 0 END FROM channels WHERE name = $1
         ON CONFLICT (channel, adapter_id) DO UPDATE SET slot = $3, epoch = $4, updated_at = clock_timestamp()
         RETURNING committed_offset`,
        [channel, lease.adapterId, lease.slot, lease.epoch, from],
      );
      if (rows.length === 0) throw Object.assign(new Error(`no such channel: ${channel}`), { code: 'CW004' });
      return toInt(rows[0]!.committed_offset);
    } catch (error) {
      throw channelError(error, `subscribe to ${channel} at epoch ${lease.epoch}`);
    }
  }

  /**
   * Reads up to `limit` messages (never more than `maxBatch`) after the consumer's committed offset,
   * in offset order. Reading changes nothing: until a commit moves the offset, the same messages come
   * back, to this holder or the next.
   */
  async consume(channel: string, lease: ChannelLease, limit: number = this.maxBatch): Promise<ConsumedBatch> {
    const bounded = Math.max(1, Math.min(Math.floor(limit), this.maxBatch));
    const { rows } = await this.#db.query<MessageRow & { committed_offset: unknown }>(
      `SELECT c.committed_offset, m.msg_offset, m.appended_at, m.origin_adapter_id, m.origin_session, m.origin_seq,
              m.received_at, m.headers, m.body_kind, m.body
         FROM channel_consumers c
         LEFT JOIN LATERAL (SELECT * FROM channel_messages m
                             WHERE m.channel = c.channel AND m.msg_offset > c.committed_offset
                             ORDER BY m.msg_offset LIMIT $3) m ON true
        WHERE c.channel = $1 AND c.adapter_id = $2
        ORDER BY m.msg_offset`,
      [channel, lease.adapterId, bounded],
      { name: 'crosswire_channel_consume' },
    );
    if (rows.length === 0) throw new ChannelConflictError(`consume ${channel}: adapter ${lease.adapterId} is not subscribed`);
    const committed = toInt(rows[0]!.committed_offset);
    return { channel, committed, messages: rows.filter((r) => r.msg_offset !== null).map((r) => consumedMessage(channel, r)) };
  }

  /**
   * Calls `onAppended` soon after messages are appended to the channel by anyone, and whenever some
   * notice may have been missed; resolves with a function that stops. A hint to read now, not a
   * promise: a consumer still reads on a timer, more slowly, in case the listening connection hangs.
   */
  watch(channel: string, onAppended: () => void): Promise<() => Promise<void>> {
    return this.#db.listen(APPENDED_NOTIFICATION, (payload) => {
      if (payload === undefined || payload === channel) onAppended();
    });
  }

  /** The last offset handed out in the channel (0 when empty); undefined when there is no such channel. */
  async head(channel: string): Promise<number | undefined> {
    const { rows } = await this.#db.query<{ head: unknown }>('SELECT head FROM channels WHERE name = $1', [channel]);
    return rows[0] && toInt(rows[0].head);
  }

  /**
   * Reads messages by offset, without a consumer and without moving anything: the given offsets (those
   * still kept), or up to `limit` (at most `maxBatch`) after `after`. For dead-letter replay and browsing.
   */
  async read(channel: string, which: { offsets: readonly number[] } | { after: number; limit?: number }): Promise<ConsumedMessage[]> {
    const byOffset = 'offsets' in which;
    const { rows } = await this.#db.query<MessageRow>(
      `SELECT msg_offset, appended_at, origin_adapter_id, origin_session, origin_seq, received_at, headers, body_kind, body
         FROM channel_messages
        WHERE channel = $1 AND ${byOffset ? 'msg_offset = ANY($2::bigint[])' : 'msg_offset > $2'}
        ORDER BY msg_offset LIMIT $3`,
      [channel, byOffset ? which.offsets : which.after, byOffset ? which.offsets.length : Math.max(1, Math.min(which.limit ?? this.maxBatch, this.maxBatch))],
    );
    return rows.map((r) => consumedMessage(channel, r));
  }

  /** Moves the consumer's offset from `from` to `to`, for consumers that deliver outside FIX. */
  async commit(channel: string, lease: ChannelLease, request: CommitRequest): Promise<void> {
    checkRange(request);
    try {
      await this.#db.query(COMMIT_SQL, [lease.adapterId, lease.slot, lease.epoch, channel, request.from, request.to], { name: 'crosswire_channel_commit' });
    } catch (error) {
      throw channelError(error, `commit ${channel} at epoch ${lease.epoch}`);
    }
  }

  /**
   * Moves the consumer's offset from `from` to `to` and stores the outbound FIX messages those
   * channel messages became, advancing the session's next sender sequence number past them: one
   * statement, so the offset moves exactly when the messages are stored for sending (and resending).
   * Send the bytes only after this resolves.
   */
  async commitWithOutbound(channel: string, lease: ChannelLease, request: CommitWithOutboundRequest): Promise<{ stored: number }> {
    checkRange(request);
    const first = request.messages[0]?.seq;
    request.messages.forEach((m, i) => {
      if (first === undefined || m.seq !== first + i || m.seq < 1) throw new Error('outbound sequence numbers must be consecutive and positive');
    });
    const outbound = JSON.stringify(request.messages.map((m) => ({ seq: m.seq, body: m.bytes.toString('base64') })));
    // With no messages the sender number is compared with itself: only the offset moves.
    const expected = first ?? null;
    const next = first === undefined ? null : first + request.messages.length;
    try {
      const { rows } = await this.#db.query<{ stored: unknown }>(
        request.messages.length === 0 ? COMMIT_SQL : COMMIT_WITH_OUTBOUND_SQL,
        request.messages.length === 0
          ? [lease.adapterId, lease.slot, lease.epoch, channel, request.from, request.to]
          : [lease.adapterId, lease.slot, lease.epoch, channel, request.from, request.to, request.sessionKey, expected, next, outbound],
      );
      return { stored: request.messages.length === 0 ? 0 : toInt(rows[0]!.stored) };
    } catch (error) {
      throw channelError(error, `commit ${channel} with outbound ${request.sessionKey} at epoch ${lease.epoch}`);
    }
  }
}

interface MessageRow {
  msg_offset: unknown;
  appended_at: unknown;
  origin_adapter_id: string;
  origin_session: string;
  origin_seq: unknown;
  received_at: unknown;
  headers: Record<string, string> | string;
  body_kind: string;
  body: Uint8Array;
}

function consumedMessage(channel: string, r: MessageRow): ConsumedMessage {
  return {
    channel,
    offset: toInt(r.msg_offset),
    appendedAt: toIso(r.appended_at),
    message: {
      headers: typeof r.headers === 'string' ? (JSON.parse(r.headers) as Record<string, string>) : r.headers,
      body: decodeBody(r.body_kind, r.body),
      origin: { adapterId: r.origin_adapter_id, session: r.origin_session, seq: toInt(r.origin_seq) },
      receivedAt: toIso(r.received_at),
    },
  };
}

function checkRange(request: CommitRequest): void {
  if (!Number.isSafeInteger(request.from) || !Number.isSafeInteger(request.to) || request.from < 0 || request.to <= request.from) {
    throw new Error(`a commit moves the offset forward: from ${request.from} to ${request.to}`);
  }
}

function appendResult(row: AppendRow, asked: number): AppendResult {
  const inserted = JSON.parse(String(row.inserted)) as [string, number, string, number][];
  const appended = inserted.map(([channel, offset, originSession, originSeq]) => ({ channel, offset: toInt(offset), originSession, originSeq: toInt(originSeq) }));
  return { appended, duplicates: asked - appended.length };
}
