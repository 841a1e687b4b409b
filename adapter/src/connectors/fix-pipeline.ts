/**
 * `application: 'pipeline'` for FIX adapters: every application message received goes through the
 * adapter's pipeline, and what comes out is appended to channels in the same statement that advances
 * the session's inbound sequence number (`appendWithInboundRange`). A message is therefore in its
 * channels exactly when the session has recorded it as received, across any failover: a holder that
 * dies before the statement leaves the number unrecorded and the next holder asks for the message
 * again; one that dies after leaves it recorded and the resend is below the expected number.
 *
 * Consecutive messages that arrive while an append is in flight share the next statement (group
 * commit, as the session's own store writes do), so a burst costs a round trip per batch rather than
 * per message. The session does not wait for the append; it goes on with the next message. A failed
 * append stops the store (`exclusiveWrite`): the session's next write, queued behind it, fails too, and
 * the session drops the connection and reloads its numbers from what was stored, so the counterparty
 * is asked again for everything from the first message not appended.
 */
import { type ChannelAppend, type ChannelLease, type PostgresChannelStore } from '../channels/index.ts';
import { DeliveryFailedError, StoreFencedError, Tag, type FixApplication, type FixMessage, type SessionId } from '../fix/index.ts';
import { deliveriesOf, fixOriginSession, runPipeline, type CompiledPipeline, type FieldNames, type FieldPair, type Message } from '../pipeline/index.ts';
import { sessionKeyText, type PostgresMessageStore } from '../store/postgres-message-store.ts';
import type { MessageCounters } from './fix-applications.ts';

/**
 * Session header fields left out of a channel message: they belong to the session that received it
 * and are written fresh by whichever session sends it on. MsgType (35) stays, so pipelines can test it.
 */
const SESSION_HEADER: ReadonlySet<number> = new Set([8, 9, 10, 34, 43, 49, 52, 56, 97, 122]);

export interface FixPipelineOptions {
  channels: PostgresChannelStore;
  lease: ChannelLease;
  pipeline: CompiledPipeline;
  /** Field names for the pipeline's references (`ClOrdID`), by the session's BeginString. */
  names(beginString: string): FieldNames;
  /** The session's message store: the append is ordered with its writes and names its run. */
  storeOf(id: SessionId): PostgresMessageStore | undefined;
  counters: MessageCounters;
}

/** A received FIX message in the shared model: body fields without the session header, wire order. */
export function fixToMessage(message: FixMessage, id: SessionId, adapterId: string, originSession: string): Message {
  const fields: FieldPair[] = [];
  for (let i = 0; i < message.size; i++) {
    const tag = message.tagAt(i);
    if (!SESSION_HEADER.has(tag)) fields.push([tag, message.valueAt(i)]);
  }
  return {
    headers: { msgType: message.msgType, fixSession: `${id.senderCompId}->${id.targetCompId}` },
    body: { kind: 'fix', fields },
    origin: { adapterId, session: originSession, seq: message.getInt(Tag.MsgSeqNum) ?? 0 },
    receivedAt: new Date().toISOString(),
  };
}

/** Messages per append statement, and messages appended but not yet committed before the session waits. */
const MAX_BATCH = 500;
const MAX_PENDING = 5_000;

interface InboundBatch {
  readonly first: number;
  last: number;
  readonly deliveries: ChannelAppend[];
  /** Settles when the statement does; a failure is the session's to hear (see the file comment). */
  done?: Promise<unknown>;
}

/** Consecutive inbound messages of one session, gathered into as few append statements as the database allows. */
class InboundAppender {
  /** Queued behind the store's earlier writes, not started: takes the next consecutive message. */
  #open: InboundBatch | undefined;
  readonly #unsettled: InboundBatch[] = [];
  #pendingMessages = 0;

  constructor(
    private readonly store: PostgresMessageStore,
    private readonly append: (batch: InboundBatch) => Promise<unknown>,
  ) {}

  /** Queues message `seq`'s deliveries; resolves at once unless too much is already waiting for the database. */
  async add(seq: number, deliveries: readonly ChannelAppend[]): Promise<void> {
    const open = this.#open;
    if (open && seq === open.last + 1 && open.last - open.first + 1 < MAX_BATCH) {
      open.last = seq;
      open.deliveries.push(...deliveries);
    } else {
      const batch: InboundBatch = { first: seq, last: seq, deliveries: [...deliveries] };
      this.#open = batch;
      this.#unsettled.push(batch);
      batch.done = this.store
        .exclusiveWrite(() => {
          if (this.#open === batch) this.#open = undefined;
          return this.append(batch);
        })
        .catch(() => undefined)
        .finally(() => {
          this.#unsettled.splice(this.#unsettled.indexOf(batch), 1);
          this.#pendingMessages -= batch.last - batch.first + 1;
        });
    }
    this.#pendingMessages++;
    // Back-pressure: the session stops reading the connection until the oldest batch has settled.
    while (this.#pendingMessages > MAX_PENDING && this.#unsettled[0]) await this.#unsettled[0].done;
  }
}

export function fixPipelineApplication(options: FixPipelineOptions): FixApplication {
  const { channels, lease, pipeline, counters } = options;
  const appenders = new WeakMap<PostgresMessageStore, InboundAppender>();
  const appenderOf = (store: PostgresMessageStore, sessionKey: string) => {
    let appender = appenders.get(store);
    if (!appender) {
      appender = new InboundAppender(store, async (batch) => {
        try {
          return await channels.appendWithInboundRange(batch.deliveries, { lease, sessionKey, first: batch.first, last: batch.last });
        } catch (error) {
          const which = batch.first === batch.last ? `message ${batch.first}` : `messages ${batch.first}..${batch.last}`;
          // A lost lease stays a StoreFencedError (ChannelFencedError is one): the session stops for good.
          if (error instanceof StoreFencedError) throw error;
          throw new DeliveryFailedError(`inbound ${which} could not be delivered to channels, so none of them is taken: ${error instanceof Error ? error.message : String(error)}`);
        }
      });
      appenders.set(store, appender);
    }
    return appender;
  };
  return {
    async onMessage(message, session) {
      counters.received++;
      const store = options.storeOf(session.id);
      if (!store) throw new DeliveryFailedError(`no message store for ${sessionKeyText(session.id)}`);
      const sessionKey = sessionKeyText(session.id);
      const received = fixToMessage(message, session.id, lease.adapterId, fixOriginSession(sessionKey, store.creationTime));
      const deliveries = deliveriesOf(runPipeline(pipeline, received, options.names(session.id.beginString)));
      // In the store's order, so the inbound number each statement compares is the one the session
      // last wrote (its advances past admin messages, queued before this, have committed).
      await appenderOf(store, sessionKey).add(received.origin.seq, deliveries);
    },
  };
}
