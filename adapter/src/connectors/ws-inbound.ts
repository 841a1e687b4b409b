/**
 * The inbound side of one WebSocket connection: each received frame goes through the adapter's
 * pipeline and what comes out is appended to channels under the adapter's lease, in frame order.
 *
 * Appends are batched (frames arriving while one append is in flight go in the next) and bounded: past
 * a high-water mark of frames or bytes waiting (`inboundHighWaterBytes`), the connection stops reading (TCP back-pressure reaches
 * the peer) until the queue drains, so a slow database never grows this pod's memory without bound.
 * Appends are idempotent on the message origin, so a failed append is retried as it was.
 */
import { ChannelFencedError, UnknownChannelError, type ChannelAppend, type ChannelLease, type PostgresChannelStore } from '../channels/index.ts';
import { DEAD_LETTER_REASON, deliveriesOf, noFieldNames, runPipeline, type CompiledPipeline } from '../pipeline/index.ts';
import type { ParsedFrame } from './ws-frames.ts';
import type { WsMetrics } from './ws-metrics.ts';

const HIGH_WATER_FRAMES = 1_000;
const RETRIES = 5;

/**
 * Bytes waiting per connection before it stops being read. ws already holds up to one frame
 * (`maxFrameBytes`) per connection while assembling it; this keeps the queue to the same order.
 */
export function inboundHighWaterBytes(maxFrameBytes: number): number {
  return Math.max(2 * maxFrameBytes, 1024 * 1024);
}

export interface InboundOptions {
  store: PostgresChannelStore;
  lease: ChannelLease;
  pipeline: CompiledPipeline | undefined;
  metrics: WsMetrics;
  /** Past this many bytes waiting (or 1,000 frames), the connection stops being read until half is stored. */
  highWaterBytes: number;
  /** Stop reading from the connection / read again. */
  pause(): void;
  resume(): void;
  /**
   * Frames could not be stored (the lease is lost, a channel does not exist, the database stayed
   * down): the connection must end, and `lost` frames were not delivered.
   */
  onFailure(reason: string, lost: number, fenced: boolean): void;
}

interface Pending {
  readonly deliveries: readonly ChannelAppend[];
  readonly bytes: number;
}

export class InboundWriter {
  readonly #options: InboundOptions;
  #queue: Pending[] = [];
  #queuedBytes = 0;
  #paused = false;
  #flushing: Promise<void> | undefined;
  #failed = false;

  constructor(options: InboundOptions) {
    this.#options = options;
  }

  /** Takes one parsed frame; `bytes` is its size on the wire. */
  push(frame: ParsedFrame, bytes: number): void {
    if (this.#failed) return;
    const deliveries = this.#deliveriesOf(frame);
    if (deliveries.length === 0) return;
    this.#queue.push({ deliveries, bytes });
    this.#queuedBytes += bytes;
    if (!this.#paused && (this.#queue.length >= HIGH_WATER_FRAMES || this.#queuedBytes >= this.#options.highWaterBytes)) {
      this.#paused = true;
      this.#options.pause();
    }
    this.#flushing ??= this.#flush();
  }

  /** Resolves once everything pushed so far is stored (or has failed). */
  async drained(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  #deliveriesOf(frame: ParsedFrame): ChannelAppend[] {
    const { pipeline } = this.#options;
    if (!frame.ok) {
      const channel = pipeline?.deadLetterChannel;
      return channel === undefined ? [] : [{ channel, message: { ...frame.message, headers: { ...frame.message.headers, [DEAD_LETTER_REASON]: frame.reason } } }];
    }
    // Without a pipeline nothing says where a message goes; the connector warned about it at start.
    return pipeline ? deliveriesOf(runPipeline(pipeline, frame.message, noFieldNames)) : [];
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.#failed) {
        const batch: ChannelAppend[] = [];
        let frames = 0;
        let bytes = 0;
        for (const pending of this.#queue) {
          if (batch.length > 0 && batch.length + pending.deliveries.length > this.#options.store.maxBatch) break;
          batch.push(...pending.deliveries);
          frames++;
          bytes += pending.bytes;
        }
        await this.#append(batch);
        if (this.#failed) return;
        this.#queue = this.#queue.slice(frames);
        this.#queuedBytes -= bytes;
        const dead = this.#options.pipeline?.deadLetterChannel;
        this.#options.metrics.deadLettered(batch.filter((d) => d.channel === dead && d.message.headers[DEAD_LETTER_REASON] !== undefined).length);
        if (this.#paused && this.#queue.length < HIGH_WATER_FRAMES / 2 && this.#queuedBytes < this.#options.highWaterBytes / 2) {
          this.#paused = false;
          this.#options.resume();
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async #append(batch: ChannelAppend[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#options.store.append(batch, { lease: this.#options.lease });
        return;
      } catch (error) {
        const fenced = error instanceof ChannelFencedError;
        if (fenced || error instanceof UnknownChannelError || attempt >= RETRIES) {
          this.#failed = true;
          const lost = this.#queue.length;
          this.#queue = [];
          this.#queuedBytes = 0;
          this.#options.onFailure(`could not store received messages: ${(error as Error).message}`, lost, fenced);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)));
      }
    }
  }
}
