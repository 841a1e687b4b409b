import type { Database } from '@crosswire/orchestrator';
import {
  FixAcceptor,
  FixInitiator,
  MemoryMessageStore,
  type AcceptorSessionConfig,
  type FixAcceptorConfig,
  type FixApplication,
  type FixEvent,
  type FixInitiatorConfig,
  type MessageStoreFactory,
  type Session,
  type SessionHandle,
} from '../fix/index.ts';
import { PostgresChannelStore } from '../channels/index.ts';
import { loadDictionaryFile } from '../fix/index.ts';
import { compilePipeline, fieldNamesOf, noFieldNames, type FieldNames } from '../pipeline/index.ts';
import { PostgresMessageStore, sessionKeyText, type PostgresMessageStoreOptions } from '../store/postgres-message-store.ts';
import type { ConnectorContext, ConnectorEvent, ConnectorFactory, RunningConnector } from './connector.ts';
import { fixApplication, type FixApplicationMode, type MessageCounters } from './fix-applications.ts';
import { countingApplication, tracingApplication } from './fix-counting.ts';
import { FixChannelSender } from './fix-outbound.ts';
import { fixPipelineApplication } from './fix-pipeline.ts';
import { missingDictionaryReason, standardDictionaryPath } from './fix-dictionaries.ts';
import { resolveSecretRefs } from './secret-refs.ts';

export interface FixConnectorDependencies {
  /** The shared session store; without it sequence numbers do not survive a failover. */
  db: Database | undefined;
  /** Reads an artifact (`name` or `name@version`) as text: data dictionaries, CA bundles. */
  artifacts: (name: string) => Promise<string>;
  /** Where secret references are mounted. */
  secretsDir: string;
}

const toConnectorEvent = (event: FixEvent): ConnectorEvent => ({
  level: event.level === 'warn' ? 'warning' : event.level,
  category: event.category,
  message: event.message,
  ...(event.details ? { details: event.details } : {}),
});

/** The sessions' stores, kept by session key so the pipeline application can order its appends with them. */
type StoreRegistry = Map<string, PostgresMessageStore>;

function storeFactory(
  deps: FixConnectorDependencies,
  context: ConnectorContext,
  options: PostgresMessageStoreOptions,
  registry?: StoreRegistry,
): MessageStoreFactory {
  if (deps.db) {
    const db = deps.db;
    if (options.commit === 'asynchronous') {
      // Said once at start, so the trade-off stays visible in the adapter's events, not only in its spec.
      context.emit({
        level: 'warning',
        category: 'system',
        message:
          'the FIX message store commits asynchronously (messageStore.commit: asynchronous): a crash of the database server may lose ' +
          'the last few hundred milliseconds of sequence numbers and sent messages; the session would then reuse numbers the ' +
          'counterparty already saw and stay refused until an operator sets the sequence numbers',
      });
    }
    return (session) => {
      const store = new PostgresMessageStore(db, context.lease, session, options);
      registry?.set(sessionKeyText(session), store);
      return store;
    };
  }
  context.emit({
    level: 'warning',
    category: 'system',
    message: 'sequence numbers and sent messages are kept in this pod only: set DATABASE_URL so a standby continues them after a failover',
  });
  return () => new MemoryMessageStore();
}

/**
 * The application for the adapter's `application` mode. In `pipeline` mode with a pipeline, received
 * messages go to channels exactly once (fix-pipeline.ts); without one they are only counted.
 */
async function applicationFor(
  mode: FixApplicationMode,
  deps: FixConnectorDependencies,
  context: ConnectorContext,
  counters: MessageCounters,
  registry: StoreRegistry,
  beginStrings: readonly string[],
): Promise<FixApplication> {
  const spec = context.spec.pipeline;
  if (mode !== 'pipeline') return fixApplication(mode, counters);
  if (!spec) {
    context.emit({
      level: 'warning',
      category: 'system',
      message: 'this adapter has no pipeline: messages it receives are counted and not delivered anywhere; add routes to deliver them to channels',
    });
    return fixApplication(mode, counters);
  }
  if (!deps.db) throw new Error(`${context.spec.connector.type} needs the channels' database for its pipeline: set DATABASE_URL on the pod`);
  const names = new Map<string, FieldNames>();
  for (const beginString of new Set(beginStrings)) {
    const path = standardDictionaryPath(beginString);
    names.set(beginString, path ? fieldNamesOf(await loadDictionaryFile(path)) : noFieldNames);
  }
  return fixPipelineApplication({
    channels: new PostgresChannelStore(deps.db),
    lease: context.lease,
    pipeline: compilePipeline(spec),
    names: (beginString) => names.get(beginString) ?? noFieldNames,
    storeOf: (id) => registry.get(sessionKeyText(id)),
    counters,
  });
}

