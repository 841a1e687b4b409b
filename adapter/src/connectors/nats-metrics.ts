/**
 * Prometheus metrics of the NATS connectors: one set per registry (prom-client refuses a name registered
 * twice), labelled by adapter and connector type.
 */
import type { Registry } from 'prom-client';
import { ConnectorMetrics, connectorMetricMakers } from '../observability/metric-sets.ts';
import type { ConnectorContext } from './connector.ts';

function build(registry: Registry) {
  const { counter, gauge } = connectorMetricMakers(registry);
  return {
    connected: gauge('crosswire_nats_connected', '1 while connected to a NATS server, 0 otherwise'),
    disconnects: counter('crosswire_nats_disconnects_total', 'Connections to NATS lost (or first connections that failed)'),
    reconnects: counter('crosswire_nats_reconnects_total', 'Connections to NATS re-established after a loss'),
    messagesIn: counter('crosswire_nats_messages_in_total', 'JetStream messages received by a nats-consumer, redeliveries included'),
    acked: counter('crosswire_nats_acked_total', 'JetStream messages acknowledged after their channel write'),
    redeliveries: counter('crosswire_nats_redeliveries_total', 'JetStream messages received again (not acknowledged in time, or refused before)'),
    naks: counter('crosswire_nats_naks_total', 'JetStream messages refused for redelivery because they could not be stored'),
    duplicates: counter('crosswire_nats_duplicates_total', 'Messages already stored or already published (dropped by the channel or by JetStream)'),
    malformed: counter('crosswire_nats_malformed_total', 'Payloads that were not a message of the configured format'),
    deadLettered: counter('crosswire_nats_dead_letters_total', 'Messages appended to the dead-letter channel'),
    messagesOut: counter('crosswire_nats_messages_out_total', 'Messages published by a nats-producer and acknowledged by JetStream'),
    publishFailures: counter('crosswire_nats_publish_failures_total', 'Publishes not acknowledged by JetStream (retried from the committed offset)'),
  };
}

/** The metrics of one adapter's NATS connector, recorded in `registry` (a private one when none is given). */
export class NatsMetrics extends ConnectorMetrics<ReturnType<typeof build>> {
  // Counted per message: bound to this adapter's labels once, not hashed from them on every message.
  readonly #messagesIn;
  readonly #messagesOut;

  constructor(registry: Registry | undefined, adapter: string, connector: string, count?: ConnectorContext['count']) {
    super(registry, build, adapter, connector, count);
    this.#messagesIn = this.set.messagesIn.labels(this.labels);
    this.#messagesOut = this.set.messagesOut.labels(this.labels);
    // The series exists, at 0, before the first connection attempt ends.
    this.set.connected.set(this.labels, 0);
  }

  connected(reconnect: boolean): void {
    this.set.connected.set(this.labels, 1);
    if (reconnect) this.set.reconnects.inc(this.labels);
  }

  disconnected(): void {
    this.set.connected.set(this.labels, 0);
    this.set.disconnects.inc(this.labels);
  }

  messageIn(redelivered: boolean): void {
    this.#messagesIn.inc();
    if (redelivered) this.set.redeliveries.inc(this.labels);
    else this.count?.('in', 1);
  }

  acked(count: number): void {
    if (count > 0) this.set.acked.inc(this.labels, count);
  }

  nak(): void {
    this.set.naks.inc(this.labels);
  }

  duplicates(count: number): void {
    if (count > 0) this.set.duplicates.inc(this.labels, count);
  }

  malformed(): void {
    this.set.malformed.inc(this.labels);
    this.count?.('rejected', 1);
  }

  deadLettered(count: number): void {
    if (count > 0) this.set.deadLettered.inc(this.labels, count);
  }

  published(): void {
    this.#messagesOut.inc();
    this.count?.('out', 1);
  }

  publishFailed(): void {
    this.set.publishFailures.inc(this.labels);
  }
}
