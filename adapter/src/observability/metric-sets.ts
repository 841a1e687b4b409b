import { Registry } from 'prom-client';

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
