import { PostgresChannelStore } from '../channels/index.ts';
import type { ConnectorFactory } from './connector.ts';
import { withDeadLetterReplay } from './dead-letters.ts';
import { fixAcceptorConnector, fixInitiatorConnector } from './fix.ts';
import { natsConsumerConnector } from './nats-consumer.ts';
import { natsProducerConnector } from './nats-producer.ts';
import type { WsConnectorDependencies } from './ws-connection.ts';
import { wsAcceptorConnector } from './ws-acceptor.ts';
import { wsInitiatorConnector } from './ws-initiator.ts';

/** What every built-in connector may need: the shared database, artifacts, mounted secrets, the metrics registry. */
export type ConnectorDependencies = WsConnectorDependencies;

/** The connector types this build of the adapter pod runs, by plugin type. */
export function builtinConnectors(deps: ConnectorDependencies): Map<string, ConnectorFactory> {
  const connectors = new Map<string, ConnectorFactory>([
    ['fix-acceptor', fixAcceptorConnector(deps)],
    ['fix-initiator', fixInitiatorConnector(deps)],
    ['ws-acceptor', wsAcceptorConnector(deps)],
    ['ws-initiator', wsInitiatorConnector(deps)],
    ['nats-consumer', natsConsumerConnector(deps)],
    ['nats-producer', natsProducerConnector(deps)],
  ]);
  // Dead letters live in channels: without the database there are none to replay.
  const db = deps.db;
  if (!db) return connectors;
  const store = new PostgresChannelStore(db);
  return new Map([...connectors].map(([type, factory]) => [type, withDeadLetterReplay(factory, store)]));
}

export type { FixConnectorDependencies } from './fix.ts';
export type { WsConnectorDependencies } from './ws-connection.ts';
export type { ConnectorFactory, ConnectorContext, RunningConnector, StopMode, ConnectorEvent, LeaseIdentity } from './connector.ts';
