// Database.listen: notifications after commit, per channel, and a lost listening connection replaced
// and said so (the handler hears `undefined`, so a waiter looks again).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from './support/databases.ts';
import { until } from './support/waiting.ts';

describe.each(BACKENDS)('database notifications (%s)', (backend) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase(backend);
  });
  afterAll(() => test.drop());

  const heard = async (channel: string) => {
    const payloads: (string | undefined)[] = [];
    const stop = await test.db.listen(channel, (payload) => payloads.push(payload));
    onTestFinished(stop);
    return { payloads, stop };
  };

  it('delivers what a committed transaction notified, only to the channel it names, and none after stopping', async () => {
    const a = await heard('cw_test_a');
    const alsoA = await heard('cw_test_a');
    const b = await heard('cw_test_b');
    await test.db.transaction(async (tx) => {
      await tx.query("SELECT pg_notify('cw_test_a', 'one')");
      await tx.query("SELECT pg_notify('cw_test_a', 'two')");
      // Nothing is heard before the commit.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(a.payloads).toEqual([]);
    });
    await until('both notifications', () => a.payloads.length >= 2 || undefined, 10_000);
    expect(a.payloads).toEqual(['one', 'two']);
    await until('the second handler', () => alsoA.payloads.length >= 2 || undefined, 10_000);
    expect(b.payloads).toEqual([]);

    // A rolled-back transaction notifies nobody.
    await test.db.transaction(async (tx) => {
      await tx.query("SELECT pg_notify('cw_test_b', 'lost')");
      throw new Error('roll back');
    }).catch(() => undefined);
    await a.stop();
    await test.db.query("SELECT pg_notify('cw_test_a', 'three'), pg_notify('cw_test_b', 'four')");
    await until('b to hear four', () => b.payloads.includes('four') || undefined, 10_000);
    expect(b.payloads).toEqual(['four']);
    expect(alsoA.payloads).toEqual(['one', 'two', 'three']);
    expect(a.payloads).toEqual(['one', 'two']);
  });

  it.runIf(backend === 'postgres')('replaces a listening connection the server ended, tells every handler, and keeps delivering', async () => {
    const c = await heard('cw_test_c');
    const admin = new pg.Client({ connectionString: test.url });
    await admin.connect();
    onTestFinished(() => admin.end());
    const ended = await admin.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name LIKE '% (listen)'`,
    );
    expect(ended.rows[0]!.n).toBeGreaterThanOrEqual(1);
    await until('the handler to hear that it may have missed something', () => c.payloads.includes(undefined) || undefined, 15_000);
    await admin.query("SELECT pg_notify('cw_test_c', 'after')");
    await until('a notification on the new connection', () => c.payloads.includes('after') || undefined, 10_000);
  });
});
