import type { MinuteCounts } from '@crosswire/orchestrator/contract';

/** `in`: read from the counterparty; `out`: written to it; `rejected`: refused by us (also counted in or out). */
export type MessageKind = 'in' | 'out' | 'rejected';

const MINUTE_MS = 60_000;
/**
 * Unreported minutes kept through an orchestrator outage. A lease cannot outlive an outage much
 * longer than its TTL, so this only bounds memory against a misconfigured TTL.
 */
const MAX_PENDING_MINUTES = 60;

type Counts = Record<MessageKind, number>;

/**
 * One adapter's messages, counted into per-minute buckets (by this pod's clock) until the status
 * reporter takes them to the orchestrator. Each report carries what was counted since the last one,
 * so buckets taken and delivered are forgotten here.
 */
export class MessageCounts {
  readonly #pending = new Map<number, Counts>();

  constructor(
    /** Also told of every count: the pod's Prometheus counters. */
    private readonly onCount: (kind: MessageKind, n: number) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  add(kind: MessageKind, n = 1): void {
    const minute = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS;
    let bucket = this.#pending.get(minute);
    if (!bucket) {
      bucket = { in: 0, out: 0, rejected: 0 };
      this.#pending.set(minute, bucket);
      if (this.#pending.size > MAX_PENDING_MINUTES) this.#pending.delete(Math.min(...this.#pending.keys()));
    }
    bucket[kind] += n;
    this.onCount(kind, n);
  }

  get hasPending(): boolean {
    return this.#pending.size > 0;
  }

  /** Takes up to `max` buckets, oldest first. Hand them back with `restore` when they could not be delivered. */
  take(max: number): MinuteCounts[] {
    const minutes = [...this.#pending.keys()].sort((a, b) => a - b).slice(0, max);
    return minutes.map((minute) => {
      const counts = this.#pending.get(minute)!;
      this.#pending.delete(minute);
      return { minute: new Date(minute).toISOString(), ...counts };
    });
  }

  /** Adds undelivered buckets back to what is pending, on top of anything counted since. */
  restore(buckets: readonly MinuteCounts[]): void {
    for (const { minute, ...counts } of buckets) {
      const at = Date.parse(minute);
      const bucket = this.#pending.get(at) ?? { in: 0, out: 0, rejected: 0 };
      bucket.in += counts.in;
      bucket.out += counts.out;
      bucket.rejected += counts.rejected;
      this.#pending.set(at, bucket);
    }
    while (this.#pending.size > MAX_PENDING_MINUTES) this.#pending.delete(Math.min(...this.#pending.keys()));
  }
}
