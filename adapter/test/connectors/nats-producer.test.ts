import type { JetStreamManager, NatsConnection } from 'nats';
import { describe, expect, it, onTestFinished } from 'vitest';
import { natsProducerConnector } from '../../src/connectors/nats-producer.ts';
import { claimLease } from '../../../orchestrator/src/store/leases.ts';
import { lease } from '../channels/support.ts';
import { natsOrSkip, NATS_URL, natsWorld, streamContents, streamForTest } from './nats-support.ts';
import { metric, run, until, type WsWorld } from './ws-support.ts';

const nc: NatsConnection | undefined = await natsOrSkip();

describe.skipIf(!nc)('the nats-producer connector (real NATS JetStream and PostgreSQL)', () => {
  let world: WsWorld;
  let jsm: JetStreamManager;
  natsWorld(nc!, (made) => ({ world, jsm } = made));

  async function producerAdapter(channel: string, stream: { name: string; subject: string }, publish: Record<string, unknown> = {}, deadLetterChannel?: string) {
    return world.adapter({
      mode: 'single',
      connector: {
        type: 'nats-producer',
        config: {
          connection: { servers: [NATS_URL], reconnectIntervalSeconds: 1 },
          subscribeChannel: channel,
          publish: { subject: `${stream.subject}.{$.desk}`, stream: stream.name, publishTimeoutSeconds: 2, ...publish },
        },
      },
      ...(deadLetterChannel ? { pipeline: { filters: [], transforms: [], routes: [], deadLetterChannel } } : {}),
    });
  }

  const committed = async (channel: string) =>
    Number((await world.test.db.query<{ committed_offset: string }>('SELECT committed_offset FROM channel_consumers WHERE channel = $1', [channel])).rows[0]?.committed_offset ?? -1);
  const head = async (channel: string) => Number((await world.test.db.query<{ head: string }>('SELECT head FROM channels WHERE name = $1', [channel])).rows[0]!.head);

  it("publishes the channel's messages in order, each with its Nats-Msg-Id, and commits what JetStream acknowledged", async () => {
    const stream = await streamForTest(jsm, 'pub');
    const channel = await world.channel('to-nats');
    await world.publish(channel, Array.from({ length: 150 }, (_, n) => ({ desk: n % 2 ? 'fx' : 'rates', order: n + 1 })));
    const adapter = await producerAdapter(channel, stream);
    const p = await run(natsProducerConnector(world.deps()), adapter);
    onTestFinished(() => p.connector.stop('logout'));
    await until('everything committed', async () => (await committed(channel)) === (await head(channel)), 20_000);
    const stored = await streamContents(jsm, stream.name);
    expect(stored.map((m) => (JSON.parse(m.text) as { order: number }).order)).toEqual(Array.from({ length: 150 }, (_, n) => n + 1));
    expect(stored[0]).toMatchObject({ subject: `${stream.subject}.rates`, msgId: `${channel}:1` });
    expect(stored[1]).toMatchObject({ subject: `${stream.subject}.fx`, msgId: `${channel}:2` });
    expect(await metric(world.registry, 'crosswire_nats_messages_out_total', { adapter: adapter.name })).toBe(150);
    expect(p.states.at(-1)).toBe('Active');
  });

  it('after a restart under a new lease epoch re-publishes nothing JetStream already stored, and loses nothing', async () => {
    const stream = await streamForTest(jsm, 'epoch');
    const channel = await world.channel('epoch');
    const adapter = await producerAdapter(channel, stream);
    const first = await run(natsProducerConnector(world.deps()), adapter);
    await world.publish(channel, Array.from({ length: 40 }, (_, n) => ({ desk: 'fx', order: n + 1 })));
    await until('40 committed', async () => (await committed(channel)) === (await head(channel)), 20_000);
    await first.connector.stop('fence');
    // The next holder's lease; the old one's last 25 commits are lost, as if it died between PubAck and commit.
    const next = await lease(world.test, adapter.id, 'next-pod');
    await world.test.db.query('UPDATE channel_consumers SET committed_offset = committed_offset - 25, slot = $2, epoch = $3 WHERE channel = $1', [channel, next.slot, next.epoch]);
    await world.publish(channel, Array.from({ length: 20 }, (_, n) => ({ desk: 'fx', order: n + 41 })));
    const second = await run(natsProducerConnector(world.deps()), { ...adapter, lease: next });
    onTestFinished(() => second.connector.stop('logout'));
    await until('all 60 committed by the next holder', async () => (await committed(channel)) === (await head(channel)), 20_000);
    const stored = await streamContents(jsm, stream.name);
    expect(stored.map((m) => (JSON.parse(m.text) as { order: number }).order)).toEqual(Array.from({ length: 60 }, (_, n) => n + 1));
    expect(await metric(world.registry, 'crosswire_nats_duplicates_total', { adapter: adapter.name })).toBe(25);
  });

  it('in scale-out, two pods publishing the same channel store each message once, in channel order', async () => {
    const stream = await streamForTest(jsm, 'scale');
    const channel = await world.channel('scale');
    const adapter = await world.adapter({
      mode: 'scale_out',
      instances: 2,
      connector: {
        type: 'nats-producer',
        config: { connection: { servers: [NATS_URL] }, subscribeChannel: channel, publish: { subject: `${stream.subject}.x`, stream: stream.name } },
      },
    });
    const grant = await claimLease(world.test.db, adapter.id, 'pod-b', 60_000);
    expect(grant?.slot).not.toBe(adapter.lease.slot);
    const a = await run(natsProducerConnector(world.deps()), adapter);
    const b = await run(natsProducerConnector(world.deps()), { ...adapter, lease: { adapterId: adapter.id, slot: grant!.slot, epoch: grant!.epoch } });
    onTestFinished(() => a.connector.stop('logout'));
    onTestFinished(() => b.connector.stop('logout'));
    await world.publish(channel, Array.from({ length: 200 }, (_, n) => ({ order: n + 1 })));
    await until('all committed', async () => (await committed(channel)) === (await head(channel)), 30_000);
    const stored = await streamContents(jsm, stream.name);
    expect(stored.map((m) => (JSON.parse(m.text) as { order: number }).order)).toEqual(Array.from({ length: 200 }, (_, n) => n + 1));
  });

  it('parks a message whose subject placeholder is missing in the dead-letter channel and publishes the rest', async () => {
    const stream = await streamForTest(jsm, 'dl');
    const channel = await world.channel('to-nats');
    const parked = await world.channel('parked');
    await world.publish(channel, [{ desk: 'fx', order: 1 }, { order: 2 }, { desk: 'a.b', order: 3 }, { desk: 'fx', order: 4 }]);
    const adapter = await producerAdapter(channel, stream, {}, parked);
    const p = await run(natsProducerConnector(world.deps()), adapter);
    onTestFinished(() => p.connector.stop('logout'));
    await until('everything committed', async () => (await committed(channel)) === (await head(channel)), 20_000);
    expect((await streamContents(jsm, stream.name)).map((m) => (JSON.parse(m.text) as { order: number }).order)).toEqual([1, 4]);
    const dead = await world.contents(parked);
    expect(dead.map((m) => m.headers['crosswire-dead-letter-reason'])).toEqual([
      'subject placeholder {$.desk}: the message has no such field, or it is not a single value',
      'subject placeholder {$.desk}: value "a.b" contains ., *, > or whitespace',
    ]);
  });

  it('without a dead-letter channel stops at a message it cannot publish, with the reason, and loses nothing', async () => {
    const stream = await streamForTest(jsm, 'stop');
    const channel = await world.channel('to-nats');
    await world.publish(channel, [{ desk: 'fx', order: 1 }, { order: 2 }, { desk: 'fx', order: 3 }]);
    const adapter = await producerAdapter(channel, stream);
    const p = await run(natsProducerConnector(world.deps()), adapter);
    onTestFinished(() => p.connector.stop('logout'));
    await until('blocked', () => p.states.some((s) => /offset 2 cannot be published .*no deadLetterChannel/.test(s)));
    // The first message is published and committed; the second and third wait in the channel.
    await until('the first committed', async () => (await committed(channel)) === (await head(channel)) - 2);
    expect((await streamContents(jsm, stream.name)).length).toBe(1);
    expect(p.states.at(-1)).toMatch(/^Error: channel .* offset 2 cannot be published \(subject placeholder \{\$\.desk\}/);
  });
});
