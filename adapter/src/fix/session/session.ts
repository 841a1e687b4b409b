/**
 * The FIX session state machine, transport-agnostic.
 *
 * Inputs: framed bytes (or parsed messages) from the connection, timer ticks, and application sends.
 * Outputs: bytes for the connection, disconnect requests, events, and application callbacks.
 *
 * Behaviour follows QuickFIX's Session (the reference the acceptance scripts were written against):
 * the same order of checks, the same choice of Reject / Logout / ResendRequest, the same wording.
 * Where this engine differs it says why below.
 *
 * Concurrency: incoming messages and ticks are processed strictly one after another. Outgoing
 * messages are pipelined: a message gets its sequence number and its store write is queued at once,
 * and its bytes are handed to the connection when that write has committed, always in sequence-number
 * order. The inbound sequence number advance is queued the same way, behind the writes of any reply
 * the application sent while handling the message, so the store (which may commit several queued
 * writes at once) never records a message as processed without its reply. No byte goes on the wire
 * before its store write committed.
 *
 * A failed write drops the connection without sending anything more. When the lease is lost
 * (StoreFencedError) the session stops for good. Otherwise the database is taken to be unreachable
 * for now: the session reloads its sequence numbers from the store, retrying with backoff, and
 * refuses connections until it has; what was numbered but never stored is numbered again, and what
 * was stored but never sent is resent when the counterparty asks (FIX resend).
 */
import { timingSafeEqual } from 'node:crypto';
import { encodeMessage } from '../codec/encoder.ts';
import { FixMessage, type FixField } from '../codec/fix-message.ts';
import { parseMessage } from '../codec/parser.ts';
import { MsgType, STANDARD_HEADER_TAGS, Tag, isAdminMsgType } from '../codec/tags.ts';
import { formatUtcTimestamp, parseUtcTimestamp } from '../codec/utc-timestamp.ts';
import type { DictionarySet } from '../dictionary/data-dictionary.ts';
import { SessionRejectReason, validateMessage } from '../dictionary/validate-message.ts';
import {
  BusinessRejectError,
  DeliveryFailedError,
  FieldRejectError,
  type FixApplication,
  type SendOptions,
  type SessionHandle,
  type SessionId,
} from './application.ts';
import { StoreFencedError, type MessageStore, type OffsetCommit, type StoreSnapshot } from './message-store.ts';
import { BUSINESS_REJECT_TEXT, BusinessRejectReason, SESSION_REJECT_TEXT } from './reject-text.ts';
import { applVerIdCode, versionRank, type SessionSettings } from './session-settings.ts';

export type FixEventLevel = 'debug' | 'info' | 'warn' | 'error';
export type FixEventCategory = 'connection' | 'action' | 'system' | 'message';

export interface FixEvent {
  level: FixEventLevel;
  category: FixEventCategory;
  message: string;
  details?: Record<string, unknown>;
}

export type FixEventSink = (event: FixEvent) => void;

/** The connection a session is currently bound to. */
export interface SessionLink {
  send(bytes: Buffer): void;
  /** Close the connection; `graceful` lets bytes already written go out first. */
  disconnect(reason: string, graceful: boolean): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface SessionOptions {
  settings: SessionSettings;
  store: MessageStore;
  dictionaries: DictionarySet;
  application: FixApplication;
  onEvent?: FixEventSink;
  clock?: Clock;
  /** Messages held while waiting for a resend; beyond this the connection is dropped. */
  maxQueuedMessages?: number;
}

/** Header tags the session writes itself; an application's copies of them are ignored. */
const SESSION_HEADER_TAGS: ReadonlySet<number> = new Set([8, 9, 10, 34, 35, 49, 52, 56, 43, 122]);

const ROUTE_REVERSAL: readonly (readonly [number, number])[] = [
  [Tag.OnBehalfOfCompID, Tag.DeliverToCompID],
  [Tag.OnBehalfOfSubID, Tag.DeliverToSubID],
  [Tag.OnBehalfOfLocationID, Tag.DeliverToLocationID],
  [Tag.DeliverToCompID, Tag.OnBehalfOfCompID],
  [Tag.DeliverToSubID, Tag.OnBehalfOfSubID],
  [Tag.DeliverToLocationID, Tag.OnBehalfOfLocationID],
];

const FAILED = Symbol('store call failed');
/** Backoff between attempts to reload the store after a failed write. */
const STORE_RETRY_MIN_MS = 250;
const STORE_RETRY_MAX_MS = 5_000;

/** A message with its sequence number, waiting for its store write before it goes on the wire. */
interface Outgoing {
  seqNum: number;
  msgType: string;
  bytes: Buffer;
  /** Logon, Logout, ResendRequest and SequenceReset go out before logon completes too. */
  alwaysSent: boolean;
  /** The connection it was numbered for: never written to a later one (only resent on request). */
  link: SessionLink;
  stored: boolean;
  write: Promise<void>;
  /** Told whether the bytes went out; only the session's own messages wait for that. */
  settle: ((written: boolean) => void) | undefined;
}

interface ResendRange {
  begin: number;
  /** Last sequence number asked for in the current request (a chunk, or the whole gap). */
  end: number;
  /** Last sequence number of the whole gap. */
  target: number;
}

export class Session {
  readonly id: SessionId;
  readonly handle: SessionHandle;
  private readonly settings: SessionSettings;
  private readonly store: MessageStore;
  private readonly dictionaries: DictionarySet;
  private readonly application: FixApplication;
  private readonly emit: FixEventSink;
  private readonly clock: Clock;
  private readonly maxQueued: number;
  private readonly rank: number;

  private link: SessionLink | undefined;
  private nextSender = 1;
  private nextTarget = 1;
  private creationTime = 0;
  private heartBtInt: number;
  private receivedLogon = false;
  private sentLogon = false;
  private sentLogout = false;
  private sentReset = false;
  private receivedReset = false;
  private lastSentAt = 0;
  private lastReceivedAt = 0;
  private testRequestCount = 0;
  private readonly queue = new Map<number, FixMessage>();
  private resendRange: ResendRange | undefined;
  private fenced = false;
  /** Set while the store is being reloaded after a failed write (not a lost lease). */
  private storeRecovery: Promise<void> | undefined;
  private started = false;
  private incoming: Promise<void> = Promise.resolve();
  /** Messages in sequence order whose bytes have not gone out yet. */
  private outgoing: Outgoing[] = [];
  /** While a resend is answered, newer messages are held back (see nextResendRequest). */
  private holdAbove = Number.POSITIVE_INFINITY;
  private drainWaiters: (() => void)[] = [];
  private readonly onStoreError = (error: unknown): void => this.storeFailed(error);

