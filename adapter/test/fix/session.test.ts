import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../../src/fix/codec/encoder.ts';
import type { FixField } from '../../src/fix/codec/fix-message.ts';
import { parseMessage } from '../../src/fix/codec/parser.ts';
import { formatUtcTimestamp } from '../../src/fix/codec/utc-timestamp.ts';
import { loadDictionaryFile, singleDictionary } from '../../src/fix/dictionary/load-dictionary.ts';
import { MemoryMessageStore } from '../../src/fix/session/memory-message-store.ts';
import { StoreFencedError } from '../../src/fix/session/message-store.ts';
import { until } from '../../../orchestrator/test/support/waiting.ts';
import { Session, type SessionLink } from '../../src/fix/session/session.ts';
import { SessionSchedule } from '../../src/fix/session/session-schedule.ts';
import { DEFAULT_SESSION_SETTINGS, type SessionSettings } from '../../src/fix/session/session-settings.ts';
import { fakeClock } from './def-script.ts';
import { JSPUREFIX_DATA } from './helpers.ts';

const dictionaries = singleDictionary(await loadDictionaryFile(join(JSPUREFIX_DATA, 'FIX44.xml')));

class Link implements SessionLink {
  sent: string[] = [];
  closed: string | undefined;
  send(bytes: Buffer): void {
    const parsed = parseMessage(bytes);
    if (!parsed.ok) throw new Error(parsed.reason);
    this.sent.push(parsed.message.toString());
  }
  disconnect(reason: string): void {
    this.closed = reason;
  }
  types(): string[] {
    return this.sent.map((s) => /\|35=([^|]*)\|/.exec(s)![1]!);
  }
}

async function setup(overrides: Partial<SessionSettings> = {}) {
  const clock = fakeClock(Date.UTC(2024, 0, 3, 12));
  const store = new MemoryMessageStore();
  const session = new Session({
    settings: { ...DEFAULT_SESSION_SETTINGS, role: 'acceptor', beginString: 'FIX.4.4', senderCompId: 'S', targetCompId: 'C', ...overrides },
    store,
    dictionaries,
    application: { onMessage: () => undefined },
    clock,
  });
  await session.start();
  const link = new Link();
  session.attach(link);
  let seq = 1;
  const send = (msgType: string, body: FixField[] = [], seqNum = seq++) =>
    session.receive(
      encodeMessage({ beginString: 'FIX.4.4', msgType, senderCompId: 'C', targetCompId: 'S', msgSeqNum: seqNum, sendingTime: formatUtcTimestamp(clock.now()) }, body),
    );
  return { clock, store, session, link, send };
}

