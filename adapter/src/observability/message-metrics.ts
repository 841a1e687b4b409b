import { Counter, type Registry } from 'prom-client';
import type { MessageKind } from './message-counts.ts';

/** The pod's message counters in Prometheus, one series per adapter it has run. */
export class MessageMetrics {
  readonly #counters: Record<MessageKind, Counter<'adapter'>>;

  constructor(registry: Registry) {
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ['adapter'] as const, registers: [registry] });
    this.#counters = {
      in: counter('crosswire_adapter_messages_received_total', 'Messages received from counterparties, session-level ones included'),
      out: counter('crosswire_adapter_messages_sent_total', 'Messages sent to counterparties, session-level ones included (resends not counted again)'),
      rejected: counter(
        'crosswire_adapter_messages_rejected_total',
        'Messages refused: FIX Reject (35=3) and BusinessMessageReject (35=j) sent, and garbled input',
      ),
    };
  }

  /** What a MessageCounts for `adapter` reports each count to. */
  forAdapter(adapter: string): (kind: MessageKind, n: number) => void {
    // Bound once: resolving the label on every message would cost more than the count itself.
    const bound = {
      in: this.#counters.in.labels({ adapter }),
      out: this.#counters.out.labels({ adapter }),
      rejected: this.#counters.rejected.labels({ adapter }),
    };
    return (kind, n) => bound[kind].inc(n);
  }
}
