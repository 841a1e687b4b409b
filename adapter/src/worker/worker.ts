import type { Action, Assignment, HeartbeatReply, LeaseRef } from '@crosswire/orchestrator/contract';
import type { Logger } from 'pino';
import type { ConnectorEvent, ConnectorFactory, RunningConnector, StopMode } from '../connectors/connector.ts';
import { noAcceptorRouting, type AcceptorRouting } from '../kubernetes/acceptor-routing.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import { LeaseLostError, type OrchestratorClient } from './orchestrator-client.ts';
import { StatusReporter } from './status-reporter.ts';
import type { Registry } from 'prom-client';
import { MessageCounts } from '../observability/message-counts.ts';
import { MessageMetrics } from '../observability/message-metrics.ts';
import { MessageTracer } from '../observability/message-trace.ts';

export interface WorkerOptions {
  podId: string;
  version: string;
  capacity: number;
  client: OrchestratorClient;
  connectors: ReadonlyMap<string, ConnectorFactory>;
  logger: Logger;
  /** How often an idle pod asks for work; a busy one asks as often. */
  heartbeatIntervalMs?: number;
  /** Subtracted from the TTL when deciding, on this pod's clock, that a lease can no longer be vouched for. */
  fenceMarginMs?: number;
  /** Points acceptor Services at this pod while it listens on their ports (Kubernetes); none by default. */
  acceptorRouting?: AcceptorRouting;
  /** The pod's /metrics registry: each adapter's messages in, out and rejected are counted there too. */
  metrics?: Registry;
}

/** One adapter this pod runs under a lease. */
interface Session {
  lease: LeaseRef;
  name: string;
  revision: number;
  keeper: LeaseKeeper;
  reporter: StatusReporter;
  /** Messages the connector counted, reported with the status (kept across reloads of the same lease). */
  counts: MessageCounts;
  /** The operator's message trace: on and off as heartbeat answers say (kept across reloads). */
  tracer: MessageTracer;
  connector: RunningConnector | undefined;
  /** Set while stopping, so heartbeats do not act on it twice. */
  ending: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The adapter pod: registers, heartbeats, claims what the orchestrator offers, runs each claimed adapter's
 * connector while its lease lives, and stops it — cleanly, or fenced without a byte — when it must.
 */
export class Worker {
  readonly #options: WorkerOptions;
  readonly #sessions = new Map<string, Session>();
  #renewIntervalMs = 5_000;
  #draining = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  readonly #messageMetrics: MessageMetrics | undefined;

  constructor(options: WorkerOptions) {
    this.#options = options;
    this.#messageMetrics = options.metrics && new MessageMetrics(options.metrics);
  }

  get held(): Array<{ adapterId: string; name: string; epoch: number }> {
    return [...this.#sessions.values()].map((s) => ({ adapterId: s.lease.adapterId, name: s.name, epoch: s.lease.epoch }));
  }

  async start(): Promise<void> {
    const timing = await this.#options.client.register({
      id: this.#options.podId,
      version: this.#options.version,
      capacity: this.#options.capacity,
      connectorTypes: [...this.#options.connectors.keys()],
    });
    this.#renewIntervalMs = timing.renewIntervalMs;
    this.#options.logger.info({ pod: this.#options.podId, ...timing }, 'registered with the orchestrator');
    this.#loop = this.#heartbeatLoop();
  }

  /** SIGTERM: stop taking work, log every session out, release every lease at once so standbys take over. */
  async shutdown(): Promise<void> {
    this.#draining = true;
    this.#wake?.();
    await this.#loop;
    await Promise.all([...this.#sessions.values()].map((s) => this.#end(s, 'logout', 'the pod is shutting down')));
    await this.#options.acceptorRouting?.close();
  }

  async #heartbeatLoop(): Promise<void> {
    const interval = this.#options.heartbeatIntervalMs ?? Math.min(1_000, this.#renewIntervalMs);
    while (!this.#draining) {
      try {
        await this.#onHeartbeat(await this.#options.client.heartbeat(false));
      } catch (error) {
        this.#options.logger.warn({ err: error }, 'heartbeat failed; sessions keep running while their leases last');
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, interval);
      });
    }
  }

  async #onHeartbeat(reply: HeartbeatReply): Promise<void> {
    const held = new Map(reply.held.map((h) => [h.adapterId, h]));
    for (const session of this.#sessions.values()) {
      const entry = held.get(session.lease.adapterId);
      if (session.ending) continue;
      if (!entry || entry.epoch !== session.lease.epoch) {
        void this.#end(session, 'fence', 'the orchestrator no longer lists this lease as ours');
      } else if (!entry.enabled) {
        void this.#end(session, 'logout', 'the adapter was disabled');
      } else {
        session.tracer.set(entry.traced === true);
        if (entry.revision !== session.revision) void this.#reload(session);
      }
    }
    // Leases this pod holds but does not run (a previous incarnation under the same id): free them now.
    for (const entry of reply.held) {
      if (!this.#sessions.has(entry.adapterId) && entry.enabled) {
        await this.#options.client.release(entry).catch(() => undefined);
      }
    }
    for (const action of reply.actions) void this.#act(action);
    for (const offer of reply.claimable) {
      if (this.#draining || this.#sessions.size >= this.#options.capacity) break;
      await this.#claim(offer.adapterId);
    }
  }

