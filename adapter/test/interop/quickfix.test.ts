/**
 * Order flow against QuickFIX C++ (Debian's libquickfix-dev, adapter/interop): 10,000 NewOrderSingle
 * and 10,000 ExecutionReports each way, with a logout and a new logon in the middle, and the
 * sequence numbers continuing across it on both sides (QuickFIX keeps its own FileStore and
 * refuses, or asks for a resend of, anything that does not continue).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CreateAdapter } from '@crosswire/orchestrator/contract';
import { setAdminState } from '../../../orchestrator/src/domain/actions.ts';
import { createAdapter } from '../../../orchestrator/src/domain/adapters.ts';
import { claimLease } from '../../../orchestrator/src/store/leases.ts';
import { createReadyDatabase } from '../../../orchestrator/test/support/databases.ts';
import { engineer, servicesFor } from '../../../orchestrator/test/support/services.ts';
import { specs } from '../../../orchestrator/test/support/stack.ts';
import { PostgresMessageStore } from '../../src/store/postgres-message-store.ts';
import { FixAcceptor, FixInitiator, MemoryMessageStore, type FixEvent, type MessageStoreFactory } from '../../src/fix/index.ts';
import {
  FillApplication,
  FIX44_XML,
  JSPUREFIX_DATA,
  OFLOW_ACCEPTOR,
  OFLOW_INITIATOR,
  orderFields,
  parseOflowSummary,
  quickfixPeersBuilt,
  ReportCollector,
  runPeer,
  startPeer,
  freePort,
  waitFor,
} from './support.ts';

const ORDERS = 10_000;
const HALF = ORDERS / 2;
const PG_ORDERS = 1_000;
const built = quickfixPeersBuilt('interop/quickfix');
const dir = mkdtempSync(join(tmpdir(), 'interop-quickfix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Problems our engine reported (warnings and errors), for the failure message. */
function problems(events: FixEvent[]): string[] {
  return events.filter((e) => e.level === 'warn' || e.level === 'error').map((e) => `${e.level}: ${e.message}`);
}

