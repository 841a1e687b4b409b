/**
 * The outbound side of a connector (WebSocket, NATS, FIX): reads its channel after the committed offset, in
 * bounded batches, hands each batch to `deliver`, and commits as far as it was delivered, every move
 * carrying the adapter's lease. Nothing is read while `ready()` is false (no subscriber, no
 * connection): the channel keeps the messages, and its lag shows them.
 */
import { ChannelFencedError, type ChannelLease, type ConsumedMessage, type PostgresChannelStore } from '../channels/index.ts';

const IDLE_POLL_MS = 50;
const ERROR_BACKOFF_MAX_MS = 5_000;

export interface PumpOptions {
  store: PostgresChannelStore;
  lease: ChannelLease;
  channel: string;
  /** Where a consumer that never committed starts: `earliest` (the oldest message kept) or `latest` (the head). */
  startAt: 'earliest' | 'latest';
  ready(): boolean;
  /**
   * Sends the messages in order; answers how many, from the first, went out. `committed` is the offset
   * they were read after, for a delivery that moves the offset itself (see `deliveryCommits`).
   */
  deliver(messages: readonly ConsumedMessage[], committed: number): Promise<number>;
  /**
   * The delivery moves the consumer's offset itself, in the same transaction as what it stores (the
   * FIX store keeps each message with its channel position), so the pump must not commit again.
   */
  deliveryCommits?: boolean;
  /** A read or commit failed; the pump retries, except when `fenced` (it has stopped). */
  onError(error: Error, fenced: boolean): void;
}

export class ChannelPump {
  readonly #options: PumpOptions;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(options: PumpOptions) {
    this.#options = options;
  }

  /**
   * Becomes (or stays) the channel's consumer and starts pumping. A new consumer starts where
   * `startAt` says; after a failover or restart the next holder continues from the committed offset.
   */
  async start(): Promise<void> {
    await this.#options.store.subscribe(this.#options.channel, this.#options.lease, this.#options.startAt);
    this.#loop = this.#run();
  }

  /** Something changed (a subscriber arrived, a buffer drained): look again now. */
  wake(): void {
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.wake();
    await this.#loop;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      try {
        if (!this.#options.ready()) {
          await this.#sleep(IDLE_POLL_MS * 4);
          continue;
        }
        const batch = await this.#options.store.consume(this.#options.channel, this.#options.lease);
        if (batch.messages.length === 0) {
          await this.#sleep(IDLE_POLL_MS);
          continue;
        }
        const sent = await this.#options.deliver(batch.messages, batch.committed);
        // Committed even when stopping: what went out must not go out again. A fenced commit is refused by the database.
        if (sent > 0 && !this.#options.deliveryCommits) {
          await this.#options.store.commit(this.#options.channel, this.#options.lease, { from: batch.committed, to: batch.messages[sent - 1]!.offset });
        }
        failures = 0;
      } catch (error) {
        const fenced = error instanceof ChannelFencedError;
        this.#options.onError(error as Error, fenced);
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
