/**
 * The `nats-consumer` connector (NATS → Crosswire): a durable JetStream pull consumer whose messages
 * go through the adapter's pipeline into channels, each acknowledged only after its channel write.
 *
 * Exactly once into the channel: a message's origin is the adapter, the stream (with its creation
 * time, so a re-created stream is a new run) and the stream sequence, and appends are idempotent on
 * the origin. A pod that dies between the write and the ack leaves the message unacknowledged;
 * JetStream delivers it again, the append drops it as a duplicate, and it is acknowledged then. A
 * message whose write fails is refused (nak, with a growing delay) and JetStream delivers it again.
 * At most `maxAckPending` messages are unacknowledged at once, so the pod's memory stays bounded.
 */
import { AckPolicy, ConsumerEvents, DeliverPolicy, nanos, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import { ChannelFencedError, PostgresChannelStore, type ChannelAppend } from '../channels/index.ts';
import { compilePipeline, DEAD_LETTER_REASON, deliveriesOf, noFieldNames, runPipeline, type CompiledPipeline } from '../pipeline/index.ts';
import type { ConnectorContext, ConnectorFactory, RunningConnector, StopMode } from './connector.ts';
import { NATS_DEFAULTS, type NatsConsumerConfig } from './nats-config.ts';
import { NatsLink, natsConnectOptions } from './nats-connection.ts';
import { NatsMetrics } from './nats-metrics.ts';
import { natsToMessage } from './nats-payload.ts';
import { resolveSecretRefs } from './secret-refs.ts';
import { EventThrottle } from './ws-events.ts';
import type { WsConnectorDependencies } from './ws-connection.ts';

/** A refused message is offered again after 1 s, doubling per delivery up to this. */
const MAX_NAK_DELAY_MS = 30_000;

/** What the pull consumer reports that an operator should see: it cannot reach its stream or consumer. */
const WATCHED = new Set<string>([ConsumerEvents.HeartbeatsMissed, ConsumerEvents.ConsumerNotFound, ConsumerEvents.StreamNotFound, ConsumerEvents.ConsumerDeleted]);

interface Prepared {
  readonly msg: JsMsg;
  readonly deliveries: readonly ChannelAppend[];
  /** Malformed and nowhere to park it: JetStream is told not to offer it again (it would fail every time). */
  readonly terminate?: boolean;
}

export class NatsConsumer {
  readonly #config: NatsConsumerConfig;
  readonly #context: ConnectorContext;
  readonly #store: PostgresChannelStore;
  readonly #pipeline: CompiledPipeline | undefined;
  readonly #metrics: NatsMetrics;
  readonly #events: EventThrottle;
  readonly #link: NatsLink;
  #session = '';
  #messages: ConsumerMessages | undefined;
  #reading: Promise<void> | undefined;
  #queue: JsMsg[] = [];
  #flushing: Promise<void> | undefined;
  #stopped = false;
  #fenced = false;

  constructor(config: NatsConsumerConfig, context: ConnectorContext, store: PostgresChannelStore, metrics: NatsMetrics, options: Awaited<ReturnType<typeof natsConnectOptions>>) {
    this.#config = config;
    this.#context = context;
    this.#store = store;
    this.#metrics = metrics;
    this.#events = new EventThrottle((event) => context.emit(event));
    const spec = context.spec.pipeline;
    this.#pipeline = spec ? compilePipeline(spec) : undefined;
    if (!this.#pipeline) {
      context.emit({
        level: 'warning',
        category: 'system',
        message: 'this adapter has no pipeline: messages it receives are acknowledged and delivered nowhere; add routes to deliver them to channels',
      });
    }
    this.#link = new NatsLink(
      { context, metrics, events: this.#events, options, onConnection: (nc) => this.#attach(nc) },
      config.connection.reconnectIntervalSeconds,
    );
  }

  start(): void {
    this.#link.start();
  }

  async stop(mode: StopMode): Promise<void> {
    this.#stopped = true;
    await this.#messages?.close().catch(() => undefined);
    await this.#reading;
    // A clean stop stores (and acknowledges) what was received; a fenced one may not write, so it hands the rest back.
    if (mode === 'logout') while (this.#flushing) await this.#flushing;
    this.#handBack();
    await this.#link.stop();
  }

  /** Makes sure the stream and the durable consumer are there, then starts pulling. */
  async #attach(nc: NatsConnection): Promise<void> {
    const { stream, durableName } = this.#config.consumer;
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(stream).catch((error: Error) => {
      throw new Error(`JetStream stream ${stream} is not available (${error.message}): create it on the NATS server, or correct consumer.stream`);
    });
    this.#session = `nats:${stream}@${info.created}`;
    await this.#ensureConsumer(nc);
    const consumer = await nc.jetstream().consumers.get(stream, durableName);
    const messages = await consumer.consume({ max_messages: Math.min(this.#config.consumer.maxAckPending ?? NATS_DEFAULTS.maxAckPending, this.#store.maxBatch) });
    this.#messages = messages;
    this.#reading = (async () => {
      for await (const msg of messages) this.#push(msg);
    })().catch((error: Error) => this.#events.emit('consume-failed', 'error', 'connection', `reading ${stream}/${durableName} stopped: ${error.message}`));
    void (async () => {
      for await (const status of await messages.status()) {
        const type: string = status.type;
        if (WATCHED.has(type)) {
          this.#events.emit(`consumer-${type}`, 'warning', 'connection', `JetStream consumer ${stream}/${durableName}: ${type.replaceAll('_', ' ')} (${JSON.stringify(status.data)})`);
        }
      }
    })();
  }

  async #ensureConsumer(nc: NatsConnection): Promise<void> {
    const c = this.#config.consumer;
    const jsm = await nc.jetstreamManager();
    const settings = {
      ack_wait: nanos((c.ackWaitSeconds ?? NATS_DEFAULTS.ackWaitMs / 1000) * 1000),
      max_deliver: c.maxDeliver ?? NATS_DEFAULTS.maxDeliver,
      max_ack_pending: c.maxAckPending ?? NATS_DEFAULTS.maxAckPending,
      ...(c.filterSubject ? { filter_subject: c.filterSubject } : {}),
    };
    const existing = await jsm.consumers.info(c.stream, c.durableName).catch(() => undefined);
    if (!existing) {
      const policy = { all: DeliverPolicy.All, new: DeliverPolicy.New, last: DeliverPolicy.Last }[c.deliverPolicy ?? NATS_DEFAULTS.deliverPolicy];
      await jsm.consumers.add(c.stream, { durable_name: c.durableName, ack_policy: AckPolicy.Explicit, deliver_policy: policy, ...settings });
      this.#events.emit('consumer-created', 'info', 'system', `created durable JetStream consumer ${c.stream}/${c.durableName}`);
      return;
    }
    if (existing.config.ack_policy !== AckPolicy.Explicit) {
      throw new Error(`JetStream consumer ${c.stream}/${c.durableName} exists with ack policy ${existing.config.ack_policy}: it needs explicit acks; delete it or choose another durableName`);
    }
    const changed = (Object.keys(settings) as (keyof typeof settings)[]).some((k) => existing.config[k] !== settings[k]);
    if (changed) {
      await jsm.consumers.update(c.stream, c.durableName, settings).catch((error: Error) => {
        this.#events.emit('consumer-update', 'warning', 'system', `JetStream consumer ${c.stream}/${c.durableName} keeps its old settings: ${error.message}`);
      });
    }
  }

  #push(msg: JsMsg): void {
    this.#metrics.messageIn(msg.redelivered);
    if (this.#stopped || this.#fenced) {
      msg.nak();
      return;
    }
    this.#queue.push(msg);
    this.#flushing ??= this.#flush();
  }

  /** Stores what is queued, in order, in batches; acknowledges each message once its write is done. */
  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.#fenced) {
        const batch = this.#queue.splice(0, this.#store.maxBatch).map((msg) => this.#prepare(msg));
        const writes = batch.flatMap((p) => p.deliveries);
        try {
          if (writes.length > 0) this.#stored(await this.#store.append(writes, { lease: this.#context.lease }), writes);
          for (const p of batch) this.#settle(p);
        } catch (error) {
          if (this.#fencedBy(error)) {
            for (const p of batch) p.msg.nak();
            return;
          }
          // One write is all or nothing: find which messages cannot be stored, and store the others.
          for (const p of batch) await this.#storeOne(p);
        }
      }
    } finally {
      this.#flushing = undefined;
      if (this.#fenced) this.#handBack();
    }
  }

  async #storeOne(p: Prepared): Promise<void> {
    if (this.#fenced) return p.msg.nak();
    try {
      if (p.deliveries.length > 0) this.#stored(await this.#store.append(p.deliveries, { lease: this.#context.lease }), p.deliveries);
      this.#settle(p);
    } catch (error) {
      if (this.#fencedBy(error)) return p.msg.nak();
      const delay = Math.min(MAX_NAK_DELAY_MS, 1000 * 2 ** Math.min(p.msg.info.redeliveryCount, 15));
      p.msg.nak(delay);
      this.#metrics.nak();
      this.#events.emit(
        'store-failed',
        'error',
        'message',
        `stream ${this.#config.consumer.stream} message ${p.msg.seq} could not be stored (${(error as Error).message}); JetStream offers it again in ${delay / 1000} s`,
        { stream: this.#config.consumer.stream, seq: p.msg.seq, deliveries: p.msg.info.deliveryCount },
      );
    }
  }

  #settle(p: Prepared): void {
    if (p.terminate) return p.msg.term();
    p.msg.ack();
    this.#metrics.acked(1);
  }

  #stored(result: { duplicates: number }, writes: readonly ChannelAppend[]): void {
    this.#metrics.duplicates(result.duplicates);
    const dead = this.#pipeline?.deadLetterChannel;
    this.#metrics.deadLettered(writes.filter((d) => d.channel === dead && d.message.headers[DEAD_LETTER_REASON] !== undefined).length);
  }

  #fencedBy(error: unknown): boolean {
    if (!(error instanceof ChannelFencedError)) return false;
    this.#fenced = true;
    this.#events.emit('fenced', 'error', 'system', `this pod no longer holds the adapter's lease: stopped reading; unacknowledged messages go to the next holder (${error.message})`);
    this.#context.setState('Error', 'lease lost: not reading from NATS');
    void this.#messages?.close().catch(() => undefined);
    return true;
  }

  /** Refuses what is queued without delay, so JetStream offers it (to the next holder) at once. */
  #handBack(): void {
    for (const msg of this.#queue.splice(0)) msg.nak();
  }

  #prepare(msg: JsMsg): Prepared {
    const origin = { adapterId: this.#context.lease.adapterId, session: this.#session, seq: msg.seq };
    const parsed = natsToMessage(msg.subject, msg.data, msg.headers, this.#config.format ?? NATS_DEFAULTS.format, origin, new Date());
    // Redeliveries are traced again: the trace shows what arrived, and each delivery did.
    if (this.#context.trace?.active) this.#context.trace.message('in', parsed.message, msg.subject);
    const pipeline = this.#pipeline;
    if (parsed.ok) return { msg, deliveries: pipeline ? deliveriesOf(runPipeline(pipeline, parsed.message, noFieldNames)) : [] };
    this.#metrics.malformed();
    const parked = pipeline?.deadLetterChannel;
    const where = parked
      ? `parked in dead-letter channel ${parked}`
      : 'not delivered, and JetStream will not offer it again: set a deadLetterChannel in the pipeline to keep such messages';
    this.#events.emit('malformed', 'warning', 'message', `stream ${this.#config.consumer.stream} message ${msg.seq} on ${msg.subject}: ${parsed.reason}; ${where}`, {
      stream: this.#config.consumer.stream,
      seq: msg.seq,
    });
    if (!parked) return { msg, deliveries: [], terminate: true };
    return { msg, deliveries: [{ channel: parked, message: { ...parsed.message, headers: { ...parsed.message.headers, [DEAD_LETTER_REASON]: parsed.reason } } }] };
  }
}

export function natsConsumerConnector(deps: WsConnectorDependencies): ConnectorFactory {
  return async (context): Promise<RunningConnector> => {
    // Validated by the orchestrator against the nats-consumer plugin schema.
    const config = await resolveSecretRefs(context.spec.connector.config as unknown as NatsConsumerConfig, deps.secretsDir);
    if (!deps.db) throw new Error("nats-consumer needs the channels' database to store what it receives: set DATABASE_URL on the pod");
    const metrics = new NatsMetrics(deps.metrics, context.lease.adapterName, 'nats-consumer', context.count?.bind(context));
    const options = await natsConnectOptions(config, context.lease.adapterName, deps.artifacts);
    const consumer = new NatsConsumer(config, context, new PostgresChannelStore(deps.db), metrics, options);
    consumer.start();
    return {
      stop: (mode) => consumer.stop(mode),
      act: (kind) => Promise.reject(new Error(`${kind} applies to FIX sessions; a nats-consumer has none`)),
    };
  };
}
