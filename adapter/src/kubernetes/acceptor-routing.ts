import type { KubernetesPods } from './api-client.ts';

/** The label an acceptor's Service selects (helm/crosswire/templates/adapter.yaml). */
export const routingLabel = (port: number) => `acceptor.crosswire.dev/port-${port}`;
const ACTIVE = 'active';
const RECONCILE_EVERY_MS = 30_000;
const RETRY_AFTER_MS = 3_000;

/**
 * Sends counterparties to the pod that holds an acceptor's lease. Only that pod listens on the port, so
 * a Service selecting every adapter pod would hand most connections to pods that refuse them.
 */
export interface AcceptorRouting {
  /** This pod now listens on these ports. Returns the ports no acceptor Service exposes (nothing routes to them). */
  route(ports: readonly number[]): readonly number[];
  /** This pod no longer listens on these ports. */
  unroute(ports: readonly number[]): void;
  /** Waits for the labels to match what this pod serves (tests, and shutdown before the process exits). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** Every pod behind the Service is fine as it is (one replica, or routing done outside the chart). */
export const noAcceptorRouting: AcceptorRouting = {
  route: () => [],
  unroute: () => undefined,
  settled: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

export interface PodLabelRoutingOptions {
  pods: KubernetesPods;
  /** This pod's name. */
  pod: string;
  /** Container ports the chart exposes through an acceptor Service (CROSSWIRE_ACCEPTOR_PORTS). */
  exposedPorts: readonly number[];
  onError(error: Error): void;
  reconcileEveryMs?: number;
}

/**
 * Keeps this pod's `acceptor.crosswire.dev/port-N=active` labels equal to the ports it listens on, and
 * takes the label off any other pod for those ports: a holder that was SIGSTOPped or partitioned keeps
 * its labels (and may still look Ready) after its lease moved on, and must not keep receiving clients.
 * A reconciler rather than one-off patches, so a failed call or a label changed by hand heals itself.
 */
export class PodLabelRouting implements AcceptorRouting {
  readonly #options: PodLabelRoutingOptions;
  readonly #exposed: ReadonlySet<number>;
  readonly #serving = new Set<number>();
  #running: Promise<void> | undefined;
  #again = false;
  #failed = false;
  #closed = false;
  readonly #timer: NodeJS.Timeout;

  constructor(options: PodLabelRoutingOptions) {
    this.#options = options;
    this.#exposed = new Set(options.exposedPorts);
    this.#timer = setInterval(() => void this.#reconcile(), options.reconcileEveryMs ?? RECONCILE_EVERY_MS).unref();
    // A restarted container keeps its pod and its labels, but serves nothing yet.
    void this.#reconcile();
  }

  route(ports: readonly number[]): readonly number[] {
    const unexposed = ports.filter((p) => !this.#exposed.has(p));
    for (const port of ports) if (this.#exposed.has(port)) this.#serving.add(port);
    void this.#reconcile();
    return unexposed;
  }

  unroute(ports: readonly number[]): void {
    for (const port of ports) this.#serving.delete(port);
    void this.#reconcile();
  }

  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.settled();
  }

  /** One pass at a time; a change during a pass queues exactly one more. */
  #reconcile(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#pass()
      .then(
        () => {
          this.#failed = false;
        },
        (error: Error) => {
          this.#options.onError(error);
          if (!this.#failed) setTimeout(() => void this.#reconcile(), RETRY_AFTER_MS).unref();
          this.#failed = true;
        },
      )
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          void this.#reconcile();
        }
      });
    return this.#running;
  }

  async #pass(): Promise<void> {
    const { pods, pod } = this.#options;
    const own: Record<string, string | null> = {};
    for (const port of this.#exposed) own[routingLabel(port)] = this.#serving.has(port) ? ACTIVE : null;
    await pods.patchLabels(pod, own);
    for (const port of this.#serving) {
      for (const other of await pods.list(`${routingLabel(port)}=${ACTIVE}`)) {
        if (other.name !== pod && other.name !== '') await pods.patchLabels(other.name, { [routingLabel(port)]: null });
      }
    }
  }
}
