/**
 * Channels as the portal and operators see them through the orchestrator's API, after pods wrote to
 * them through the adapter's channel store: created by pipelines, sized, lagging, masked, retained.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specs, startStack, type TestStack } from '../../../orchestrator/test/support/stack.ts';
import { until } from '../../../orchestrator/test/support/waiting.ts';
import { PostgresChannelStore, type ChannelLease } from '../../src/channels/index.ts';
import { DEAD_LETTER_REASON } from '../../src/pipeline/index.ts';
import { lease, order } from './support.ts';

describe('channels through the orchestrator API', () => {
  let stack: TestStack;
  let store: PostgresChannelStore;
  let producer: ChannelLease;
  let consumer: ChannelLease;

  beforeAll(async () => {
    stack = await startStack('postgres', { CROSSWIRE_CHANNEL_RETENTION_INTERVAL_MS: '1000' });
    store = new PostgresChannelStore(stack.database.db);
  });
  afterAll(() => stack.stop());

  it('creates the channels a pipeline names when the adapter is saved, and says who writes to them', async () => {
    const created = await stack.call('engineer', 'POST', '/adapters', {
      ...specs.fixAcceptor('fix-in'),
      pipeline: { routes: [{ channel: 'orders' }], deadLetterChannel: 'parked' },
    });
    expect(created.status).toBe(201);
    await stack.call('engineer', 'POST', '/adapters', specs.fixInitiator('fix-out'));
    const { body } = await stack.call('viewer', 'GET', '/channels');
    expect(body.items).toEqual([
      expect.objectContaining({ name: 'orders', head: 0, messages: 0, producers: ['fix-in'], deadLetterFor: [], consumers: [] }),
      expect.objectContaining({ name: 'parked', head: 0, producers: [], deadLetterFor: ['fix-in'] }),
    ]);
  });

  it('creates the channel a connector field names (a WebSocket client sending a channel out)', async () => {
    const created = await stack.call('engineer', 'POST', '/adapters', {
      name: 'ws-out',
      mode: 'single',
      connector: { type: 'ws-initiator', config: { connection: { url: 'wss://venue.example.com/orders' }, subscribeChannel: 'to-venue' } },
    });
    expect(created.status).toBe(201);
    expect((await stack.call('viewer', 'GET', '/channels/to-venue')).body).toMatchObject({ name: 'to-venue', head: 0, producers: [] });
    expect((await stack.call('engineer', 'DELETE', '/adapters/ws-out', undefined, { 'if-match': '"1"' })).status).toBe(204);
  });

  it('shows size and per-consumer lag once pods append and commit', async () => {
    const ids = Object.fromEntries(
      ((await stack.call('viewer', 'GET', '/adapters')).body.items as Array<{ id: string; name: string }>).map((a) => [a.name, a.id]),
    );
    for (const name of ['fix-in', 'fix-out']) await stack.call('operator', 'POST', `/adapters/${name}/enable`);
    producer = await lease(stack.database, ids['fix-in']!, 'pod-in');
    consumer = await lease(stack.database, ids['fix-out']!, 'pod-out');
    const first = order(ids['fix-in']!, 1);
    const withPassword = { ...first, body: { kind: 'fix' as const, fields: [...(first.body.kind === 'fix' ? first.body.fields : []), [554, 'hunter2'] as const] } };
    await store.append(
      [withPassword, ...[2, 3, 4, 5].map((seq) => order(ids['fix-in']!, seq))].map((message) => ({ channel: 'orders', message })),
      { lease: producer },
    );
    const parked = order(ids['fix-in']!, 6);
    await store.append([{ channel: 'parked', message: { ...parked, headers: { ...parked.headers, [DEAD_LETTER_REASON]: 'transforms[0] failed: no field 1' } } }], {
      lease: producer,
    });
    await store.subscribe('orders', consumer);
    await store.commit('orders', consumer, { from: 0, to: 2 });

    const { body } = await stack.call('viewer', 'GET', '/channels/orders');
    expect(body).toMatchObject({ head: 5, messages: 5, consumers: [{ adapter: 'fix-out', committed: 2, lag: 3 }] });
    expect(body.bytes).toBeGreaterThan(0);
    const metrics = await (await fetch(`${stack.orchestrator.managementUrl}/metrics`)).text();
    expect(metrics).toContain('crosswire_channel_lag_messages{channel="orders",adapter="fix-out"} 3');
    expect(metrics).toContain('crosswire_channel_messages{channel="orders"} 5');
  });

  it('lets operators read messages with credentials masked, and shows why a dead letter was parked', async () => {
    expect((await stack.call('viewer', 'GET', '/channels/orders/messages')).status).toBe(403);
    const newest = (await stack.call('operator', 'GET', '/channels/orders/messages?limit=2')).body.items;
    expect(newest.map((m: { offset: number }) => m.offset)).toEqual([4, 5]);
    const all = (await stack.call('operator', 'GET', '/channels/orders/messages?after=0')).body.items;
    expect(all[0]).toMatchObject({ offset: 1, origin: { adapter: 'fix-in', seq: 1 }, body: { kind: 'fix' } });
    expect(all[0].body.fields).toContainEqual([554, '••••••']);
    expect(JSON.stringify(all)).not.toContain('hunter2');
    expect((await stack.call('operator', 'GET', '/channels/orders/messages?after=3')).body.items).toHaveLength(2);

    const [dead] = (await stack.call('operator', 'GET', '/channels/parked/messages')).body.items;
    expect(dead.deadLetterReason).toBe('transforms[0] failed: no field 1');
    expect(dead.headers).toEqual({ msgType: 'D' });
    expect((await stack.call('operator', 'GET', '/channels/nowhere/messages')).status).toBe(404);
  });

  it('sets retention for engineers only, refuses a limit too small by field, and audits the change', async () => {
    expect((await stack.call('operator', 'PUT', '/channels/orders/retention', { maxAgeMs: 60_000, maxBytes: null })).status).toBe(403);
    const tooSmall = await stack.call('engineer', 'PUT', '/channels/orders/retention', { maxAgeMs: 1_000, maxBytes: null });
    expect(tooSmall.status).toBe(400);
    expect(tooSmall.body.errors).toEqual([expect.objectContaining({ path: '/maxAgeMs', message: 'must be at least 60000 (one minute)' })]);
    const set = await stack.call('engineer', 'PUT', '/channels/orders/retention', { maxAgeMs: 60_000, maxBytes: null });
    expect(set.body.retention).toEqual({ maxAgeMs: 60_000, maxBytes: null });
    const audit = await stack.call('admin', 'GET', '/audit?action=channel.retention');
    expect(audit.body.items[0]).toMatchObject({ target: 'channel/orders', before: { maxAgeMs: null }, after: { maxAgeMs: 60_000 } });
  });

  it('the retention timer deletes aged messages the consumer has processed, and keeps the rest', async () => {
    // Age every message past the limit: only offsets 1 and 2 are committed, so only they may go.
    await stack.database.db.query("UPDATE channel_messages SET appended_at = appended_at - interval '10 minutes' WHERE channel = 'orders'");
    const channel = await until('retention to run', async () => {
      const { body } = await stack.call('viewer', 'GET', '/channels/orders');
      return body.messages === 3 ? body : undefined;
    });
    expect(channel).toMatchObject({ head: 5, consumers: [{ committed: 2, lag: 3 }] });
    const kept = (await stack.call('operator', 'GET', '/channels/orders/messages?after=0')).body.items;
    expect(kept.map((m: { offset: number }) => m.offset)).toEqual([3, 4, 5]);
  });
});
