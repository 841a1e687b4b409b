import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../orchestrator/test/support/databases.ts';
import {
  ChannelConflictError,
  ChannelFencedError,
  PostgresChannelStore,
  UnknownChannelError,
  channelLag,
  ensureChannel,
  type ChannelLease,
} from '../../src/channels/index.ts';
import { StoreFencedError } from '../../src/fix/session/message-store.ts';
import { until } from '../../../orchestrator/test/support/waiting.ts';
import { INBOUND_KEY, INBOUND_SESSION, OUTBOUND_KEY, OUTBOUND_SESSION, channelWorld, clOrdId, lease, loadSession, order } from './support.ts';

const fix = (seq: number) => Buffer.from(`8=FIX.4.2\x019=10\x0135=D\x0134=${seq}\x0110=000\x01`, 'latin1');

describe.each(BACKENDS)('the channel store (%s)', (backend) => {
  let test: TestDatabase;
  let inbound: string;
  let outbound: string;
  let store: PostgresChannelStore;
  beforeAll(async () => {
    ({ test, inbound, outbound } = await channelWorld(backend));
    store = new PostgresChannelStore(test.db, { maxBatch: 10 });
  });
  afterAll(() => test.drop());

  const head = async (channel: string) => (await channelLag(test.db, channel))!.head;
  const offsets = async (channel: string) =>
    (await test.db.query<{ o: unknown }>('SELECT msg_offset AS o FROM channel_messages WHERE channel = $1 ORDER BY msg_offset', [channel])).rows.map((r) => Number(r.o));
  const sessionRow = async (adapterId: string, key: string) =>
    (
      await test.db.query<{ next_sender_seq: number; next_target_seq: number }>(
        'SELECT next_sender_seq, next_target_seq FROM fix_sessions WHERE adapter_id = $1 AND session_key = $2',
        [adapterId, key],
      )
    ).rows[0]!;

  it('appends in order and idempotently: the same origin message is added once, whatever is retried', async () => {
    await ensureChannel(test.db, { name: 'orders-a' });
    await ensureChannel(test.db, { name: 'audit-a' });
    const at = await lease(test, inbound, 'pod-1');
    const first = await store.append(
      [
        { channel: 'orders-a', message: order(inbound, 1) },
        { channel: 'orders-a', message: order(inbound, 2) },
        { channel: 'audit-a', message: order(inbound, 1) },
        { channel: 'orders-a', message: order(inbound, 2) },
      ],
      { lease: at },
    );
    expect(first.appended.map((a) => [a.channel, a.offset, a.originSeq])).toEqual([
      ['audit-a', 1, 1],
      ['orders-a', 1, 1],
      ['orders-a', 2, 2],
    ]);
    expect(first.duplicates).toBe(1);
    const again = await store.append(
      [
        { channel: 'orders-a', message: order(inbound, 2) },
        { channel: 'orders-a', message: order(inbound, 3) },
      ],
      { lease: at },
    );
    expect(again.appended.map((a) => [a.offset, a.originSeq])).toEqual([[3, 3]]);
    expect(again.duplicates).toBe(1);
    expect(await offsets('orders-a')).toEqual([1, 2, 3]);
    expect(await head('orders-a')).toBe(3);

    // The same sequence number from a new run of the session (after a reset) is a different message.
    const reset = await store.append([{ channel: 'orders-a', message: order(inbound, 1, `${INBOUND_KEY}@2026-01-02T00:00:00.000Z`) }], { lease: at });
    expect(reset.appended.map((a) => a.offset)).toEqual([4]);

    // Bodies come back exactly: FIX fields and JSON.
    await store.append([{ channel: 'audit-a', message: { ...order(inbound, 9), body: { kind: 'json', value: { a: [1, 'x', null], b: { c: true } } } } }], { lease: at });
    await store.subscribe('audit-a', at);
    const read = await store.consume('audit-a', at);
    expect(read.messages.map((m) => m.message.body)).toEqual([order(inbound, 1).body, { kind: 'json', value: { a: [1, 'x', null], b: { c: true } } }]);
    expect(read.messages[0]!.message).toEqual(order(inbound, 1));
  });

  it('tells a watcher of a channel when an append to it commits, and not for appends elsewhere or repeats', async () => {
    await ensureChannel(test.db, { name: 'watched-w' });
    await ensureChannel(test.db, { name: 'other-w' });
    const at = await lease(test, inbound, 'pod-1');
    let told = 0;
    const stop = await store.watch('watched-w', () => told++);
    try {
      await store.append([{ channel: 'other-w', message: order(inbound, 1) }], { lease: at });
      await store.append([{ channel: 'watched-w', message: order(inbound, 1) }], { lease: at });
      await until('the watcher to be told', () => told > 0 || undefined, 10_000);
      // A repeat adds nothing, so it tells nobody; the other channel's append never did.
      await store.append([{ channel: 'watched-w', message: order(inbound, 1) }], { lease: at });
      await store.append([{ channel: 'other-w', message: order(inbound, 2) }, { channel: 'watched-w', message: order(inbound, 2) }], { lease: at });
      await until('the watcher to be told again', () => told > 1 || undefined, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(told).toBe(2);
    } finally {
      await stop();
    }
  });

  it('refuses an unknown channel and writes nothing of that call', async () => {
    await ensureChannel(test.db, { name: 'known-b' });
    const at = await lease(test, inbound, 'pod-1');
    await expect(
      store.append(
        [
          { channel: 'known-b', message: order(inbound, 1) },
          { channel: 'missing-b', message: order(inbound, 1) },
        ],
        { lease: at },
      ),
    ).rejects.toBeInstanceOf(UnknownChannelError);
    expect(await offsets('known-b')).toEqual([]);
    expect(await head('known-b')).toBe(0);
    await expect(store.subscribe('missing-b', at)).rejects.toBeInstanceOf(UnknownChannelError);
  });

  it('appends an inbound message and advances the inbound sequence number together, once', async () => {
    await ensureChannel(test.db, { name: 'orders-c' });
    const at = await lease(test, inbound, 'pod-1');
    const start = (await loadSession(test, at, INBOUND_SESSION)).nextTargetSeqNum;
    const r1 = await store.appendWithInboundSeq([{ channel: 'orders-c', message: order(inbound, start) }], { lease: at, sessionKey: INBOUND_KEY, seq: start });
    expect(r1).toMatchObject({ alreadyHandled: false, duplicates: 0 });
    expect(r1.appended).toHaveLength(1);
    expect((await sessionRow(inbound, INBOUND_KEY)).next_target_seq).toBe(start + 1);

    // The same inbound message again (a retry after a lost answer): nothing written, and it says so.
    const r2 = await store.appendWithInboundSeq([{ channel: 'orders-c', message: order(inbound, start) }], { lease: at, sessionKey: INBOUND_KEY, seq: start });
    expect(r2).toEqual({ appended: [], duplicates: 1, alreadyHandled: true });
    // A filtered message delivers nothing but still consumes its sequence number.
    await store.appendWithInboundSeq([], { lease: at, sessionKey: INBOUND_KEY, seq: start + 1 });
    // A gap is refused: the session must fill it first.
    await expect(
      store.appendWithInboundSeq([{ channel: 'orders-c', message: order(inbound, start + 5) }], { lease: at, sessionKey: INBOUND_KEY, seq: start + 5 }),
    ).rejects.toBeInstanceOf(ChannelConflictError);
    // An unknown channel rolls the sequence advance back too.
    await expect(
      store.appendWithInboundSeq([{ channel: 'nope-c', message: order(inbound, start + 2) }], { lease: at, sessionKey: INBOUND_KEY, seq: start + 2 }),
    ).rejects.toBeInstanceOf(UnknownChannelError);
    expect((await sessionRow(inbound, INBOUND_KEY)).next_target_seq).toBe(start + 2);
    expect(await offsets('orders-c')).toEqual([1]);
  });

  it('commits an offset together with the outbound FIX messages, or neither', async () => {
    await ensureChannel(test.db, { name: 'orders-d' });
    const inLease = await lease(test, inbound, 'pod-1');
    const outLease = await lease(test, outbound, 'pod-2');
    await store.append([1, 2, 3].map((n) => ({ channel: 'orders-d', message: order(inbound, n) })), { lease: inLease });
    await store.subscribe('orders-d', outLease);
    const sender = (await loadSession(test, outLease, OUTBOUND_SESSION)).nextSenderSeqNum;
    const batch = await store.consume('orders-d', outLease);
    expect(batch.committed).toBe(0);
    expect(batch.messages.map((m) => m.offset)).toEqual([1, 2, 3]);

    await store.commitWithOutbound('orders-d', outLease, { from: 0, to: 1, sessionKey: OUTBOUND_KEY, messages: [{ seq: sender, bytes: fix(sender) }] });
    // Wrong sender number: the offset does not move either.
    await expect(
      store.commitWithOutbound('orders-d', outLease, { from: 1, to: 2, sessionKey: OUTBOUND_KEY, messages: [{ seq: sender + 7, bytes: fix(sender + 7) }] }),
    ).rejects.toThrow(ChannelConflictError);
    expect((await store.consume('orders-d', outLease)).committed).toBe(1);
    // Wrong starting offset: the message is not stored either.
    await expect(
      store.commitWithOutbound('orders-d', outLease, { from: 0, to: 2, sessionKey: OUTBOUND_KEY, messages: [{ seq: sender + 1, bytes: fix(sender + 1) }] }),
    ).rejects.toThrow(ChannelConflictError);
    // Past the head.
    await expect(store.commit('orders-d', outLease, { from: 1, to: 9 })).rejects.toThrow(ChannelConflictError);
    expect((await sessionRow(outbound, OUTBOUND_KEY)).next_sender_seq).toBe(sender + 1);
    const stored = await test.db.query<{ seq: number }>('SELECT seq FROM fix_messages WHERE adapter_id = $1 ORDER BY seq', [outbound]);
    expect(stored.rows.map((r) => r.seq)).toEqual([sender]);

    await store.commitWithOutbound('orders-d', outLease, {
      from: 1,
      to: 3,
      sessionKey: OUTBOUND_KEY,
      messages: [
        { seq: sender + 1, bytes: fix(sender + 1) },
        { seq: sender + 2, bytes: fix(sender + 2) },
      ],
    });
    expect((await store.consume('orders-d', outLease)).messages).toEqual([]);
    expect((await sessionRow(outbound, OUTBOUND_KEY)).next_sender_seq).toBe(sender + 3);
  });

  it('bounds every read (back-pressure) and reports lag as head minus committed', async () => {
    await ensureChannel(test.db, { name: 'burst-e' });
    const inLease = await lease(test, inbound, 'pod-1');
    const outLease = await lease(test, outbound, 'pod-2');
    await store.append(
      Array.from({ length: 35 }, (_, i) => ({ channel: 'burst-e', message: order(inbound, i + 1) })),
      { lease: inLease },
    );
    await store.subscribe('burst-e', outLease);
    const first = await store.consume('burst-e', outLease, 1000);
    expect(first.messages).toHaveLength(10);
    expect((await store.consume('burst-e', outLease, 3)).messages.map((m) => m.offset)).toEqual([1, 2, 3]);
    expect((await channelLag(test.db, 'burst-e'))!.consumers).toEqual([{ adapterId: outbound, committed: 0, lag: 35 }]);
    await store.commit('burst-e', outLease, { from: 0, to: 10 });
    expect((await store.consume('burst-e', outLease, 1000)).messages.map((m) => m.offset)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect((await channelLag(test.db, 'burst-e'))!.consumers[0]!.lag).toBe(25);
    // A late subscriber from the head has nothing to read yet.
    const late = await lease(test, inbound, 'pod-3');
    expect(await store.subscribe('burst-e', late, 'latest')).toBe(35);
  });

  it('refuses every write of a holder whose lease epoch is stale, with a typed error, and changes nothing', async () => {
    await ensureChannel(test.db, { name: 'fenced-f' });
    const oldIn = await lease(test, inbound, 'pod-old');
    const oldOut = await lease(test, outbound, 'pod-old');
    await loadSession(test, oldIn, INBOUND_SESSION);
    await loadSession(test, oldOut, OUTBOUND_SESSION);
    await store.append([{ channel: 'fenced-f', message: order(inbound, 1) }], { lease: oldIn });
    await store.subscribe('fenced-f', oldOut);
    // The old holder pauses past its TTL (the database clock decides) and another pod claims.
    const newIn = await lease(test, inbound, 'pod-new');
    const newOut = await lease(test, outbound, 'pod-new');
    const target = (await sessionRow(inbound, INBOUND_KEY)).next_target_seq;
    const sender = (await sessionRow(outbound, OUTBOUND_KEY)).next_sender_seq;

    const refusals: (() => Promise<unknown>)[] = [
      () => store.append([{ channel: 'fenced-f', message: order(inbound, 2) }], { lease: oldIn }),
      () => store.append([{ channel: 'fenced-f', message: order(inbound, 1) }], { lease: oldIn }),
      () => store.appendWithInboundSeq([{ channel: 'fenced-f', message: order(inbound, target) }], { lease: oldIn, sessionKey: INBOUND_KEY, seq: target }),
      () => store.subscribe('fenced-f', oldOut),
      () => store.commit('fenced-f', oldOut, { from: 0, to: 1 }),
      () => store.commitWithOutbound('fenced-f', oldOut, { from: 0, to: 1, sessionKey: OUTBOUND_KEY, messages: [{ seq: sender, bytes: fix(sender) }] }),
    ];
    for (const refusal of refusals) {
      const error = await refusal().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ChannelFencedError);
      expect(error).toBeInstanceOf(StoreFencedError);
      expect((error as Error).message).toMatch(/fenced out/);
    }
    expect(await offsets('fenced-f')).toEqual([1]);
    expect(await sessionRow(inbound, INBOUND_KEY)).toMatchObject({ next_target_seq: target });
    expect(await sessionRow(outbound, OUTBOUND_KEY)).toMatchObject({ next_sender_seq: sender });
    expect((await store.consume('fenced-f', newOut)).committed).toBe(0);

    // The new holders carry on.
    await store.append([{ channel: 'fenced-f', message: order(inbound, 2) }], { lease: newIn });
    await store.subscribe('fenced-f', newOut);
    await store.commit('fenced-f', newOut, { from: 0, to: 2 });
    expect((await channelLag(test.db, 'fenced-f'))!.consumers[0]).toMatchObject({ committed: 2, lag: 0 });
  });

  it('a failover in the middle of a burst neither loses nor repeats a message, on either side of the channel', async () => {
    const N = 60;
    const channel = 'bridge-g';
    await ensureChannel(test.db, { name: channel });
    // Holder A of the inbound acceptor and holder C of the outbound initiator, with short leases.
    const a = await lease(test, inbound, 'pod-a');
    const c = await lease(test, outbound, 'pod-c');
    const firstIn = (await loadSession(test, a, INBOUND_SESSION)).nextTargetSeqNum;
    const firstOut = (await loadSession(test, c, OUTBOUND_SESSION)).nextSenderSeqNum;
    const inboundSeqs = Array.from({ length: N }, (_, i) => firstIn + i);
    const wire: { seq: number; clOrdId: string }[] = [];

    /** What an inbound holder does with one received message: pipeline (here: route all), then append + seq. */
    const receive = (at: ChannelLease, seq: number) =>
      store.appendWithInboundSeq([{ channel, message: order(inbound, seq) }], { lease: at, sessionKey: INBOUND_KEY, seq });
    /** What an outbound holder does: consume a bounded batch, store-and-commit each message, then "send" it. */
    const forward = async (at: ChannelLease, max: number) => {
      let done = 0;
      while (done < max) {
        const batch = await store.consume(channel, at, Math.min(4, max - done));
        if (batch.messages.length === 0) return done;
        let from = batch.committed;
        for (const m of batch.messages) {
          if (done === max) break;
          const seq = (await sessionRow(outbound, OUTBOUND_KEY)).next_sender_seq;
          await store.commitWithOutbound(channel, at, { from, to: m.offset, sessionKey: OUTBOUND_KEY, messages: [{ seq, bytes: fix(seq) }] });
          wire.push({ seq, clOrdId: clOrdId(m.message)! });
          from = m.offset;
          done += 1;
        }
      }
      return done;
    };

    await store.subscribe(channel, c);
    for (const seq of inboundSeqs.slice(0, 25)) await receive(a, seq);
    expect(await forward(c, 15)).toBe(15);

    // A and C freeze past their TTL (simulated: the database clock judges expiry); B and D take over.
    const b = await lease(test, inbound, 'pod-b');
    const d = await lease(test, outbound, 'pod-d');

    // The frozen holders wake up and try to carry on: refused, nothing lands.
    await expect(receive(a, inboundSeqs[25]!)).rejects.toBeInstanceOf(ChannelFencedError);
    await expect(forward(c, 1)).rejects.toBeInstanceOf(ChannelFencedError);

    // B resumes from the stored inbound number: the counterparty resends from there (FIX resend).
    const resumeIn = (await loadSession(test, b, INBOUND_SESSION)).nextTargetSeqNum;
    expect(resumeIn).toBe(inboundSeqs[25]);
    // A PossDup resend of something already handled is recognised, not appended again.
    expect(await receive(b, inboundSeqs[24]!)).toMatchObject({ alreadyHandled: true, appended: [] });
    for (const seq of inboundSeqs.slice(25)) await receive(b, seq);

    await store.subscribe(channel, d);
    expect((await loadSession(test, d, OUTBOUND_SESSION)).nextSenderSeqNum).toBe(firstOut + 15);
    expect(await forward(d, 1000)).toBe(N - 15);

    // Exactly once, in order: on the channel, in the outbound store, and on the (simulated) wire.
    expect(await offsets(channel)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(wire.map((w) => w.clOrdId)).toEqual(inboundSeqs.map((s) => `ORD-${s}`));
    expect(wire.map((w) => w.seq)).toEqual(Array.from({ length: N }, (_, i) => firstOut + i));
    const stored = await test.db.query<{ seq: number }>('SELECT seq FROM fix_messages WHERE adapter_id = $1 AND seq >= $2 ORDER BY seq', [outbound, firstOut]);
    expect(stored.rows.map((r) => r.seq)).toEqual(wire.map((w) => w.seq));
    expect((await channelLag(test.db, channel))!.consumers).toEqual([{ adapterId: outbound, committed: N, lag: 0 }]);
  });
});