  constructor(options: SessionOptions) {
    this.settings = options.settings;
    this.store = options.store;
    this.dictionaries = options.dictionaries;
    this.application = options.application;
    this.emit = options.onEvent ?? (() => undefined);
    this.clock = options.clock ?? systemClock;
    this.maxQueued = options.maxQueuedMessages ?? 10_000;
    this.rank = versionRank(this.settings.beginString);
    this.heartBtInt = this.settings.heartBtInt;
    this.id = {
      beginString: this.settings.beginString,
      senderCompId: this.settings.senderCompId,
      targetCompId: this.settings.targetCompId,
    };
    const isLoggedOn = (): boolean => this.isLoggedOn;
    const isStopped = (): boolean => this.fenced;
    this.handle = {
      id: this.id,
      get isLoggedOn() {
        return isLoggedOn();
      },
      get isStopped() {
        return isStopped();
      },
      send: (msgType, body, header, options) => this.sendApplication(msgType, body, header, options),
      flush: () => this.whenStored(),
    };
  }

  get isLoggedOn(): boolean {
    return this.receivedLogon && this.sentLogon;
  }

  get isConnected(): boolean {
    return this.link !== undefined;
  }

  /** True once a store write was refused for a lost lease, or the session was halted: it will never send again. */
  get isFenced(): boolean {
    return this.fenced;
  }

  /** True while the store is being reloaded after a failed write: connections are refused until it is. */
  get isRecoveringStore(): boolean {
    return this.storeRecovery !== undefined;
  }

  get nextSenderSeqNum(): number {
    return this.nextSender;
  }

  get nextTargetSeqNum(): number {
    return this.nextTarget;
  }

  get label(): string {
    return `${this.settings.beginString}:${this.settings.senderCompId}->${this.settings.targetCompId}`;
  }

  /** Loads the sequence numbers; must complete before the session is attached to a connection. */
  async start(): Promise<void> {
    this.useSnapshot(await this.store.load());
    this.started = true;
  }

  private useSnapshot(snapshot: StoreSnapshot): void {
    this.nextSender = snapshot.nextSenderSeqNum;
    this.nextTarget = snapshot.nextTargetSeqNum;
    this.creationTime = snapshot.creationTime.getTime();
  }

  /** Binds a new connection. An initiator sends its Logon on the next tick. */
  attach(link: SessionLink): void {
    if (!this.started) throw new Error('Session.start() must complete before attach()');
    if (this.fenced) {
      link.disconnect('session stopped: message store refused a write', false);
      return;
    }
    if (this.storeRecovery) {
      link.disconnect('message store unavailable: reloading the sequence numbers', false);
      return;
    }
    this.link = link;
    this.lastReceivedAt = this.clock.now();
    this.lastSentAt = this.clock.now();
    this.testRequestCount = 0;
  }

  /** The connection closed (by either side). Ignored when the session already let go of that link. */
  detached(link: SessionLink, reason: string): Promise<void> {
    if (this.link !== link) return Promise.resolve();
    // Let go at once, so that a client reconnecting right away is not taken for a duplicate logon;
    // the clean-up is queued ahead of anything the new connection sends.
    this.link = undefined;
    return this.serially(async () => {
      this.event('info', 'connection', `Connection closed: ${reason}`);
      await this.cleanUpAfterDisconnect(reason);
    });
  }

  /** Bytes of one framed message from the connection. */
  receive(frame: Buffer): Promise<void> {
    return this.serially(async () => {
      if (!this.link || this.fenced) return;
      const parsed = parseMessage(frame);
      if (!parsed.ok) {
        this.application.onTraffic?.('garbled', parsed.msgType ?? '', frame);
        this.event('warn', 'message', `Ignored a garbled message: ${parsed.reason}`);
        if (parsed.msgType === MsgType.Logon || !this.isLoggedOn) await this.disconnect('garbled message before logon completed');
        return;
      }
      this.application.onTraffic?.('received', parsed.message.msgType, frame);
      await this.next(parsed.message, false);
    });
  }

  /** Timer: heartbeats, test requests, timeouts, the initiator's Logon, the schedule. */
  tick(): Promise<void> {
    return this.serially(() => this.onTimer());
  }

  /** Starts a Logout handshake (disable, schedule end, clean shutdown). */
  logout(text?: string): Promise<void> {
    return this.serially(async () => {
      if (!this.link) return;
      if (!this.isLoggedOn) {
        await this.disconnect(text ?? 'logout requested before logon completed');
        return;
      }
      if (!this.sentLogout) await this.generateLogout(text);
    });
  }

  /**
   * Stops at once without sending another byte: the lease is lost or the pod is shutting down hard.
   * Later calls to the session do nothing.
   */
  halt(reason: string): void {
    this.fenced = true;
    this.receivedLogon = false;
    this.sentLogon = false;
    this.queue.clear();
    this.dropConnection(reason);
  }

  /** Lets go of the connection without another byte; whatever was waiting for its store write is dropped. */
  private dropConnection(reason: string): SessionLink | undefined {
    const link = this.link;
    this.link = undefined;
    link?.disconnect(reason, false);
    const dropped = this.outgoing;
    this.outgoing = [];
    for (const entry of dropped) entry.settle?.(false);
    this.wakeDrainWaiters();
    return link;
  }

  /** Operator action: both sequence numbers back to 1. */
  reset(): Promise<void> {
    return this.serially(async () => {
      if (this.link) await this.disconnect('session reset by operator');
      await this.resetStore();
    });
  }

  /** Operator action: set the sequence numbers (only while disconnected makes sense, as in QuickFIX). */
  setSequenceNumbers(nextSender: number, nextTarget: number): Promise<void> {
    return this.serially(async () => {
      const done = await this.guard(async () => {
        await this.store.setNextSenderSeqNum(nextSender);
        await this.store.setNextTargetSeqNum(nextTarget);
      });
      if (done === FAILED) return;
      this.nextSender = nextSender;
      this.nextTarget = nextTarget;
    });
  }

