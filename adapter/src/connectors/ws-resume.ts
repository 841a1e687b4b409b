/**
 * Resuming ws-acceptor subscribers: a client that connects with `?from=<offset>` first gets the
 * channel's messages from that offset, read from the channel store (not through the fan-out's
 * consumer, whose offset is the adapter's), then the live fan-out — each message once, in offset order.
 *
 * While it catches up, live messages for it are held back (at most `HOLD_LIMIT`; past that the hold is
 * dropped, since the store has them too). It switches to live once a read finds nothing more and no
 * held message was dropped during that read; from then on a live message goes out only if its offset
 * is past the last one sent, so the switch has neither a gap nor a repeat.
 */
import type { ConsumedMessage, PostgresChannelStore } from '../channels/index.ts';

/** Messages per catch-up read (the store caps it at its `maxBatch`). */
const CATCH_UP_BATCH = 500;
/** Live messages held back for a client still catching up; more and the hold is dropped. */
const HOLD_LIMIT = 2_000;

/** What `from` asks for: the first offset wanted, or only what is published from now on. */
export type ResumeFrom = number | 'latest';

/**
 * Reads `from` off the upgrade request's query. Undefined when absent (an unwrapped, live-only client);
 * a refusal text naming the parameter when it is not a position.
 */
export function parseFrom(search: URLSearchParams): { from?: ResumeFrom; refusal?: string } {
  const values = search.getAll('from');
  if (values.length === 0) return {};
  const value = values[0]!;
  if (values.length > 1) return { refusal: 'the query parameter from is given more than once; give it once' };
  if (value === 'latest') return { from: 'latest' };
  if (!/^\d{1,15}$/.test(value)) {
    return { refusal: `the query parameter from must be a channel offset (a non-negative integer) or latest, not ${JSON.stringify(value.slice(0, 40))}` };
  }
  return { from: Number(value) };
}

export interface ResumeTarget {
  /** Sends one message to the client, wrapped with its offset. */
  send(message: ConsumedMessage): void;
  /** The client's send buffer is past `limits.maxBufferedBytes`. */
  overLimit(): boolean;
  /** False once the client is gone or the acceptor stops: the catch-up ends. */
  open(): boolean;
  /** Resolves once the buffer is back within the limit; false when the client stayed over it and was dropped. */
  drained(): Promise<boolean>;
}

export class ResumeCursor {
  /** The offset of the last message sent (or the one before the first wanted). */
  #lastSent: number;
  /** Live messages held while catching up; undefined once live. */
  #hold: ConsumedMessage[] | undefined;
  /** The hold was dropped since the current read began: the read cannot prove the client is level. */
  #holdDropped = false;

  readonly #holdLimit: number;

  constructor(from: ResumeFrom, holdLimit = HOLD_LIMIT) {
    this.#holdLimit = holdLimit;
    this.#lastSent = from === 'latest' ? 0 : Math.max(0, from - 1);
    this.#hold = from === 'latest' ? undefined : [];
  }

  get lastSent(): number {
    return this.#lastSent;
  }

  /** A live message for this client: true when it is to be sent now (the caller sends it). */
  takeLive(message: ConsumedMessage): boolean {
    if (this.#hold) {
      if (this.#hold.length >= this.#holdLimit) {
        this.#hold = [];
        this.#holdDropped = true;
      } else {
        this.#hold.push(message);
      }
      return false;
    }
    if (message.offset <= this.#lastSent) return false;
    this.#lastSent = message.offset;
    return true;
  }

  /**
   * Sends what the channel holds from the starting offset, waiting for the client's buffer to drain
   * whenever it passes the limit, then the held messages, and leaves the client live.
   */
  async catchUp(store: Pick<PostgresChannelStore, 'read'>, channel: string, target: ResumeTarget): Promise<void> {
    while (this.#hold && target.open()) {
      this.#holdDropped = false;
      const batch = await store.read(channel, { after: this.#lastSent, limit: CATCH_UP_BATCH });
      if (!target.open()) return;
      if (batch.length === 0) {
        if (this.#holdDropped) continue;
        this.#goLive(target);
        return;
      }
      for (const message of batch) {
        target.send(message);
        this.#lastSent = message.offset;
        if (target.overLimit() && !(await target.drained())) return;
      }
    }
  }

  /** Synchronous from the empty read on, so no live message arrives between the flush and going live. */
  #goLive(target: ResumeTarget): void {
    const held = this.#hold ?? [];
    this.#hold = undefined;
    for (const message of held) {
      if (message.offset <= this.#lastSent) continue;
      target.send(message);
      this.#lastSent = message.offset;
    }
  }
}
