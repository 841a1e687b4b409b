import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateAdapter } from '@crosswire/orchestrator/contract';
import { setAdminState } from '../../orchestrator/src/domain/actions.ts';
import { createAdapter } from '../../orchestrator/src/domain/adapters.ts';
import { claimLease, releaseLease } from '../../orchestrator/src/store/leases.ts';
import { BACKENDS, createReadyDatabase, type TestDatabase } from '../../orchestrator/test/support/databases.ts';
import { engineer, servicesFor } from '../../orchestrator/test/support/services.ts';
import { specs } from '../../orchestrator/test/support/stack.ts';
import { join } from 'node:path';
import { encodeMessage } from '../src/fix/codec/encoder.ts';
import type { FixField } from '../src/fix/codec/fix-message.ts';
import { parseMessage } from '../src/fix/codec/parser.ts';
import { formatUtcTimestamp } from '../src/fix/codec/utc-timestamp.ts';
import { loadDictionaryFile, singleDictionary } from '../src/fix/dictionary/load-dictionary.ts';
import { StoreFencedError } from '../src/fix/session/message-store.ts';
import { Session, type SessionLink } from '../src/fix/session/session.ts';
import { DEFAULT_SESSION_SETTINGS } from '../src/fix/session/session-settings.ts';
import { PostgresMessageStore } from '../src/store/postgres-message-store.ts';
import { lease as claimAfterExpiry } from './channels/support.ts';
import { JSPUREFIX_DATA } from './fix/helpers.ts';

const SESSION = { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'CLIENT1' };
const order = (n: number) => Buffer.from(`8=FIX.4.4\x019=20\x0135=D\x0134=${n}\x0111=ORD-${n}\x0110=000\x01`, 'latin1');
const dictionaries = singleDictionary(await loadDictionaryFile(join(JSPUREFIX_DATA, 'FIX44.xml')));

/** What the counterparty receives: every message with its sequence number and exact bytes. */
class WireLink implements SessionLink {
  readonly messages: { seqNum: number; msgType: string; bytes: Buffer }[] = [];
  closed: string | undefined;
  send(bytes: Buffer): void {
    const parsed = parseMessage(bytes);
    if (!parsed.ok) throw new Error(parsed.reason);
    this.messages.push({ seqNum: parsed.message.getInt(34)!, msgType: parsed.message.msgType, bytes: Buffer.from(bytes) });
  }
  disconnect(reason: string): void {
    this.closed = reason;
  }
}

/** A logged-on acceptor session over the store, answering every order with a report. */
async function loggedOnSession(store: PostgresMessageStore) {
  const session = new Session({
    settings: { ...DEFAULT_SESSION_SETTINGS, role: 'acceptor', beginString: 'FIX.4.4', senderCompId: SESSION.senderCompId, targetCompId: SESSION.targetCompId },
    store,
    dictionaries,
    application: {
      async onMessage(message, handle) {
        await handle.send('8', [[11, message.get(11) ?? ''], [150, '0'], [39, '0'], [55, 'X'], [54, '1']]);
      },
    },
  });
  await session.start();
  const link = new WireLink();
  session.attach(link);
  let seq = 1;
  const receive = (msgType: string, body: FixField[] = []) =>
    session.receive(
      encodeMessage(
        { beginString: 'FIX.4.4', msgType, senderCompId: SESSION.targetCompId, targetCompId: SESSION.senderCompId, msgSeqNum: seq++, sendingTime: formatUtcTimestamp(Date.now()) },
        body,
      ),
    );
  await receive('A', [[98, '0'], [108, '30']]);
  if (!session.isLoggedOn) throw new Error('the session did not log on');
  return { session, link, receive };
}

const newOrder = (i: number): FixField[] => [[11, `O-${i}`], [54, '1'], [55, 'X'], [60, formatUtcTimestamp(Date.now())], [40, '1']];

