/**
 * The `nats-producer` connector (Crosswire → NATS): consumes its channel from the committed offset and
 * publishes each message to JetStream, one at a time and in order, committing the offset only once
 * JetStream has acknowledged storing it (PubAck).
 *
 * Nothing lost: the offset never passes a message JetStream has not stored. Nothing repeated: each
 * message carries `Nats-Msg-Id: <channel>:<offset>`, so a message published again after a lost
 * PubAck, an outage or a failover is dropped by JetStream within the stream's duplicate window. While
 * NATS is unreachable the channel is not read; its lag shows what waits.
 */
import { loadDictionaryFile } from '../fix/index.ts';
import type { JetStreamClient, NatsConnection } from 'nats';
import { ChannelFencedError, PostgresChannelStore, type ConsumedMessage } from '../channels/index.ts';
import { fieldNamesOf, noFieldNames, type FieldNames } from '../pipeline/index.ts';
import type { ConnectorContext, ConnectorFactory, RunningConnector, StopMode } from './connector.ts';
import { standardDictionaryPath } from './fix-dictionaries.ts';
import { NATS_DEFAULTS, type NatsProducerConfig } from './nats-config.ts';
import { NatsLink, natsConnectOptions } from './nats-connection.ts';
import { NatsMetrics } from './nats-metrics.ts';
import { parkedMessage } from './parking.ts';
import { messageToNats } from './nats-payload.ts';
import { compileSubject, type SubjectTemplate } from './nats-subject.ts';
import { resolveSecretRefs } from './secret-refs.ts';
import type { WsConnectorDependencies } from './ws-connection.ts';
import { EventThrottle } from './ws-events.ts';
import { ChannelPump } from './channel-outbound.ts';


export class NatsProducer {
  readonly #config: NatsProducerConfig;
  readonly #context: ConnectorContext;
  readonly #store: PostgresChannelStore;
  readonly #metrics: NatsMetrics;
  readonly #events: EventThrottle;
  readonly #link: NatsLink;
  readonly #pump: ChannelPump;
  readonly #subject: SubjectTemplate;
  readonly #names: FieldNames;
  #js: JetStreamClient | undefined;
  #blocked: string | undefined;

