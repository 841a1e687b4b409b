import { performance } from 'node:perf_hooks';
import { CONNECTOR_TYPE } from './seed.ts';
import { BenchClient, expectStatus, pool, type Reply } from './http.ts';
import type { BenchStack } from './stack.ts';

/**
 * Pods as the lease protocol sees them: each registers with its own credential, claims its share of
 * the enabled adapters, then renews what it holds in loops. Claims are measured over claim/release
 * cycles until the time budget is spent (the last cycle leaves everything claimed); renews over a fixed
 * time window. Each pod keeps `inFlight` requests going at once over its own keep-alive connections.
 */

interface Lease {
  adapterId: string;
  slot: number;
  epoch: number;
}

interface Pod {
  id: string;
  token: string;
  client: BenchClient;
  share: string[];
  held: Lease[];
}

export interface Throughput {
  ok: number;
  refused: number;
  seconds: number;
  latencies: number[];
  /** CPU time of this process (orchestrator and clients together) during the phase, in seconds. */
  cpuSeconds: number;
}

export interface LeaseResult {
  claims: Throughput;
  releases: Throughput;
  renews: Throughput;
  cycles: number;
}

const empty = (): Throughput => ({ ok: 0, refused: 0, seconds: 0, latencies: [], cpuSeconds: 0 });
const cpuSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

export async function claimAndRenew(
  stack: BenchStack,
  adapterIds: readonly string[],
  options: { pods: number; capacity: number; inFlight: number; claimSeconds: number; renewSeconds: number; maxCycles: number },
): Promise<LeaseResult> {
  const pods: Pod[] = await Promise.all(
    Array.from({ length: options.pods }, async (_, p) => {
      const id = `bench-pod-${p}`;
      return {
        id,
        token: await stack.podToken(`${id}-credential`),
        client: new BenchClient({ maxSockets: options.inFlight }),
        share: adapterIds.filter((_id, i) => i % options.pods === p),
        held: [],
      };
    }),
  );
  try {
    for (const pod of pods) {
      const registered = await pod.client.call('POST', `${stack.api}/pods`, pod.token, {
        id: pod.id,
        version: 'bench',
        capacity: options.capacity,
        connectorTypes: [CONNECTOR_TYPE],
      });
      expectStatus(registered, 200, `register ${pod.id}`);
      const beat = await pod.client.call('POST', `${stack.api}/pods/${pod.id}/heartbeat`, pod.token, { draining: false });
      expectStatus(beat, 200, `heartbeat ${pod.id}`);
    }
    const count = (stats: Throughput, reply: Reply, expected: number) => {
      stats.latencies.push(reply.ms);
      if (reply.status === expected) stats.ok++;
      else if (reply.status === 409) stats.refused++;
      else expectStatus(reply, expected, 'lease call');
    };
    const path = (pod: Pod, tail: string) => `${stack.api}/pods/${pod.id}/leases${tail}`;

    // Claims, in claim-all / release-all cycles; only the claim halves count towards the claim rate.
    const claims = empty();
    const releases = empty();
    let cycles = 0;
    for (;;) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      // A safety bound only: a cycle normally ends when every pod has claimed its share.
      const cycleDeadline = started + options.claimSeconds * 4_000;
      await Promise.all(
        pods.map((pod) =>
          pool(pod.share.length, options.inFlight, async (i) => {
            const reply = await pod.client.call('POST', path(pod, ''), pod.token, { adapterId: pod.share[i] });
            count(claims, reply, 201);
            if (reply.status === 201) {
              const grant = reply.body as Lease;
              pod.held.push({ adapterId: grant.adapterId, slot: grant.slot, epoch: grant.epoch });
            }
          }, cycleDeadline),
        ),
      );
      claims.seconds += (performance.now() - started) / 1000;
      claims.cpuSeconds += cpuSince(cpu);
      cycles++;
      if (claims.seconds >= options.claimSeconds || cycles >= options.maxCycles) break;
      const releaseStarted = performance.now();
      const releaseCpu = process.cpuUsage();
      await Promise.all(
        pods.map((pod) =>
          pool(pod.held.length, options.inFlight, async (i) => {
            count(releases, await pod.client.call('POST', path(pod, '/release'), pod.token, pod.held[i]), 204);
          }).then(() => void (pod.held = [])),
        ),
      );
      releases.seconds += (performance.now() - releaseStarted) / 1000;
      releases.cpuSeconds += cpuSince(releaseCpu);
    }

    // Renew loops: every pod keeps `inFlight` renews going over the leases it holds until time is up.
    const renews = empty();
    const started = performance.now();
    const cpu = process.cpuUsage();
    const deadline = started + options.renewSeconds * 1000;
    await Promise.all(
      pods.flatMap((pod) =>
        Array.from({ length: options.inFlight }, async (_, w) => {
          for (let k = w; performance.now() < deadline && pod.held.length > 0; k += options.inFlight) {
            const lease = pod.held[k % pod.held.length]!;
            count(renews, await pod.client.call('POST', path(pod, '/renew'), pod.token, lease), 200);
          }
        }),
      ),
    );
    renews.seconds = (performance.now() - started) / 1000;
    renews.cpuSeconds = cpuSince(cpu);
    return { claims, releases, renews, cycles };
  } finally {
    for (const pod of pods) pod.client.close();
  }
}
