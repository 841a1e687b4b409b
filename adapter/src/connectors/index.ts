import type { ConnectorFactory } from './connector.ts';
import { fixAcceptorConnector, fixInitiatorConnector } from './fix.ts';
import type { WsConnectorDependencies } from './ws-connection.ts';
import { wsAcceptorConnector } from './ws-acceptor.ts';
import { wsInitiatorConnector } from './ws-initiator.ts';

/** What every built-in connector may need: the shared database, artifacts, mounted secrets, the metrics registry. */
export type ConnectorDependencies = WsConnectorDependencies;

/** The connector types this build of the adapter pod runs, by plugin type. */
export function builtinConnectors(deps: ConnectorDependencies): Map<string, ConnectorFactory> {
  return new Map([
    ['fix-acceptor', fixAcceptorConnector(deps)],
    ['fix-initiator', fixInitiatorConnector(deps)],
    ['ws-acceptor', wsAcceptorConnector(deps)],
    ['ws-initiator', wsInitiatorConnector(deps)],
  ]);
}

export type { FixConnectorDependencies } from './fix.ts';
export type { WsConnectorDependencies } from './ws-connection.ts';
export type { ConnectorFactory, ConnectorContext, RunningConnector, StopMode, ConnectorEvent, LeaseIdentity } from './connector.ts';
