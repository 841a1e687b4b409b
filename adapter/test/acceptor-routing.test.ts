import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specs, startStack, type TestStack } from '../../orchestrator/test/support/stack.ts';
import { until } from '../../orchestrator/test/support/waiting.ts';
import { loadPodConfig, PodConfigError } from '../src/config.ts';
import { PodLabelRouting, routingLabel } from '../src/kubernetes/acceptor-routing.ts';
import { inClusterEndpoint, KubernetesPods } from '../src/kubernetes/api-client.ts';
import { staticToken } from '../src/worker/credentials.ts';
import { OrchestratorClient } from '../src/worker/orchestrator-client.ts';
import { Worker } from '../src/worker/worker.ts';
import { startFakeKubernetesApi, type FakeKubernetesApi } from './support/kubernetes-api.ts';
import { emptyLog, probeConnector } from './support/probe-connector.ts';

const NAMESPACE = 'trading';
const ACTIVE = { [routingLabel(9876)]: 'active' };

describe('acceptor routing: the lease holder labels itself so the acceptor Service sends clients to it alone', () => {
  let api: FakeKubernetesApi;
  let pods: KubernetesPods;
  const errors: string[] = [];
  const routing = (pod: string, reconcileEveryMs?: number) =>
    new PodLabelRouting({ pods, pod, exposedPorts: [9876, 9877], onError: (e) => errors.push(e.message), reconcileEveryMs });

  beforeAll(async () => {
    api = await startFakeKubernetesApi(NAMESPACE);
    pods = new KubernetesPods(await inClusterEndpoint(api.env, api.serviceAccountDir), NAMESPACE);
  });
  afterAll(() => api.close());

  it('takes the port label for itself and off a stale holder, and drops it when it stops listening', async () => {
    api.pods.set('adapter-a', { app: 'adapter' });
    // A holder frozen past its TTL (SIGSTOP, partition) still carries the label and may still look Ready.
    api.pods.set('adapter-b', { app: 'adapter', ...ACTIVE, [routingLabel(9877)]: 'active' });
    const a = routing('adapter-a');
    expect(a.route([9876, 7000])).toEqual([7000]);
    await a.settled();
    expect(api.pods.get('adapter-a')).toEqual({ app: 'adapter', ...ACTIVE });
    // Only the ports it serves are taken away from the other pod.
    expect(api.pods.get('adapter-b')).toEqual({ app: 'adapter', [routingLabel(9877)]: 'active' });
    expect(api.requests.every((r) => r.method !== 'PATCH' || r.contentType === 'application/merge-patch+json')).toBe(true);

    a.unroute([9876]);
    await a.settled();
    expect(api.pods.get('adapter-a')).toEqual({ app: 'adapter' });
    await a.close();
  });

  it('clears labels left from an earlier run of the container before serving anything', async () => {
    api.pods.set('adapter-c', { app: 'adapter', ...ACTIVE });
    const c = routing('adapter-c');
    await c.settled();
    expect(api.pods.get('adapter-c')).toEqual({ app: 'adapter' });
    await c.close();
  });

  it('reads the rotated service-account token on every call', async () => {
    api.pods.set('adapter-d', { app: 'adapter' });
    api.rotateToken('token-2');
    const d = routing('adapter-d');
    d.route([9876]);
    await d.settled();
    expect(api.pods.get('adapter-d')).toEqual({ app: 'adapter', ...ACTIVE });
    await d.close();
  });

  it('reports a refused call with the API server\'s reason and heals once the API answers again', async () => {
    api.pods.set('adapter-e', { app: 'adapter' });
    api.failWith = 403;
    errors.length = 0;
    const e = routing('adapter-e', 200);
    e.route([9876]);
    await until('the refusal to be reported', () => errors.length > 0);
    expect(errors[0]).toMatch(/PATCH \/api\/v1\/namespaces\/trading\/pods\/adapter-e answered 403: pods is forbidden/);
    expect(errors[0]).not.toMatch(/token-/);
    api.failWith = undefined;
    await until('the label once the API answers', () => api.pods.get('adapter-e')?.[routingLabel(9876)] === 'active');
    await e.close();
  });

  it('configuration: podLabel needs the namespace and a JSON list of ports, each error says what to give', () => {
    const base = { ORCHESTRATOR_URL: 'http://o:8080', POD_TOKEN: 't', POD_ID: 'adapter-a' };
    expect(loadPodConfig(base).acceptorRouting).toEqual({ mode: 'none' });
    expect(loadPodConfig({ ...base, CROSSWIRE_ACCEPTOR_ROUTING: 'podLabel', POD_NAMESPACE: 'trading', CROSSWIRE_ACCEPTOR_PORTS: '[9876]' }).acceptorRouting).toEqual({
      mode: 'podLabel',
      namespace: 'trading',
      ports: [9876],
    });
    expect(() => loadPodConfig({ ...base, CROSSWIRE_ACCEPTOR_ROUTING: 'podLabel', CROSSWIRE_ACCEPTOR_PORTS: '[9876]' })).toThrow(/POD_NAMESPACE/);
    expect(() => loadPodConfig({ ...base, CROSSWIRE_ACCEPTOR_ROUTING: 'podLabel', POD_NAMESPACE: 'x', CROSSWIRE_ACCEPTOR_PORTS: '9876' })).toThrow(
      /CROSSWIRE_ACCEPTOR_PORTS=9876 is invalid: give a JSON array/,
    );
    expect(() => loadPodConfig({ ...base, CROSSWIRE_ACCEPTOR_ROUTING: 'label' })).toThrow(PodConfigError);
  });

  describe('driven by the worker on the real orchestrator', () => {
    let stack: TestStack;
    beforeAll(async () => {
      // The hand-over here is a clean shutdown, not an expiry: a 1.5 s TTL only let a pod stalled for 1.2 s on a
      // loaded machine fence itself (correctly), moving the label before the test looked for it.
      stack = await startStack('postgres', { CROSSWIRE_LEASE_TTL_MS: '6000' });
    });
    afterAll(() => stack.stop());

    async function startWorker(pod: string): Promise<Worker> {
      api.pods.set(pod, { app: 'adapter' });
      const token = await stack.issuer.mint({ sub: `${pod}-credential`, roles: ['pod'] });
      const worker = new Worker({
        podId: pod,
        version: 'test',
        capacity: 10,
        client: new OrchestratorClient(stack.orchestrator.url, pod, staticToken(token), 1_000),
        connectors: new Map([['fix-acceptor', probeConnector(emptyLog(), { listens: true })]]),
        logger: pino({ level: 'silent' }),
        acceptorRouting: new PodLabelRouting({ pods, pod, exposedPorts: [9876], onError: (e) => errors.push(e.message) }),
      });
      await worker.start();
      return worker;
    }

    it('routes to the holder while it runs, to the standby after a handover, and warns of a port no Service exposes', async () => {
      await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor('venue-in', 9876));
      await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor('unexposed', 9555));
      const first = await startWorker('adapter-f');
      await stack.call('operator', 'POST', '/adapters/venue-in/enable');
      await stack.call('operator', 'POST', '/adapters/unexposed/enable');
      await until('the holder to be labelled', () => api.pods.get('adapter-f')?.[routingLabel(9876)] === 'active');

      const standby = await startWorker('adapter-g');
      await first.shutdown();
      expect(api.pods.get('adapter-f')?.[routingLabel(9876)]).toBeUndefined();
      await until('the standby to be labelled', () => api.pods.get('adapter-g')?.[routingLabel(9876)] === 'active');

      const warning = await until('the warning in the event log', async () => {
        const events = (await stack.call('viewer', 'GET', '/adapters/unexposed/events?category=connection&level=warning')).body.items as Array<{ message: string }>;
        return events.find((e) => e.message.startsWith('port 9555'));
      });
      expect(warning.message).toBe(
        'port 9555 is not exposed by an acceptor Service, so counterparties outside the cluster cannot reach it: add it to adapter.acceptors in the Helm values',
      );
      await stack.call('operator', 'POST', '/adapters/venue-in/disable');
      await until('the label to go with the session', () => api.pods.get('adapter-g')?.[routingLabel(9876)] === undefined);
      await standby.shutdown();
    });
  });
});
