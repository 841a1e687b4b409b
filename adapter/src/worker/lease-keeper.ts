import type { LeaseRef } from '@crosswire/orchestrator/contract';
import { LeaseLostError } from './orchestrator-client.ts';

/**
 * Keeps one lease alive, and knows on its own clock when it can no longer be sure it holds it.
 *
 * The deadline is measured on this process's monotonic clock from the moment each successful renew was
 * *sent*: the database granted at least `ttl` from some instant after that, so `sentAt + ttl - margin`
 * is always early, never late, whatever the network did. Past the deadline the session is fenced
 * without waiting for anyone: a paused or partitioned pod must not need the orchestrator to stop.
 */
export interface LeaseKeeperOptions {
  lease: LeaseRef;
  ttlMs: number;
  renewIntervalMs: number;
  /** Safety margin subtracted from the TTL (clock drift, scheduling delay). */
  marginMs: number;
  /** When the grant was requested, on the monotonic clock. */
  grantedAt: number;
  renew(lease: LeaseRef): Promise<unknown>;
  /** Called once, when the lease is lost or can no longer be vouched for. */
  onLost(reason: string): void;
  now?: () => number;
}

export class LeaseKeeper {
  readonly #options: LeaseKeeperOptions;
  readonly #now: () => number;
  #deadline: number;
  #renewTimer: NodeJS.Timeout | undefined;
  #fenceTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: LeaseKeeperOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#deadline = options.grantedAt + options.ttlMs - options.marginMs;
    this.#armFence();
    this.#scheduleRenew();
  }

  /** Milliseconds left before the session must be fenced. */
  get remainingMs(): number {
    return this.#deadline - this.#now();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#renewTimer);
    clearTimeout(this.#fenceTimer);
  }

  #armFence(): void {
    clearTimeout(this.#fenceTimer);
    this.#fenceTimer = setTimeout(() => this.#lose('could not renew the lease before its TTL ran out on this pod'), Math.max(0, this.remainingMs));
  }

  #scheduleRenew(delayMs = this.#options.renewIntervalMs): void {
    if (this.#stopped) return;
    this.#renewTimer = setTimeout(() => void this.#renewOnce(), delayMs);
  }

  async #renewOnce(): Promise<void> {
    const sentAt = this.#now();
    try {
      await this.#options.renew(this.#options.lease);
      if (this.#stopped) return;
      this.#deadline = sentAt + this.#options.ttlMs - this.#options.marginMs;
      this.#armFence();
      this.#scheduleRenew();
    } catch (error) {
      if (error instanceof LeaseLostError) return this.#lose(`the orchestrator refused the renew: ${error.message}`);
      // Anything else (orchestrator restarting, network): retry soon; the deadline decides when to give up.
      this.#scheduleRenew(Math.min(1_000, this.#options.renewIntervalMs));
    }
  }

  #lose(reason: string): void {
    if (this.#stopped) return;
    this.stop();
    this.#options.onLost(reason);
  }
}
