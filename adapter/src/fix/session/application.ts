/**
 * What a session offers the application above it, and the errors through which the application asks
 * the session to reject a message.
 */
import type { FixField, FixMessage } from '../codec/fix-message.ts';

export interface SessionId {
  beginString: string;
  senderCompId: string;
  targetCompId: string;
}

export interface SessionHandle {
  readonly id: SessionId;
  readonly isLoggedOn: boolean;
  /**
   * Sends an application message with a fresh header. Resolves true once it is stored and written to
   * the connection; false when the session is not logged on (nothing is stored or sent then).
   */
  send(msgType: string, body: Iterable<FixField> | FixMessage, header?: Iterable<FixField>): Promise<boolean>;
}

export interface FixApplication {
  onLogon?(session: SessionHandle): void | Promise<void>;
  onLogout?(session: SessionHandle): void | Promise<void>;
  /**
   * An application message that passed session checks. The session advances the inbound sequence
   * number after this resolves. Throw a BusinessRejectError or FieldRejectError to reject it.
   */
  onMessage(message: FixMessage, session: SessionHandle): void | Promise<void>;
  /**
   * Every message the session reads (`received` once parsed, `garbled` when it cannot be) or writes new
   * (`sent`; resends are not counted again), admin messages included: for message counters. Called
   * synchronously on the hot path, so it must only count and never throw.
   */
  onTraffic?(event: 'received' | 'sent' | 'garbled', msgType: string): void;
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
