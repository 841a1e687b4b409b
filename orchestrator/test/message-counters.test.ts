import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specs, startStack, type TestStack } from './support/stack.ts';
import { expireLease } from './support/databases.ts';

const MINUTE = 60_000;
const minuteAgo = (n: number) => new Date(Math.floor(Date.now() / MINUTE) * MINUTE - n * MINUTE).toISOString();
type Bucket = { minute: string; in: number; out: number; rejected: number };

describe('message counters: pods report them with their status, viewers read them per minute', () => {
  let stack: TestStack;
  let adapterId: string;
  let lease: { adapterId: string; slot: number; epoch: number };
  const counters = (query = '?minutes=10') => stack.call('viewer', 'GET', `/adapters/counted/counters${query}`);
  const report = (body: Record<string, unknown>, pod = 'pod-a') => stack.call('pod', 'POST', `/pods/${pod}/status`, { lease, state: 'Active', ...body });

  beforeAll(async () => {
    // Leases outlive the test unless it expires one: with a 1 s TTL, a loaded machine could let a lease the test
    // still needs lapse (its holder then disappears from the status), while the tests about an expired holder
    // expire it in the database, as if the holder had frozen past its TTL.
    stack = await startStack('postgres', { CROSSWIRE_LEASE_TTL_MS: '60000' });
    await stack.call('pod', 'POST', '/pods', { id: 'pod-a', version: '0.1.0', capacity: 5, connectorTypes: ['fix-acceptor'] });
    adapterId = (await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor('counted', 9960))).body.id;
    await stack.call('operator', 'POST', '/adapters/counted/enable');
    const claimed = await stack.call('pod', 'POST', '/pods/pod-a/leases', { adapterId });
    expect(claimed.status).toBe(201);
    lease = { adapterId, slot: 0, epoch: claimed.body.epoch };
  });
  afterAll(() => stack.stop());
  const expireHolder = () => expireLease(stack.database.db, adapterId);

  it('starts with every minute of the window at zero', async () => {
    const empty = await counters('?minutes=5');
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ adapterId, name: 'counted', minutes: 5, totals: { in: 0, out: 0, rejected: 0 } });
    const minutes = (empty.body.buckets as Bucket[]).map((b) => Date.parse(b.minute));
    expect(minutes).toHaveLength(5);
    expect(minutes.every((m, i) => i === 0 || m - minutes[i - 1]! === MINUTE)).toBe(true);
    // The window ends with the current minute.
    expect(Math.abs(minutes[4]! - Math.floor(Date.now() / MINUTE) * MINUTE)).toBeLessThanOrEqual(MINUTE);
  });

  it('adds each report to the minutes it names and sums them over the window', async () => {
    const [two, three] = [minuteAgo(2), minuteAgo(3)];
    expect((await report({ counters: [{ minute: three, in: 10, out: 9, rejected: 1 }, { minute: two, in: 5, out: 5, rejected: 0 }] })).status).toBe(204);
    expect((await report({ counters: [{ minute: two, in: 7, out: 6, rejected: 2 }] })).status).toBe(204);
    // A report without counters (state and events only) changes nothing.
    expect((await report({ events: [{ level: 'info', category: 'connection', message: 'still here' }] })).status).toBe(204);

    const read = (await counters()).body as { buckets: Bucket[]; totals: Bucket };
    expect(read.buckets.find((b) => b.minute === three)).toEqual({ minute: three, in: 10, out: 9, rejected: 1 });
    expect(read.buckets.find((b) => b.minute === two)).toEqual({ minute: two, in: 12, out: 11, rejected: 2 });
    expect(read.totals).toEqual({ in: 22, out: 20, rejected: 3 });
    // A window that ends before those minutes does not count them.
    expect((await counters('?minutes=1')).body.totals).toEqual({ in: 0, out: 0, rejected: 0 });
  });

  it('keeps a day: older minutes in a report are ignored and older rows pruned when the adapter reports', async () => {
    await stack.database.db.query(`INSERT INTO message_counters (adapter_id, minute, in_count) VALUES ($1, date_trunc('minute', now()) - interval '2 days', 99)`, [
      adapterId,
    ]);
    expect((await report({ counters: [{ minute: minuteAgo(25 * 60), in: 50, out: 0, rejected: 0 }] })).status).toBe(204);
    const { rows } = await stack.database.db.query<{ old: string }>(
      `SELECT count(*)::text AS old FROM message_counters WHERE adapter_id = $1 AND minute < now() - interval '1 day'`,
      [adapterId],
    );
    expect(rows[0]!.old).toBe('0');
    expect((await counters('?minutes=1440')).body.totals).toEqual({ in: 22, out: 20, rejected: 3 });
  });

  it('refuses bad counts naming the field, writing nothing of the report', async () => {
    const bad = await report({
      events: [{ level: 'info', category: 'system', message: 'must not be written' }],
      counters: [
        { minute: minuteAgo(1).replace(':00.000Z', ':30.000Z'), in: 1, out: 1, rejected: 0 },
        { minute: minuteAgo(1), in: -1, out: 1, rejected: 0 },
      ],
    });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as Array<{ path: string }>).map((e) => e.path).sort()).toEqual(['/counters/0/minute', '/counters/1/in']);
    expect(bad.body.errors[0].message).toContain('start of a minute');
    const events = await stack.call('viewer', 'GET', '/adapters/counted/events');
    expect((events.body.items as Array<{ message: string }>).map((e) => e.message)).not.toContain('must not be written');
    expect((await counters()).body.totals).toEqual({ in: 22, out: 20, rejected: 3 });

    const tooLong = await counters('?minutes=1441');
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors[0].path).toMatch(/minutes$/);
    expect((await stack.call('viewer', 'GET', '/adapters/nobody/counters')).status).toBe(404);
    expect((await stack.call(null, 'GET', '/adapters/counted/counters')).status).toBe(401);
    // Only pods report.
    expect((await stack.call('admin', 'POST', '/pods/pod-a/status', { lease, state: 'Active', counters: [] })).status).toBe(403);
  });

  it('refuses counts from a holder whose lease expired and was granted again (a stale epoch), and keeps the new holder’s', async () => {
    const podB = await stack.issuer.mint({ sub: 'pod-b-credential', roles: ['pod'] });
    const asPodB = (path: string, body: unknown) =>
      fetch(`${stack.api}${path}`, { method: 'POST', headers: { authorization: `Bearer ${podB}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await asPodB('/pods', { id: 'pod-b', version: '0.1.0', capacity: 5, connectorTypes: ['fix-acceptor'] });
    // pod-a stops renewing; pod-b takes the adapter over at the next epoch.
    await expireHolder();
    const taken = await asPodB('/pods/pod-b/leases', { adapterId });
    expect(taken.status).toBe(201);
    const newLease = { adapterId, slot: 0, epoch: ((await taken.json()) as { epoch: number }).epoch };
    expect(newLease.epoch).toBe(lease.epoch + 1);

    const minute = minuteAgo(1);
    const stale = await report({ counters: [{ minute, in: 1000, out: 1000, rejected: 1000 }] });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ type: 'https://crosswire.dev/problems/lease-lost', stop: true });
    const current = await asPodB('/pods/pod-b/status', { lease: newLease, state: 'Active', counters: [{ minute, in: 3, out: 2, rejected: 1 }] });
    expect(current.status).toBe(204);

    const read = (await counters()).body as { buckets: Bucket[]; totals: Bucket };
    expect(read.buckets.find((b) => b.minute === minute)).toEqual({ minute, in: 3, out: 2, rejected: 1 });
    expect(read.totals).toEqual({ in: 25, out: 22, rejected: 4 });
  });

  it('records a numbered report once: the same number again (a retry after a lost answer) adds no counts and no events', async () => {
    // pod-a takes the adapter back once pod-b's lease lapses: a new lease, whose numbers start afresh.
    await expireHolder();
    const claimed = await stack.call('pod', 'POST', '/pods/pod-a/leases', { adapterId });
    expect(claimed.status).toBe(201);
    lease = { adapterId, slot: 0, epoch: claimed.body.epoch };
    const minute = minuteAgo(4);
    const before = (await counters()).body.totals as Bucket;
    const numbered = { seq: 7, counters: [{ minute, in: 3, out: 3, rejected: 0 }], events: [{ level: 'info', category: 'connection', message: 'numbered report 7' }] };
    expect((await report(numbered)).status).toBe(204);
    expect((await report(numbered)).status).toBe(204);
    // An older number is a retry too; the state it carries is still taken.
    expect((await report({ ...numbered, seq: 6, state: 'Error', reason: 'late retry' })).status).toBe(204);
    expect((await counters()).body.totals).toEqual({ in: before.in + 3, out: before.out + 3, rejected: before.rejected });
    const events = (await stack.call('viewer', 'GET', '/adapters/counted/events?category=connection')).body.items as Array<{ message: string }>;
    expect(events.filter((e) => e.message === 'numbered report 7')).toHaveLength(1);
    expect((await stack.call('viewer', 'GET', '/adapters/counted')).body.status.holders[0]).toMatchObject({ state: 'Error', reason: 'late retry' });
    expect((await report({ seq: 8, counters: [{ minute, in: 1, out: 0, rejected: 0 }] })).status).toBe(204);
    expect((await counters()).body.totals.in).toBe(before.in + 4);
  });
});
