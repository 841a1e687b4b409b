/**
 * The message model every connector, pipeline and channel shares: headers, a body that is either FIX
 * fields or JSON, where it came from and when it was received. Plain data, never mutated: pipeline
 * steps return new messages.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One FIX field, `[tag, value]`, in wire order; repeated tags and group runs are kept as they came. */
export type FieldPair = readonly [tag: number, value: string];

export type MessageBody =
  | { readonly kind: 'fix'; readonly fields: readonly FieldPair[] }
  | { readonly kind: 'json'; readonly value: JsonValue };

export interface MessageOrigin {
  /** The adapter that received the message. */
  readonly adapterId: string;
  /**
   * One run of sequence numbers at that adapter: for FIX the session key and its creation time (see
   * `fixOriginSession`), so a sequence reset starts a new run and old and new seq 1 never collide.
   */
  readonly session: string;
  /** The message's number in that run (FIX MsgSeqNum, a NATS stream sequence, a frame counter). */
  readonly seq: number;
}

export interface Message {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: MessageBody;
  readonly origin: MessageOrigin;
  /** RFC 3339, when the receiving connector had the whole message. */
  readonly receivedAt: string;
}

/** The origin session of a FIX session's current run of sequence numbers. */
export function fixOriginSession(sessionKey: string, creationTime: Date): string {
  return `${sessionKey}@${creationTime.toISOString()}`;
}

/** The identity exactly-once is built on: the same origin message is the same message. */
export function originKey(origin: MessageOrigin): string {
  return `${origin.adapterId}|${origin.session}|${origin.seq}`;
}