  /** Whether the schedule (if any) allows the session to be up now. */
  isInSession(): boolean {
    return this.settings.schedule?.isInSession(this.clock.now()) ?? true;
  }

  // ---------------------------------------------------------------------------------------------
  // Incoming messages

  private async next(message: FixMessage, queued: boolean): Promise<void> {
    if (this.fenced || !this.link) return;
    const msgType = message.msgType;
    const beginString = message.get(Tag.BeginString);
    const isAdmin = isAdminMsgType(msgType);

    for (const tag of [Tag.SenderCompID, Tag.TargetCompID]) {
      if (!message.has(tag)) {
        await this.onFieldNotFound(message, tag, isAdmin);
        if (!queued) await this.nextQueued();
        return;
      }
    }

    if (beginString !== this.settings.beginString) {
      if (msgType === MsgType.Logout) {
        await this.nextLogout(message);
      } else {
        this.event('warn', 'message', `Incorrect BeginString ${beginString ?? ''}`);
        await this.generateLogout('Incorrect BeginString');
        this.incrementTarget();
      }
      if (!queued) await this.nextQueued();
      return;
    }

    if (msgType === MsgType.Logon && this.settings.beginString === 'FIXT.1.1' && !message.get(Tag.DefaultApplVerID)) {
      this.event('warn', 'message', 'Logon without DefaultApplVerID(1137)');
      await this.disconnect('Required field missing from logon');
      return;
    }

    if (isAdmin || this.settings.validateIncoming) {
      const failure = validateMessage(message, this.dictionaries, isAdmin);
      if (failure) {
        if (msgType === MsgType.Logon && !this.receivedLogon) {
          // QuickFIX cannot reject before logon either; it just drops the connection.
          this.event('warn', 'message', `Invalid Logon: ${SESSION_REJECT_TEXT[failure.reason] ?? failure.reason}`, { tag: failure.tag });
          await this.disconnect('invalid Logon message');
          return;
        }
        await this.generateReject(message, failure.reason, failure.tag);
        if (!queued) await this.nextQueued();
        return;
      }
    }

    switch (msgType) {
      case MsgType.Logon:
        await this.nextLogon(message);
        break;
      case MsgType.Heartbeat:
        await this.nextHeartbeat(message);
        break;
      case MsgType.TestRequest:
        await this.nextTestRequest(message);
        break;
      case MsgType.SequenceReset:
        await this.nextSequenceReset(message);
        break;
      case MsgType.Logout:
        await this.nextLogout(message);
        break;
      case MsgType.ResendRequest:
        await this.nextResendRequest(message);
        break;
      case MsgType.Reject:
        await this.nextReject(message);
        break;
      default:
        await this.nextApplication(message);
    }
    if (!queued) await this.nextQueued();
  }

  private async onFieldNotFound(message: FixMessage, tag: number, isAdmin: boolean): Promise<void> {
    if (this.rank >= 42 && !isAdmin) {
      await this.generateBusinessReject(message, BusinessRejectReason.ConditionallyRequiredFieldMissing, tag);
      return;
    }
    await this.generateReject(message, SessionRejectReason.RequiredTagMissing, tag);
    if (message.msgType === MsgType.Logon) await this.disconnect('Required field missing from logon');
  }

  private async nextLogon(logon: FixMessage): Promise<void> {
    const resetFlag = logon.get(Tag.ResetSeqNumFlag) === 'Y';
    this.receivedReset = resetFlag;
    if (resetFlag) {
      this.event('info', 'connection', 'Logon contains ResetSeqNumFlag=Y, resetting sequence numbers to 1');
      if (!this.sentReset) await this.resetStore();
    }
    const initiator = this.settings.role === 'initiator';
    if (initiator && !this.sentLogon && !resetFlag) {
      await this.disconnect('Received logon response before sending request');
      return;
    }
    if (!initiator && this.settings.resetOnLogon) await this.resetStore();
    if (!(await this.verify(logon, false, true))) return;

    if (!initiator) {
      const refusal = this.checkLogonTerms(logon);
      if (refusal) {
        this.event('warn', 'connection', `Logon refused: ${refusal}`);
        await this.generateLogout(refusal);
        await this.disconnect(`Logon refused: ${refusal}`);
        return;
      }
    }
    this.receivedLogon = true;

    if (!initiator || (this.receivedReset && !this.sentReset)) {
      if (!initiator) this.heartBtInt = logon.getInt(Tag.HeartBtInt) ?? this.heartBtInt;
      this.event('info', 'connection', 'Received logon request');
      await this.respondToLogon();
    } else {
      this.event('info', 'connection', 'Received logon response');
    }
    this.sentReset = false;
    this.receivedReset = false;

    const seqNum = logon.getInt(Tag.MsgSeqNum) ?? 0;
    if (seqNum > this.nextTarget && !resetFlag) {
      await this.doTargetTooHigh(logon);
    } else {
      this.incrementTarget();
      await this.nextQueued();
    }
    if (this.isLoggedOn) {
      this.event('info', 'connection', 'Logged on', { heartBtInt: this.heartBtInt });
      await this.callApplication(() => this.application.onLogon?.(this.handle));
    }
  }

  /** Our own terms for an acceptor's client: heartbeat range and credentials. */
  private checkLogonTerms(logon: FixMessage): string | undefined {
    const heartBtInt = logon.getInt(Tag.HeartBtInt);
    const { minHeartBtInt, maxHeartBtInt, username, password } = this.settings;
    if (heartBtInt === undefined || heartBtInt < 0) return 'HeartBtInt missing or invalid';
    if (minHeartBtInt !== undefined && heartBtInt < minHeartBtInt) return `HeartBtInt ${heartBtInt} below the minimum ${minHeartBtInt}`;
    if (maxHeartBtInt !== undefined && heartBtInt > maxHeartBtInt) return `HeartBtInt ${heartBtInt} above the maximum ${maxHeartBtInt}`;
    if (username !== undefined && username !== '') {
      const userOk = sameSecret(logon.get(Tag.Username) ?? '', username);
      const passwordOk = password === undefined || sameSecret(logon.get(Tag.Password) ?? '', password);
      if (!userOk || !passwordOk) return 'Invalid username or password';
    }
    return undefined;
  }

  private async nextHeartbeat(message: FixMessage): Promise<void> {
    if (!(await this.verify(message, true, true))) return;
    this.incrementTarget();
  }