/** The standard dictionary for sessions that name none; all such sessions must share a FIX version. */
function defaultDictionary(sessions: ReadonlyArray<{ beginString: string; dataDictionary?: string }>): string | undefined {
  const versions = [...new Set(sessions.filter((s) => !s.dataDictionary).map((s) => s.beginString))];
  if (versions.length === 0) return undefined;
  if (versions.length > 1) throw new Error(`sessions of FIX versions ${versions.join(' and ')} name no dataDictionary: give each version's sessions one`);
  const path = standardDictionaryPath(versions[0]!);
  if (!path) throw new Error(missingDictionaryReason(versions[0]!));
  return path;
}

/** Operator actions on one session: reset to 1/1, or set the next sequence numbers. */
async function actOn(session: Session, kind: Parameters<RunningConnector['act']>[0], params: Record<string, unknown>): Promise<string> {
  // Replay is the pod's, not the session's: withDeadLetterReplay answers it before a connector sees it.
  if (kind === 'replay-dead-letters') throw new Error('dead-letter replay is not a session action');
  if (kind === 'reset-session') {
    await session.reset();
    return `${session.label}: sequence numbers reset to 1`;
  }
  const sender = typeof params.nextSenderSeqNum === 'number' ? params.nextSenderSeqNum : session.nextSenderSeqNum;
  const target = typeof params.nextTargetSeqNum === 'number' ? params.nextTargetSeqNum : session.nextTargetSeqNum;
  await session.setSequenceNumbers(sender, target);
  return `${session.label}: next sender ${sender}, next target ${target}`;
}

/** The adapter settings a FIX engine's config does not carry; the connector applies them around it. */
type WithApplication<T> = T & { application?: FixApplicationMode; subscribeChannel?: string; messageStore?: PostgresMessageStoreOptions };

/** An acceptor adapter's config: each session may name the channel sent on it. */
type AcceptorAdapterConfig = WithApplication<Omit<FixAcceptorConfig, 'sessions'> & { sessions: Array<AcceptorSessionConfig & { subscribeChannel?: string }> }>;

/**
 * The channels an acceptor sends, each with the session it goes out on: a session's own channel, and
 * for the first session also the top-level one (the single-session shorthand). Unset ones are left to
 * `channelSender`. The orchestrator refuses a spec naming one channel twice: a channel consumer's
 * position is keyed by (channel, adapter).
 */
function acceptorOutbound(config: AcceptorAdapterConfig): Array<{ channel: string | undefined; session: AcceptorSessionConfig }> {
  return config.sessions.flatMap((session, i) =>
    [...(i === 0 ? [config.subscribeChannel] : []), session.subscribeChannel].map((channel) => ({ channel, session })),
  );
}

/** The `subscribeChannel` sender, when the config names one; it needs the database its channels live in. */
function channelSender(
  deps: FixConnectorDependencies,
  context: ConnectorContext,
  channel: string | undefined,
  session: () => SessionHandle | undefined,
): FixChannelSender | undefined {
  if (channel === undefined || channel === '') return undefined;
  if (!deps.db) throw new Error(`${context.spec.connector.type} needs the channels' database for subscribeChannel: set DATABASE_URL on the pod`);
  return new FixChannelSender({
    channels: new PostgresChannelStore(deps.db),
    lease: context.lease,
    channel,
    session,
    deadLetterChannel: context.spec.pipeline?.deadLetterChannel,
    onParked: (offset, reason) => {
      context.emit({ level: 'warning', category: 'message', message: `channel ${channel} offset ${offset} parked in ${context.spec.pipeline!.deadLetterChannel!}: ${reason}`, details: { offset } });
    },
    onError: (message, stopped) => {
      context.emit({ level: 'error', category: 'message', message });
      if (stopped) context.setState('Error', message);
    },
  });
}

/**
 * The application, also waking the senders when a session logs on. All of them, which keeps this
 * simple: a sender whose own session is still logged off finds it not ready and idles again.
 */
function wakingOnLogon(application: FixApplication, senders: readonly FixChannelSender[]): FixApplication {
  if (senders.length === 0) return application;
  return {
    ...application,
    onLogon: (session) => {
      for (const sender of senders) sender.wake();
      return application.onLogon?.(session);
    },
  };
}

/**
 * Stops a connector's senders and engine. Fenced: the engine first, so not another byte goes out while
 * the senders let go. Logging out: the senders first, so what they took is stored and sent before Logout.
 */
