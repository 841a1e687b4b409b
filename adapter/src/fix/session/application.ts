/**
 * What a session offers the application above it, and the errors through which the application asks
 * the session to reject a message.
 */
import type { FixField, FixMessage } from '../codec/fix-message.ts';
import type { OffsetCommit } from './message-store.ts';

export interface SessionId {
  beginString: string;
  senderCompId: string;
  targetCompId: string;
}

export interface SendOptions {
  /**
   * The channel position this message was read at: stored in the same commit as the message, so the
   * position passes it exactly when it is stored for sending (a channel consumer's exactly-once).
   */
  offset?: OffsetCommit;
}

export interface SessionHandle {
  readonly id: SessionId;
  readonly isLoggedOn: boolean;
  /** True once the session has stopped for good (its lease is lost, or it was halted); a dropped connection is not that. */
  readonly isStopped: boolean;
  /**
   * Sends an application message with a fresh header. Resolves true once the message has its sequence
   * number and its store write is queued: it goes on the wire, in sequence order, as soon as that write
   * commits, and everything the session stores afterwards (the advance past the message being handled,
   * when sent from `onMessage`) commits with it or after it. If the store write fails, the connection
   * drops and none of it is sent. False when the session is not logged on (nothing is stored or sent
   * then). Use `flush` to wait until it is stored.
   */
  send(msgType: string, body: Iterable<FixField> | FixMessage, header?: Iterable<FixField>, options?: SendOptions): Promise<boolean>;
  /**
   * Resolves true once every message sent so far is in the store (so it is on the wire, or will be
   * resent when the counterparty asks); false when a store write failed (the connection dropped; see
   * `isStopped` for whether the session will come back).
   */
  flush(): Promise<boolean>;
}

export interface FixApplication {
  onLogon?(session: SessionHandle): void | Promise<void>;
  onLogout?(session: SessionHandle): void | Promise<void>;
  /**
   * An application message that passed session checks. The session advances the inbound sequence
   * number after this resolves. Throw a BusinessRejectError or FieldRejectError to reject it, a
   * DeliveryFailedError to refuse it without advancing (the counterparty sends it again), or a
   * StoreFencedError to stop the session at once.
   */
  onMessage(message: FixMessage, session: SessionHandle): void | Promise<void>;
  /**
   * Every message the session reads (`received` once parsed, `garbled` when it cannot be) or writes new
   * (`sent`; resends are not counted again), admin messages included: for message counters. Called
   * synchronously on the hot path, so it must only count and never throw. `bytes` is the message as on
   * the wire (for the message trace), valid during the call only.
   */
  onTraffic?(event: 'received' | 'sent' | 'garbled', msgType: string, bytes: Buffer): void;
}

/** Answered with a BusinessMessageReject (35=j), or a Reject (35=3) with text before FIX 4.2. */
export class BusinessRejectError extends Error {
  constructor(
    readonly reason: number,
    readonly refTag?: number,
    text?: string,
  ) {
    super(text ?? `business reject ${reason}`);
    this.name = 'BusinessRejectError';
  }
}

/** The application does not handle this MsgType. */
export class UnsupportedMessageTypeError extends BusinessRejectError {
  constructor() {
    super(3);
    this.name = 'UnsupportedMessageTypeError';
  }
}

/** Answered with a session Reject (35=3) with this SessionRejectReason (373) and RefTagID (371). */
export class FieldRejectError extends Error {
  constructor(
    readonly reason: number,
    readonly refTag?: number,
  ) {
    super(`session reject ${reason}${refTag === undefined ? '' : ` tag ${refTag}`}`);
    this.name = 'FieldRejectError';
  }
}

/**
 * The application could not take the message (its channel append failed): the session ends the
 * connection without advancing the inbound sequence number, so after reconnecting the counterparty is
 * asked for the message again. Nothing is rejected: the message was fine, the delivery was not.
 */
export class DeliveryFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryFailedError';
  }
}
