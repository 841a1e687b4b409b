import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import type { ConsumedMessage } from '../../src/channels/index.ts';
import { wsAcceptorConnector } from '../../src/connectors/ws-acceptor.ts';
import { ResumeCursor } from '../../src/connectors/ws-resume.ts';
import type { JsonValue } from '../../src/pipeline/message.ts';
import { lease } from '../channels/support.ts';
import { collect, connect, metric, run, sleep, until, wsAcceptorAdapter, wsWorld, type WsWorld } from './ws-support.ts';

interface Wrapped {
  offset: number;
  message: { n: number };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

// One database for both blocks: each test makes its own channels and adapter.
let world: WsWorld;
beforeAll(async () => {
  world = await wsWorld();
});
afterAll(() => world.close());

describe('ws-acceptor subscribers that resume from a channel offset', () => {
  /** An acceptor without authentication fanning out `outbound`; `client(query)` and `subscribe(query)` connect with that query. */
  async function acceptor(limits: Record<string, number> = {}) {
    const { adapter, outbound, url } = await wsAcceptorAdapter(world, { authentication: { mode: 'none' }, limits });
    const running = await run(wsAcceptorConnector(world.deps()), adapter);
    let stopped = false;
    onTestFinished(() => (stopped ? undefined : running.connector.stop('logout')));
    const client = async (query = '') => {
      const socket = await connect(`${url}${query}`);
      onTestFinished(() => socket.terminate());
      return socket;
    };
    /**
     * Connects and collects every frame. The listener goes on before the handshake completes, as a
     * browser's onmessage does: a catch-up's first frames can arrive in the same read as the handshake.
     */
    const subscribe = async (query = '') => {
      const socket = new WebSocket(`${url}${query}`);
      onTestFinished(() => socket.terminate());
      const frames = collect(socket);
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      return { socket, frames };
    };
    const publish = (from: number, to: number, pad = '') => world.publish(outbound, range(from, to).map((n): JsonValue => (pad ? { n, pad } : { n })));
    return { ...running, adapter, outbound, client, subscribe, publish, fenced: () => (stopped = true) };
  }

  const unwrap = (frames: string[]) => frames.map((f) => JSON.parse(f) as Wrapped);
  /** Each frame's offset and message number agree (message n was published at offset n). */
  const numbers = (frames: string[]) =>
    unwrap(frames).map((w) => {
      expect(w.message.n).toBe(w.offset);
      return w.offset;
    });

  it('from=1 gets every message kept, wrapped with its offset, then the live ones once; a client without from gets plain live frames', async () => {
    const a = await acceptor();
    const plain = (await a.subscribe()).frames;
    await a.publish(1, 50);
    // The fan-out has sent (and committed) these before the resuming client arrives.
    await until('the plain client has the first 50', () => plain.length >= 50);
    const resumed = (await a.subscribe('?from=1')).frames;
    await until('the 50 published before it connected', () => resumed.length >= 50);
    await a.publish(51, 80);
    await until('80 messages', () => resumed.length >= 80 && plain.length >= 80);
    await sleep(300); // a repeat would arrive now
    expect(unwrap(resumed)[0]).toEqual({ offset: 1, message: { n: 1 } });
    expect(numbers(resumed)).toEqual(range(1, 80));
    // Unchanged for a client without from: unwrapped frames.
    expect(plain).toEqual(range(1, 80).map((n) => JSON.stringify({ n })));
  });

  it('a client that reconnects with from = last offset + 1 while messages keep coming gets the rest once, in order', async () => {
    const a = await acceptor();
    let published = 0;
    const publishing = (async () => {
      while (published < 400) {
        await a.publish(published + 1, published + 20);
        published += 20;
        await sleep(10);
      }
    })();
    let { socket, frames } = await a.subscribe('?from=1');
    await until('some messages on the first connection', () => frames.length >= 60);
    socket.terminate();
    const first = numbers(frames);
    expect(first).toEqual(range(1, first.length));
    await sleep(50); // more is published while it is away
    ({ socket, frames } = await a.subscribe(`?from=${first.at(-1)! + 1}`));
    await publishing;
    await until('the rest', () => first.length + frames.length >= 400);
    await sleep(300);
    expect([...first, ...numbers(frames)]).toEqual(range(1, 400));
  });

  it('after a failover of the adapter a client resuming from its last offset + 1 misses nothing', async () => {
    const a = await acceptor();
    const { frames: before } = await a.subscribe('?from=1');
    await a.publish(1, 100);
    await until('the first 100', () => before.length >= 100);
    a.fenced();
    await a.connector.stop('fence');
    // Published while no pod serves the endpoint: a live-only client never sees these.
    await a.publish(101, 150);
    const next = await run(wsAcceptorConnector(world.deps()), { ...a.adapter, lease: await lease(world.test, a.adapter.id, 'pod-2') });
    onTestFinished(() => next.connector.stop('logout'));
    const first = numbers(before);
    const after = (await a.subscribe(`?from=${first.at(-1)! + 1}`)).frames;
    await a.publish(151, 200);
    await until('all 200', () => first.length + after.length >= 200);
    await sleep(300);
    expect([...first, ...numbers(after)]).toEqual(range(1, 200));
  });

  it('catches up within the send buffer limit, and starts at the oldest kept message when from is older', async () => {
    // The smallest limit allowed: 1,500 messages of about 500 bytes pass it many times over.
    const a = await acceptor({ maxBufferedBytes: 65_536 });
    await a.publish(1, 1500, 'x'.repeat(480));
    // Retention removed the first 100.
    await world.test.db.query('DELETE FROM channel_messages WHERE channel = $1 AND msg_offset <= 100', [a.outbound]);
    const frames = (await a.subscribe('?from=5')).frames;
    await until('the 1,400 kept', () => frames.length >= 1400);
    await sleep(200);
    expect(numbers(frames)).toEqual(range(101, 1500));
  });

  it('from=latest gets only what is published from then on, wrapped with offsets', async () => {
    const a = await acceptor();
    const plain = (await a.subscribe()).frames;
    await a.publish(1, 10);
    await until('the plain client has the first 10', () => plain.length >= 10);
    const frames = (await a.subscribe('?from=latest')).frames;
    await a.publish(11, 20);
    await until('the 10 live', () => frames.length >= 10);
    await sleep(200);
    expect(numbers(frames)).toEqual(range(11, 20));
  });

  it('refuses a from that is not an offset, or past the end of the channel, with 400 naming the parameter', async () => {
    const a = await acceptor();
    await a.publish(1, 5);
    for (const bad of ['abc', '-1', '1.5', '', '2&from=3']) {
      const refused = await a.client(`?from=${bad}`).then(
        () => undefined,
        (error: { status: number; body: string }) => error,
      );
      expect(refused?.status, `from=${bad}`).toBe(400);
      expect(refused?.body, `from=${bad}`).toMatch(/query parameter from/);
    }
    await expect(a.client('?from=7')).rejects.toMatchObject({ status: 400, body: expect.stringMatching(/from=7 is past the end .* last offset is 5; resume with from=6/) as unknown });
    // The next offset to be appended is a position: nothing yet, then live.
    const frames = (await a.subscribe('?from=6')).frames;
    await a.publish(6, 6);
    await until('the next message', () => frames.length >= 1);
    expect(numbers(frames)).toEqual([6]);
    expect(a.saw(/refused .*query parameter from must be a channel offset/)).toBe(true);
    // Each refusal counted under its own reason: five bad values and one past the end.
    expect(await metric(world.registry, 'crosswire_ws_refused_total', { adapter: a.adapter.name, reason: 'resume' })).toBe(6);
    expect(await metric(world.registry, 'crosswire_ws_refused_total', { adapter: a.adapter.name, reason: 'path' })).toBe(0);
  });
});

describe('the resume cursor', () => {
  it('switches to live without a gap or a repeat when live messages overflow its hold during the catch-up', async () => {
    const channel = await world.channel('hold');
    await world.publish(channel, range(1, 100).map((n) => ({ n })));
    const cursor = new ResumeCursor(1, 5);
    const sent: number[] = [];
    /** What the fan-out would offer the client as it goes: everything appended, in order, from offset 1. */
    let offered = 0;
    const offerLive = async () => {
      for (const message of await world.store.read(channel, { after: offered, limit: 1000 })) {
        offered = message.offset;
        if (cursor.takeLive(message)) sent.push(message.offset);
      }
    };
    let published = 100;
    await cursor.catchUp(world.store, channel, {
      send: (message: ConsumedMessage) => sent.push(message.offset),
      overLimit: () => sent.length % 40 === 0,
      open: () => true,
      // More is published and offered live while the client drains: far more than the hold keeps.
      drained: async () => {
        if (published < 200) {
          await world.publish(channel, range(published + 1, published + 50).map((n) => ({ n })));
          published += 50;
        }
        await offerLive();
        return true;
      },
    });
    await world.publish(channel, range(201, 210).map((n) => ({ n })));
    await offerLive();
    expect(sent).toEqual(range(1, 210));
  });

  it('sends, on switching to live, a message appended and fanned out while the read that found nothing was in flight', async () => {
    const channel = await world.channel('race');
    await world.publish(channel, range(1, 10).map((n) => ({ n })));
    const cursor = new ResumeCursor(1);
    const sent: number[] = [];
    let raced = false;
    const store = {
      // The real read; when it finds nothing, message 11 is appended and offered live before the cursor hears so.
      read: async (name: string, which: { after: number; limit?: number }) => {
        const found = await world.store.read(name, which);
        if (found.length === 0 && !raced) {
          raced = true;
          await world.publish(channel, [{ n: 11 }]);
          for (const message of await world.store.read(channel, { after: 10 })) if (cursor.takeLive(message)) sent.push(message.offset);
        }
        return found;
      },
    };
    await cursor.catchUp(store, channel, { send: (message) => sent.push(message.offset), overLimit: () => false, open: () => true, drained: () => Promise.resolve(true) });
    expect(raced).toBe(true);
    expect(sent).toEqual(range(1, 11));
  });
});
