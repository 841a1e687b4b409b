import type { ConnectorFactory } from './connector.ts';

/** The connector types this build of the adapter pod runs, by plugin type. */
export function builtinConnectors(): Map<string, ConnectorFactory> {
  return new Map();
}

export type { ConnectorFactory, ConnectorContext, RunningConnector, StopMode, ConnectorEvent, LeaseIdentity } from './connector.ts';
