/**
 * What the WebSocket acceptor and initiator share: the store, pipeline and metrics an adapter's
 * connector runs with, and the inbound handling of one connection (frame numbering, parsing, malformed
 * frames reported and parked, delivery to channels with back-pressure).
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '@crosswire/orchestrator';
import type { Registry } from 'prom-client';
import type { WebSocket } from 'ws';
import { PostgresChannelStore } from '../channels/index.ts';
import { compilePipeline, type CompiledPipeline } from '../pipeline/index.ts';
import type { ConnectorContext } from './connector.ts';
import type { WsFormat } from './ws-config.ts';
import { frameToMessage } from './ws-frames.ts';
import { inboundHighWaterBytes, InboundWriter } from './ws-inbound.ts';
import type { ReadGate } from './ws-limits.ts';
import { WsMetrics } from './ws-metrics.ts';

export interface WsConnectorDependencies {
  /** The channels' database; without it the connector can neither deliver nor consume. */
  db: Database | undefined;
  /** Reads an artifact (`name` or `name@version`) as text: CA bundles. */
  artifacts: (name: string) => Promise<string>;
  /** Where secret references are mounted. */
  secretsDir: string;
  /** Where the connector's metrics go (the pod's /metrics registry). */
  metrics?: Registry;
}

/** Malformed frames reported as events per connection; the rest are counted in the metric only. */
const MALFORMED_EVENTS_PER_CONNECTION = 10;

export interface WsRuntime {
  context: ConnectorContext;
  store: PostgresChannelStore | undefined;
  pipeline: CompiledPipeline | undefined;
  metrics: WsMetrics;
  format: WsFormat;
}

export function wsRuntime(context: ConnectorContext, deps: WsConnectorDependencies, format: WsFormat, subscribeChannel: string | undefined): WsRuntime {
  const spec = context.spec.pipeline;
  const pipeline = spec ? compilePipeline(spec) : undefined;
  const type = context.spec.connector.type;
  if (!deps.db && (pipeline || subscribeChannel)) {
    throw new Error(`${type} needs the channels' database for its pipeline and subscribeChannel: set DATABASE_URL on the pod`);
  }
  if (!pipeline) {
    context.emit({
      level: 'warning',
      category: 'system',
      message: 'this adapter has no pipeline: messages it receives are counted and not delivered anywhere; add routes to deliver them to channels',
    });
  }
  return {
    context,
    store: deps.db ? new PostgresChannelStore(deps.db) : undefined,
    pipeline,
    metrics: new WsMetrics(deps.metrics, context.lease.adapterName, type, context.count?.bind(context)),
    format,
  };
}

/**
 * Receives the frames of one connection into channels. Each connection is its own run of sequence
 * numbers (`origin.session` = `ws:<pod>:<connection id>`, `seq` = frame number from 1), so every
 * frame has an identity and a retried append never adds it twice. Returns a function that resolves
 * once everything received so far is stored.
 */
export function receiveFrames(runtime: WsRuntime, socket: WebSocket, gate: ReadGate, peer: string, maxFrameBytes: number): () => Promise<void> {
  const { context, metrics } = runtime;
  const session = `ws:${context.lease.pod}:${randomUUID()}`;
  let seq = 0;
  let malformed = 0;
  const writer = runtime.store
    ? new InboundWriter({
        store: runtime.store,
        lease: context.lease,
        pipeline: runtime.pipeline,
        metrics,
        highWaterBytes: inboundHighWaterBytes(maxFrameBytes),
        pause: () => gate.pause('inbound queue'),
        resume: () => gate.resume('inbound queue'),
        onFailure: (reason, lost, fenced) => {
          context.emit({ level: 'error', category: 'message', message: `${peer}: ${reason}; closing the connection, ${lost} received messages were not stored`, details: { peer } });
          if (fenced) socket.terminate();
          else {
            gate.release();
            socket.close(1011, 'could not store messages');
          }
        },
      })
    : undefined;
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    metrics.frameIn();
    const frame = frameToMessage(data, isBinary, runtime.format, { adapterId: context.lease.adapterId, session, seq: ++seq }, new Date());
    if (context.trace?.active) context.trace.message('in', frame.message, peer);
    if (!frame.ok) {
      metrics.malformed();
      malformed++;
      const parked = runtime.pipeline?.deadLetterChannel;
      if (malformed <= MALFORMED_EVENTS_PER_CONNECTION) {
        context.emit({
          level: 'warning',
          category: 'message',
          message:
            `${peer}: frame ${seq} ${frame.reason}; ` +
            (parked ? `parked in dead-letter channel ${parked}` : 'not delivered: set a deadLetterChannel in the pipeline to keep such frames') +
            (malformed === MALFORMED_EVENTS_PER_CONNECTION ? '; further malformed frames from this connection are only counted' : ''),
          details: { peer, session, seq },
        });
      }
    }
    writer?.push(frame, data.length);
  });
  return () => writer?.drained() ?? Promise.resolve();
}
