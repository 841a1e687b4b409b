/**
 * A FIX adapter's `subscribeChannel`: while its session is logged on, the channel's messages are sent
 * on it in offset order, each exactly once across reconnects and failovers. Every message is sent
 * carrying its channel position (`send(..., { offset })`), and the PostgreSQL store moves the
 * consumer's offset in the same statement that keeps the message for resends: the position passes a
 * message exactly when it is stored under its sequence number. A holder that dies before that commit
 * leaves both where they were (the next holder sends the message, with the same number); one that dies
 * after leaves a stored message the counterparty may not have seen, which its ResendRequest recovers.
 */
import { ChannelFencedError, type ChannelLease, type ConsumedMessage, type PostgresChannelStore } from '../channels/index.ts';
import { isAdminMsgType, type FixField, type SessionHandle } from '../fix/index.ts';

const IDLE_POLL_MS = 50;
const NOT_LOGGED_ON_POLL_MS = 200;
const ERROR_BACKOFF_MAX_MS = 5_000;

export interface FixOutboundOptions {
  channels: PostgresChannelStore;
  lease: ChannelLease;
  channel: string;
  /** The session to send on; undefined while there is none yet (an acceptor before its first logon). */
  session(): SessionHandle | undefined;
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
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(options: FixOutboundOptions) {
    this.#options = options;
  }

  /** Becomes (or stays) the channel's consumer, a new one at the oldest message kept, and starts sending. */
  async start(): Promise<void> {
    await this.#options.channels.subscribe(this.#options.channel, this.#options.lease, 'earliest');
    this.#loop = this.#run();
  }

  /** The session logged on: look now. */
  wake(): void {
    this.#wake?.();
  }

  /** Stops taking messages; resolves once what was taken is stored (or refused). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.wake();
    await this.#loop;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      try {
        const session = this.#options.session();
        if (!session?.isLoggedOn) {
          await this.#sleep(NOT_LOGGED_ON_POLL_MS);
          continue;
        }
        const batch = await this.#options.channels.consume(this.#options.channel, this.#options.lease);
        if (batch.messages.length === 0) {
          await this.#sleep(IDLE_POLL_MS);
          continue;
        }
        let from = batch.committed;
        for (const consumed of batch.messages) {
          const fix = outboundFix(consumed.message);
          if (!fix.ok) {
            // Nothing is skipped: sending stops at this message until an operator deals with it.
            this.#options.onError(`channel ${this.#options.channel} offset ${consumed.offset} cannot be sent as FIX: ${fix.reason}; sending stopped there`, true);
            this.#stopped = true;
            break;
          }
          const offset = { channel: this.#options.channel, from, to: consumed.offset };
          if (this.#stopped || !(await session.send(fix.msgType, fix.fields, undefined, { offset }))) break;
          from = consumed.offset;
        }
        // The next read must see the offset these messages moved.
        if (!(await session.flush())) {
          this.#options.onError('the session stopped: a store write was refused (see the session events)', true);
          return;
        }
        failures = 0;
      } catch (error) {
        const fenced = error instanceof ChannelFencedError;
        this.#options.onError(`channel ${this.#options.channel}: ${(error as Error).message}`, fenced);
        if (fenced) return;
        await this.#sleep(Math.min(ERROR_BACKOFF_MAX_MS, 100 * 2 ** failures++));
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
