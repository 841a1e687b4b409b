/**
 * The outbound side of a connector (WebSocket, NATS, FIX): reads its channel after the committed offset, in
 * bounded batches, hands each batch to `deliver`, and commits as far as it was delivered, every move
 * carrying the adapter's lease. Nothing is read while `ready()` is false (no subscriber, no
 * connection): the channel keeps the messages, and its lag shows them.
 *
 * An idle pump waits for the channel's append notification (LISTEN/NOTIFY), so a message goes out
 * within a round trip of its commit; it also reads on a slow timer in case a notification is lost, and
 * on a fast one while it cannot listen at all.
 */
import { ChannelFencedError, type ChannelLease, type ConsumedMessage, type PostgresChannelStore } from '../channels/index.ts';

/** How often an idle pump reads when it cannot listen for appends. */
const IDLE_POLL_MS = 50;
/** How often an idle pump that listens reads anyway. */
const LISTENING_POLL_MS = 1_000;
/** How often a pump that is not ready looks again (readiness changes call `wake`). */
const NOT_READY_POLL_MS = 200;
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
  /** Woken while not asleep: the next sleep returns at once (an append committed during a read). */
  #woken = false;
  #unwatch: (() => Promise<void>) | undefined;

  constructor(options: PumpOptions) {
    this.#options = options;
  }

  /**
   * Becomes (or stays) the channel's consumer and starts pumping. A new consumer starts where
   * `startAt` says; after a failover or restart the next holder continues from the committed offset.
   */
  async start(): Promise<void> {
    await this.#options.store.subscribe(this.#options.channel, this.#options.lease, this.#options.startAt);
    // Without notifications the pump still works, polling faster.
    this.#unwatch = await this.#options.store.watch(this.#options.channel, () => this.wake()).catch(() => undefined);
    this.#loop = this.#run();
  }

  /** Something changed (a subscriber arrived, a buffer drained, an append): look again now. */
  wake(): void {
    if (this.#wake) this.#wake();
    else this.#woken = true;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.wake();
    await this.#unwatch?.().catch(() => undefined);
    await this.#loop;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      try {
        if (!this.#options.ready()) {
          await this.#sleep(NOT_READY_POLL_MS);
          continue;
        }
        this.#woken = false;
        const batch = await this.#options.store.consume(this.#options.channel, this.#options.lease);
        if (batch.messages.length === 0) {
          await this.#sleep(this.#unwatch ? LISTENING_POLL_MS : IDLE_POLL_MS);
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
    if (this.#woken || this.#stopped) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}
