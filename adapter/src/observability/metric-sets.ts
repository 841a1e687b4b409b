import { Counter, Gauge, Registry } from 'prom-client';
import type { ConnectorContext } from '../connectors/connector.ts';

const built = new WeakMap<Registry, Map<unknown, unknown>>();

/**
 * The metrics `build` registers, made once per registry: prom-client refuses a name registered twice,
 * and every adapter of one kind in a pod shares the set (its series told apart by labels). Without a
 * registry (tests, tools) the set goes into a private one.
 */
export function metricSet<T>(registry: Registry | undefined, build: (registry: Registry) => T): T {
  const target = registry ?? new Registry();
  let sets = built.get(target);
  if (!sets) built.set(target, (sets = new Map()));
  let set = sets.get(build) as T | undefined;
  if (set === undefined) {
    set = build(target);
    sets.set(build, set);
  }
  return set;
}

/** Every adapter of one connector type in a pod writes the same metrics; these labels keep its series apart. */
const CONNECTOR_LABELS = ['adapter', 'connector'] as const;
type ConnectorLabel = (typeof CONNECTOR_LABELS)[number];

/** Counters and gauges labelled by adapter and connector type (and `extra` labels), registered in `registry`: the parts of a connector's metric set. */
export function connectorMetricMakers(registry: Registry) {
  const registers = [registry];
  return {
    counter: <E extends string = never>(name: string, help: string, extra: readonly E[] = []) =>
      new Counter<ConnectorLabel | E>({ name, help, labelNames: [...CONNECTOR_LABELS, ...extra], registers }),
    gauge: (name: string, help: string) => new Gauge<ConnectorLabel>({ name, help, labelNames: CONNECTOR_LABELS, registers }),
  };
}

/**
 * The metrics of one adapter's connector, recorded in `registry` (a private one when none is given): the set
 * `build` makes, shared with the registry's other adapters, written under this adapter's labels.
 */
export abstract class ConnectorMetrics<S> {
  protected readonly set: S;
  protected readonly labels: Record<ConnectorLabel, string>;
  /** The adapter's message counters (console and Prometheus), kept by the worker. */
  protected readonly count: ConnectorContext['count'];

  protected constructor(
    registry: Registry | undefined,
    build: (registry: Registry) => S,
    adapter: string,
    connector: string,
    count?: ConnectorContext['count'],
  ) {
    this.set = metricSet(registry, build);
    this.labels = { adapter, connector };
    this.count = count;
  }
}