  private async nextTestRequest(message: FixMessage): Promise<void> {
    if (!(await this.verify(message, true, true))) return;
    await this.generateHeartbeat(message.get(Tag.TestReqID));
    this.incrementTarget();
  }

  private async nextLogout(message: FixMessage): Promise<void> {
    if (!(await this.verify(message, false, false))) return;
    if (!this.sentLogout) {
      this.event('info', 'connection', 'Received logout request', text(message));
      await this.generateLogout();
    } else {
      this.event('info', 'connection', 'Received logout response');
    }
    this.incrementTarget();
    if (this.settings.resetOnLogout) await this.resetStore();
    await this.disconnect('logged out');
  }

  private async nextReject(message: FixMessage): Promise<void> {
    if (!(await this.verify(message, false, true))) return;
    this.event('warn', 'message', `Received Reject for message ${message.get(Tag.RefSeqNum) ?? '?'}`, text(message));
    this.incrementTarget();
  }

  private async nextSequenceReset(message: FixMessage): Promise<void> {
    const gapFill = message.get(Tag.GapFillFlag) === 'Y';
    if (!(await this.verify(message, gapFill, gapFill))) return;
    const newSeqNo = message.getInt(Tag.NewSeqNo);
    if (newSeqNo === undefined) return;
    this.event('info', 'message', `Received SequenceReset from ${this.nextTarget} to ${newSeqNo}`, { gapFill });
    if (newSeqNo > this.nextTarget) this.setTarget(newSeqNo);
    else if (newSeqNo < this.nextTarget) await this.generateReject(message, SessionRejectReason.ValueIsIncorrect);
  }

  private async nextResendRequest(message: FixMessage): Promise<void> {
    if (!(await this.verify(message, false, false))) return;
    const begin = message.getInt(Tag.BeginSeqNo) ?? 1;
    let end = message.getInt(Tag.EndSeqNo) ?? 0;
    this.event('info', 'message', `Received ResendRequest from ${begin} to ${end}`);
    // Everything sent so far goes out first; anything newer waits until the resend is on the wire,
    // so the answer is exactly what the store holds and nothing overtakes it.
    const lastSent = this.nextSender - 1;
    this.holdAbove = lastSent;
    try {
      await this.drained();
      if ((this.rank >= 42 && end === 0) || (this.rank <= 42 && end === 999999) || end > lastSent) end = lastSent;
      const stored = end >= begin ? await this.guard(() => this.store.getSent(begin, end)) : [];
      if (stored === FAILED) return;
      let gapStart = 0;
      let current = begin;
      for (const { seqNum, message: bytes } of stored) {
        if (seqNum !== current && gapStart === 0) gapStart = current;
        const resend = this.buildResend(bytes);
        if (resend) {
          if (gapStart !== 0) this.sendGapFill(gapStart, seqNum);
          this.transmit(resend);
          gapStart = 0;
        } else if (gapStart === 0) {
          gapStart = seqNum;
        }
        current = seqNum + 1;
      }
      if (gapStart !== 0) this.sendGapFill(gapStart, current);
      else if (end >= current) this.sendGapFill(current, Math.min(end + 1, lastSent + 1));
    } finally {
      this.holdAbove = Number.POSITIVE_INFINITY;
      this.drainOutgoing();
    }
    const seqNum = message.getInt(Tag.MsgSeqNum) ?? 0;
    if (seqNum === this.nextTarget) this.incrementTarget();
    else if (seqNum > this.nextTarget) this.queueMessage(seqNum, message);
  }

  private async nextApplication(message: FixMessage): Promise<void> {
    let verified: boolean;
    try {
      verified = await this.verify(message, true, true);
    } catch (error) {
      await this.onApplicationError(message, error);
      return;
    }
    if (verified) this.incrementTarget();
  }

  private async onApplicationError(message: FixMessage, error: unknown): Promise<void> {
    if (error instanceof BusinessRejectError) {
      if (this.rank >= 42) await this.generateBusinessReject(message, error.reason, error.refTag);
      else await this.generateTextReject(message, BUSINESS_REJECT_TEXT[error.reason] ?? error.message);
    } else if (error instanceof FieldRejectError) {
      await this.generateReject(message, error.reason, error.refTag);
    } else if (error instanceof StoreFencedError) {
      // The application's own write was refused for a lost lease: another pod holds the session now.
      this.event('error', 'system', `Message ${message.get(Tag.MsgSeqNum) ?? '?'} not delivered, lease lost; stopping the session without sending: ${errorText(error)}`);
      this.halt('message store refused a write');
    } else if (error instanceof DeliveryFailedError) {
      // Not advancing and dropping the connection: after the next Logon the number is still expected,
      // so the counterparty is asked to send it again.
      const seq = message.get(Tag.MsgSeqNum) ?? '?';
      this.event('error', 'message', `Message ${seq} could not be delivered; disconnecting without accepting it, so it is sent again: ${error.message}`, { seqNum: seq });
      await this.disconnect(`message ${seq} could not be delivered`);
    } else {
      this.event('error', 'message', `Application failed to process message ${message.get(Tag.MsgSeqNum) ?? '?'}: ${errorText(error)}`);
      this.incrementTarget();
    }
  }

  /**
   * The checks every message goes through (QuickFIX's Session::verify). Calls the application for an
   * application message that passes. False when the message must not be processed further.
   */
  private async verify(message: FixMessage, checkTooHigh: boolean, checkTooLow: boolean): Promise<boolean> {
    const msgType = message.msgType;
    const sender = message.get(Tag.SenderCompID);
    const target = message.get(Tag.TargetCompID);
    const sendingTime = message.get(Tag.SendingTime);
    const seqNum = message.getInt(Tag.MsgSeqNum);
    if (sender === undefined || target === undefined || sendingTime === undefined || ((checkTooHigh || checkTooLow) && seqNum === undefined)) {
      await this.disconnect('message without a required header field');
      return false;
    }
    if (!this.validLogonState(msgType)) {
      await this.disconnect('Logon state is not valid for message');
      return false;
    }
    if (!this.isGoodTime(sendingTime)) {
      if (await this.generateReject(message, SessionRejectReason.SendingTimeAccuracyProblem)) await this.generateLogout();
      else await this.disconnect('SendingTime accuracy problem');
      return false;
    }
    if (sender !== this.settings.targetCompId || target !== this.settings.senderCompId) {
      if (await this.generateReject(message, SessionRejectReason.CompIdProblem)) await this.generateLogout();
      else await this.disconnect('CompID problem');
      return false;
    }
    if (checkTooHigh && seqNum! > this.nextTarget) {
      await this.doTargetTooHigh(message);
      return false;
    }
    if (checkTooLow && seqNum! < this.nextTarget) {
      await this.doTargetTooLow(message);
      return false;
    }
    if ((checkTooHigh || checkTooLow) && this.resendRange && seqNum! >= this.resendRange.end) {
      await this.onResendRangeReached();
    }
    this.lastReceivedAt = this.clock.now();
    this.testRequestCount = 0;
    if (!isAdminMsgType(msgType)) await this.application.onMessage(message, this.handle);
    return true;
  }

