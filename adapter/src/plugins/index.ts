import type { PluginManifest } from '@crosswire/orchestrator/contract';
import { fixAcceptor } from './fix-acceptor.ts';
import { fixInitiator } from './fix-initiator.ts';
import { natsConsumer } from './nats-consumer.ts';
import { natsProducer } from './nats-producer.ts';
import { wsAcceptor } from './ws-acceptor.ts';
import { wsInitiator } from './ws-initiator.ts';

export { fixAcceptor, fixInitiator, natsConsumer, natsProducer, wsAcceptor, wsInitiator };

/** The connector types every Crosswire installation offers. */
export const builtinPlugins: readonly PluginManifest[] = Object.freeze([
  fixInitiator,
  fixAcceptor,
  wsInitiator,
  wsAcceptor,
  natsConsumer,
  natsProducer,
]);
