/**
 * Prometheus metrics of the WebSocket connectors. One set per registry (prom-client refuses a name
 * registered twice), labelled by adapter and connector type so every adapter in a pod has its own series.
 */
import type { Registry } from 'prom-client';
import { ConnectorMetrics, connectorMetricMakers } from '../observability/metric-sets.ts';
import type { ConnectorContext } from './connector.ts';

/** Why a connection, handshake or frame was refused; the `reason` label of `crosswire_ws_refused_total`. */
export type RefusalReason =
  | 'address'
  | 'path'
  | 'resume'
  | 'origin'
  | 'auth'
  | 'max-connections'
  | 'client-certificate'
  | 'handshake-timeout'
  | 'frame-too-large'
  | 'rate'
  | 'not-websocket';

function build(registry: Registry) {
  const { counter, gauge } = connectorMetricMakers(registry);
  return {
    connections: gauge('crosswire_ws_connections', 'Open WebSocket connections'),
    opened: counter('crosswire_ws_connections_opened_total', 'WebSocket connections established'),
    framesIn: counter('crosswire_ws_frames_in_total', 'Frames received, malformed ones included'),
    framesOut: counter('crosswire_ws_frames_out_total', 'Frames sent (one per message per connection)'),
    refused: counter('crosswire_ws_refused_total', 'Connections, handshakes and frames refused, by reason', ['reason']),
    malformed: counter(
      'crosswire_ws_malformed_frames_total',
      'Frames that were not a message of the configured format (parked as dead letters when a dead-letter channel is set)',
    ),
    deadLettered: counter('crosswire_ws_dead_letters_total', 'Messages appended to the dead-letter channel'),
    slowDropped: counter('crosswire_ws_slow_subscribers_dropped_total', 'Subscribers disconnected because their send buffer passed maxBufferedBytes'),
    deadPeers: counter('crosswire_ws_dead_peers_total', 'Connections closed for not answering a ping'),
    reconnects: counter('crosswire_ws_reconnect_attempts_total', 'Connection attempts after the first (ws-initiator)'),
  };
}

/** The metrics of one adapter's connector, recorded in `registry` (a private one when none is given). */
export class WsMetrics extends ConnectorMetrics<ReturnType<typeof build>> {
  // Counted per frame: bound to this adapter's labels once, not hashed from them on every frame.
  readonly #framesIn;
  readonly #framesOut;

  constructor(registry: Registry | undefined, adapter: string, connector: string, count?: ConnectorContext['count']) {
    super(registry, build, adapter, connector, count);
    this.#framesIn = this.set.framesIn.labels(this.labels);
    this.#framesOut = this.set.framesOut.labels(this.labels);
  }

  opened(): void {
    this.set.opened.inc(this.labels);
    this.set.connections.inc(this.labels);
  }

  closed(): void {
    this.set.connections.dec(this.labels);
  }

  frameIn(): void {
    this.#framesIn.inc();
    this.count?.('in', 1);
  }

  framesOut(count: number): void {
    if (count <= 0) return;
    this.#framesOut.inc(count);
    this.count?.('out', count);
  }

  refused(reason: RefusalReason): void {
    this.set.refused.inc({ ...this.labels, reason });
    if (reason === 'frame-too-large' || reason === 'rate') this.count?.('rejected', 1);
  }

  malformed(): void {
    this.set.malformed.inc(this.labels);
    this.count?.('rejected', 1);
  }

  deadLettered(count: number): void {
    if (count > 0) this.set.deadLettered.inc(this.labels, count);
  }

  slowSubscriberDropped(): void {
    this.set.slowDropped.inc(this.labels);
  }

  deadPeer(): void {
    this.set.deadPeers.inc(this.labels);
  }

  reconnect(): void {
    this.set.reconnects.inc(this.labels);
  }
}
