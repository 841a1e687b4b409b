import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ensureChannel } from '../../src/channels/index.ts';
import { natsConsumerConnector } from '../../src/connectors/nats-consumer.ts';
import { natsOrSkip, NATS_URL, natsWorld, streamForTest } from './nats-support.ts';
import { metric, run, until, type WsWorld } from './ws-support.ts';

const nc: NatsConnection | undefined = await natsOrSkip();

describe.skipIf(!nc)('the nats-consumer connector (real NATS JetStream and PostgreSQL)', () => {
  let world: WsWorld;
  let jsm: JetStreamManager;
  let js: JetStreamClient;
  natsWorld(nc!, (made) => ({ world, jsm, js } = made));

  async function consumer(stream: string, channel: string, extra: Record<string, unknown> = {}) {
    const adapter = await world.adapter({
      mode: 'single',
      connector: {
        type: 'nats-consumer',
        config: {
          connection: { servers: [NATS_URL], reconnectIntervalSeconds: 1 },
          consumer: { stream, durableName: `cw-${Math.random().toString(36).slice(2, 8)}`, ackWaitSeconds: 2 },
          ...extra,
        },
      },
      pipeline: { filters: [], transforms: [], routes: [{ channel, when: [] }] },
    });
    const running = await run(natsConsumerConnector(world.deps()), adapter);
    onTestFinished(() => running.connector.stop('logout'));
    return { ...running, adapter };
  }

  async function consumerState(stream: string, durable: string) {
    const info = await jsm.consumers.info(stream, durable);
    return { pending: info.num_pending, unacked: info.num_ack_pending, delivered: info.delivered.stream_seq };
  }

  it('appends every message to the channel in stream order, with its headers and stream sequence, and acknowledges each', async () => {
    const stream = await streamForTest(jsm, 'order');
    for (let n = 1; n <= 200; n++) {
      const h = (await import('nats')).headers();
      h.set('Trace-Id', `t-${n}`);
      await js.publish(`${stream.subject}.orders`, JSON.stringify({ order: n }), { headers: h });
    }
    const channel = await world.channel('from-nats');
    const c = await consumer(stream.name, channel);
    const stored = await until('200 messages stored', async () => {
      const rows = await world.contents(channel);
      return rows.length >= 200 && rows;
    });
    expect(stored.map((m) => m.body)).toEqual(Array.from({ length: 200 }, (_, n) => ({ kind: 'json', value: { order: n + 1 } })));
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, n) => n + 1));
    expect(stored[0]!.session).toMatch(new RegExp(`^nats:${stream.name}@`));
    expect(stored[41]!.headers).toMatchObject({ 'Trace-Id': 't-42', 'crosswire-nats-subject': `${stream.subject}.orders` });
    const durable = (c.adapter.spec.connector.config as { consumer: { durableName: string } }).consumer.durableName;
    await until('every message acknowledged', async () => {
      const state = await consumerState(stream.name, durable);
      return state.pending === 0 && state.unacked === 0;
    });
    expect(await metric(world.registry, 'crosswire_nats_acked_total', { adapter: c.adapter.name })).toBe(200);
    expect(await metric(world.registry, 'crosswire_nats_connected', { adapter: c.adapter.name })).toBe(1);
    expect(c.states.at(-1)).toBe('Active');
  });

  it('refuses a message it cannot store, and stores it exactly once when JetStream offers it again', async () => {
    const stream = await streamForTest(jsm, 'nak');
    const channel = await world.channel('later');
    const c = await consumer(stream.name, channel);
    await until('connected', () => c.states.at(-1) === 'Active');
    // The channel goes away (as if dropped by mistake): every append to it is refused.
    await world.test.db.query('DELETE FROM channel_consumers WHERE channel = $1', [channel]);
    await world.test.db.query('DELETE FROM channels WHERE name = $1', [channel]);
    await js.publish(`${stream.subject}.x`, JSON.stringify({ order: 1 }));
    await until('a refusal reported', () => c.saw(/message 1 could not be stored .*offers it again/));
    expect(await metric(world.registry, 'crosswire_nats_naks_total', { adapter: c.adapter.name })).toBeGreaterThanOrEqual(1);
    expect(await world.contents(channel)).toEqual([]);
    await ensureChannel(world.test.db, { name: channel });
    await js.publish(`${stream.subject}.x`, JSON.stringify({ order: 2 }));
    const stored = await until('both stored', async () => {
      const rows = await world.contents(channel);
      return rows.length >= 2 && rows;
    }, 20_000);
    // The refused message comes back after its delay, behind the one published later.
    expect(stored.map((m) => m.body).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { kind: 'json', value: { order: 1 } },
      { kind: 'json', value: { order: 2 } },
    ]);
    expect(await metric(world.registry, 'crosswire_nats_redeliveries_total', { adapter: c.adapter.name })).toBeGreaterThanOrEqual(1);
    expect((await world.contents(channel)).length).toBe(2);
  });

  it('acknowledges a message already stored by a holder that died before its ack, without storing it again', async () => {
    const stream = await streamForTest(jsm, 'crash');
    for (let n = 1; n <= 3; n++) await js.publish(`${stream.subject}.x`, JSON.stringify({ order: n }));
    const channel = await world.channel('crash');
    const adapter = await world.adapter({
      mode: 'single',
      connector: { type: 'nats-consumer', config: { connection: { servers: [NATS_URL] }, consumer: { stream: stream.name, durableName: 'cw-crash' } } },
      pipeline: { filters: [], transforms: [], routes: [{ channel, when: [] }] },
    });
    // The previous holder stored stream message 2 and died before acknowledging it.
    const { created } = await jsm.streams.info(stream.name);
    await world.store.append(
      [{ channel, message: { headers: {}, body: { kind: 'json', value: { order: 2 } }, origin: { adapterId: adapter.id, session: `nats:${stream.name}@${created}`, seq: 2 }, receivedAt: new Date().toISOString() } }],
      { lease: adapter.lease },
    );
    const c = await run(natsConsumerConnector(world.deps()), adapter);
    onTestFinished(() => c.connector.stop('logout'));
    await until('all three acknowledged', async () => {
      // The connector creates the durable consumer once connected.
      const info = await jsm.consumers.info(stream.name, 'cw-crash').catch(() => undefined);
      return info?.num_pending === 0 && info.num_ack_pending === 0;
    });
    const stored = (await world.contents(channel)).map((m) => (m.body.kind === 'json' ? (m.body.value as { order: number }).order : 0));
    expect([...stored].sort()).toEqual([1, 2, 3]);
    expect(await metric(world.registry, 'crosswire_nats_duplicates_total', { adapter: adapter.name })).toBe(1);
  });

  it('parks a payload that is not JSON in the dead-letter channel with the reason, and acknowledges it', async () => {
    const stream = await streamForTest(jsm, 'bad');
    const channel = await world.channel('good');
    const parked = await world.channel('parked');
    const adapter = await world.adapter({
      mode: 'single',
      connector: {
        type: 'nats-consumer',
        config: { connection: { servers: [NATS_URL] }, consumer: { stream: stream.name, durableName: 'cw-bad' } },
      },
      pipeline: { filters: [], transforms: [], routes: [{ channel, when: [] }], deadLetterChannel: parked },
    });
    const c = await run(natsConsumerConnector(world.deps()), adapter);
    onTestFinished(() => c.connector.stop('logout'));
    await js.publish(`${stream.subject}.x`, '{"order": ');
    await js.publish(`${stream.subject}.x`, JSON.stringify({ order: 2 }));
    await until('the good one stored', async () => (await world.contents(channel)).length === 1);
    const dead = await until('the bad one parked', async () => {
      const rows = await world.contents(parked);
      return rows.length === 1 && rows;
    });
    expect(dead[0]!.body).toEqual({ kind: 'json', value: '{"order": ' });
    expect(dead[0]!.headers['crosswire-dead-letter-reason']).toMatch(/^malformed JSON/);
    expect(c.saw(/message 1 .*malformed JSON.*parked in dead-letter channel/)).toBe(true);
    expect(await metric(world.registry, 'crosswire_nats_malformed_total', { adapter: adapter.name })).toBe(1);
    await until('both acknowledged', async () => (await jsm.consumers.info(stream.name, 'cw-bad')).num_ack_pending === 0);
  });
});
