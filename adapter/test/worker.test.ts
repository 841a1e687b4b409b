import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { specs, startStack, type TestStack } from '../../orchestrator/test/support/stack.ts';
import { staticToken } from '../src/worker/credentials.ts';
import { OrchestratorClient } from '../src/worker/orchestrator-client.ts';
import { Worker } from '../src/worker/worker.ts';
import { startPartitionProxy, type PartitionProxy } from './support/partition-proxy.ts';
import { emptyLog, probeConnector, type ProbeLog } from './support/probe-connector.ts';
import { sleep, until } from '../../orchestrator/test/support/waiting.ts';

// Long enough that a pod stalled for a couple of seconds on a loaded machine still renews in time: below
// that, the lease keeper (correctly) fences a healthy session and tests about something else fail.
const TTL_MS = 6_000;
const HEARTBEAT = /\/heartbeat$/;

/** Heartbeats that reached `proxy` after `from` and before `to` (performance.now() times). */
const heartbeatsBetween = (proxy: PartitionProxy, from: number, to: number) => proxy.arrivals(HEARTBEAT).filter((at) => at > from && at < to).length;

describe('the adapter pod worker against a real orchestrator', () => {
  let stack: TestStack;
  const workers: Worker[] = [];
  const proxies: PartitionProxy[] = [];

  async function startWorker(podId: string, log: ProbeLog, options: { via?: string; failStarts?: number } = {}): Promise<Worker> {
    const token = await stack.issuer.mint({ sub: `${podId}-credential`, roles: ['pod'] });
    const worker = new Worker({
      podId,
      version: 'test',
      capacity: 10,
      client: new OrchestratorClient(options.via ?? stack.orchestrator.url, podId, staticToken(token), 1_000),
      connectors: new Map([['fix-acceptor', probeConnector(log, options)]]),
      logger: pino({ level: 'silent' }),
    });
    await worker.start();
    workers.push(worker);
    return worker;
  }

  /** A proxy in front of the orchestrator, closed after the test. */
  async function startProxy(): Promise<PartitionProxy> {
    const proxy = await startPartitionProxy(stack.orchestrator.url);
    proxies.push(proxy);
    return proxy;
  }

  const status = async (name: string) => (await stack.call('viewer', 'GET', `/adapters/${name}`)).body.status;

  beforeAll(async () => {
    stack = await startStack('postgres', { CROSSWIRE_LEASE_TTL_MS: String(TTL_MS) });
  });
  afterEach(async () => {
    // Each test starts from a quiet fleet: nothing enabled, no pod running.
    const enabled = (await stack.call('viewer', 'GET', '/adapters?enabled=true')).body.items as Array<{ name: string }>;
    await Promise.all(enabled.map((a) => stack.call('operator', 'POST', `/adapters/${a.name}/disable`)));
    await Promise.all(workers.splice(0).map((w) => w.shutdown()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });
  afterAll(() => stack.stop());

  it('picks up an enabled adapter at its next heartbeat, runs it and shows it Active with its events', async () => {
    await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor('pickup', 9801));
    const proxy = await startProxy();
    const log = emptyLog();
    await startWorker('pod-a', log, { via: proxy.url });
    await stack.call('operator', 'POST', '/adapters/pickup/enable');
    const enabledAt = performance.now();
    const start = await until('the connector to start', () => log.starts.find((s) => s.adapter === 'pickup'));
    // Counted in heartbeats, not milliseconds, which a loaded machine stretches: the first heartbeat sent after
    // the enable already offers the adapter (one in flight during the enable may have too).
    expect(heartbeatsBetween(proxy, enabledAt, start.at)).toBeLessThanOrEqual(1);
    const state = await until('Active status', async () => {
      const s = await status('pickup');
      return s.state === 'Active' ? s : undefined;
    });
    expect(state.holders).toEqual([expect.objectContaining({ pod: 'pod-a', epoch: 1, state: 'Active' })]);
    const events = await stack.call('viewer', 'GET', '/adapters/pickup/events?category=connection');
    expect(events.body.items[0]).toMatchObject({ message: 'probe running at epoch 1', details: { pod: 'pod-a' } });

    // Leases outlive several TTLs while the pod renews them.
    await sleep(TTL_MS * 2);
    expect((await status('pickup')).holders).toEqual([expect.objectContaining({ pod: 'pod-a', epoch: 1 })]);
    expect(log.stops).toEqual([]);
  });

  it('reloads on a new revision, runs operator actions, and logs out and releases on disable', async () => {
    await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor('lifecycle', 9802));
    const log = emptyLog();
    await startWorker('pod-a', log);
    await stack.call('operator', 'POST', '/adapters/lifecycle/enable');
    await until('the first start', () => log.starts.length === 1);

    await stack.call('engineer', 'PUT', '/adapters/lifecycle', { ...specs.fixAcceptor('lifecycle', 9802), description: 'v2' }, { 'if-match': '"1"' });
    await until('the reload', () => log.starts.find((s) => s.revision === 'v2'));
    expect(log.stops).toEqual([expect.objectContaining({ adapter: 'lifecycle', mode: 'logout' })]);

    const seq = (await stack.call('operator', 'POST', '/adapters/lifecycle/set-sequence-numbers', { nextSenderSeqNum: 7 })).body;
    const reset = (await stack.call('operator', 'POST', '/adapters/lifecycle/reset-session')).body;
    const events = await until('both actions to finish', async () => {
      const items = (await stack.call('viewer', 'GET', '/adapters/lifecycle/events?category=action')).body.items as Array<{ message: string }>;
      return items.filter((e) => / (succeeded|failed) on pod/.test(e.message)).length === 2 ? items : undefined;
    });
    expect(log.actions).toEqual([
      { adapter: 'lifecycle', kind: 'set-sequence-numbers', params: { nextSenderSeqNum: 7 } },
      { adapter: 'lifecycle', kind: 'reset-session', params: {} },
    ]);
    expect(events.map((e) => e.message)).toEqual(
      expect.arrayContaining([
        'set-sequence-numbers succeeded on pod pod-a: applied {"nextSenderSeqNum":7}',
        'reset-session failed on pod pod-a: nothing to reset in a probe',
      ]),
    );
    expect([seq.id, reset.id]).toHaveLength(2);

    await stack.call('operator', 'POST', '/adapters/lifecycle/disable');
    await until('the logout', () => log.stops.length === 2);
    expect(log.stops[1]).toMatchObject({ mode: 'logout' });
    await until('the release', async () => ((await status('lifecycle')).state === 'Inactive' ? true : undefined));
  });

  it('hands over to a standby at its next heartbeat after a clean shutdown, without waiting for the TTL', async () => {
    await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor('handover', 9803));
    const proxy = await startProxy();
    const logA = emptyLog();
    const logB = emptyLog();
    const a = await startWorker('pod-a', logA);
    await stack.call('operator', 'POST', '/adapters/handover/enable');
    await until('pod-a to run it', () => logA.starts.length === 1);
    await startWorker('pod-b', logB, { via: proxy.url });

    await a.shutdown();
    workers.splice(workers.indexOf(a), 1);
    const released = performance.now();
    expect(logA.stops).toEqual([expect.objectContaining({ mode: 'logout' })]);
    const taken = await until('pod-b to take over', () => logB.starts[0]);
    expect(taken.epoch).toBe(2);
    // The lease was released, not left to expire: pod-b's first heartbeat after the shutdown got it, well
    // inside the TTL. Counted in heartbeats so that a slow machine cannot turn this into a failure.
    expect(heartbeatsBetween(proxy, released, taken.at)).toBeLessThanOrEqual(1);
    expect(taken.at - released).toBeLessThan(TTL_MS);
  });

  it('a partitioned holder fences itself before its lease can be re-granted; the standby continues at a higher epoch', async () => {
    await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor('partitioned', 9804));
    const proxy = await startProxy();
    const logA = emptyLog();
    const logB = emptyLog();
    await startWorker('pod-a', logA, { via: proxy.url });
    await stack.call('operator', 'POST', '/adapters/partitioned/enable');
    await until('pod-a to run it', () => logA.starts.length === 1);
    await startWorker('pod-b', logB);

    proxy.cut();
    const fenced = await until('pod-a to fence itself', () => logA.stops[0], TTL_MS * 3);
    expect(fenced.mode).toBe('fence');
    const taken = await until('pod-b to take over', () => logB.starts[0], TTL_MS * 3);
    expect(taken.epoch).toBe(logA.starts[0]!.epoch + 1);
    // Never two sessions at once: the old holder stopped before the new one started.
    expect(fenced.at).toBeLessThan(taken.at);
    const events = await stack.call('viewer', 'GET', '/adapters/partitioned/events?level=warning');
    expect(events.body.items[0].message).toMatch(/taken over by pod pod-b at epoch 2: pod-a stopped renewing/);
  });

  it('shows Error with the reason when the connector cannot start, and keeps retrying', async () => {
    await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor('flaky', 9805));
    const log = emptyLog();
    await startWorker('pod-a', log, { failStarts: 1 });
    await stack.call('operator', 'POST', '/adapters/flaky/enable');
    const failing = await until('Error status', async () => {
      const s = await status('flaky');
      return s.state === 'Error' ? s : undefined;
    });
    expect(failing.reason).toBe('the connector did not start: port 9876 is already in use');
    // The first retry comes 2 s after the failure; the limit leaves a slow machine room beyond that.
    await until('the retry to succeed', async () => ((await status('flaky')).state === 'Active' ? true : undefined), 20_000);
    expect(log.starts).toHaveLength(1);
  });
});

