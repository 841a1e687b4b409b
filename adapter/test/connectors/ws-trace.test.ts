// The message trace of a WebSocket acceptor on a real database and real sockets: frames in and
// fanned-out messages out become masked trace events while tracing, and nothing while not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorEvent } from '../../src/connectors/connector.ts';
import { wsAcceptorConnector } from '../../src/connectors/ws-acceptor.ts';
import { MessageTracer } from '../../src/observability/message-trace.ts';
import { wsAcceptorAdapter, collect, connect, TOKEN, until, wsWorld, type WsWorld } from './ws-support.ts';

describe('message trace of a ws-acceptor', () => {
  let world: WsWorld;
  beforeAll(async () => {
    world = await wsWorld();
  });
  afterAll(() => world.close());

  it('traces each frame received and each message fanned out once, secrets masked; nothing once the trace is off', async () => {
    const { adapter, inbound, outbound, url } = await wsAcceptorAdapter(world);
    const events: ConnectorEvent[] = [];
    const tracer = new MessageTracer((event) => events.push(event));
    const connector = await wsAcceptorConnector(world.deps())({
      lease: { ...adapter.lease, adapterName: adapter.name, pod: 'ws-pod' },
      spec: adapter.spec,
      emit: (event) => events.push(event),
      setState: () => undefined,
      trace: tracer,
    });
    const traced = () => events.filter((e) => e.details?.trace === true && e.details.direction);
    try {
      const [sender, subscriberA, subscriberB] = await Promise.all([1, 2, 3].map(() => connect(url, { headers: { authorization: `Bearer ${TOKEN}` } })));
      const received = [subscriberA!, subscriberB!].map(collect);

      tracer.set(true);
      sender!.send(JSON.stringify({ order: 'o-1', password: 'in-secret' }));
      await world.publish(outbound, [{ fill: 'f-1', apiKey: 'out-secret' }]);
      await until('both subscribers got the fill', () => received.every((frames) => frames.length === 1));
      await until('the frame and the fill traced', () => traced().length === 2);
      const [frameIn, fillOut] = [traced().find((e) => e.details!.direction === 'in')!, traced().find((e) => e.details!.direction === 'out')!];
      expect(frameIn.details).toMatchObject({ seq: 1, body: { order: 'o-1', password: '••••••' }, headers: { 'crosswire-ws-frame': 'text' } });
      expect(fillOut.details).toMatchObject({ subject: outbound, body: { fill: 'f-1', apiKey: '••••••' } });
      expect(JSON.stringify(events)).not.toMatch(/in-secret|out-secret/);

      tracer.set(false);
      sender!.send(JSON.stringify({ order: 'o-2' }));
      await world.publish(outbound, [{ fill: 'f-2' }]);
      await until('both subscribers got the second fill', () => received.every((frames) => frames.length === 2));
      await until('the second order stored', async () => (await world.contents(inbound)).length === 2);
      expect(traced()).toHaveLength(2);
      for (const socket of [sender, subscriberA, subscriberB]) socket!.terminate();
    } finally {
      await connector.stop('logout');
    }
  });
});
