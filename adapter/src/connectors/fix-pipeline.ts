/**
 * `application: 'pipeline'` for FIX adapters: every application message received goes through the
 * adapter's pipeline, and what comes out is appended to channels in the same statement that advances
 * the session's inbound sequence number (`appendWithInboundSeq`). A message is therefore in its
 * channels exactly when the session has recorded it as received, across any failover: a holder that
 * dies before the statement leaves the number unrecorded and the next holder asks for the message
 * again; one that dies after leaves it recorded and the resend is below the expected number.
 */
import { type ChannelLease, type PostgresChannelStore } from '../channels/index.ts';
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

export function fixPipelineApplication(options: FixPipelineOptions): FixApplication {
  const { channels, lease, pipeline, counters } = options;
  return {
    async onMessage(message, session) {
      counters.received++;
      const store = options.storeOf(session.id);
      if (!store) throw new DeliveryFailedError(`no message store for ${sessionKeyText(session.id)}`);
      const sessionKey = sessionKeyText(session.id);
      const received = fixToMessage(message, session.id, lease.adapterId, fixOriginSession(sessionKey, store.creationTime));
      const deliveries = deliveriesOf(runPipeline(pipeline, received, options.names(session.id.beginString)));
      try {
        // In the store's order, so the inbound number the statement compares is the one the session
        // last wrote (its advances past admin messages, queued before this, have committed).
        await store.exclusive(() => channels.appendWithInboundSeq(deliveries, { lease, sessionKey, seq: received.origin.seq }));
      } catch (error) {
        // A lost lease stops the session at once (ChannelFencedError is a StoreFencedError).
        if (error instanceof StoreFencedError) throw error;
        // Anything else (database down, a channel missing, a ChannelConflictError): refuse the message
        // without advancing; the counterparty sends it again after reconnecting.
        throw new DeliveryFailedError(error instanceof Error ? error.message : String(error));
      }
    },
  };
}