describe('Session', () => {
  it('sends heartbeats, then a TestRequest TEST, then disconnects on silence', async () => {
    const { clock, session, link, send } = await setup();
    await send('A', [[98, '0'], [108, '10']]);
    expect(link.types()).toEqual(['A']);
    clock.advance(10_000);
    await session.tick();
    expect(link.types()).toEqual(['A', '0']);
    clock.advance(2_000);
    await session.tick();
    expect(link.sent.at(-1)).toContain('35=1|');
    expect(link.sent.at(-1)).toContain('112=TEST|');
    clock.advance(12_000);
    await session.tick();
    expect(link.closed).toBe('Timed out waiting for heartbeat');
  });

  it('refuses a Logon outside the heartbeat range or with bad credentials, without leaking the password', async () => {
    const { link, send } = await setup({ minHeartBtInt: 5, username: 'u', password: 'secret-pw' });
    await send('A', [[98, '0'], [108, '30'], [553, 'u'], [554, 'wrong']]);
    expect(link.sent.at(-1)).toContain('58=Invalid username or password|');
    expect(link.sent.join('')).not.toContain('secret-pw');
    expect(link.closed).toMatch(/Logon refused/);

    const second = await setup({ minHeartBtInt: 5 });
    await second.send('A', [[98, '0'], [108, '2']]);
    expect(second.link.sent.at(-1)).toContain('58=HeartBtInt 2 below the minimum 5|');
  });

  it('asks for a gap in chunks and continues when each chunk arrives', async () => {
    const { link, send, session } = await setup({ resendChunkSize: 3 });
    await send('A', [[98, '0'], [108, '30']]);
    await send('0', [], 10);
    expect(link.sent.at(-1)).toContain('35=2|');
    expect(link.sent.at(-1)).toContain('7=2|16=4|');
    for (const n of [2, 3, 4]) await send('0', [], n);
    expect(link.sent.at(-1)).toContain('7=5|16=7|');
    for (const n of [5, 6, 7]) await send('0', [], n);
    expect(link.sent.at(-1)).toContain('7=8|16=9|');
    for (const n of [8, 9]) await send('0', [], n);
    // Message 10 was queued and is processed once the gap is filled.
    expect(session.nextTargetSeqNum).toBe(11);
  });

  it('answers a ResendRequest from the store with PossDup resends and gap fills', async () => {
    const { link, send, session } = await setup();
    await send('A', [[98, '0'], [108, '30']]);
    await session.handle.send('D', [[11, 'a'], [54, '1'], [60, '20240101-00:00:00'], [40, '1']]);
    await send('1', [[112, 'x']]);
    await session.handle.send('D', [[11, 'b'], [54, '1'], [60, '20240101-00:00:00'], [40, '1']]);
    link.sent = [];
    await send('2', [[7, '1'], [16, '0']]);
    expect(link.sent.map((s) => s.replace(/52=[^|]*\|/g, '').replace(/122=[^|]*\|/g, '').replace(/10=\d+\|/, '').replace(/9=\d+\|/, ''))).toEqual([
      '8=FIX.4.4|35=4|49=S|56=C|34=1|43=Y|36=2|123=Y|',
      '8=FIX.4.4|35=D|49=S|56=C|34=2|43=Y|11=a|54=1|60=20240101-00:00:00|40=1|',
      '8=FIX.4.4|35=4|49=S|56=C|34=3|43=Y|36=4|123=Y|',
      '8=FIX.4.4|35=D|49=S|56=C|34=4|43=Y|11=b|54=1|60=20240101-00:00:00|40=1|',
    ]);
    expect(session.nextSenderSeqNum).toBe(5);
  });

  it('does not send application messages before logon, and stops for good when the store refuses a write for a lost lease', async () => {
    const { session, store, link, send } = await setup();
    expect(await session.handle.send('D', [[11, 'a']])).toBe(false);
    await send('A', [[98, '0'], [108, '30']]);
    store.setNextTargetSeqNum = () => Promise.reject(new StoreFencedError('another pod holds the adapter'));
    await send('0');
    expect(session.isFenced).toBe(true);
    expect(session.handle.isStopped).toBe(true);
    expect(link.closed).toBe('message store refused a write');
    expect(await session.handle.send('D', [[11, 'a']])).toBe(false);
    const next = new Link();
    session.attach(next);
    expect(next.closed).toBe('session stopped: message store refused a write');
  });

  it('on any other store failure drops the connection without sending, reloads the numbers, then takes a connection again', async () => {
    const { session, store, link, send } = await setup();
    await send('A', [[98, '0'], [108, '30']]);
    await send('0');
    const failing = store.saveSent.bind(store);
    let down = true;
    store.saveSent = (...args) => (down ? Promise.reject(new Error('connection terminated unexpectedly')) : failing(...args));
    const load = store.load.bind(store);
    let loads = 0;
    store.load = () => (++loads, down ? Promise.reject(new Error('connect ECONNREFUSED')) : load());
    const sentBefore = link.sent.length;
    expect(await session.handle.send('D', [[11, 'lost'], [54, '1'], [60, '20240101-00:00:00'], [40, '1']])).toBe(true);
    expect(await session.handle.flush()).toBe(false);
    expect(link.sent.length).toBe(sentBefore);
    expect(link.closed).toBe('message store unavailable');
    expect(session.isFenced).toBe(false);
    expect(session.handle.isStopped).toBe(false);
    expect(session.isRecoveringStore).toBe(true);

    // Connections are refused until the numbers are reloaded.
    const early = new Link();
    session.attach(early);
    expect(early.closed).toBe('message store unavailable: reloading the sequence numbers');
    await until('a reload attempt', () => loads >= 1);
    down = false;
    await until('the store to be reloaded', () => !session.isRecoveringStore, 10_000);
    // The message that was never stored takes its number again: the counterparty sees no gap.
    expect(session.nextSenderSeqNum).toBe(2);
    expect(session.nextTargetSeqNum).toBe(3);
    const again = new Link();
    session.attach(again);
    expect(again.closed).toBeUndefined();
  });
});

describe('SessionSchedule', () => {
  it('handles day sessions, overnight sessions, weekdays and time zones', () => {
    const day = new SessionSchedule({ startTime: '08:00:00', endTime: '17:00:00', timeZone: 'America/New_York', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'] });
    expect(day.isInSession(Date.UTC(2024, 0, 3, 14))).toBe(true); // Wed 09:00 New York
    expect(day.isInSession(Date.UTC(2024, 0, 3, 23))).toBe(false); // Wed 18:00
    expect(day.isInSession(Date.UTC(2024, 0, 6, 14))).toBe(false); // Saturday
    const night = new SessionSchedule({ startTime: '22:00:00', endTime: '06:00:00', weekdays: ['sun'] });
    expect(night.isInSession(Date.UTC(2024, 0, 7, 23))).toBe(true); // Sunday 23:00 UTC
    expect(night.isInSession(Date.UTC(2024, 0, 8, 5))).toBe(true); // Monday 05:00, started Sunday
    expect(night.isInSession(Date.UTC(2024, 0, 8, 23))).toBe(false); // Monday night: not a start day
    const always = new SessionSchedule({ startTime: '00:00:00', endTime: '00:00:00' });
    expect(always.isInSession(Date.UTC(2024, 0, 8, 5))).toBe(true);
    expect(always.periodStart(Date.UTC(2024, 0, 8, 5, 30))).toBe(Date.UTC(2024, 0, 8, 0));
  });
});