  private validLogonState(msgType: string): boolean {
    if ((msgType === MsgType.Logon && this.sentReset) || this.receivedReset) return true;
    if ((msgType === MsgType.Logon && !this.receivedLogon) || (msgType !== MsgType.Logon && this.receivedLogon)) return true;
    if (msgType === MsgType.Logout && this.sentLogon) return true;
    if (msgType !== MsgType.Logout && this.sentLogout) return true;
    return msgType === MsgType.SequenceReset || msgType === MsgType.Reject;
  }

  private isGoodTime(sendingTime: string): boolean {
    const at = parseUtcTimestamp(sendingTime);
    if (at === undefined) return false;
    return Math.abs(this.clock.now() - at) <= this.settings.sendingTimeToleranceSeconds * 1000;
  }

  private async doTargetTooHigh(message: FixMessage): Promise<void> {
    const seqNum = message.getInt(Tag.MsgSeqNum) ?? 0;
    this.event('info', 'message', `MsgSeqNum too high, expecting ${this.nextTarget} but received ${seqNum}`);
    if (!this.queueMessage(seqNum, message)) return;
    if (this.resendRange && seqNum >= this.resendRange.begin) {
      // A request covering this gap is already out; asking again would only duplicate the resend.
      return;
    }
    await this.generateResendRequest(seqNum);
  }

  private queueMessage(seqNum: number, message: FixMessage): boolean {
    if (this.queue.size >= this.maxQueued && !this.queue.has(seqNum)) {
      void this.disconnect(`more than ${this.maxQueued} messages queued waiting for a resend`);
      return false;
    }
    this.queue.set(seqNum, message);
    return true;
  }

  private async doTargetTooLow(message: FixMessage): Promise<void> {
    const seqNum = message.getInt(Tag.MsgSeqNum) ?? 0;
    if (message.get(Tag.PossDupFlag) !== 'Y') {
      const reason = `MsgSeqNum too low, expecting ${this.nextTarget} but received ${seqNum}`;
      this.event('error', 'message', reason);
      await this.generateLogout(reason);
      await this.disconnect(reason);
      return;
    }
    if (message.msgType === MsgType.SequenceReset) return;
    const origSendingTime = message.get(Tag.OrigSendingTime);
    if (origSendingTime === undefined) {
      await this.generateReject(message, SessionRejectReason.RequiredTagMissing, Tag.OrigSendingTime);
      return;
    }
    const orig = parseUtcTimestamp(origSendingTime);
    const sent = parseUtcTimestamp(message.get(Tag.SendingTime) ?? '');
    if (orig !== undefined && sent !== undefined && orig > sent) {
      await this.generateReject(message, SessionRejectReason.SendingTimeAccuracyProblem);
      await this.generateLogout();
    }
  }

  /** A message reached the end of the requested range: ask for the next chunk, or stop waiting. */
  private async onResendRangeReached(): Promise<void> {
    const range = this.resendRange!;
    if (range.end < range.target) {
      const begin = range.end + 1;
      const end = Math.min(range.target, begin + this.settings.resendChunkSize - 1);
      this.resendRange = { begin, end, target: range.target };
      await this.sendResendRequest(begin, end);
    } else {
      this.event('info', 'message', `ResendRequest from ${range.begin} to ${range.target} has been satisfied`);
      this.resendRange = undefined;
    }
  }

