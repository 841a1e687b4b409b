import type { ConnectorFactory } from './connector.ts';
import { fixAcceptorConnector, fixInitiatorConnector, type FixConnectorDependencies } from './fix.ts';

/** The connector types this build of the adapter pod runs, by plugin type. */
export function builtinConnectors(deps: FixConnectorDependencies): Map<string, ConnectorFactory> {
  return new Map([
    ['fix-acceptor', fixAcceptorConnector(deps)],
    ['fix-initiator', fixInitiatorConnector(deps)],
  ]);
}

export type { FixConnectorDependencies } from './fix.ts';
export type { ConnectorFactory, ConnectorContext, RunningConnector, StopMode, ConnectorEvent, LeaseIdentity } from './connector.ts';
