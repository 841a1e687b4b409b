import type { ConnectorContext, ConnectorFactory, StopMode } from '../../src/connectors/connector.ts';

export interface ProbeLog {
  starts: Array<{ adapter: string; epoch: number; revision: unknown; at: number }>;
  stops: Array<{ adapter: string; epoch: number; mode: StopMode; at: number }>;
  actions: Array<{ adapter: string; kind: string; params: Record<string, unknown> }>;
}

/**
 * A connector that does nothing but record what the worker asks of it, for tests of the lease-driven
 * worker itself. Real connectors (FIX, WebSocket, NATS) have their own tests.
 */
export function probeConnector(log: ProbeLog, options: { failStarts?: number; listens?: boolean } = {}): ConnectorFactory {
  let failures = options.failStarts ?? 0;
  return (context: ConnectorContext) => {
    if (failures-- > 0) return Promise.reject(new Error('port 9876 is already in use'));
    const adapter = context.lease.adapterName;
    log.starts.push({ adapter, epoch: context.lease.epoch, revision: context.spec.description, at: performance.now() });
    context.setState('Active');
    context.emit({ level: 'info', category: 'connection', message: `probe running at epoch ${context.lease.epoch}` });
    const port = (context.spec.connector.config as { listen?: { port?: number } }).listen?.port;
    return Promise.resolve({
      // Claims the port it is configured with, as an acceptor would, without binding it.
      ...(options.listens && port !== undefined ? { listeningPorts: [port] } : {}),
      stop: (mode: StopMode) => {
        log.stops.push({ adapter, epoch: context.lease.epoch, mode, at: performance.now() });
        return Promise.resolve();
      },
      act: (kind: string, params: Record<string, unknown>) => {
        log.actions.push({ adapter, kind, params });
        if (kind === 'reset-session') return Promise.reject(new Error('nothing to reset in a probe'));
        return Promise.resolve(`applied ${JSON.stringify(params)}`);
      },
    });
  };
}

export const emptyLog = (): ProbeLog => ({ starts: [], stops: [], actions: [] });