  constructor(config: NatsProducerConfig, context: ConnectorContext, store: PostgresChannelStore, metrics: NatsMetrics, options: Awaited<ReturnType<typeof natsConnectOptions>>, names: FieldNames) {
    this.#config = config;
    this.#context = context;
    this.#store = store;
    this.#metrics = metrics;
    this.#names = names;
    this.#subject = compileSubject(config.publish.subject);
    this.#events = new EventThrottle((event) => context.emit(event));
    this.#link = new NatsLink(
      {
        context,
        metrics,
        events: this.#events,
        options,
        onConnection: (nc) => this.#attach(nc),
        onReconnect: () => this.#pump.wake(),
      },
      config.connection.reconnectIntervalSeconds,
    );
    const channel = config.subscribeChannel;
    this.#pump = new ChannelPump({
      store,
      lease: context.lease,
      channel,
      // A send queue: what was put in the channel before the adapter first ran is published too.
      startAt: 'earliest',
      ready: () => this.#link.connected && this.#js !== undefined,
      deliver: (messages) => this.#publish(messages),
      onError: (error, fenced) => {
        this.#events.emit('pump', fenced ? 'error' : 'warning', 'message', `channel ${channel}: ${error.message}${fenced ? '; publishing stopped' : '; retrying from the committed offset'}`);
        if (fenced) context.setState('Error', 'lease lost: not publishing');
      },
    });
  }

  async start(): Promise<void> {
    // A channel that does not exist stops the start with the reason, as for ws connectors.
    await this.#pump.start();
    this.#link.start();
  }

  async stop(_mode: StopMode): Promise<void> {
    // Waits for the publish in flight: its PubAck decides whether the offset moves.
    await this.#pump.stop();
    await this.#link.stop();
  }

  async #attach(nc: NatsConnection): Promise<void> {
    const { stream } = this.#config.publish;
    const jsm = await nc.jetstreamManager();
    await jsm.streams.info(stream).catch((error: Error) => {
      throw new Error(`JetStream stream ${stream} is not available (${error.message}): create it on the NATS server, or correct publish.stream`);
    });
    this.#js = nc.jetstream();
    this.#pump.wake();
  }

  /**
   * Publishes in channel order, each waiting for its PubAck. Answers how many, from the first, JetStream
   * stored (or were parked); throws when not even the first was, so the pump backs off.
   */
  async #publish(messages: readonly ConsumedMessage[]): Promise<number> {
    const js = this.#js;
    const { stream, publishTimeoutSeconds, dedupe, format } = this.#config.publish;
    const timeout = publishTimeoutSeconds === undefined ? NATS_DEFAULTS.publishTimeoutMs : publishTimeoutSeconds * 1000;
    for (const [i, consumed] of messages.entries()) {
      if (!js || !this.#link.connected) return this.#stopAt(i, new Error('NATS is not connected'));
      const subject = this.#subject.render(consumed.message, this.#names);
      if (!subject.ok) {
        const parked = await this.#park(consumed, subject.reason);
        if (!parked) return this.#stopAt(i, new Error(`message at offset ${consumed.offset}: ${subject.reason}`));
        continue;
      }
      const { data, headers } = messageToNats(consumed.message, format ?? NATS_DEFAULTS.format);
      try {
        const ack = await js.publish(subject.subject, data, {
          headers,
          timeout,
          expect: { streamName: stream },
          ...((dedupe ?? NATS_DEFAULTS.dedupe) ? { msgID: `${consumed.channel}:${consumed.offset}` } : {}),
        });
        if (ack.duplicate) {
          this.#metrics.duplicates(1);
        } else {
          this.#metrics.published();
          if (this.#context.trace?.active) this.#context.trace.message('out', consumed.message, subject.subject);
        }
      } catch (error) {
        this.#metrics.publishFailed();
        this.#events.emit('publish-failed', 'warning', 'message', `publishing offset ${consumed.offset} to ${subject.subject} failed: ${(error as Error).message}; retrying from it`, {
          channel: consumed.channel,
          offset: consumed.offset,
        });
        return this.#stopAt(i, error as Error);
      }
    }
    if (this.#blocked) {
      this.#blocked = undefined;
      this.#context.setState('Active');
    }
    return messages.length;
  }

  #stopAt(i: number, error: Error): number {
    if (i === 0) throw error;
    return i;
  }

  /**
   * Parks a message that cannot be published in the pipeline's dead-letter channel, as a message of this
   * adapter (its identity is the channel position, so doing it twice adds it once). False when there is
   * no dead-letter channel: publishing then stops at the message, which stays in the channel.
   */
  async #park(consumed: ConsumedMessage, reason: string): Promise<boolean> {
    const channel = this.#context.spec.pipeline?.deadLetterChannel;
    if (!channel) {
      const why = `channel ${consumed.channel} offset ${consumed.offset} cannot be published (${reason}) and the pipeline has no deadLetterChannel: publishing stops here; set one, or fix the message`;
      if (this.#blocked !== why) this.#events.emit('blocked', 'error', 'message', why);
      this.#blocked = why;
      this.#context.setState('Error', why);
      return false;
    }
    const message = parkedMessage(consumed, reason, this.#context.lease.adapterId, 'nats-producer');
    try {
      await this.#store.append([{ channel, message }], { lease: this.#context.lease });
    } catch (error) {
      if (error instanceof ChannelFencedError) throw error;
      this.#events.emit('park-failed', 'error', 'message', `could not park offset ${consumed.offset} in ${channel}: ${(error as Error).message}`);
      return false;
    }
    this.#metrics.deadLettered(1);
    this.#events.emit('parked', 'warning', 'message', `channel ${consumed.channel} offset ${consumed.offset} parked in ${channel}: ${reason}`, { offset: consumed.offset });
    return true;
  }
}

export function natsProducerConnector(deps: WsConnectorDependencies): ConnectorFactory {
  return async (context): Promise<RunningConnector> => {
    // Validated by the orchestrator against the nats-producer plugin schema.
    const config = await resolveSecretRefs(context.spec.connector.config as unknown as NatsProducerConfig, deps.secretsDir);
    if (!deps.db) throw new Error("nats-producer needs the channels' database to read its subscribeChannel: set DATABASE_URL on the pod");
    const metrics = new NatsMetrics(deps.metrics, context.lease.adapterName, 'nats-producer', context.count?.bind(context));
    const options = await natsConnectOptions(config, context.lease.adapterName, deps.artifacts);
    // FIX field names in the subject ({Symbol}) are read with the FIX 4.4 dictionary; tag numbers need none.
    const names = compileSubject(config.publish.subject).usesNames ? fieldNamesOf(await loadDictionaryFile(standardDictionaryPath('FIX.4.4')!)) : noFieldNames;
    const producer = new NatsProducer(config, context, new PostgresChannelStore(deps.db), metrics, options, names);
    await producer.start();
    return {
      stop: (mode) => producer.stop(mode),
      act: (kind) => Promise.reject(new Error(`${kind} applies to FIX sessions; a nats-producer has none`)),
    };
  };
}
