import type { JetStreamManager, NatsConnection } from 'nats';
import { describe, expect, it } from 'vitest';
import { natsConsumerConnector } from '../../src/connectors/nats-consumer.ts';
import { natsProducerConnector } from '../../src/connectors/nats-producer.ts';
import { lease } from '../channels/support.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { NATS_HOST, NATS_PORT, natsOrSkip, natsWorld, streamContents, testStream } from './nats-support.ts';
import { metric, run, until, type WsWorld } from './ws-support.ts';

const nc: NatsConnection | undefined = await natsOrSkip();

describe.skipIf(!nc)('a NATS outage between the pod and the server', () => {
  let world: WsWorld;
  let jsm: JetStreamManager;
  natsWorld(nc!, (made) => ({ world, jsm } = made));

  it('at start: the adapter shows the error and keeps trying, and receives once NATS is reachable', async () => {
    const proxy = await startTcpProxy(NATS_HOST, NATS_PORT);
    proxy.cut();
    const stream = await testStream(jsm, 'late');
    const inbound = await world.channel('late');
    const consumer = await world.adapter({
      mode: 'single',
      connector: {
        type: 'nats-consumer',
        config: { connection: { servers: [`nats://${proxy.address}`], reconnectIntervalSeconds: 1 }, consumer: { stream: stream.name, durableName: 'cw-late' } },
      },
      pipeline: { filters: [], transforms: [], routes: [{ channel: inbound, when: [] }] },
    });
    const c = await run(natsConsumerConnector(world.deps()), consumer);
    try {
      await until('the error shown', () => c.states.some((s) => /^Error: NATS unreachable at nats:\/\/127\.0\.0\.1:\d+/.test(s)));
      expect(c.saw(/cannot connect to NATS at .*retrying in/)).toBe(true);
      expect(await metric(world.registry, 'crosswire_nats_connected', { adapter: consumer.name })).toBe(0);
      await nc!.jetstream().publish(`${stream.subject}.x`, JSON.stringify({ order: 1 }));
      proxy.heal();
      await until('the message stored', async () => (await world.contents(inbound)).length === 1, 45_000);
      expect(c.states.at(-1)).toBe('Active');
    } finally {
      await c.connector.stop('logout');
      await stream.remove();
      await proxy.close();
    }
  });

  it('is reported as an event and a metric, and afterwards every message has arrived exactly once', async () => {
    const proxy = await startTcpProxy(NATS_HOST, NATS_PORT);
    const stream = await testStream(jsm, 'outage');
    const [outbound, inbound] = await Promise.all([world.channel('to-nats'), world.channel('from-nats')]);
    const servers = [`nats://${proxy.address}`];
    const producer = await world.adapter({
      mode: 'single',
      connector: {
        type: 'nats-producer',
        config: {
          connection: { servers, reconnectIntervalSeconds: 1 },
          subscribeChannel: outbound,
          publish: { subject: `${stream.subject}.orders`, stream: stream.name, publishTimeoutSeconds: 1 },
        },
      },
    });
    const consumer = await world.adapter({
      mode: 'single',
      connector: {
        type: 'nats-consumer',
        config: { connection: { servers, reconnectIntervalSeconds: 1 }, consumer: { stream: stream.name, durableName: 'cw-outage', ackWaitSeconds: 2 } },
      },
      pipeline: { filters: [], transforms: [], routes: [{ channel: inbound, when: [] }] },
    });
    // Nothing renews leases here: long ones, so an outage of a few seconds does not outlive them.
    const p = await run(natsProducerConnector(world.deps()), { ...producer, lease: await lease(world.test, producer.id, 'nats-pod', 120_000) });
    const c = await run(natsConsumerConnector(world.deps()), { ...consumer, lease: await lease(world.test, consumer.id, 'nats-pod', 120_000) });
    try {
      const orders = (from: number, count: number) => Array.from({ length: count }, (_, n) => ({ order: from + n }));
      await world.publish(outbound, orders(1, 300));
      await until('some orders through NATS', async () => (await world.contents(inbound)).length >= 50, 20_000);

      proxy.cut();
      await until('both connectors see the outage', () => p.saw(/lost the NATS connection/) && c.saw(/lost the NATS connection/));
      expect(await metric(world.registry, 'crosswire_nats_connected', { adapter: producer.name })).toBe(0);
      expect(await metric(world.registry, 'crosswire_nats_disconnects_total', { adapter: consumer.name })).toBeGreaterThanOrEqual(1);
      expect(p.states.at(-1)).toMatch(/^Error: NATS connection lost/);
      // Written while NATS is away: they wait in the channel.
      await world.publish(outbound, orders(301, 200));

      proxy.heal();
      const all = await until('all 500 orders through NATS', async () => {
        const rows = await world.contents(inbound);
        return rows.length >= 500 && rows;
      }, 45_000);
      const received = all.map((m) => (m.body.kind === 'json' ? (m.body.value as { order: number }).order : 0));
      expect(received.length).toBe(500);
      expect([...received].sort((a, b) => a - b)).toEqual(orders(1, 500).map((o) => o.order));
      // JetStream holds each once, in channel order: a publish retried across the cut was dropped by its Nats-Msg-Id.
      expect((await streamContents(jsm, stream.name)).map((m) => (JSON.parse(m.text) as { order: number }).order)).toEqual(orders(1, 500).map((o) => o.order));
      expect(p.saw(/reconnected to NATS/)).toBe(true);
      expect(await metric(world.registry, 'crosswire_nats_reconnects_total', { adapter: producer.name })).toBeGreaterThanOrEqual(1);
      expect(await metric(world.registry, 'crosswire_nats_connected', { adapter: consumer.name })).toBe(1);
    } finally {
      await p.connector.stop('logout');
      await c.connector.stop('logout');
      await stream.remove();
      await proxy.close();
    }
  });
});
