import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FixAcceptor, FixInitiator, MemoryMessageStore, type FixEvent, type FixApplication, type MessageStore } from '../../src/fix/index.ts';
import { echoApplication } from './echo-application.ts';
import { JSPUREFIX_DATA } from './helpers.ts';
import { RawClient } from './raw-client.ts';

const FIX44 = join(JSPUREFIX_DATA, 'FIX44.xml');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startAcceptor(options: { limits?: Record<string, number>; sessions?: number; store?: () => MessageStore; application?: FixApplication; allowedAddresses?: string[] } = {}) {
  const events: FixEvent[] = [];
  const sessions = Array.from({ length: options.sessions ?? 1 }, (_, i) => ({
    beginString: 'FIX.4.4',
    senderCompId: 'SERVER',
    targetCompId: i === 0 ? 'CLIENT' : `CLIENT${i}`,
  }));
  const acceptor = new FixAcceptor(
    { listen: { host: '127.0.0.1', port: 0 }, sessions, limits: options.limits, allowedAddresses: options.allowedAddresses },
    {
      dictionary: FIX44,
      storeFactory: options.store ?? (() => new MemoryMessageStore()),
      application: options.application ?? echoApplication(),
      onEvent: (e) => events.push(e),
    },
  );
  await acceptor.start();
  cleanups.push(() => acceptor.stop({ logout: false }));
  return { acceptor, events };
}

function order(id: string): [number, string][] {
  return [
    [11, id],
    [21, '1'],
    [55, 'ABC'],
    [54, '1'],
    [60, '20240101-00:00:00'],
    [38, '100'],
    [40, '1'],
  ];
}

describe('FixAcceptor over TCP', () => {
  it('logs a client on, echoes orders and logs out', async () => {
    const { acceptor } = await startAcceptor();
    const client = await RawClient.open(acceptor.port);
    client.logon();
    const logon = await client.next('A');
    expect(logon.get(108)).toBe('30');
    expect(logon.get(49)).toBe('SERVER');
    client.send('D', order('1'));
    const echo = await client.next('D');
    expect(echo.get(11)).toBe('1');
    expect(echo.get(34)).toBe('2');
    client.send('5');
    await client.next('5');
    await client.until(() => client.closed);
  });

  it('refuses a second connection for a logged-on session and leaves the first alone', async () => {
    const { acceptor, events } = await startAcceptor();
    const first = await RawClient.open(acceptor.port);
    first.logon();
    await first.next('A');
    const second = await RawClient.open(acceptor.port);
    second.logon();
    await second.until(() => second.closed);
    expect(second.received).toEqual([]);
    expect(events.some((e) => /duplicate logon/.test(e.message))).toBe(true);
    first.send('1', [[112, 'still-here']]);
    expect((await first.next('0')).get(112)).toBe('still-here');
  });

  it('closes connections for unknown CompIDs, non-Logon first messages and bad addresses', async () => {
    const { acceptor, events } = await startAcceptor();
    const unknown = await RawClient.open(acceptor.port, { beginString: 'FIX.4.4', sender: 'NOBODY', target: 'SERVER' });
    unknown.logon();
    await unknown.until(() => unknown.closed);
    const notLogon = await RawClient.open(acceptor.port);
    notLogon.send('0');
    await notLogon.until(() => notLogon.closed);
    expect(events.filter((e) => /Closing connection/.test(e.message))).toHaveLength(2);

    const { acceptor: guarded, events: guardedEvents } = await startAcceptor({ allowedAddresses: ['10.0.0.0/8'] });
    const outsider = await RawClient.open(guarded.port);
    await outsider.until(() => outsider.closed);
    expect(guardedEvents.some((e) => /address not allowed/.test(e.message))).toBe(true);
  });

  it('closes on bad input with a reason and never disturbs a logged-on session', async () => {
    const { acceptor, events } = await startAcceptor({ limits: { logonTimeoutSeconds: 1, maxMessageSize: 4096 } });
    const good = await RawClient.open(acceptor.port);
    good.logon();
    await good.next('A');

    const random = await RawClient.open(acceptor.port);
    random.write(Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7919) % 251)));
    const huge = await RawClient.open(acceptor.port);
    huge.write('8=FIX.4.4\x019=2147483648\x0135=A\x01');
    const noSoh = await RawClient.open(acceptor.port);
    noSoh.write('8=FIX.4.4|9=60|35=A|34=1|49=CLIENT|52=20240101-00:00:00|56=SERVER|98=0|108=30|10=000|');
    const silent = await RawClient.open(acceptor.port);
    const slow = await RawClient.open(acceptor.port);
    const slowText = '8=FIX.4.4\x019=60\x0135=A\x01';
    let i = 0;
    const dribble = setInterval(() => {
      if (!slow.closed && i < slowText.length) slow.write(slowText[i++]!);
    }, 200);
    try {
      for (const client of [random, huge, noSoh, silent, slow]) await client.until(() => client.closed);
    } finally {
      clearInterval(dribble);
    }
    // Closed by the logon timeout while still dribbling, not once it fell silent: counted in characters sent
    // (one per 200 ms on the same event loop as the acceptor's timer), which a slow machine cannot skew.
    expect(i).toBeLessThan(slowText.length);
    const reasons = events.filter((e) => e.message.startsWith('Closing connection') || /exceeds|idle/.test(e.message)).map((e) => e.message);
    expect(reasons.some((r) => /garbage before logon/.test(r))).toBe(true);
    expect(events.some((e) => /BodyLength \(at least \d+\) exceeds the 4096-byte/.test(e.message))).toBe(true);
    expect(reasons.filter((r) => /no Logon within 1 s/.test(r)).length).toBeGreaterThanOrEqual(2);

    good.send('1', [[112, 'ok']]);
    expect((await good.next('0')).get(112)).toBe('ok');
  });

  it('closes 1,000 idle connections, each with an event, keeps serving, and gives the memory back', async () => {
    const { acceptor, events } = await startAcceptor({ limits: { logonTimeoutSeconds: 2, maxConnections: 2_000 } });
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const idle: RawClient[] = [];
    // In batches, so the kernel's accept backlog never overflows.
    for (let batch = 0; batch < 10; batch++) idle.push(...(await Promise.all(Array.from({ length: 100 }, () => RawClient.open(acceptor.port)))));
    const good = await RawClient.open(acceptor.port);
    good.logon();
    await good.next('A');
    await Promise.all(idle.map((c) => c.until(() => c.closed, 30_000)));
    expect(events.filter((e) => /^Closing connection.*no Logon within 2 s/.test(e.message))).toHaveLength(1_000);
    for (const c of idle) c.socket.destroy();
    global.gc?.();
    // Idle connections hold a timer and a small buffer each, all released once closed.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 * 1024 * 1024);
    good.send('D', order('x'));
    expect((await good.next('D')).get(11)).toBe('x');
    expect(acceptor.connectionCount).toBe(1);
  });

  it('refuses connections above maxConnections', async () => {
    const { acceptor, events } = await startAcceptor({ limits: { maxConnections: 2 } });
    const a = await RawClient.open(acceptor.port);
    const b = await RawClient.open(acceptor.port);
    const c = await RawClient.open(acceptor.port);
    await c.until(() => c.closed);
    expect(events.some((e) => /2 connections already open/.test(e.message))).toBe(true);
    expect(a.closed || b.closed).toBe(false);
  });

  it('stop without logout closes sockets without sending another byte', async () => {
    const { acceptor } = await startAcceptor();
    const client = await RawClient.open(acceptor.port);
    client.logon(1);
    await client.next('A');
    await acceptor.stop({ logout: false });
    await client.until(() => client.closed);
    expect(client.received).toEqual([]);
  });

  it('stop with logout sends a Logout first', async () => {
    const { acceptor } = await startAcceptor();
    const client = await RawClient.open(acceptor.port);
    client.logon();
    await client.next('A');
    const stopping = acceptor.stop({ logout: true });
    const logout = await client.next('5');
    expect(logout.get(58)).toBe('Session shutting down');
    client.send('5');
    await stopping;
    await client.until(() => client.closed);
  });

  it('stops a session without sending when the store refuses a write (fenced)', async () => {
    let fenced = false;
    const store = new MemoryMessageStore();
    const original = store.saveSent.bind(store);
    store.saveSent = (seq, msg) => (fenced ? Promise.reject(new Error('stale epoch')) : original(seq, msg));
    const { acceptor, events } = await startAcceptor({ store: () => store });
    const client = await RawClient.open(acceptor.port);
    client.logon();
    await client.next('A');
    fenced = true;
    client.send('D', order('1'));
    await client.until(() => client.closed);
    expect(client.received).toEqual([]);
    expect(events.some((e) => e.level === 'error' && /stale epoch/.test(e.message))).toBe(true);
  });
});