  private async nextQueued(): Promise<void> {
    for (;;) {
      if (this.fenced || !this.link) return;
      const message = this.queue.get(this.nextTarget);
      if (!message) return;
      this.queue.delete(this.nextTarget);
      this.event('debug', 'message', `Processing queued message ${this.nextTarget}`);
      const msgType = message.msgType;
      if (msgType === MsgType.Logon || msgType === MsgType.ResendRequest) this.incrementTarget();
      else await this.next(message, true);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Timer

  private async onTimer(): Promise<void> {
    if (this.fenced) return;
    const now = this.clock.now();
    const schedule = this.settings.schedule;
    if (schedule) {
      if (!schedule.isInSession(now)) {
        if (this.isLoggedOn && !this.sentLogout) await this.generateLogout('Session end');
        else if (this.link && !this.isLoggedOn) await this.disconnect('outside the session schedule');
      } else if (schedule.dailyReset && !this.link && this.creationTime < schedule.periodStart(now)) {
        this.event('info', 'action', 'Daily sequence reset');
        await this.resetStore();
      }
    }
    if (!this.link) return;

    if (!this.receivedLogon) {
      if (this.settings.role === 'initiator' && !this.sentLogon) {
        if (this.isInSession()) await this.generateLogon();
      } else if (now - this.lastReceivedAt >= this.settings.logonTimeoutSeconds * 1000) {
        await this.disconnect('Timed out waiting for logon');
      }
      return;
    }

    if (this.sentLogout && now - this.lastSentAt >= this.settings.logoutTimeoutSeconds * 1000) {
      await this.disconnect('Timed out waiting for logout response');
      return;
    }
    const interval = this.heartBtInt * 1000;
    if (interval <= 0) return;
    const sinceSent = now - this.lastSentAt;
    const sinceReceived = now - this.lastReceivedAt;
    if (sinceSent < interval && sinceReceived < interval) return;
    if (sinceReceived >= 2.4 * interval) {
      await this.disconnect('Timed out waiting for heartbeat');
    } else if (sinceReceived >= 1.2 * (this.testRequestCount + 1) * interval) {
      await this.generateTestRequest('TEST');
      this.testRequestCount++;
      this.event('info', 'connection', 'Sent test request TEST');
    } else if (sinceSent >= interval && this.testRequestCount === 0) {
      await this.generateHeartbeat();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Outgoing messages

  private sendApplication(msgType: string, body: Iterable<FixField> | FixMessage, header?: Iterable<FixField>, options?: SendOptions): Promise<boolean> {
    if (isAdminMsgType(msgType)) return Promise.reject(new Error(`MsgType ${msgType} is a session message; the session sends those itself`));
    const extra: FixField[] = header ? [...header] : [];
    const fields: FixField[] = [];
    const source = body instanceof FixMessage ? body.fields() : body;
    for (const field of source) {
      if (SESSION_HEADER_TAGS.has(field[0])) continue;
      if (STANDARD_HEADER_TAGS.has(field[0])) extra.push(field);
      else fields.push(field);
    }
    return Promise.resolve(this.enqueue(msgType, fields, extra, options?.offset) !== undefined);
  }

  /**
   * Sends with the next sequence number: stored first, then written. Session messages that only
   * make sense once logged on are stored but not written before that, as QuickFIX does. Resolves
   * once the bytes went out (true) or were dropped (false).
   */
  private sendRaw(msgType: string, body: FixField[], extraHeader: FixField[] = []): Promise<boolean> {
    let settle: ((written: boolean) => void) | undefined;
    const written = new Promise<boolean>((resolve) => (settle = resolve));
    const entry = this.enqueue(msgType, body, extraHeader);
    if (!entry) return Promise.resolve(false);
    entry.settle = settle;
    return written;
  }

  /**
   * Gives the message the next sequence number and queues its store write; the bytes follow when the
   * write commits. Undefined when it cannot be sent at all.
   */
  private enqueue(msgType: string, body: FixField[], extraHeader: FixField[], offset?: OffsetCommit): Outgoing | undefined {
    const link = this.link;
    if (this.fenced || !link) return undefined;
    const admin = isAdminMsgType(msgType);
    // An application message that cannot go out now is refused rather than stored: the caller
    // (a channel consumer) keeps it and retries, so nothing is stored that the peer never saw.
    if (!admin && !this.isLoggedOn) return undefined;
    const alwaysSent = msgType === 'A' || msgType === '5' || msgType === '2' || msgType === '4';
    const seqNum = this.nextSender;
    const bytes = this.encode(msgType, seqNum, this.sendingTime(), this.routingHeader(extraHeader), body);
    this.nextSender = seqNum + 1;
    const write = this.store.saveSent(seqNum, admin ? null : bytes, offset);
    const entry: Outgoing = { seqNum, msgType, bytes, alwaysSent, link, stored: false, write, settle: undefined };
    this.outgoing.push(entry);
    write.then(() => {
      entry.stored = true;
      this.drainOutgoing();
    }, this.onStoreError);
    return entry;
  }

  /** Hands every committed message at the head of the queue to the connection, in order. */
  private drainOutgoing(): void {
    const queue = this.outgoing;
    let taken = 0;
    while (taken < queue.length) {
      const entry = queue[taken]!;
      if (!entry.stored || entry.seqNum > this.holdAbove) break;
      taken++;
      const sent = !this.fenced && this.link === entry.link && (entry.alwaysSent || this.isLoggedOn);
      if (sent) {
        this.application.onTraffic?.('sent', entry.msgType, entry.bytes);
        this.transmit(entry.bytes);
      }
      entry.settle?.(sent);
    }
    if (taken > 0) queue.splice(0, taken);
    if (this.drainWaiters.length > 0 && (queue.length === 0 || queue[0]!.seqNum > this.holdAbove)) this.wakeDrainWaiters();
  }

  /** Resolves when no message up to `holdAbove` is waiting for its store write. */
  private drained(): Promise<void> {
    const queue = this.outgoing;
    if (queue.length === 0 || queue[0]!.seqNum > this.holdAbove) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }

  /** The application's `flush`: true once everything sent so far is in the store. */
  private async whenStored(): Promise<boolean> {
    if (this.outgoing.length > 0) {
      try {
        await Promise.all(this.outgoing.map((entry) => entry.write));
      } catch {
        return false;
      }
    }
    return !this.fenced && !this.storeRecovery;
  }

  /** A store call failed: drop the connection at once; nothing queued behind it goes out. */
  private storeFailed(error: unknown): void {
    if (this.fenced) return;
    if (error instanceof StoreFencedError) {
      this.event('error', 'system', `Message store refused a write, the lease is lost; stopping the session without sending: ${errorText(error)}`);
      this.halt('message store refused a write');
      return;
    }
    if (this.storeRecovery) return;
    this.event('error', 'system', `Message store call failed; disconnecting without sending, and reloading the sequence numbers before the next logon: ${errorText(error)}`);
    this.storeRecovery = this.recoverStore();
    if (this.dropConnection('message store unavailable')) void this.serially(() => this.cleanUpAfterDisconnect('message store unavailable'));
  }

  /**
   * Reloads the sequence numbers until the store answers (backing off to 5 s), so that the next
   * connection starts from what was stored, not from what was only numbered in memory.
   */
  private async recoverStore(): Promise<void> {
    for (let attempt = 0; !this.fenced; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(STORE_RETRY_MAX_MS, STORE_RETRY_MIN_MS * 2 ** attempt)).unref());
      if (this.fenced) return;
      try {
        const snapshot = await this.store.load();
        // Behind any clean-up still queued; no connection is attached meanwhile.
        await this.serially(() => {
          this.useSnapshot(snapshot);
          this.storeRecovery = undefined;
          return Promise.resolve();
        });
        this.event('info', 'system', `Message store reachable again; next sender ${this.nextSender}, next target ${this.nextTarget}`);
        return;
      } catch (error) {
        if (error instanceof StoreFencedError) {
          this.storeRecovery = undefined;
          this.storeFailed(error);
          return;
        }
        if (attempt === 0) this.event('warn', 'system', `Message store still unavailable, retrying: ${errorText(error)}`);
      }
    }
  }

  private routingHeader(extra: FixField[]): FixField[] {
    const { senderSubId, senderLocationId, targetSubId } = this.settings;
    const out: FixField[] = [];
    if (senderSubId) out.push([Tag.SenderSubID, senderSubId]);
    if (senderLocationId) out.push([Tag.SenderLocationID, senderLocationId]);
    if (targetSubId) out.push([Tag.TargetSubID, targetSubId]);
    return out.length === 0 ? extra : [...out, ...extra];
  }

  private encode(msgType: string, seqNum: number, sendingTime: string, extra: FixField[], body: FixField[]): Buffer {
    return encodeMessage(
      {
        beginString: this.settings.beginString,
        msgType,
        senderCompId: this.settings.senderCompId,
        targetCompId: this.settings.targetCompId,
        msgSeqNum: seqNum,
        sendingTime,
        extra,
      },
      body,
    );
  }

  private transmit(bytes: Buffer): void {
    if (this.fenced || !this.link) return;
    this.lastSentAt = this.clock.now();
    this.link.send(bytes);
  }

  private sendingTime(at = this.clock.now()): string {
    return formatUtcTimestamp(at, this.rank >= 42);
  }

  /** A stored message made ready to go out again, or undefined when it cannot be read. */
  private buildResend(stored: Buffer): Buffer | undefined {
    const parsed = parseMessage(stored);
    if (!parsed.ok) {
      this.event('error', 'system', `Stored message cannot be parsed (${parsed.reason}); gap-filling it`);
      return undefined;
    }
    const original = parsed.message;
    const now = this.sendingTime();
    const extra: FixField[] = [
      [Tag.PossDupFlag, 'Y'],
      [Tag.OrigSendingTime, original.get(Tag.SendingTime) ?? now],
    ];
    const body: FixField[] = [];
    for (const [tag, value] of original.fields()) {
      if (SESSION_HEADER_TAGS.has(tag)) continue;
      if (STANDARD_HEADER_TAGS.has(tag)) extra.push([tag, value]);
      else body.push([tag, value]);
    }
    return encodeMessage(
      {
        beginString: original.get(Tag.BeginString) ?? this.settings.beginString,
        msgType: original.msgType,
        senderCompId: original.get(Tag.SenderCompID) ?? this.settings.senderCompId,
        targetCompId: original.get(Tag.TargetCompID) ?? this.settings.targetCompId,
        msgSeqNum: original.getInt(Tag.MsgSeqNum) ?? 0,
        sendingTime: now,
        extra,
      },
      body,
    );
  }

  /** SequenceReset-GapFill sent in answer to a ResendRequest, under the sequence number it replaces. */
  private sendGapFill(seqNum: number, newSeqNo: number): void {
    const now = this.sendingTime();
    const bytes = this.encode(
      MsgType.SequenceReset,
      seqNum,
      now,
      [
        [Tag.PossDupFlag, 'Y'],
        [Tag.OrigSendingTime, now],
      ],
      [
        [Tag.NewSeqNo, String(newSeqNo)],
        [Tag.GapFillFlag, 'Y'],
      ],
    );
    this.transmit(bytes);
    this.event('info', 'message', `Sent SequenceReset GapFill ${seqNum} to ${newSeqNo}`);
  }

  private async generateLogon(): Promise<void> {
    const { resetOnLogon, resetOnLogout, resetOnDisconnect, username, password } = this.settings;
    if (resetOnLogon) await this.resetStore();
    const sendReset = this.rank >= 41 && (resetOnLogon || resetOnLogout || resetOnDisconnect) && this.nextSender === 1 && this.nextTarget === 1;
    const body: FixField[] = [
      [Tag.EncryptMethod, '0'],
      [Tag.HeartBtInt, String(this.heartBtInt)],
    ];
    if (sendReset) body.push([Tag.ResetSeqNumFlag, 'Y']);
    if (this.settings.beginString === 'FIXT.1.1') body.push([Tag.DefaultApplVerID, applVerIdCode(this.settings.defaultApplVerId ?? 'FIX.5.0SP2')]);
    if (username) body.push([Tag.Username, username]);
    if (password) body.push([Tag.Password, password]);
    this.lastReceivedAt = this.clock.now();
    this.testRequestCount = 0;
    this.sentLogon = true;
    this.sentReset = sendReset;
    await this.sendRaw(MsgType.Logon, body);
    this.event('info', 'connection', 'Initiated logon request');
  }

  private async respondToLogon(): Promise<void> {
    const body: FixField[] = [
      [Tag.EncryptMethod, '0'],
      [Tag.HeartBtInt, String(this.heartBtInt)],
    ];
    if (this.receivedReset) body.push([Tag.ResetSeqNumFlag, 'Y']);
    if (this.settings.beginString === 'FIXT.1.1') body.push([Tag.DefaultApplVerID, applVerIdCode(this.settings.defaultApplVerId ?? 'FIX.5.0SP2')]);
    await this.sendRaw(MsgType.Logon, body);
    this.sentLogon = true;
  }

  private async generateLogout(reason?: string): Promise<void> {
    await this.sendRaw(MsgType.Logout, reason ? [[Tag.Text, reason]] : []);
    this.sentLogout = true;
  }

  private async generateHeartbeat(testReqId?: string): Promise<void> {
    await this.sendRaw(MsgType.Heartbeat, testReqId === undefined ? [] : [[Tag.TestReqID, testReqId]]);
  }

  private async generateTestRequest(id: string): Promise<void> {
    await this.sendRaw(MsgType.TestRequest, [[Tag.TestReqID, id]]);
  }

  private async generateResendRequest(seqNum: number): Promise<void> {
    const begin = this.nextTarget;
    const target = seqNum - 1;
    const chunk = this.settings.resendChunkSize;
    const end = chunk > 0 && target - begin + 1 > chunk ? begin + chunk - 1 : target;
    this.resendRange = { begin, end, target };
    const wireEnd = end < target ? end : this.rank >= 42 ? 0 : 999999;
    await this.sendResendRequest(begin, wireEnd);
  }

  private async sendResendRequest(begin: number, end: number): Promise<void> {
    await this.sendRaw(MsgType.ResendRequest, [
      [Tag.BeginSeqNo, String(begin)],
      [Tag.EndSeqNo, String(end)],
    ]);
    this.event('info', 'message', `Sent ResendRequest from ${begin} to ${end}`);
  }

  /**
   * A session-level Reject. False when it cannot be sent (before logon), which callers turn into a
   * disconnect as QuickFIX does.
   */
  private async generateReject(message: FixMessage, reason: number, refTag?: number): Promise<boolean> {
    const msgType = message.msgType;
    const seqText = message.get(Tag.MsgSeqNum);
    const seqNum = message.getInt(Tag.MsgSeqNum) ?? 0;
    const body: FixField[] = [];
    if (seqText !== undefined && seqText !== '') body.push([Tag.RefSeqNum, seqText]);
    if (this.rank >= 42) {
      if (msgType !== '') body.push([Tag.RefMsgType, msgType]);
      if ((this.rank === 42 && reason <= SessionRejectReason.InvalidMsgType) || this.rank > 42) {
        body.push([Tag.SessionRejectReason, String(reason)]);
      }
    }
    if (msgType !== MsgType.Logon && msgType !== MsgType.SequenceReset && seqNum === this.nextTarget) {
      this.incrementTarget();
    }
    const reasonText = SESSION_REJECT_TEXT[reason];
    if (reasonText !== undefined && (refTag !== undefined || reason === SessionRejectReason.InvalidTagNumber)) {
      if (this.rank >= 42) {
        body.push([Tag.RefTagID, String(refTag ?? 0)], [Tag.Text, reasonText]);
      } else {
        body.push([Tag.Text, `${reasonText} (${refTag ?? 0})`]);
      }
    } else if (reasonText !== undefined) {
      body.push([Tag.Text, reasonText]);
    }
    this.event('warn', 'message', `Message ${seqText ?? '?'} rejected: ${reasonText ?? reason}`, { msgType, refTag });
    if (!this.receivedLogon) return false;
    await this.sendRaw(MsgType.Reject, body, reverseRoute(message));
    return true;
  }

  /** FIX 4.0/4.1 have no BusinessMessageReject: a Reject carrying text stands in. */
  private async generateTextReject(message: FixMessage, reasonText: string): Promise<void> {
    const msgType = message.msgType;
    const body: FixField[] = [[Tag.RefSeqNum, message.get(Tag.MsgSeqNum) ?? '0']];
    if (this.rank >= 42) body.push([Tag.RefMsgType, msgType]);
    body.push([Tag.Text, reasonText]);
    if (msgType !== MsgType.Logon && msgType !== MsgType.SequenceReset) this.incrementTarget();
    await this.sendRaw(MsgType.Reject, body);
  }

  private async generateBusinessReject(message: FixMessage, reason: number, refTag?: number): Promise<void> {
    const body: FixField[] = [
      [Tag.RefSeqNum, message.get(Tag.MsgSeqNum) ?? '0'],
      [Tag.RefMsgType, message.msgType],
      [Tag.BusinessRejectReason, String(reason)],
    ];
    const reasonText = BUSINESS_REJECT_TEXT[reason];
    if (reasonText !== undefined) body.push([Tag.Text, refTag !== undefined ? `${reasonText} (${refTag})` : reasonText]);
    if (this.settings.beginString === 'FIXT.1.1') body.push([Tag.DefaultApplVerID, applVerIdCode(this.settings.defaultApplVerId ?? 'FIX.5.0SP2')]);
    this.incrementTarget();
    this.event('warn', 'message', `Message ${message.get(Tag.MsgSeqNum) ?? '?'} rejected: ${reasonText ?? reason}`, { msgType: message.msgType, refTag });
    await this.sendRaw(MsgType.BusinessMessageReject, body);
  }

  // ---------------------------------------------------------------------------------------------
  // State

  /** Queued behind any reply to the message being processed; the session does not wait for it. */
  private incrementTarget(): void {
    this.setTarget(this.nextTarget + 1);
  }

  private setTarget(seqNum: number): void {
    if (this.fenced) return;
    this.nextTarget = seqNum;
    this.store.setNextTargetSeqNum(seqNum).then(undefined, this.onStoreError);
  }

  private async resetStore(): Promise<void> {
    // Messages already numbered go out (or are dropped) under their old numbers first.
    await this.drained();
    if ((await this.guard(() => this.store.reset())) === FAILED) return;
    this.nextSender = 1;
    this.nextTarget = 1;
    this.creationTime = this.clock.now();
    this.queue.clear();
    this.resendRange = undefined;
  }

  private async disconnect(reason: string): Promise<void> {
    const link = this.link;
    if (!link) return;
    this.event('info', 'connection', `Disconnecting: ${reason}`);
    this.link = undefined;
    link.disconnect(reason, true);
    await this.cleanUpAfterDisconnect(reason);
  }

  /** Resets per-connection state; the link itself was already released by the caller. */
  private async cleanUpAfterDisconnect(reason: string): Promise<void> {
    const wasLoggedOn = this.receivedLogon || this.sentLogon;
    this.receivedLogon = false;
    this.sentLogon = false;
    this.sentLogout = false;
    this.sentReset = false;
    this.receivedReset = false;
    this.queue.clear();
    this.resendRange = undefined;
    this.heartBtInt = this.settings.heartBtInt;
    if (wasLoggedOn) {
      this.event('info', 'connection', 'Logged out', { reason });
      await this.callApplication(() => this.application.onLogout?.(this.handle));
    }
    if (this.settings.resetOnDisconnect && !this.fenced) await this.resetStore();
  }

  /** Runs a store call; on failure the connection is dropped (see storeFailed) and FAILED is returned. */
  private async guard<T>(call: () => Promise<T>): Promise<T | typeof FAILED> {
    if (this.fenced) return FAILED;
    try {
      return await call();
    } catch (error) {
      this.storeFailed(error);
      return FAILED;
    }
  }

  private async callApplication(call: () => void | Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.event('error', 'system', `Application callback failed: ${errorText(error)}`);
    }
  }

  private serially(work: () => Promise<void>): Promise<void> {
    const run = this.incoming.then(work);
    this.incoming = run.catch((error: unknown) => {
      this.event('error', 'system', `Session processing failed: ${errorText(error)}`);
      void this.disconnect('internal error');
    });
    return this.incoming;
  }

  private event(level: FixEventLevel, category: FixEventCategory, message: string, details?: Record<string, unknown>): void {
    const full = { session: this.label, ...details };
    try {
      this.emit({ level, category, message, details: full });
    } catch {
      // An event sink must never break the session.
    }
  }
}

/** The routing fields of a received message, reversed for the reply (QuickFIX reverseRoute). */
function reverseRoute(message: FixMessage): FixField[] {
  const out: FixField[] = [];
  for (const [from, to] of ROUTE_REVERSAL) {
    const value = message.get(from);
    if (value) out.push([to, value]);
  }
  return out;
}

function text(message: FixMessage): Record<string, unknown> | undefined {
  const value = message.get(Tag.Text);
  return value === undefined ? undefined : { text: value };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
