/**
 * A FIX adapter's `subscribeChannel`: while its session is logged on, the channel's messages are sent
 * on it in offset order, each exactly once across reconnects and failovers. Every message is sent
 * carrying its channel position (`send(..., { offset })`), and the PostgreSQL store moves the
 * consumer's offset in the same statement that keeps the message for resends: the position passes a
 * message exactly when it is stored under its sequence number. A holder that dies before that commit
 * leaves both where they were (the next holder sends the message, with the same number); one that dies
 * after leaves a stored message the counterparty may not have seen, which its ResendRequest recovers.
 */
import type { ChannelLease, ConsumedMessage, PostgresChannelStore } from '../channels/index.ts';
import { isAdminMsgType, type FixField, type SessionHandle } from '../fix/index.ts';
import { ChannelPump } from './channel-outbound.ts';
import { parkedMessage } from './parking.ts';

export interface FixOutboundOptions {
  channels: PostgresChannelStore;
  lease: ChannelLease;
  channel: string;
  /** The session to send on; undefined while there is none yet (an acceptor before its first logon). */
  session(): SessionHandle | undefined;
  /**
   * Where a message that cannot be sent as FIX goes (the pipeline's `deadLetterChannel`); without one,
   * sending stops at such a message until an operator deals with it.
   */
  deadLetterChannel?: string;
  /** Called once per message parked in the dead-letter channel. */
  onParked?(offset: number, reason: string): void;
  /** Reported once per kind of trouble; `stopped` when sending has ended for good. */
  onError(message: string, stopped: boolean): void;
}

/** The MsgType and body of a channel message, or why it cannot be sent as FIX. */
export function outboundFix(message: ConsumedMessage['message']): { ok: true; msgType: string; fields: FixField[] } | { ok: false; reason: string } {
  if (message.body.kind !== 'fix') return { ok: false, reason: 'its body is JSON, not FIX fields' };
  const msgType = message.headers.msgType ?? message.body.fields.find(([tag]) => tag === 35)?.[1];
  if (!msgType) return { ok: false, reason: 'it has no msgType header and no tag 35' };
  if (isAdminMsgType(msgType)) return { ok: false, reason: `MsgType ${msgType} is a session message, which the session writes itself` };
  return { ok: true, msgType, fields: message.body.fields.map(([tag, value]): FixField => [tag, value]) };
}

export class FixChannelSender {
  readonly #options: FixOutboundOptions;
  readonly #pump: ChannelPump;
  /** Sending has ended (stopping, a message that is not FIX, a refused store write): the pump idles. */
  #halted = false;

  constructor(options: FixOutboundOptions) {
    this.#options = options;
    this.#pump = new ChannelPump({
      store: options.channels,
      lease: options.lease,
      channel: options.channel,
      // A new consumer starts at the oldest message kept: a venue gets every order the channel holds.
      startAt: 'earliest',
      ready: () => !this.#halted && options.session()?.isLoggedOn === true,
      deliver: (messages, committed) => this.#send(messages, committed),
      deliveryCommits: true,
      onError: (error, fenced) => options.onError(`channel ${options.channel}: ${error.message}`, fenced),
    });
  }

  /** Becomes (or stays) the channel's consumer and starts sending. */
  start(): Promise<void> {
    return this.#pump.start();
  }

  /** The session logged on: look now. */
  wake(): void {
    this.#pump.wake();
  }

  /** Stops taking messages; resolves once what was taken is stored (or refused). */
  stop(): Promise<void> {
    this.#halted = true;
    return this.#pump.stop();
  }

  /**
   * Parks a message that cannot be sent as FIX in the dead-letter channel and moves the offset past it,
   * once what was sent before it is stored (their offset moves come first). Parking is idempotent on the
   * channel position, so a holder that dies between the two steps leaves the next one to park it again,
   * adding nothing. Without a dead-letter channel nothing is skipped: sending stops at the message.
   */
  async #park(session: SessionHandle, consumed: ConsumedMessage, from: number, reason: string): Promise<boolean> {
    const { channel, channels, lease, deadLetterChannel } = this.#options;
    if (!deadLetterChannel) {
      this.#options.onError(`channel ${channel} offset ${consumed.offset} cannot be sent as FIX: ${reason}; sending stopped there (set the pipeline's deadLetterChannel to park such messages)`, true);
      this.#halted = true;
      return false;
    }
    if (!(await session.flush())) return false;
    await channels.append([{ channel: deadLetterChannel, message: parkedMessage(consumed, reason, lease.adapterId, 'fix-outbound') }], { lease });
    await channels.commit(channel, lease, { from, to: consumed.offset });
    this.#options.onParked?.(consumed.offset, reason);
    return true;
  }

  /** Sends each message carrying its channel position; the store moves the offset with the message. */
  async #send(messages: readonly ConsumedMessage[], committed: number): Promise<number> {
    const session = this.#options.session();
    if (!session) return 0;
    let from = committed;
    let sent = 0;
    for (const consumed of messages) {
      if (this.#halted) break;
      const fix = outboundFix(consumed.message);
      if (!fix.ok) {
        if (!(await this.#park(session, consumed, from, fix.reason))) break;
        from = consumed.offset;
        sent++;
        continue;
      }
      const offset = { channel: this.#options.channel, from, to: consumed.offset };
      if (!(await session.send(fix.msgType, fix.fields, undefined, { offset }))) break;
      from = consumed.offset;
      sent++;
    }
    // The next read must see the offset these messages moved. When a write failed, the offset stayed
    // with what was stored: the next read starts there, once the session has reconnected.
    if (!(await session.flush())) {
      if (session.isStopped) {
        this.#options.onError('the session stopped: a store write was refused (see the session events)', true);
        this.#halted = true;
      } else {
        this.#options.onError('a store write failed; sending resumes from the stored offset when the session logs on again', false);
      }
    }
    return sent;
  }
}
