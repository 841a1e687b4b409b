/**
 * Order flow against jspurefix (npm) over mutual TLS: 10,000 NewOrderSingle and 10,000
 * ExecutionReports each way, with a logout and a new logon in the middle and the sequence numbers
 * continuing across it. Certificates are made with openssl for each run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checksum, formatChecksum } from '../../src/fix/codec/checksum.ts';
import { encodeFields, FixAcceptor, FixInitiator, MemoryMessageStore, parseMessage, type FixEvent } from '../../src/fix/index.ts';
import { PeerState, seqNumsFile, startJspurefix, waitForStoredSeqNums } from './jspurefix-peer.ts';
import { FillApplication, FIX44_XML, freePort, orderFields, ReportCollector, selfSigned, waitFor, waitForPort } from './support.ts';

const ORDERS = 10_000;
const HALF = ORDERS / 2;
const dir = mkdtempSync(join(tmpdir(), 'interop-jspurefix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const server = selfSigned(dir, 'localhost');
const client = selfSigned(dir, 'client');

function problems(events: FixEvent[]): string[] {
  return events.filter((e) => e.level === 'warn' || e.level === 'error').map((e) => `${e.level}: ${e.message}`);
}

/** `message` with BodyLength zero-padded to `width` digits and the CheckSum recomputed, as jspurefix writes it. */
function padBodyLength(message: Buffer, width: number): Buffer {
  const text = message.toString('latin1');
  // eslint-disable-next-line no-control-regex -- SOH (0x01) is FIX's field separator
  const padded = text.replace(/^(8=[^\x01]*\x019=)(\d+)\x01/, (_m, head: string, length: string) => `${head}${length.padStart(width, '0')}\x01`);
  const head = padded.slice(0, padded.lastIndexOf('\x0110=') + 1);
  return Buffer.from(`${head}10=${formatChecksum(checksum(Buffer.from(head, 'latin1'), 0, head.length))}\x01`, 'latin1');
}

