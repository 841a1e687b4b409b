import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../orchestrator/test/support/databases.ts';
import { PostgresChannelStore, applyRetention, channelLag, ensureChannel, lagOf } from '../../src/channels/index.ts';
import { channelWorld, lease, order } from './support.ts';

describe('lag', () => {
  it('is head minus committed, never negative', () => {
    expect(lagOf(10, 4)).toBe(6);
    expect(lagOf(4, 4)).toBe(0);
    expect(lagOf(0, 3)).toBe(0);
  });
});

describe.each(BACKENDS)('channel retention (%s)', (backend) => {
  let test: TestDatabase;
  let inbound: string;
  let outbound: string;
  let store: PostgresChannelStore;
  beforeAll(async () => {
    ({ test, inbound, outbound } = await channelWorld(backend));
    store = new PostgresChannelStore(test.db);
  });
  afterAll(() => test.drop());

  const offsets = async (channel: string) =>
    (await test.db.query<{ o: unknown }>('SELECT msg_offset AS o FROM channel_messages WHERE channel = $1 ORDER BY msg_offset', [channel])).rows.map((r) => Number(r.o));
  const fill = async (channel: string, count: number) => {
    const at = await lease(test, inbound, 'pod-in');
    await store.append(Array.from({ length: count }, (_, i) => ({ channel, message: order(inbound, i + 1) })), { lease: at });
  };
  const later = (ms: number) => new Date(Date.now() + ms);

  it('deletes by age, but never past the slowest consumer', async () => {
    await ensureChannel(test.db, { name: 'aged', retentionMs: 60_000 });
    await fill('aged', 10);
    const consumer = await lease(test, outbound, 'pod-out');
    await store.subscribe('aged', consumer);
    await store.commit('aged', consumer, { from: 0, to: 4 });

    expect(await applyRetention(test.db, 'aged')).toMatchObject({ deleted: 0 });
    const result = await applyRetention(test.db, 'aged', { now: later(120_000) });
    expect(result).toMatchObject({ deleted: 4, protectedFrom: 5 });
    expect(result.bytes).toBeGreaterThan(0);
    expect(await offsets('aged')).toEqual([5, 6, 7, 8, 9, 10]);

    // The consumer reads on from where it was; nothing it had not committed went missing.
    expect((await store.consume('aged', consumer, 3)).messages.map((m) => m.offset)).toEqual([5, 6, 7]);
    await store.commit('aged', consumer, { from: 4, to: 10 });
    await applyRetention(test.db, 'aged', { now: later(120_000) });
    expect(await offsets('aged')).toEqual([]);
    // Offsets never restart: the head stays where it was.
    expect((await channelLag(test.db, 'aged'))!.head).toBe(10);
  });

  it('deletes by size from the oldest end, keeping the newest bytes and the uncommitted ones', async () => {
    await ensureChannel(test.db, { name: 'sized' });
    await fill('sized', 10);
    const { rows } = await test.db.query<{ size: unknown }>("SELECT max(size_bytes) AS size FROM channel_messages WHERE channel = 'sized'");
    const size = Number(rows[0]!.size);
    // Room for about three messages.
    await ensureChannel(test.db, { name: 'sized', retentionBytes: size * 3 });
    // No consumer: size alone decides.
    await applyRetention(test.db, 'sized');
    expect(await offsets('sized')).toEqual([8, 9, 10]);

    await ensureChannel(test.db, { name: 'held', retentionBytes: 1 });
    await fill('held', 5);
    const consumer = await lease(test, outbound, 'pod-out');
    await store.subscribe('held', consumer);
    await store.commit('held', consumer, { from: 0, to: 2 });
    expect(await applyRetention(test.db, 'held')).toMatchObject({ deleted: 2, protectedFrom: 3 });
    expect(await offsets('held')).toEqual([3, 4, 5]);
  });

  it('keeps everything when the channel has no limits', async () => {
    await ensureChannel(test.db, { name: 'forever' });
    await fill('forever', 3);
    expect(await applyRetention(test.db, 'forever', { now: later(10 * 365 * 86_400_000) })).toMatchObject({ deleted: 0 });
    expect(await offsets('forever')).toEqual([1, 2, 3]);
  });
});