async function stopBoth(mode: 'logout' | 'fence', senders: readonly FixChannelSender[], engine: { stop(options: { logout: boolean }): Promise<void> }): Promise<void> {
  if (mode === 'fence') {
    await engine.stop({ logout: false });
    await Promise.all(senders.map((sender) => sender.stop()));
  } else {
    await Promise.all(senders.map((sender) => sender.stop()));
    await engine.stop({ logout: true });
  }
}

/** Starts the senders one by one; when one cannot start, stops those that did and the engine, without Logout. */
async function startSenders(senders: readonly FixChannelSender[], engine: { stop(options: { logout: boolean }): Promise<void> }): Promise<void> {
  const started: FixChannelSender[] = [];
  for (const sender of senders) {
    try {
      await sender.start();
    } catch (error) {
      await stopBoth('fence', started, engine);
      throw error;
    }
    started.push(sender);
  }
}

export function fixAcceptorConnector(deps: FixConnectorDependencies): ConnectorFactory {
  return async (context): Promise<RunningConnector> => {
    // The orchestrator validated the config against the fix-acceptor plugin schema, whose fields these are.
    const config = await resolveSecretRefs(context.spec.connector.config as unknown as AcceptorAdapterConfig, deps.secretsDir);
    const counters: MessageCounters = { received: 0, sent: 0 };
    const stores: StoreRegistry = new Map();
    const inner = await applicationFor(config.application ?? 'pipeline', deps, context, counters, stores, config.sessions.map((s) => s.beginString));
    // One sender per (session, channel), each sending on its session while that one is logged on. Started once listening.
    const senders: FixChannelSender[] = acceptorOutbound(config).flatMap(({ channel, session }) =>
      channelSender(deps, context, channel, () => acceptor.session(session.senderCompId, session.targetCompId, session.beginString)?.handle) ?? [],
    );
    const acceptor = new FixAcceptor(config, {
      storeFactory: storeFactory(deps, context, config.messageStore ?? {}, stores),
      application: countingApplication(tracingApplication(wakingOnLogon(inner, senders), context), context),
      onEvent: (event) => context.emit(toConnectorEvent(event)),
      dictionary: defaultDictionary(config.sessions),
      artifacts: deps.artifacts,
    });
    await acceptor.start();
    await startSenders(senders, acceptor);
    context.setState('Active');
    context.emit({
      level: 'info',
      category: 'connection',
      message: `listening on port ${acceptor.port} for ${config.sessions.map((s) => `${s.targetCompId}→${s.senderCompId}`).join(', ')}`,
    });
    const sessions = () =>
      config.sessions.flatMap((s) => acceptor.session(s.senderCompId, s.targetCompId, s.beginString) ?? []);
    return {
      listeningPorts: [acceptor.port],
      stop: (mode) => stopBoth(mode, senders, acceptor),
      act: async (kind, params) => {
        const results = await Promise.all(sessions().map((session) => actOn(session, kind, params)));
        return results.join('; ') || 'no session has connected yet';
      },
    };
  };
}

export function fixInitiatorConnector(deps: FixConnectorDependencies): ConnectorFactory {
  return async (context): Promise<RunningConnector> => {
    // Validated by the orchestrator against the fix-initiator plugin schema.
    const config = await resolveSecretRefs(context.spec.connector.config as unknown as WithApplication<FixInitiatorConfig>, deps.secretsDir);
    const counters: MessageCounters = { received: 0, sent: 0 };
    const stores: StoreRegistry = new Map();
    const inner = await applicationFor(config.application ?? 'pipeline', deps, context, counters, stores, [config.session.beginString]);
    const peer = `${config.connection.host}:${config.connection.port}`;
    // Started once the initiator has its session.
    const sender = channelSender(deps, context, config.subscribeChannel, () => initiator.session.handle);
    // The adapter is Active while logged on; between logons it shows why it is not.
    const application: FixApplication = {
      ...inner,
      onLogon: (session) => {
        context.setState('Active');
        sender?.wake();
        return inner.onLogon?.(session);
      },
      onLogout: (session) => {
        context.setState('Error', `not logged on to ${peer}: reconnecting`);
        return inner.onLogout?.(session);
      },
    };
    const initiator = new FixInitiator(config, {
      storeFactory: storeFactory(deps, context, config.messageStore ?? {}, stores),
      application: countingApplication(tracingApplication(application, context), context),
      onEvent: (event) => context.emit(toConnectorEvent(event)),
      dictionary: defaultDictionary([config.session]),
      artifacts: deps.artifacts,
    });
    await initiator.start();
    await startSenders(sender ? [sender] : [], initiator);
    return {
      stop: (mode) => stopBoth(mode, sender ? [sender] : [], initiator),
      act: (kind, params) => actOn(initiator.session, kind, params),
    };
  };
}