describe.skipIf(!built)('QuickFIX C++ interop', () => {
  /** QuickFIX C++ initiates; our acceptor fills; the store is what `storeFactory` makes. */
  async function quickfixInitiatorToOurAcceptor(name: string, storeFactory: MessageStoreFactory, orders = ORDERS): Promise<FixAcceptor> {
    const half = orders / 2;
    const events: FixEvent[] = [];
    const app = new FillApplication();
    const acceptor = new FixAcceptor(
      { listen: { host: '127.0.0.1', port: 0 }, sessions: [{ beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'QFINIT' }] },
      { dictionary: FIX44_XML, storeFactory, application: app, onEvent: (e) => events.push(e) },
    );
    await acceptor.start();
    try {
      const result = await runPeer(
        OFLOW_INITIATOR,
        [
          '--port', String(acceptor.port), '--count', String(orders), '--reconnect-after', String(half),
          '--sender', 'QFINIT', '--target', 'CROSSWIRE', '--spec', JSPUREFIX_DATA, '--timeout', '45',
          '--store', join(dir, `${name}-store`), '--log', join(dir, `${name}-log`),
        ],
        50_000,
      );
      const summary = parseOflowSummary(result.stdout);
      expect(summary, `${result.stderr}\n${problems(events).join('\n')}`).toMatchObject({ ok: true, sent: orders, received: orders, duplicates: 0, logons: 2 });
      // Our Logons: the first at 1, the second continues where the first connection ended.
      const [first, second] = summary.logonSeqNums;
      expect(first).toBe(1);
      expect(second).toBe(1 + 1 + half + 1); // Logon, the reports, the Logout reply, then this Logon
      expect(app.orders).toBe(orders);
      expect(app.clOrdIds.size).toBe(orders);
      expect(app.duplicates).toBe(0);
      const session = acceptor.session('CROSSWIRE', 'QFINIT')!;
      // Sent: 2 Logons, the reports, 2 Logout replies; received the same shape from QuickFIX. When the
      // machine is busy, oflow_initiator's logon() right after onLogout makes QuickFIX spend one
      // number on a Logon that never reaches the wire (its log: "Initiated logon request" after
      // "Disconnecting"), so its next Logon is one too high: we must then ask for the gap and
      // QuickFIX fill it (SequenceReset-GapFill), and nothing may be filled twice.
      const resendRequests = events.filter((e) => /^Sent ResendRequest/.test(e.message)).length;
      expect(resendRequests).toBeLessThanOrEqual(1);
      expect(session.nextSenderSeqNum).toBe(orders + 5 + resendRequests);
      expect(session.nextTargetSeqNum).toBe(orders + 5 + resendRequests);
      if (resendRequests > 0) expect(events.some((e) => /^Received SequenceReset/.test(e.message))).toBe(true);
    } finally {
      await acceptor.stop({ logout: false });
    }
    return acceptor;
  }

  it(`QuickFIX C++ initiator -> our FixAcceptor: ${ORDERS} orders and reports, reconnect after ${HALF}`, async () => {
    await quickfixInitiatorToOurAcceptor('memory', () => new MemoryMessageStore());
  });

  // Every store write is a round trip to PostgreSQL (about 2 ms each for a message in and out here), so
  // this one runs a tenth of the flow to stay quick; the flow itself is the test above.
  it(`the same (${PG_ORDERS} orders) with our store in PostgreSQL, which a new holder reloads where it ended`, async () => {
    const test = await createReadyDatabase('postgres', { poolSize: 4 });
    try {
      const services = servicesFor(test.db);
      const adapterId = (await createAdapter(services, engineer, specs.fixAcceptor('interop') as CreateAdapter)).id;
      await setAdminState(services, engineer, adapterId, true);
      const grant = (await claimLease(test.db, adapterId, 'pod-interop', 120_000))!;
      const lease = { adapterId, adapterName: 'interop', slot: 0, epoch: grant.epoch, pod: 'pod-interop' };
      const acceptor = await quickfixInitiatorToOurAcceptor('postgres', (key) => new PostgresMessageStore(test.db, lease, key), PG_ORDERS);
      const session = acceptor.session('CROSSWIRE', 'QFINIT')!;
      const reloaded = await new PostgresMessageStore(test.db, lease, { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'QFINIT' }).load();
      expect(session.nextSenderSeqNum).toBeGreaterThanOrEqual(PG_ORDERS + 5);
      expect(reloaded).toMatchObject({ nextSenderSeqNum: session.nextSenderSeqNum, nextTargetSeqNum: session.nextTargetSeqNum });
    } finally {
      await test.drop();
    }
  });

  it(`our FixInitiator -> QuickFIX C++ acceptor: ${ORDERS} orders and reports, reconnect after ${HALF}`, async () => {
    const port = await freePort();
    const peer = await startPeer(OFLOW_ACCEPTOR, [
      '--port', String(port), '--sender', 'QFACC', '--target', 'CROSSWIRE', '--spec', JSPUREFIX_DATA,
      '--store', join(dir, 'acceptor-store'), '--log', join(dir, 'acceptor-log'),
    ]);
    const events: FixEvent[] = [];
    const collector = new ReportCollector();
    const store = new MemoryMessageStore();
    const storeFactory: MessageStoreFactory = () => store;
    const initiator = new FixInitiator(
      {
        session: { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'QFACC', heartBtInt: 30 },
        connection: { host: '127.0.0.1', port, reconnectIntervalSeconds: 0.2 },
      },
      { dictionary: FIX44_XML, storeFactory, application: collector, onEvent: (e) => events.push(e) },
    );
    let peerResult: { code: number | null; output: string } | undefined;
    try {
      await initiator.start();
      const session = initiator.session;
      const sendOrders = async (from: number, to: number): Promise<void> => {
        for (let i = from; i < to; i++) expect(await session.handle.send('D', orderFields(i))).toBe(true);
        await waitFor(`${to} execution reports (have ${collector.filled.size})`, () => collector.filled.size >= to, 30_000);
      };

      await waitFor('logon', () => session.isLoggedOn, 10_000);
      await sendOrders(0, HALF);
      await session.logout('interop reconnect');
      await waitFor('the logout handshake', () => !session.isConnected, 10_000);
      const sender = session.nextSenderSeqNum;
      const target = session.nextTargetSeqNum;
      expect(sender).toBe(1 + 1 + HALF + 1); // Logon, orders, Logout
      expect(target).toBe(sender);

      await waitFor('the second logon', () => session.isLoggedOn, 10_000);
      // Continuous: QuickFIX's Logon answer is the very next number, and so was ours.
      expect(session.nextSenderSeqNum).toBe(sender + 1);
      expect(session.nextTargetSeqNum).toBe(target + 1);
      await sendOrders(HALF, ORDERS);

      expect(collector.filled.size).toBe(ORDERS);
      expect(collector.duplicates).toBe(0);
      expect(session.nextSenderSeqNum).toBe(ORDERS + 4);
      expect(session.nextTargetSeqNum).toBe(ORDERS + 4);
      expect(problems(events)).toEqual([]);
    } finally {
      await initiator.stop({ logout: true });
      peerResult = await peer.stop();
    }
    expect(peerResult.output).toMatch(new RegExp(`ORDERS ${ORDERS}\\b`));
    expect(peerResult.output.match(/^LOGON /gm)?.length).toBe(2);
  });
});