describe('an orchestrator outage shorter than the lease TTL', () => {
  it('keeps the session running: renews resume when the orchestrator is back, at the same epoch', async () => {
    // The pod fences 2 s before the TTL (10 s) runs out: the 3 s outage, up to one renew interval (3.3 s)
    // since the last renew and the 1 s retry after it leave it seconds of room on a slow machine. With a
    // 6 s TTL the room was under a second.
    const stack = await startStack('postgres', { CROSSWIRE_LEASE_TTL_MS: '10000' });
    const proxy = await startPartitionProxy(stack.orchestrator.url);
    const log = emptyLog();
    const token = await stack.issuer.mint({ sub: 'pod-r-credential', roles: ['pod'] });
    const worker = new Worker({
      podId: 'pod-r',
      version: 'test',
      capacity: 1,
      client: new OrchestratorClient(proxy.url, 'pod-r', staticToken(token), 1_000),
      connectors: new Map([['fix-acceptor', probeConnector(log)]]),
      logger: pino({ level: 'silent' }),
    });
    try {
      await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor('steady', 9806));
      await stack.call('operator', 'POST', '/adapters/steady/enable');
      await worker.start();
      await until('the connector to start', () => log.starts.length === 1);

      proxy.cut();
      await sleep(3_000);
      proxy.heal();
      // Past the TTL measured from before the outage: only renews after it can have kept the lease.
      await sleep(8_000);
      expect(log.stops).toEqual([]);
      const status = (await stack.call('viewer', 'GET', '/adapters/steady')).body.status;
      expect(status.holders).toEqual([expect.objectContaining({ pod: 'pod-r', epoch: 1 })]);
    } finally {
      await worker.shutdown();
      await proxy.close();
      await stack.stop();
    }
  }, 60_000);
});
