/**
 * Parking: a channel message an outbound connector cannot send on (a subject it cannot render, a body
 * that is not FIX) goes to the adapter's dead-letter channel with the reason, so the rest of the
 * channel keeps flowing and an operator can look at it, fix the cause and replay it.
 */
import type { ConsumedMessage } from '../channels/index.ts';
import { DEAD_LETTER_REASON, type Message } from '../pipeline/index.ts';

/** Header of a parked message: the channel position it was read at (`<channel>:<offset>`). */
export const PARKED_FROM = 'crosswire-parked-from';

/**
 * The dead letter for `consumed`, as a message of the adapter that read it. Its origin is the channel
 * position (`<consumer>:<channel>`, the offset), so parking the same message twice, before and after a
 * failover, adds it once.
 */
export function parkedMessage(consumed: ConsumedMessage, reason: string, adapterId: string, consumer: string): Message {
  return {
    ...consumed.message,
    headers: { ...consumed.message.headers, [DEAD_LETTER_REASON]: reason, [PARKED_FROM]: `${consumed.channel}:${consumed.offset}` },
    origin: { adapterId, session: `${consumer}:${consumed.channel}`, seq: consumed.offset },
  };
}