describe('FixInitiator against FixAcceptor', () => {
  it('exchanges orders, reconnects with continuous sequence numbers', async () => {
    const acceptorStore = new MemoryMessageStore();
    const { acceptor } = await startAcceptor({ store: () => acceptorStore });
    const received: string[] = [];
    const initiatorStore = new MemoryMessageStore();
    const makeInitiator = () =>
      new FixInitiator(
        {
          session: { beginString: 'FIX.4.4', senderCompId: 'CLIENT', targetCompId: 'SERVER', heartBtInt: 5 },
          connection: { host: '127.0.0.1', port: acceptor.port, reconnectIntervalSeconds: 1 },
        },
        {
          dictionary: FIX44,
          storeFactory: () => initiatorStore,
          application: { onMessage: (m) => void received.push(m.get(11) ?? '') },
        },
      );
    let initiator = makeInitiator();
    await initiator.start();
    const waitFor = async (predicate: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitFor(() => initiator.session.isLoggedOn);
    for (let i = 0; i < 300; i++) expect(await initiator.session.handle.send('D', order(`o${i}`))).toBe(true);
    await waitFor(() => received.length === 300);
    expect(received[299]).toBe('o299');
    const before = { sender: initiator.session.nextSenderSeqNum, target: initiator.session.nextTargetSeqNum };
    expect(before.sender).toBe(302);

    await initiator.stop({ logout: true });
    initiator = makeInitiator();
    await initiator.start();
    cleanups.push(() => initiator.stop({ logout: false }));
    await waitFor(() => initiator.session.isLoggedOn);
    // Sequence numbers continue: the Logout exchange used one each, the new Logon one each.
    expect(initiator.session.nextSenderSeqNum).toBe(before.sender + 2);
    expect(initiator.session.nextTargetSeqNum).toBe(before.target + 2);
    await initiator.session.handle.send('D', order('after'));
    await waitFor(() => received.includes('after'));
  });
});
