/**
 * Prometheus metrics of the WebSocket connectors. One set per registry (prom-client refuses a name
 * registered twice), labelled by adapter and connector type so every adapter in a pod has its own series.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { metricSet } from '../observability/metric-sets.ts';
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

const LABELS = ['adapter', 'connector'] as const;

function build(registry: Registry) {
  const registers = [registry];
  return {
    connections: new Gauge({ name: 'crosswire_ws_connections', help: 'Open WebSocket connections', labelNames: LABELS, registers }),
    opened: new Counter({ name: 'crosswire_ws_connections_opened_total', help: 'WebSocket connections established', labelNames: LABELS, registers }),
    framesIn: new Counter({ name: 'crosswire_ws_frames_in_total', help: 'Frames received, malformed ones included', labelNames: LABELS, registers }),
    framesOut: new Counter({ name: 'crosswire_ws_frames_out_total', help: 'Frames sent (one per message per connection)', labelNames: LABELS, registers }),
    refused: new Counter({
      name: 'crosswire_ws_refused_total',
      help: 'Connections, handshakes and frames refused, by reason',
      labelNames: [...LABELS, 'reason'],
      registers,
    }),
    malformed: new Counter({
      name: 'crosswire_ws_malformed_frames_total',
      help: 'Frames that were not a message of the configured format (parked as dead letters when a dead-letter channel is set)',
      labelNames: LABELS,
      registers,
    }),
    deadLettered: new Counter({ name: 'crosswire_ws_dead_letters_total', help: 'Messages appended to the dead-letter channel', labelNames: LABELS, registers }),
    slowDropped: new Counter({
      name: 'crosswire_ws_slow_subscribers_dropped_total',
      help: 'Subscribers disconnected because their send buffer passed maxBufferedBytes',
      labelNames: LABELS,
      registers,
    }),
    deadPeers: new Counter({ name: 'crosswire_ws_dead_peers_total', help: 'Connections closed for not answering a ping', labelNames: LABELS, registers }),
    reconnects: new Counter({ name: 'crosswire_ws_reconnect_attempts_total', help: 'Connection attempts after the first (ws-initiator)', labelNames: LABELS, registers }),
  };
}

type WsMetricSet = ReturnType<typeof build>;

/** The metrics of one adapter's connector, recorded in `registry` (a private one when none is given). */
export class WsMetrics {
  readonly #set: WsMetricSet;
  readonly #labels: { adapter: string; connector: string };
  /** The adapter's message counters (console and Prometheus), kept by the worker. */
  readonly #count: ConnectorContext['count'];

  constructor(registry: Registry | undefined, adapter: string, connector: string, count?: ConnectorContext['count']) {
    this.#count = count;
    this.#set = metricSet(registry, build);
    this.#labels = { adapter, connector };
  }

  opened(): void {
    this.#set.opened.inc(this.#labels);
    this.#set.connections.inc(this.#labels);
  }

  closed(): void {
    this.#set.connections.dec(this.#labels);
  }

  frameIn(): void {
    this.#set.framesIn.inc(this.#labels);
    this.#count?.('in', 1);
  }

  framesOut(count: number): void {
    if (count <= 0) return;
    this.#set.framesOut.inc(this.#labels, count);
    this.#count?.('out', count);
  }

  refused(reason: RefusalReason): void {
    this.#set.refused.inc({ ...this.#labels, reason });
    if (reason === 'frame-too-large' || reason === 'rate') this.#count?.('rejected', 1);
  }

  malformed(): void {
    this.#set.malformed.inc(this.#labels);
    this.#count?.('rejected', 1);
  }

  deadLettered(count: number): void {
    if (count > 0) this.#set.deadLettered.inc(this.#labels, count);
  }

  slowSubscriberDropped(): void {
    this.#set.slowDropped.inc(this.#labels);
  }

  deadPeer(): void {
    this.#set.deadPeers.inc(this.#labels);
  }

  reconnect(): void {
    this.#set.reconnects.inc(this.#labels);
  }
}
