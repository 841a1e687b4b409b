import type { LeaseRef, StatusReport } from '@crosswire/orchestrator/contract';
import type { Logger } from 'pino';
import type { ConnectorEvent } from '../connectors/connector.ts';
import type { MessageCounts } from '../observability/message-counts.ts';
import type { OrchestratorClient } from './orchestrator-client.ts';

const MAX_BUFFERED_EVENTS = 1_000;
const MAX_EVENTS_PER_REPORT = 100;
const MAX_MINUTES_PER_REPORT = 60;

/**
 * Batches a session's state and events into status reports, so a chatty connector costs one request per
 * flush interval, and a stuck orchestrator costs bounded memory (the oldest events are dropped, and
 * counted). Message counts ride along, at most once per `countsIntervalMs` however busy the adapter is.
 */
export class StatusReporter {
  #state: 'Claiming' | 'Active' | 'Error' = 'Claiming';
  #reason: string | undefined;
  #events: ConnectorEvent[] = [];
  #dropped = 0;
  #dirty = true;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #closed = false;
  #countsTimer: NodeJS.Timeout | undefined;
  #seq = 0;
  /** The last report sent, until its answer comes. */
  #unanswered: StatusReport | undefined;

  constructor(
    private readonly client: OrchestratorClient,
    private readonly lease: LeaseRef,
    private readonly logger: Logger,
    private readonly intervalMs = 250,
    private readonly counts?: MessageCounts,
    countsIntervalMs = 1_000,
  ) {
    this.#schedule();
    if (counts) {
      this.#countsTimer = setInterval(() => {
        if (!counts.hasPending) return;
        this.#dirty = true;
        this.#schedule();
      }, countsIntervalMs);
      this.#countsTimer.unref();
    }
  }

  setState(state: 'Claiming' | 'Active' | 'Error', reason?: string): void {
    if (state === this.#state && reason === this.#reason) return;
    this.#state = state;
    this.#reason = reason;
    this.#dirty = true;
    this.#schedule();
  }

  emit(event: ConnectorEvent): void {
    if (this.#events.length >= MAX_BUFFERED_EVENTS) {
      this.#events.shift();
      this.#dropped++;
    }
    this.#events.push(event);
    this.#dirty = true;
    this.#schedule();
  }

  /** Sends everything pending; stops at the first failure and leaves the rest for the next flush. */
  async flush(): Promise<void> {
    await this.#flushing;
    while (this.#dirty && !this.#closed) {
      const sent = this.#send();
      this.#flushing = sent.then(() => undefined);
      if (!(await sent)) return;
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#countsTimer);
  }

  #schedule(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.intervalMs);
  }

  /**
   * One report at a time. A report whose answer never came may have been recorded, so it is sent again
   * exactly as it was (same `seq`, same events and counts) before anything new: the orchestrator drops
   * a number it has already recorded, and nothing is lost or counted twice.
   */
  async #send(): Promise<boolean> {
    let report = this.#unanswered;
    if (report) {
      report = { ...report, state: this.#state, ...(this.#reason ? { reason: this.#reason } : { reason: undefined }) };
    } else {
      const events = this.#events.splice(0, MAX_EVENTS_PER_REPORT);
      if (this.#dropped > 0) {
        events.unshift({ level: 'warning', category: 'system', message: `${this.#dropped} events were dropped while the orchestrator was unreachable` });
        this.#dropped = 0;
      }
      const counters = this.counts?.take(MAX_MINUTES_PER_REPORT) ?? [];
      report = {
        lease: this.lease,
        seq: ++this.#seq,
        state: this.#state,
        ...(this.#reason ? { reason: this.#reason } : {}),
        events,
        ...(counters.length > 0 ? { counters } : {}),
      };
    }
    this.#unanswered = report;
    this.#dirty = this.#events.length > 0 || (this.counts?.hasPending ?? false);
    try {
      await this.client.report(report);
      this.#unanswered = undefined;
      return true;
    } catch (error) {
      // Sent again on the next flush; the lease keeper decides whether the session lives.
      this.#dirty = true;
      this.logger.debug({ err: error }, 'status report failed; will send it again');
      if (!this.#closed) this.#schedule();
      return false;
    }
  }
}