describe.each(BACKENDS)('the FIX message store in the database (%s)', (backend) => {
  let test: TestDatabase;
  let adapterId: string;
  beforeAll(async () => {
    test = await createReadyDatabase(backend);
    const services = servicesFor(test.db);
    adapterId = (await createAdapter(services, engineer, specs.fixAcceptor('stored') as CreateAdapter)).id;
    await setAdminState(services, engineer, adapterId, true);
  });
  afterAll(() => test.drop());

  const storeFor = (pod: string, epoch: number) =>
    new PostgresMessageStore(test.db, { adapterId, adapterName: 'stored', slot: 0, epoch, pod }, SESSION);

  it('keeps sequence numbers and sent messages, continues them under the next holder, and fences the old one', async () => {
    // Live for as long as pod-a's writes take on a stalled machine (with 400 ms a slow one fenced them too);
    // pod-b's claim then expires it in the database, as if pod-a had paused past its TTL.
    const first = await claimAfterExpiry(test, adapterId, 'pod-a');
    const a = storeFor('pod-a', first.epoch);
    expect(await a.load()).toMatchObject({ nextSenderSeqNum: 1, nextTargetSeqNum: 1 });
    await a.saveSent(1, null);
    for (let n = 2; n <= 5; n++) await a.saveSent(n, order(n));
    await a.setNextTargetSeqNum(9);
    expect((await a.getSent(3, 4)).map((m) => [m.seqNum, m.message.toString('latin1')])).toEqual([
      [3, order(3).toString('latin1')],
      [4, order(4).toString('latin1')],
    ]);

    const second = await claimAfterExpiry(test, adapterId, 'pod-b');
    const b = storeFor('pod-b', second.epoch);
    expect(await b.load()).toMatchObject({ nextSenderSeqNum: 6, nextTargetSeqNum: 9 });
    expect((await b.getSent(1, 10)).map((m) => m.seqNum)).toEqual([2, 3, 4, 5]);

    // The paused old holder wakes up: every write it tries is refused, and nothing it sent lands.
    await expect(a.saveSent(6, order(6))).rejects.toBeInstanceOf(StoreFencedError);
    await expect(a.setNextTargetSeqNum(10)).rejects.toBeInstanceOf(StoreFencedError);
    await expect(a.reset()).rejects.toBeInstanceOf(StoreFencedError);
    expect(await b.load()).toMatchObject({ nextSenderSeqNum: 6, nextTargetSeqNum: 9 });
    expect((await b.getSent(6, 6))).toEqual([]);

    await b.saveSent(6, order(6));
    await b.reset();
    expect(await b.load()).toMatchObject({ nextSenderSeqNum: 1, nextTargetSeqNum: 1 });
    expect(await b.getSent(1, 100)).toEqual([]);
  });

  /** A fresh adapter (its own lease) for each test below. */
  const freshAdapter = async (name: string) => {
    const services = servicesFor(test.db);
    const id = (await createAdapter(services, engineer, specs.fixAcceptor(name) as CreateAdapter)).id;
    await setAdminState(services, engineer, id, true);
    const grant = (await claimLease(test.db, id, 'pod-a', 60_000))!;
    const lease = { adapterId: id, adapterName: name, slot: 0, epoch: grant.epoch, pod: 'pod-a' };
    return { lease, store: new PostgresMessageStore(test.db, lease, SESSION) };
  };

  it('commits a burst of concurrent sends together: every one stored, numbers contiguous, on the wire in order only once stored', async () => {
    const { lease, store } = await freshAdapter('burst');
    let statements = 0;
    const query = test.db.query.bind(test.db);
    test.db.query = ((sql: string, params?: readonly unknown[]) => {
      statements++;
      return query(sql, params);
    });
    try {
      const { session, link, receive } = await loggedOnSession(store);
      statements = 0;
      // Orders from the counterparty (each answered with a report) and the application's own sends, all at once.
      const done: Promise<unknown>[] = [];
      for (let i = 0; i < 150; i++) {
        done.push(receive('D', newOrder(i)));
        done.push(session.handle.send('D', newOrder(1000 + i)));
      }
      await Promise.all(done);
      expect(await session.handle.flush()).toBe(true);

      // 1 Logon + 150 reports + 150 orders, numbered without a gap and written in that order.
      expect(link.messages.map((m) => m.seqNum)).toEqual(Array.from({ length: 301 }, (_, i) => i + 1));
      expect(session.isFenced).toBe(false);
      // Far fewer commits than writes (two per order): the writes were grouped.
      expect(statements).toBeLessThan(100);

      const stored = await new PostgresMessageStore(test.db, lease, SESSION).getSent(1, 1000);
      const application = link.messages.filter((m) => m.msgType !== 'A');
      expect(stored.map((m) => m.seqNum)).toEqual(application.map((m) => m.seqNum));
      for (const [k, m] of stored.entries()) expect(m.message.equals(application[k]!.bytes)).toBe(true);
      expect(await new PostgresMessageStore(test.db, lease, SESSION).load()).toMatchObject({ nextSenderSeqNum: 302, nextTargetSeqNum: 152 });
    } finally {
      test.db.query = query;
    }
  });

  it('refuses a batch as a whole, fails the writes queued behind it, and after a stale epoch sends nothing of the burst', async () => {
    const { lease, store } = await freshAdapter('refused');
    await store.load();
    await store.saveSent(1, order(1));
    // One batch: a message and an impossible target number. Neither lands.
    const mixed = [store.saveSent(2, order(2)), store.setNextTargetSeqNum(0)];
    const barrier = store.getSent(1, 1);
    // Queued behind the failing batch: fails with it, although it would have been valid on its own.
    const behind = store.saveSent(3, order(3));
    // Every rejection gets its handler at once: awaiting them one by one leaves the later ones unhandled meanwhile.
    await Promise.all([...mixed, behind].map((write) => expect(write).rejects.toThrow()));
    await barrier;
    expect((await store.getSent(1, 10)).map((m) => m.seqNum)).toEqual([1]);
    expect(await store.load()).toMatchObject({ nextSenderSeqNum: 2, nextTargetSeqNum: 1 });
    // Writes run again once the store has been loaded again.
    await store.saveSent(2, order(2));
    expect((await store.getSent(1, 10)).map((m) => m.seqNum)).toEqual([1, 2]);

    // The same with the next batch already sent to the database while the failing one runs.
    // Handlers go on at once: the failing batch may already be refused while the next turn is awaited.
    const failing = [store.saveSent(3, order(3)), store.setNextTargetSeqNum(0)].map((write) => expect(write).rejects.toThrow());
    await new Promise((resolve) => setImmediate(resolve));
    const inFlight = expect(store.saveSent(4, order(4))).rejects.toThrow();
    await Promise.all([...failing, inFlight]);
    expect((await store.getSent(1, 10)).map((m) => m.seqNum)).toEqual([1, 2]);
    expect(await store.load()).toMatchObject({ nextSenderSeqNum: 3, nextTargetSeqNum: 1 });
    await store.reset();

    const { session, link } = await loggedOnSession(store);
    for (let i = 0; i < 5; i++) expect(await session.handle.send('D', newOrder(i))).toBe(true);
    expect(await session.handle.flush()).toBe(true);
    const before = link.messages.length;
    expect(before).toBe(6);

    // Another pod takes the adapter over; this one does not know yet and sends a burst.
    expect(await releaseLease(test.db, lease)).toBe(true);
    const next = (await claimLease(test.db, lease.adapterId, 'pod-b', 60_000))!;
    const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => session.handle.send('D', newOrder(100 + i))));
    expect(burst.every(Boolean)).toBe(true);
    expect(await session.handle.flush()).toBe(false);
    expect(session.isFenced).toBe(true);
    expect(link.messages.length).toBe(before);
    expect(link.closed).toBe('message store refused a write');

    const successor = new PostgresMessageStore(test.db, { ...lease, epoch: next.epoch, pod: 'pod-b' }, SESSION);
    expect(await successor.load()).toMatchObject({ nextSenderSeqNum: 7, nextTargetSeqNum: 2 });
    expect((await successor.getSent(1, 100)).map((m) => m.seqNum)).toEqual([2, 3, 4, 5, 6]);
  });

  it('with the opt-in asynchronous commit, stores and fences exactly as the default does', async () => {
    const { lease } = await freshAdapter('asynchronous');
    const store = new PostgresMessageStore(test.db, lease, SESSION, { commit: 'asynchronous' });
    await store.load();
    await Promise.all([store.saveSent(1, order(1)), store.setNextTargetSeqNum(4), store.saveSent(2, null), store.saveSent(3, order(3))]);
    expect(await releaseLease(test.db, lease)).toBe(true);
    await expect(store.saveSent(4, order(4))).rejects.toBeInstanceOf(StoreFencedError);
    const next = (await claimLease(test.db, lease.adapterId, 'pod-b', 60_000))!;
    const successor = new PostgresMessageStore(test.db, { ...lease, epoch: next.epoch, pod: 'pod-b' }, SESSION);
    expect(await successor.load()).toMatchObject({ nextSenderSeqNum: 4, nextTargetSeqNum: 4 });
    expect((await successor.getSent(1, 10)).map((m) => m.seqNum)).toEqual([1, 3]);
  });

  it('answers a ResendRequest that arrives while sends are in flight from the store, and nothing newer overtakes the resend', async () => {
    const { store } = await freshAdapter('resend');
    const { session, link, receive } = await loggedOnSession(store);
    const before = Array.from({ length: 20 }, (_, i) => session.handle.send('D', newOrder(i)));
    // The application sends 5 more while the resend is being read from the store.
    const after: Promise<boolean>[] = [];
    const getSent = store.getSent.bind(store);
    store.getSent = (begin, end) => {
      for (let i = 0; i < 5; i++) after.push(session.handle.send('D', newOrder(100 + i)));
      return getSent(begin, end);
    };
    // Asks for everything from 1 while those 20 are still being stored.
    await Promise.all([...before, receive('2', [[7, '1'], [16, '0']])]);
    await Promise.all(after);
    expect(await session.handle.flush()).toBe(true);

    // `*`: PossDup (43=Y).
    const wire = link.messages.map((m) => `${m.seqNum}${m.msgType}${m.bytes.includes('\x0143=Y\x01') ? '*' : ''}`);
    const originals = Array.from({ length: 20 }, (_, i) => `${i + 2}D`);
    const resent = ['14*', ...Array.from({ length: 20 }, (_, i) => `${i + 2}D*`)];
    const newer = Array.from({ length: 5 }, (_, i) => `${i + 22}D`);
    expect(wire).toEqual(['1A', ...originals, ...resent, ...newer]);
  });
});
