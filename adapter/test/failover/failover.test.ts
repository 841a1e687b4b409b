// Failover with real processes: two or three adapter pods (tsx adapter/src/main.ts) against a real
// orchestrator on PostgreSQL, a FIX counterparty on the acceptor port, kill -9 and SIGSTOP/SIGCONT.
import type { ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specs, startStack, type TestStack } from '../../../orchestrator/test/support/stack.ts';
import { standardDictionaryPath } from '../../src/connectors/fix-dictionaries.ts';
import { FixAcceptor, FixInitiator, MemoryMessageStore, type FixField } from '../../src/fix/index.ts';
import { RawClient } from '../fix/raw-client.ts';
import { startPodProcess } from '../support/pod-process.ts';
import { freePort, sleep, until } from '../../../orchestrator/test/support/waiting.ts';

// The tests are about expiry, but not about its exact length. With 2 s, a holder whose process was starved
// for 1.6 s (two cores, a standby's tsx compiling next to it) fenced itself, and the epochs moved on early.
const TTL_MS = 5_000;

const order = (id: string): FixField[] => [[11, id], [21, '1'], [55, 'VOD.L'], [54, '1'], [60, '20261126-00:00:00'], [38, '100'], [40, '1']];

describe('failover between adapter pod processes', () => {
  let stack: TestStack;
  let port: number;
  const pods = new Map<string, ChildProcess>();

  async function startPod(id: string): Promise<ChildProcess> {
    const child = await startPodProcess(stack, id, { capacity: 5 });
    pods.set(id, child);
    return child;
  }

  const holder = async () => {
    const status = (await stack.call('viewer', 'GET', '/adapters/failover')).body.status;
    return status.state === 'Active' ? (status.holders[0] as { pod: string; epoch: number }) : undefined;
  };

  beforeAll(async () => {
    stack = await startStack('postgres', { CROSSWIRE_LEASE_TTL_MS: String(TTL_MS) });
    port = await freePort();
    const body = specs.fixAcceptor('failover', port);
    body.connector.config.listen = { host: '127.0.0.1', port } as typeof body.connector.config.listen;
    await stack.call('engineer', 'POST', '/adapters', { ...body, connector: { ...body.connector, config: { ...body.connector.config, application: 'echo' } } });
    await stack.call('operator', 'POST', '/adapters/failover/enable');
  }, 60_000);

  afterAll(async () => {
    for (const child of pods.values()) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
    }
    await stack.stop();
  });

  it('kill -9 of the holder: the standby takes over and the session continues its sequence numbers, losing nothing', async () => {
    await startPod('pod-a');
    await until('pod-a to hold the acceptor', async () => (await holder())?.pod === 'pod-a' || undefined);
    await startPod('pod-b');

    const echoed: string[] = [];
    const clientStore = new MemoryMessageStore();
    const client = new FixInitiator(
      {
        session: { beginString: 'FIX.4.4', senderCompId: 'CLIENT1', targetCompId: 'CROSSWIRE', heartBtInt: 1 },
        connection: { host: '127.0.0.1', port, reconnectIntervalSeconds: 1, maxReconnectIntervalSeconds: 1 },
      },
      {
        dictionary: standardDictionaryPath('FIX.4.4')!,
        storeFactory: () => clientStore,
        application: { onMessage: (m) => void echoed.push(m.get(11) ?? '') },
      },
    );
    await client.start();
    try {
      await until('the client to log on', () => client.session.isLoggedOn);
      for (let i = 0; i < 20; i++) expect(await client.session.handle.send('D', order(`before-${i}`))).toBe(true);
      await until('20 echoes', () => echoed.length >= 20);
      const beforeKill = { sender: client.session.nextSenderSeqNum, target: client.session.nextTargetSeqNum };

      pods.get('pod-a')!.kill('SIGKILL');
      const next = await until('pod-b to take over', async () => {
        const h = await holder();
        return h?.pod === 'pod-b' ? h : undefined;
      }, TTL_MS * 10);
      expect(next.epoch).toBe(2);
      await until('the client to log on again', () => client.session.isLoggedOn && client.session.nextTargetSeqNum > beforeKill.target, 20_000);
      // Neither side started over: the new holder continued the stored sequence numbers.
      expect(client.session.nextSenderSeqNum).toBeGreaterThan(beforeKill.sender);

      for (let i = 0; i < 20; i++) await until(`order after-${i} to go out`, async () => (await client.session.handle.send('D', order(`after-${i}`))) || undefined, 10_000);
      await until('40 distinct echoes', () => new Set(echoed).size >= 40, 20_000);
      expect([...new Set(echoed)].sort()).toEqual([...Array.from({ length: 20 }, (_, i) => `after-${i}`), ...Array.from({ length: 20 }, (_, i) => `before-${i}`)].sort());
    } finally {
      await client.stop({ logout: true });
    }
  }, 120_000);

  it('SIGSTOP of the holder past the TTL, then SIGCONT: the counterparty never receives another byte from it', async () => {
    const stale = (await holder())!;
    expect(stale.pod).toBe('pod-b');
    const client = await RawClient.open(port, { beginString: 'FIX.4.4', sender: 'CLIENT1', target: 'CROSSWIRE' });
    // A fresh session for this raw client: ask for a sequence reset at logon.
    client.logon(1, [[141, 'Y']]);
    await until('the logon answer', () => client.received.some((m) => m.msgType === 'A'));
    const socket = (client as unknown as { socket: Socket }).socket;
    let bytesAfterResume = 0;
    let resumed = false;
    socket.on('data', (chunk: Buffer) => {
      if (resumed) bytesAfterResume += chunk.length;
    });

    pods.get('pod-b')!.kill('SIGSTOP');
    await startPod('pod-c');
    await until('pod-c to claim the lease', async () => {
      const status = (await stack.call('viewer', 'GET', '/adapters/failover')).body.status;
      return status.holders.some((h: { pod: string }) => h.pod === 'pod-c') || undefined;
    }, TTL_MS * 10);
    // Let the socket drain anything pod-b wrote before it stopped.
    await sleep(200);
    resumed = true;
    pods.get('pod-b')!.kill('SIGCONT');
    await until('pod-b to close the counterparty connection', () => client.closed, 10_000);
    await sleep(1_000);
    expect(bytesAfterResume).toBe(0);

    // The new holder serves the port once the fenced pod let go of it.
    const next = await until('pod-c to be Active', async () => {
      const h = await holder();
      return h?.pod === 'pod-c' ? h : undefined;
    }, 30_000);
    expect(next.epoch).toBe(stale.epoch + 1);
    const again = await until('a new connection to the acceptor', async () => {
      try {
        return await new Promise<Socket>((resolve, reject) => {
          const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
          s.once('error', reject);
        });
      } catch {
        return undefined;
      }
    });
    again.destroy();
  }, 120_000);

  it('kill -9 of an initiator holder: the standby reconnects to the venue and continues the sequence numbers', async () => {
    // The venue: our own acceptor, in this process, with a store that outlives connections.
    const venueStore = new MemoryMessageStore();
    let loggedOn = 0;
    let maxLoggedOn = 0;
    let logons = 0;
    const venue = new FixAcceptor(
      { listen: { host: '127.0.0.1', port: 0 }, sessions: [{ beginString: 'FIX.4.4', senderCompId: 'VENUE', targetCompId: 'CROSSWIRE' }] },
      {
        dictionary: standardDictionaryPath('FIX.4.4')!,
        storeFactory: () => venueStore,
        application: {
          onLogon: () => {
            logons++;
            maxLoggedOn = Math.max(maxLoggedOn, ++loggedOn);
          },
          onLogout: () => void loggedOn--,
          onMessage: () => undefined,
        },
      },
    );
    await venue.start();
    try {
      await stack.call('engineer', 'POST', '/adapters', {
        name: 'venue-link',
        mode: 'active_passive',
        connector: {
          type: 'fix-initiator',
          config: {
            session: { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'VENUE', heartBtInt: 1 },
            connection: { host: '127.0.0.1', port: venue.port, reconnectIntervalSeconds: 1, maxReconnectIntervalSeconds: 1 },
          },
        },
      });
      await stack.call('operator', 'POST', '/adapters/venue-link/enable');
      const linkHolder = async () => {
        const status = (await stack.call('viewer', 'GET', '/adapters/venue-link')).body.status;
        return status.state === 'Active' ? (status.holders[0] as { pod: string; epoch: number }) : undefined;
      };
      const first = await until('the initiator to log on', linkHolder);
      const session = () => venue.session('VENUE', 'CROSSWIRE', 'FIX.4.4')!;
      // A few heartbeats each way (1 s apart), however long the machine takes to send them.
      const before = await until('heartbeats after the logon', () => (session().nextTargetSeqNum > 3 ? session().nextTargetSeqNum : undefined));
      expect(before).toBeGreaterThan(2);

      pods.get(first.pod)!.kill('SIGKILL');
      const second = await until('a standby to log on', async () => {
        const h = await linkHolder();
        return h && h.pod !== first.pod ? h : undefined;
      }, TTL_MS * 10);
      expect(second.epoch).toBe(first.epoch + 1);
      await until('the venue to see the second logon', () => logons >= 2);
      // The new holder continued the stored numbers: the venue never saw them start over.
      expect(session().nextTargetSeqNum).toBeGreaterThan(before);
      expect(maxLoggedOn).toBe(1);
    } finally {
      await venue.stop({ logout: false });
    }
  }, 120_000);
});

