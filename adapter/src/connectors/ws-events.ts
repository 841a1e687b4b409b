/**
 * Keeps a connector's event log readable under a flood (a scanner hammering the port, a client
 * sending garbage): per kind of event, at most `perWindow` events per window, then one saying how many
 * were left out. Metrics still count every occurrence.
 */
import type { EventCategory, EventLevel } from '@crosswire/orchestrator/contract';
import type { ConnectorEvent } from './connector.ts';

export class EventThrottle {
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly sink: (event: ConnectorEvent) => void,
    private readonly perWindow = 20,
    private readonly windowMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  emit(kind: string, level: EventLevel, category: EventCategory, message: string, details?: Record<string, unknown>): void {
    const now = this.now();
    let window = this.#windows.get(kind);
    if (!window || now - window.start >= this.windowMs) {
      const skipped = window ? window.count - this.perWindow : 0;
      if (skipped > 0) this.sink({ level: 'warning', category, message: `${skipped} more "${kind}" events in ${this.windowMs / 1000} s were left out of the log` });
      window = { start: now, count: 0 };
      this.#windows.set(kind, window);
    }
    if (++window.count <= this.perWindow) this.sink({ level, category, message, ...(details ? { details } : {}) });
  }
}