describe('jspurefix interop over TLS', () => {
  // jspurefix reserves BodyLength at a fixed width (BodyLengthChars, at least 4, default 7) and
  // zero-pads it: 9=0000076. FIX int values may carry leading zeros (FIX 4.4 Vol. 1, data types),
  // and QuickFIX accepts them. Every message jspurefix sends looks like this, so nothing below
  // can work unless our parser reads BodyLength as a number.
  it('our parser accepts a zero-padded BodyLength, as jspurefix sends it', () => {
    const logon = encodeFields([[8, 'FIX.4.4'], [9, '0'], [35, 'A'], [34, '1'], [49, 'JSINIT'], [52, '20240101-00:00:00.000'], [56, 'CROSSWIRE'], [98, '0'], [108, '30']]);
    expect(parseMessage(logon).ok).toBe(true);
    const padded = padBodyLength(logon, 7);
    // eslint-disable-next-line no-control-regex -- SOH (0x01) is FIX's field separator
    expect(padded.toString('latin1')).toMatch(/\x019=00000\d\d\x01/);
    expect(parseMessage(padded)).toMatchObject({ ok: true });
  });

  it(`jspurefix initiator -> our FixAcceptor (mutual TLS): ${ORDERS} orders and reports, reconnect after ${HALF}`, async () => {
    const events: FixEvent[] = [];
    const app = new FillApplication();
    const acceptor = new FixAcceptor(
      {
        listen: { host: '127.0.0.1', port: 0 },
        sessions: [{ beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'JSINIT' }],
        tls: {
          enabled: true,
          certificate: server.cert,
          privateKey: server.key,
          requireClientCertificate: true,
          caBundle: client.cert,
          allowedClientFingerprints: [client.fingerprint],
        },
      },
      { dictionary: FIX44_XML, storeFactory: () => new MemoryMessageStore(), application: app, onEvent: (e) => events.push(e) },
    );
    await acceptor.start();
    const state = new PeerState();
    const options = {
      role: 'initiator' as const,
      port: acceptor.port,
      senderCompId: 'JSINIT',
      targetCompId: 'CROSSWIRE',
      storeDirectory: join(dir, 'jspurefix-initiator-store'),
      tls: { cert: client.cert, key: client.key, ca: [server.cert], serverName: 'localhost' },
    };
    try {
      for (const [from, to] of [[0, HALF], [HALF, ORDERS]] as const) {
        const peer = startJspurefix(options, state);
        await waitFor('jspurefix logon', () => state.current !== undefined, 10_000).catch((error: Error) => {
          throw new Error(`${error.message}; our acceptor said: ${problems(events).join('; ')}`);
        });
        const session = state.current!;
        for (let i = from; i < to; i++) session.sendOrder(i);
        await waitFor(`${to} execution reports (have ${state.filled.size})`, () => state.filled.size >= to, 30_000);
        session.logout();
        await peer.finished;
        await waitFor('our side to see the disconnect', () => acceptor.session('CROSSWIRE', 'JSINIT')?.isConnected === false, 10_000);
        // jspurefix's file store writes its last sequence numbers asynchronously after the session ends;
        // reconnecting sooner on a loaded machine makes it log on with an already used number, which
        // our acceptor rightly refuses ("MsgSeqNum too low"). Our acceptor's next numbers are exactly
        // the ones jspurefix must log on with, so the store is waited for until it holds them.
        const ours = acceptor.session('CROSSWIRE', 'JSINIT')!;
        await waitForStoredSeqNums(seqNumsFile(options), { sender: ours.nextTargetSeqNum, target: ours.nextSenderSeqNum });
      }
      expect(state.filled.size, problems(events).join('\n')).toBe(ORDERS);
      expect(state.duplicates).toBe(0);
      expect(app.clOrdIds.size).toBe(ORDERS);
      expect(app.duplicates).toBe(0);
      // [jspurefix's last sent, last received, our Logon's number] at each logon: the second continues
      // the first (Logon, 5,000 messages, Logout each way, then the new Logon).
      expect(state.readyAt).toEqual([
        [1, 1, 1],
        [HALF + 3, HALF + 3, HALF + 3],
      ]);
      const session = acceptor.session('CROSSWIRE', 'JSINIT')!;
      expect(session.nextSenderSeqNum).toBe(ORDERS + 5);
      expect(session.nextTargetSeqNum).toBe(ORDERS + 5);
      expect(problems(events)).toEqual([]);
    } finally {
      await acceptor.stop({ logout: false });
    }
  });

  it(`our FixInitiator -> jspurefix acceptor (mutual TLS): ${ORDERS} orders and reports, reconnect after ${HALF}`, async () => {
    const port = await freePort();
    const state = new PeerState();
    const peer = startJspurefix(
      {
        role: 'acceptor',
        port,
        senderCompId: 'JSACC',
        targetCompId: 'CROSSWIRE',
        storeDirectory: join(dir, 'jspurefix-acceptor-store'),
        tls: { cert: server.cert, key: server.key, ca: [client.cert], requestCert: true },
      },
      state,
    );
    // jspurefix does not say when it listens (and a probe would cost it a TLS handshake error in its log only).
    await waitForPort(port);
    const events: FixEvent[] = [];
    const collector = new ReportCollector();
    const store = new MemoryMessageStore();
    const initiator = new FixInitiator(
      {
        session: { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'JSACC', heartBtInt: 30 },
        connection: { host: '127.0.0.1', port, reconnectIntervalSeconds: 0.2 },
        tls: { enabled: true, serverName: 'localhost', caBundle: server.cert, clientCertificate: client.cert, clientKey: client.key },
      },
      { dictionary: FIX44_XML, storeFactory: () => store, application: collector, onEvent: (e) => events.push(e) },
    );
    try {
      await initiator.start();
      const session = initiator.session;
      const sendOrders = async (from: number, to: number): Promise<void> => {
        for (let i = from; i < to; i++) expect(await session.handle.send('D', orderFields(i))).toBe(true);
        await waitFor(`${to} execution reports (have ${collector.filled.size})`, () => collector.filled.size >= to, 30_000);
      };

      await waitFor('logon', () => session.isLoggedOn, 15_000).catch((error: Error) => {
        throw new Error(`${error.message}; our initiator said: ${problems(events).join('; ')}`);
      });
      await sendOrders(0, HALF);
      await session.logout('interop reconnect');
      await waitFor('the logout handshake', () => !session.isConnected, 10_000);
      const sender = session.nextSenderSeqNum;
      const target = session.nextTargetSeqNum;
      expect(sender).toBe(1 + 1 + HALF + 1);
      expect(target).toBe(sender);

      await waitFor('the second logon', () => session.isLoggedOn, 15_000);
      expect(session.nextSenderSeqNum).toBe(sender + 1);
      expect(session.nextTargetSeqNum).toBe(target + 1);
      await sendOrders(HALF, ORDERS);

      expect(collector.filled.size).toBe(ORDERS);
      expect(collector.duplicates).toBe(0);
      expect(state.orders).toBe(ORDERS);
      expect(state.logons).toBe(2);
      expect(session.nextSenderSeqNum).toBe(ORDERS + 4);
      expect(session.nextTargetSeqNum).toBe(ORDERS + 4);
      expect(problems(events)).toEqual([]);
    } finally {
      await initiator.stop({ logout: true });
      peer.stop();
      await peer.finished;
    }
  });
});
