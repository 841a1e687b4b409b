import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specs, startStack, type TestStack } from './support/stack.ts';

describe('message trace: operators start and stop it, audited; the heartbeat answer tells the holder', () => {
  let stack: TestStack;
  let adapterId: string;
  const heldEntry = async () => {
    const beat = await stack.call('pod', 'POST', '/pods/pod-t/heartbeat', {});
    expect(beat.status).toBe(200);
    return (beat.body.held as Array<{ adapterId: string; traced: boolean }>).find((h) => h.adapterId === adapterId);
  };

  beforeAll(async () => {
    stack = await startStack('postgres');
    await stack.call('pod', 'POST', '/pods', { id: 'pod-t', version: '0.1.0', capacity: 5, connectorTypes: ['fix-acceptor'] });
    adapterId = (await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor('traced', 9970))).body.id;
    await stack.call('operator', 'POST', '/adapters/traced/enable');
    expect((await stack.call('pod', 'POST', '/pods/pod-t/leases', { adapterId })).status).toBe(201);
  });
  afterAll(() => stack.stop());

  it('is off until an operator starts it; then the holder’s heartbeat answer says traced, until it is stopped', async () => {
    expect((await stack.call('viewer', 'GET', '/adapters/traced/trace')).body).toEqual({
      adapterId,
      name: 'traced',
      active: false,
      until: null,
      startedBy: null,
      maxPerSecond: 50,
    });
    expect(await heldEntry()).toMatchObject({ traced: false });

    const started = await stack.call('operator', 'POST', '/adapters/traced/trace', { minutes: 5 });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ active: true, startedBy: 'Test operator' });
    const until = Date.parse(started.body.until);
    expect(until - Date.now()).toBeGreaterThan(4 * 60_000);
    expect(until - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    expect((await stack.call('viewer', 'GET', '/adapters/traced/trace')).body).toMatchObject({ active: true, until: started.body.until });
    expect(await heldEntry()).toMatchObject({ traced: true });

    const stopped = await stack.call('operator', 'DELETE', '/adapters/traced/trace');
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ active: false, until: null });
    expect(await heldEntry()).toMatchObject({ traced: false });

    const events = (await stack.call('viewer', 'GET', '/adapters/traced/events?category=action')).body.items.map((e: { message: string }) => e.message);
    expect(events[0]).toBe('message trace stopped by Test operator');
    expect(events[1]).toMatch(/^message trace started by Test operator for 5 min \(until /);
  });

  it('audits the start and the stop with the deadline; stopping when nothing runs records nothing', async () => {
    await stack.call('operator', 'POST', '/adapters/traced/trace', { minutes: 1 });
    await stack.call('operator', 'DELETE', '/adapters/traced/trace');
    await stack.call('operator', 'DELETE', '/adapters/traced/trace');
    const records = (await stack.call('viewer', 'GET', '/audit?target=adapter/traced')).body.items as Array<{ action: string; before: unknown; after: unknown }>;
    const trace = records.filter((r) => r.action.startsWith('adapter.trace-'));
    expect(trace.map((r) => r.action)).toEqual(['adapter.trace-stop', 'adapter.trace-start', 'adapter.trace-stop', 'adapter.trace-start']);
    expect(trace[1]).toMatchObject({ before: { traceUntil: null }, after: { minutes: 1, traceUntil: expect.any(String) } });
    expect(trace[0]).toMatchObject({ before: { traceUntil: expect.any(String) }, after: { traceUntil: null } });
    expect((await stack.call('viewer', 'GET', '/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('ends by itself when its time is up: the next heartbeat answer says not traced', async () => {
    await stack.call('operator', 'POST', '/adapters/traced/trace', { minutes: 1 });
    expect(await heldEntry()).toMatchObject({ traced: true });
    await stack.database.db.query(`UPDATE adapters SET trace_until = clock_timestamp() - interval '1 second' WHERE id = $1`, [adapterId]);
    expect(await heldEntry()).toMatchObject({ traced: false });
    expect((await stack.call('viewer', 'GET', '/adapters/traced/trace')).body).toMatchObject({ active: false, until: null });
  });

  it('refuses viewers, a duration outside 1..60 naming the field, and unknown adapters', async () => {
    expect((await stack.call('viewer', 'POST', '/adapters/traced/trace', { minutes: 5 })).status).toBe(403);
    expect((await stack.call('viewer', 'DELETE', '/adapters/traced/trace')).status).toBe(403);
    expect((await stack.call(null, 'GET', '/adapters/traced/trace')).status).toBe(401);
    for (const minutes of [0, 61, 1.5, '5']) {
      const bad = await stack.call('operator', 'POST', '/adapters/traced/trace', { minutes });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].path).toBe('/minutes');
    }
    expect((await stack.call('operator', 'POST', '/adapters/traced/trace', {})).status).toBe(400);
    expect((await stack.call('viewer', 'GET', '/adapters/traced/trace')).body.active).toBe(false);
    expect((await stack.call('operator', 'POST', '/adapters/nobody/trace', { minutes: 5 })).status).toBe(404);
  });
});
