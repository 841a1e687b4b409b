import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specs, startStack, type TestStack } from './support/stack.ts';
import { sleep, until } from './support/waiting.ts';

// The test plays the pod and renews by hand: between a claim and the last call that needs the lease held
// lie a dozen requests, which a loaded machine can stretch past a second. Only one test lets it expire.
const TTL_MS = 5_000;
const FIX_TYPES = ['fix-acceptor', 'fix-initiator'];

describe('the pod lease protocol over HTTP', () => {
  let stack: TestStack;
  let podB: string;
  const asPodB = (method: string, path: string, body?: unknown) =>
    fetch(`${stack.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${podB}`, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    }).then(async (r) => ({ status: r.status, body: (await r.json().catch(() => undefined)) as Record<string, unknown> }));

  beforeAll(async () => {
    stack = await startStack('postgres', { CROSSWIRE_LEASE_TTL_MS: String(TTL_MS), CROSSWIRE_CLAIM_WARNING_MS: '1000' });
    podB = await stack.issuer.mint({ sub: 'pod-b-credential', roles: ['pod'] });
    const registered = await stack.call('pod', 'POST', '/pods', { id: 'pod-a', version: '0.1.0', capacity: 2, connectorTypes: FIX_TYPES });
    expect(registered.body).toEqual({ ttlMs: TTL_MS, renewIntervalMs: Math.floor(TTL_MS / 3) });
    await asPodB('POST', '/pods', { id: 'pod-b', version: '0.1.0', capacity: 5, connectorTypes: FIX_TYPES });
  });
  afterAll(() => stack.stop());

  it('hands an enabled adapter to the next heartbeat, grants it with its secrets opened, and shows it Active', async () => {
    const body = specs.fixInitiator('venue-a');
    const withPassword = { ...body, connector: { ...body.connector, config: { ...body.connector.config, authentication: { username: 'u', password: 'pod-only-secret' } } } };
    const adapter = (await stack.call('engineer', 'POST', '/adapters', withPassword)).body;
    let beat = await stack.call('pod', 'POST', '/pods/pod-a/heartbeat', {});
    expect(beat.body.claimable).toEqual([]);
    await stack.call('operator', 'POST', '/adapters/venue-a/enable');
    beat = await stack.call('pod', 'POST', '/pods/pod-a/heartbeat', {});
    expect(beat.body.claimable).toEqual([{ adapterId: adapter.id, name: 'venue-a', connectorType: 'fix-initiator' }]);

    const claimed = await stack.call('pod', 'POST', '/pods/pod-a/leases', { adapterId: adapter.id });
    expect(claimed.status).toBe(201);
    expect(claimed.body).toMatchObject({ adapterId: adapter.id, slot: 0, epoch: 1, ttlMs: TTL_MS, revision: 1 });
    expect(claimed.body.spec.connector.config.authentication.password).toBe('pod-only-secret');

    const lease = { adapterId: adapter.id, slot: 0, epoch: 1 };
    expect((await stack.call('viewer', 'GET', '/adapters/venue-a')).body.status.state).toBe('Claiming');
    const report = await stack.call('pod', 'POST', '/pods/pod-a/status', {
      lease,
      state: 'Active',
      events: [{ level: 'info', category: 'connection', message: 'logged on to VENUE' }],
    });
    expect(report.status).toBe(204);
    const status = (await stack.call('viewer', 'GET', '/adapters/venue-a')).body.status;
    expect(status).toMatchObject({ state: 'Active', epoch: 1, holders: [{ pod: 'pod-a', slot: 0, epoch: 1, state: 'Active' }] });
    expect(Date.parse(status.lastCheckIn)).toBeGreaterThan(Date.now() - 5_000);
    const events = await stack.call('viewer', 'GET', '/adapters/venue-a/events?category=connection');
    expect(events.body.items[0]).toMatchObject({ message: 'logged on to VENUE', details: { pod: 'pod-a' } });

    beat = await stack.call('pod', 'POST', '/pods/pod-a/heartbeat', {});
    expect(beat.body.held).toEqual([{ adapterId: adapter.id, slot: 0, epoch: 1, revision: 1, enabled: true, traced: false }]);
    expect((await stack.call('pod', 'POST', '/pods/pod-a/leases/renew', lease)).status).toBe(200);
    const podA = (await stack.call('viewer', 'GET', '/pods')).body.items.find((p: { id: string }) => p.id === 'pod-a');
    expect(podA).toMatchObject({ leasesHeld: 1, adapters: ['venue-a'] });
    expect(Date.parse(status.holders[0].since)).toBeLessThanOrEqual(Date.parse(status.lastCheckIn));
  });

  it('delivers operator actions to the holder on its heartbeat and records the outcome', async () => {
    const adapter = (await stack.call('viewer', 'GET', '/adapters/venue-a')).body;
    const lease = { adapterId: adapter.id, slot: 0, epoch: adapter.status.epoch };
    await stack.call('pod', 'POST', '/pods/pod-a/leases/renew', lease);
    const requested = (await stack.call('operator', 'POST', '/adapters/venue-a/set-sequence-numbers', { nextTargetSeqNum: 42 })).body;
    const beat = await stack.call('pod', 'POST', '/pods/pod-a/heartbeat', {});
    expect(beat.body.actions).toEqual([
      expect.objectContaining({ id: requested.id, kind: 'set-sequence-numbers', params: { nextTargetSeqNum: 42 }, outcome: 'delivered', deliveredTo: 'pod-a' }),
    ]);
    const done = await stack.call('pod', 'POST', `/pods/pod-a/actions/${requested.id}/result`, { lease, outcome: 'succeeded' });
    expect(done.body).toMatchObject({ outcome: 'succeeded', completedAt: expect.any(String) });
    expect((await stack.call('pod', 'POST', '/pods/pod-a/heartbeat', {})).body.actions).toEqual([]);
    const again = await stack.call('pod', 'POST', `/pods/pod-a/actions/${requested.id}/result`, { lease, outcome: 'failed' });
    expect(again.status).toBe(409);
  });

  it('tells a holder whose lease expired to stop, and gives the adapter to the standby with a higher epoch', async () => {
    const adapter = (await stack.call('viewer', 'GET', '/adapters/venue-a')).body;
    const oldLease = { adapterId: adapter.id, slot: 0, epoch: adapter.status.epoch };
    // pod-a pauses past the TTL; pod-b is a standby asking for work.
    await sleep(TTL_MS + 200);
    const beat = await asPodB('POST', '/pods/pod-b/heartbeat', {});
    expect(beat.body.claimable).toEqual([expect.objectContaining({ adapterId: adapter.id })]);
    const taken = await asPodB('POST', '/pods/pod-b/leases', { adapterId: adapter.id });
    expect(taken.status).toBe(201);
    expect(taken.body.epoch).toBe(oldLease.epoch + 1);

    const renew = await stack.call('pod', 'POST', '/pods/pod-a/leases/renew', oldLease);
    expect(renew.status).toBe(409);
    expect(renew.body).toMatchObject({ type: 'https://crosswire.dev/problems/lease-lost', stop: true });
    expect(renew.body.detail).toContain('stop the session now without sending anything more');
    expect((await stack.call('pod', 'POST', '/pods/pod-a/status', { lease: oldLease, state: 'Active' })).status).toBe(409);
    expect((await stack.call('pod', 'POST', '/pods/pod-a/leases/release', oldLease)).status).toBe(409);
    const events = await stack.call('viewer', 'GET', '/adapters/venue-a/events?category=system&level=warning');
    expect(events.body.items[0].message).toMatch(/taken over by pod pod-b at epoch 2: pod-a stopped renewing/);

    const metrics = await (await fetch(`${stack.orchestrator.managementUrl}/metrics`)).text();
    expect(metrics).toMatch(/crosswire_lease_expiries_total 1/);
    expect(metrics).toMatch(/crosswire_lease_stale_renews_total [3-9]/);
  });

  it('on disable, tells the holder so; its release frees the adapter at once', async () => {
    const adapter = (await stack.call('viewer', 'GET', '/adapters/venue-a')).body;
    const lease = { adapterId: adapter.id, slot: 0, epoch: adapter.status.epoch };
    await stack.call('operator', 'POST', '/adapters/venue-a/disable');
    const beat = await asPodB('POST', '/pods/pod-b/heartbeat', {});
    expect(beat.body.held).toEqual([expect.objectContaining({ adapterId: adapter.id, enabled: false })]);
    expect((await asPodB('POST', '/pods/pod-b/leases/release', lease)).status).toBe(204);
    expect((await stack.call('viewer', 'GET', '/adapters/venue-a')).body.status).toMatchObject({ state: 'Inactive', holders: [] });
  });

  it('refuses claims a pod must not have: another identity, a full pod, an unsupported type', async () => {
    const nats = (await stack.call('engineer', 'POST', '/adapters', specs.natsProducer('unsupported', 1))).body;
    await stack.call('operator', 'POST', '/adapters/unsupported/enable');
    const unsupported = await stack.call('pod', 'POST', '/pods/pod-a/leases', { adapterId: nats.id });
    expect(unsupported.status).toBe(409);
    expect(unsupported.body.detail).toContain('does not run nats-producer connectors');

    const impostor = await asPodB('POST', '/pods/pod-a/heartbeat', {});
    expect(impostor.status).toBe(403);
    expect((await asPodB('POST', '/pods', { id: 'pod-a', version: '1', capacity: 1, connectorTypes: [] })).status).toBe(403);

    for (const name of ['full-1', 'full-2', 'full-3']) {
      await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor(name, 9950 + Number(name.slice(-1))));
      await stack.call('operator', 'POST', `/adapters/${name}/enable`);
    }
    const beat = await stack.call('pod', 'POST', '/pods/pod-a/heartbeat', {});
    expect(beat.body.claimable).toHaveLength(2);
    const results = [];
    for (const name of ['full-1', 'full-2', 'full-3']) {
      const id = (await stack.call('viewer', 'GET', `/adapters/${name}`)).body.id;
      results.push(await stack.call('pod', 'POST', '/pods/pod-a/leases', { adapterId: id }));
    }
    expect(results.map((r) => r.status)).toEqual([201, 201, 409]);
    expect(results[2]!.body.detail).toContain('at its capacity of 2');
    expect((await stack.call('pod', 'POST', '/pods/pod-a/heartbeat', {})).body.claimable).toEqual([]);
    expect((await stack.call('pod', 'POST', '/pods/pod-a/heartbeat', { draining: true })).body.claimable).toEqual([]);
    expect((await stack.call('pod', 'POST', '/pods/nobody/heartbeat', {})).status).toBe(404);
  });

  it('holds a pod to its capacity when it sends many claims at once', async () => {
    const podC = await stack.issuer.mint({ sub: 'pod-c-credential', roles: ['pod'] });
    const asPodC = (path: string, body: unknown) =>
      fetch(`${stack.api}${path}`, { method: 'POST', headers: { authorization: `Bearer ${podC}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await asPodC('/pods', { id: 'pod-c', version: '0.1.0', capacity: 3, connectorTypes: FIX_TYPES });
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      ids.push((await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor(`burst-${i}`, 9700 + i))).body.id);
      await stack.call('operator', 'POST', `/adapters/burst-${i}/enable`);
    }
    const statuses = (await Promise.all(ids.map((adapterId) => asPodC('/pods/pod-c/leases', { adapterId })))).map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
    const pods = (await stack.call('viewer', 'GET', '/pods')).body.items;
    expect(pods.find((p: { id: string }) => p.id === 'pod-c').leasesHeld).toBe(3);
  });

  it('warns once when an enabled adapter stays unclaimed past the configured time', async () => {
    await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor('lonely', 9960));
    await stack.call('operator', 'POST', '/adapters/lonely/enable');
    const warningEvents = async () => (await stack.call('viewer', 'GET', '/adapters/lonely/events?level=warning')).body.items as Array<{ message: string }>;
    // The watch looks once a second; a slow machine may take longer to get there, so wait for the warning.
    await until('the unclaimed warning', async () => (await warningEvents()).length > 0);
    // A few more rounds of the watch must not warn again.
    await sleep(2_500);
    const adapter = (await stack.call('viewer', 'GET', '/adapters/lonely')).body;
    expect(adapter.status.state).toBe('Claiming');
    expect(adapter.status.reason).toMatch(/no adapter pod has claimed it/);
    const warnings = await warningEvents();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/no adapter pod has claimed it/);
  });
});