  async #claim(adapterId: string): Promise<void> {
    const sentAt = performance.now();
    let assignment: Assignment;
    try {
      assignment = await this.#options.client.claim(adapterId);
    } catch (error) {
      // Another pod won the slot, or the adapter changed: the next heartbeat tells us what is still on offer.
      this.#options.logger.debug({ adapterId, err: error }, 'claim not granted');
      return;
    }
    const lease: LeaseRef = { adapterId, slot: assignment.slot, epoch: assignment.epoch };
    const counts = new MessageCounts(this.#messageMetrics?.forAdapter(assignment.name));
    const reporter = new StatusReporter(this.#options.client, lease, this.#options.logger, undefined, counts);
    const session: Session = {
      lease,
      name: assignment.name,
      revision: assignment.revision,
      reporter,
      counts,
      tracer: new MessageTracer((event) => reporter.emit(event)),
      connector: undefined,
      ending: false,
      keeper: new LeaseKeeper({
        lease,
        ttlMs: assignment.ttlMs,
        renewIntervalMs: this.#renewIntervalMs,
        marginMs: this.#options.fenceMarginMs ?? Math.min(2_000, Math.floor(assignment.ttlMs / 5)),
        grantedAt: sentAt,
        renew: (l) => this.#options.client.renew(l),
        onLost: (reason) => void this.#end(session, 'fence', reason),
      }),
    };
    this.#sessions.set(adapterId, session);
    this.#options.logger.info({ adapterId, adapter: assignment.name, epoch: lease.epoch, slot: lease.slot }, 'lease granted');
    await this.#run(session, assignment);
  }

  /** Starts the connector; a failed start keeps the lease, shows Error and retries with backoff. */
  async #run(session: Session, assignment: Assignment): Promise<void> {
    const factory = this.#options.connectors.get(assignment.spec.connector.type);
    for (let attempt = 0; !session.ending; attempt++) {
      try {
        if (!factory) throw new Error(`this pod has no ${assignment.spec.connector.type} connector`);
        session.connector = await factory({
          lease: { ...session.lease, adapterName: assignment.name, pod: this.#options.podId },
          spec: assignment.spec,
          emit: (event: ConnectorEvent) => session.reporter.emit(event),
          setState: (state, reason) => session.reporter.setState(state, reason),
          count: (kind, n) => session.counts.add(kind, n),
          trace: session.tracer,
        });
        if (session.ending) {
          await session.connector.stop('logout');
          return;
        }
        this.#route(session, session.connector);
        return;
      } catch (error) {
        const reason = `the connector did not start: ${(error as Error).message}`;
        session.reporter.setState('Error', reason);
        session.reporter.emit({ level: 'error', category: 'system', message: reason });
        await sleep(Math.min(60_000, 2_000 * 2 ** attempt));
      }
    }
  }

  /** A new revision: log out, fetch the new spec under the same lease, start again. */
  async #reload(session: Session): Promise<void> {
    session.ending = true;
    try {
      await this.#stopConnector(session, 'logout');
      const assignment = await this.#options.client.assignment(session.lease);
      session.revision = assignment.revision;
      session.connector = undefined;
      session.ending = false;
      session.reporter.emit({ level: 'info', category: 'system', message: `reloading at revision ${assignment.revision}` });
      await this.#run(session, assignment);
    } catch (error) {
      session.ending = false;
      if (error instanceof LeaseLostError) await this.#end(session, 'fence', error.message);
    }
  }

  async #end(session: Session, mode: StopMode, reason: string): Promise<void> {
    if (session.ending && mode === 'logout') return;
    session.ending = true;
    session.keeper.stop();
    this.#sessions.delete(session.lease.adapterId);
    const log = mode === 'fence' ? this.#options.logger.warn.bind(this.#options.logger) : this.#options.logger.info.bind(this.#options.logger);
    log({ adapterId: session.lease.adapterId, adapter: session.name, epoch: session.lease.epoch, mode }, `stopping: ${reason}`);
    await this.#stopConnector(session, mode).catch((error: unknown) => this.#options.logger.error({ err: error }, 'connector stop failed'));
    session.tracer.set(false);
    if (mode === 'fence') {
      session.reporter.close();
      return;
    }
    session.reporter.emit({ level: 'info', category: 'system', message: `stopped: ${reason}` });
    await session.reporter.flush();
    session.reporter.close();
    await this.#options.client.release(session.lease).catch(() => undefined);
  }

  #route(session: Session, connector: RunningConnector): void {
    const ports = connector.listeningPorts ?? [];
    if (ports.length === 0) return;
    const unexposed = (this.#options.acceptorRouting ?? noAcceptorRouting).route(ports);
    if (unexposed.length > 0) {
      session.reporter.emit({
        level: 'warning',
        category: 'connection',
        message:
          `port ${unexposed.join(', ')} is not exposed by an acceptor Service, so counterparties outside the cluster cannot reach it: ` +
          'add it to adapter.acceptors in the Helm values',
      });
    }
  }

  /** Stops the connector and, when it listened, takes its ports' routing off this pod (also when fenced). */
  async #stopConnector(session: Session, mode: StopMode): Promise<void> {
    const connector = session.connector;
    if (!connector) return;
    try {
      await connector.stop(mode);
    } finally {
      if (connector.listeningPorts?.length) (this.#options.acceptorRouting ?? noAcceptorRouting).unroute(connector.listeningPorts);
    }
  }

  async #act(action: Action): Promise<void> {
    const session = this.#sessions.get(action.adapterId);
    if (!session || action.kind === 'enable' || action.kind === 'disable') return;
    try {
      if (!session.connector) throw new Error('the session is not running yet');
      const detail = await session.connector.act(action.kind, action.params);
      await this.#options.client.completeAction(action, session.lease, 'succeeded', detail);
    } catch (error) {
      await this.#options.client.completeAction(action, session.lease, 'failed', (error as Error).message).catch(() => undefined);
    }
  }
}
