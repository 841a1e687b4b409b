import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../orchestrator/test/support/databases.ts';
import { PostgresChannelStore, ensureChannel } from '../../src/channels/index.ts';
import { channelWorld, lease, order } from './support.ts';

// Several connections append at once (PostgreSQL only: PGlite has one connection).
describe('channel appends under concurrency (postgres)', () => {
  let test: TestDatabase;
  let inbound: string;
  let outbound: string;
  beforeAll(async () => {
    ({ test, inbound, outbound } = await channelWorld('postgres', { poolSize: 8 }));
  });
  afterAll(() => test.drop());

  it('numbers concurrent appends without gaps, and a consumer reading meanwhile never skips one', async () => {
    const store = new PostgresChannelStore(test.db, { maxBatch: 7 });
    await ensureChannel(test.db, { name: 'busy' });
    await ensureChannel(test.db, { name: 'quiet' });
    const producer = await lease(test, inbound, 'pod-in');
    const consumer = await lease(test, outbound, 'pod-out');
    await store.subscribe('busy', consumer);

    const writers = Array.from({ length: 6 }, async (_, w) => {
      for (let i = 0; i < 20; i++) {
        const seq = w * 1000 + i + 1;
        // Some appends also touch a second channel, locked in name order with the first.
        const targets = i % 3 === 0 ? ['quiet', 'busy'] : ['busy'];
        await store.append(targets.map((channel) => ({ channel, message: order(inbound, seq) })), { lease: producer });
      }
    });
    const seen: number[] = [];
    let done = false;
    const reader = (async () => {
      while (!done || seen.length < 120) {
        const batch = await store.consume('busy', consumer);
        if (batch.messages.length === 0) {
          if (done) break;
          continue;
        }
        seen.push(...batch.messages.map((m) => m.offset));
        await store.commit('busy', consumer, { from: batch.committed, to: batch.messages.at(-1)!.offset });
      }
    })();
    await Promise.all(writers);
    done = true;
    await reader;
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    const quiet = await test.db.query<{ n: string }>("SELECT count(*)::text AS n FROM channel_messages WHERE channel = 'quiet'");
    expect(Number(quiet.rows[0]!.n)).toBe(6 * 7);
  });

  it('adds a message once when several writers append it at the same moment', async () => {
    const store = new PostgresChannelStore(test.db);
    await ensureChannel(test.db, { name: 'raced' });
    const producer = await lease(test, inbound, 'pod-in');
    const burst = Array.from({ length: 10 }, (_, i) => ({ channel: 'raced', message: order(inbound, i + 1) }));
    const results = await Promise.all(Array.from({ length: 5 }, () => store.append(burst, { lease: producer })));
    expect(results.reduce((n, r) => n + r.appended.length, 0)).toBe(10);
    const { rows } = await test.db.query<{ seq: string }>("SELECT origin_seq::text AS seq FROM channel_messages WHERE channel = 'raced' ORDER BY msg_offset");
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });
});
