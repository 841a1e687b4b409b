/**
 * Where a session keeps its sequence numbers and the messages it sent, for resends.
 *
 * Every method is async and every write may fail: the production store (PostgreSQL) refuses writes from
 * a pod whose lease epoch is stale. A session treats any rejected call as "fenced": it stops at once
 * and sends nothing more. Writes always happen before the bytes go on the wire, so a fenced pod can
 * never send a message that the store does not have.
 */

export interface StoredMessage {
  seqNum: number;
  /** The message exactly as first sent. */
  message: Buffer;
}

export interface StoreSnapshot {
  nextSenderSeqNum: number;
  nextTargetSeqNum: number;
  /** When the sequence numbers were last reset; drives the daily reset of scheduled sessions. */
  creationTime: Date;
}

/**
 * Calls take effect in the order they are made, and their promises settle in that order: a session
 * queues a write and goes on (the next message gets its sequence number at once) and puts the bytes on
 * the wire only when the write has settled. A store may gather writes made close together into one
 * commit. A write that fails fails every write made after it until the next `load`, so a store never
 * keeps a later message past a refused one.
 */
export interface MessageStore {
  /** Reads the current state; called when a session starts and after a reset. */
  load(): Promise<StoreSnapshot>;
  /**
   * Records that `seqNum` was sent: the next sender sequence number becomes `seqNum + 1` and, when
   * `message` is given (application messages), the bytes are kept for resends. One atomic write.
   * Session-level messages pass `null`: they are gap-filled, never resent. `offset`: the channel
   * position the message was consumed at, moved in the same commit (see OffsetCommit).
   */
  saveSent(seqNum: number, message: Buffer | null, offset?: OffsetCommit): Promise<void>;
  setNextSenderSeqNum(seqNum: number): Promise<void>;
  setNextTargetSeqNum(seqNum: number): Promise<void>;
  /** Stored messages with `begin <= seqNum <= end`, in sequence order. */
  getSent(begin: number, end: number): Promise<StoredMessage[]>;
  /** Both sequence numbers back to 1, stored messages dropped, creation time now. */
  reset(): Promise<void>;
  /** Releases resources; the store is not used afterwards. */
  close?(): Promise<void>;
}

/**
 * A channel consumer's offset move carried by a sent message: the store moves the offset in the same
 * commit that keeps the message, so a message taken from a channel is stored for sending (and
 * resending) exactly when the channel position passes it. Only the PostgreSQL store keeps channels;
 * connectors consume channels only with it.
 */
export interface OffsetCommit {
  /** The channel the message was read from. */
  readonly channel: string;
  /** The committed offset before this message: compare-and-set, refused if it moved. */
  readonly from: number;
  /** The message's offset. */
  readonly to: number;
}

/** Identifies a session to a store factory. */
export interface SessionKey {
  beginString: string;
  senderCompId: string;
  targetCompId: string;
}

export type MessageStoreFactory = (session: SessionKey) => MessageStore | Promise<MessageStore>;

/** Thrown by a store whose writes were refused because this pod no longer holds the lease. */
export class StoreFencedError extends Error {
  constructor(message = 'message store write refused: lease epoch is stale') {
    super(message);
    this.name = 'StoreFencedError';
  }
}
