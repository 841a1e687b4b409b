import type { ActionKind, AdapterSpec, EventCategory, EventLevel } from '@crosswire/orchestrator/contract';
import type { MessageKind } from '../observability/message-counts.ts';
import type { MessageTrace } from '../observability/message-trace.ts';

export interface ConnectorEvent {
  level: EventLevel;
  category: EventCategory;
  message: string;
  details?: Record<string, unknown>;
}

/** The lease a connector runs under; every write it makes to shared state carries it. */
export interface LeaseIdentity {
  adapterId: string;
  adapterName: string;
  slot: number;
  epoch: number;
  pod: string;
}

export interface ConnectorContext {
  lease: LeaseIdentity;
  spec: AdapterSpec;
  /** Events for the adapter's event log; never pass secrets. */
  emit(event: ConnectorEvent): void;
  /** The connector's own view of its health: Active once the session is up, Error with a reason. */
  setState(state: 'Claiming' | 'Active' | 'Error', reason?: string): void;
  /**
   * Counts messages for the adapter's message counters (console, Prometheus): `in` and `out` for every
   * message read or written, `rejected` for each one refused. Absent where nothing counts (some tests).
   */
  count?: (kind: MessageKind, n?: number) => void;
  /**
   * The adapter's message trace, on while an operator traces it: hand it every message read and
   * written (it masks, bounds and reports them). Check `active` first; absent where nothing traces.
   */
  trace?: MessageTrace;
}

/** How a session ends decides what goes on the wire. */
export type StopMode =
  /** Disable, shutdown, config reload: log out cleanly, then close. */
  | 'logout'
  /** The lease is lost or about to be: close everything without sending another byte. */
  | 'fence';

export interface RunningConnector {
  /** Ports this connector listens on; in Kubernetes the pod routes their acceptor Services to itself. */
  readonly listeningPorts?: readonly number[];
  stop(mode: StopMode): Promise<void>;
  /** Carries out an operator action (reset session, set sequence numbers); throws with the reason on failure. */
  act(kind: Exclude<ActionKind, 'enable' | 'disable'>, params: Record<string, unknown>): Promise<string | undefined>;
}

export type ConnectorFactory = (context: ConnectorContext) => Promise<RunningConnector>;
