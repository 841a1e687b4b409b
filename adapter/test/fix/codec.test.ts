import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../../src/fix/codec/encoder.ts';
import type { FixField } from '../../src/fix/codec/fix-message.ts';
import { FixFramer, type FrameEvent } from '../../src/fix/codec/framer.ts';
import { parseMessage } from '../../src/fix/codec/parser.ts';
import { formatUtcTimestamp, parseUtcTimestamp } from '../../src/fix/codec/utc-timestamp.ts';
import { show, wire } from './helpers.ts';

const MAX = 64 * 1024;

function frames(events: FrameEvent[]): Buffer[] {
  return events.flatMap((e) => (e.kind === 'message' ? [e.frame] : []));
}

const valueArb = fc.string({ unit: fc.constantFrom(...'abcXYZ0189 .-=:/8FIX'.split('')), minLength: 1, maxLength: 30 });
const bodyArb = fc.array(fc.tuple(fc.integer({ min: 11, max: 9999 }).filter((t) => t !== 10 && t !== 35), valueArb), { maxLength: 20 });
const messageArb = fc.record({
  msgType: fc.constantFrom('0', 'D', '8', 'AE', 'j'),
  seq: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  body: bodyArb,
});

function build(m: { msgType: string; seq: number; body: [number, string][] }): Buffer {
  return encodeMessage(
    {
      beginString: 'FIX.4.4',
      msgType: m.msgType,
      senderCompId: 'S',
      targetCompId: 'T',
      msgSeqNum: m.seq,
      sendingTime: formatUtcTimestamp(Date.UTC(2024, 0, 2, 3, 4, 5, 6)),
    },
    m.body as FixField[],
  );
}

describe('encoder and parser', () => {
  it('encodes with BodyLength and CheckSum and the standard header order', () => {
    const buf = encodeMessage(
      { beginString: 'FIX.4.4', msgType: '0', senderCompId: 'ISLD', targetCompId: 'TW', msgSeqNum: 2, sendingTime: '20240102-03:04:05.006' },
      [[112, 'HELLO']],
    );
    expect(show(buf)).toBe('8=FIX.4.4|9=59|35=0|49=ISLD|56=TW|34=2|52=20240102-03:04:05.006|112=HELLO|10=' + show(buf).slice(-4));
    const parsed = parseMessage(buf);
    expect(parsed.ok).toBe(true);
  });

  it('keeps field order and repeated tags', () => {
    const parsed = parseMessage(wire('8=FIX.4.4|35=D|49=A|56=B|34=1|52=20240101-00:00:00|386=2|336=X|336=Y|11=1|'));
    if (!parsed.ok) throw new Error(parsed.reason);
    const m = parsed.message;
    expect(m.getAll(336)).toEqual(['X', 'Y']);
    expect([...m.fields()].map(([t]) => t)).toEqual([8, 9, 35, 49, 56, 34, 52, 386, 336, 336, 11, 10]);
    expect(m.getInt(34)).toBe(1);
    expect(m.raw).toBeDefined();
    m.set(34, 5);
    expect(m.raw).toBeUndefined();
    expect(m.get(336)).toBe('X');
  });

  it('rejects bad BodyLength, bad CheckSum and the first three fields out of order', () => {
    const good = wire('8=FIX.4.4|35=0|49=A|56=B|34=2|52=20240101-00:00:00|');
    const text = good.toString('latin1');
    expect(parseMessage(Buffer.from(text.replace(/9=\d+/, '9=5'), 'latin1'))).toMatchObject({ ok: false, msgType: '0' });
    expect(parseMessage(Buffer.from(text.replace(/10=\d+/, '10=256'), 'latin1'))).toMatchObject({ ok: false });
    expect(parseMessage(wire('8=FIX.4.4|34=2|35=0|49=A|'))).toMatchObject({ ok: false });
    expect(parseMessage(Buffer.from('8=FIX.4.4\x019=5\x0135=0\x01x\x0110=000\x01', 'latin1'))).toMatchObject({ ok: false });
  });

  it('parses negative and zero tags so that they can be rejected by number', () => {
    const parsed = parseMessage(wire('8=FIX.4.4|35=0|49=A|56=B|34=2|52=20240101-00:00:00|-1=HI|0=HI|'));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.message.get(-1)).toBe('HI');
    expect(parsed.message.get(0)).toBe('HI');
  });

  it('round-trips UTC timestamps', () => {
    const t = Date.UTC(2024, 1, 29, 23, 59, 58, 7);
    expect(parseUtcTimestamp(formatUtcTimestamp(t))).toBe(t);
    expect(parseUtcTimestamp('20240229-23:59:58')).toBe(t - 7);
    expect(parseUtcTimestamp('20241301-00:00:00')).toBeUndefined();
    expect(parseUtcTimestamp('20040415')).toBeUndefined();
  });

  it('property: encode, split anywhere, frame and parse gives the same messages', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 30 }), (messages, cuts) => {
        const encoded = messages.map(build);
        const stream = Buffer.concat(encoded);
        const framer = new FixFramer({ maxMessageSize: MAX });
        const out: Buffer[] = [];
        let pos = 0;
        for (const cut of cuts) {
          if (pos >= stream.length) break;
          out.push(...frames(framer.push(stream.subarray(pos, pos + cut))));
          pos += cut;
        }
        if (pos < stream.length) out.push(...frames(framer.push(stream.subarray(pos))));
        expect(out.map(show)).toEqual(encoded.map(show));
        for (let i = 0; i < out.length; i++) {
          const parsed = parseMessage(out[i]!);
          if (!parsed.ok) throw new Error(parsed.reason);
          expect(parsed.message.msgType).toBe(messages[i]!.msgType);
          expect(parsed.message.getInt(34)).toBe(messages[i]!.seq);
          const body = [...parsed.message.fields()].slice(7, -1);
          expect(body).toEqual(messages[i]!.body);
        }
        expect(framer.buffered).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('property: random bytes never throw and never buffer more than the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 }), (chunks) => {
        const framer = new FixFramer({ maxMessageSize: 1024 });
        for (const chunk of chunks) {
          for (const event of framer.push(Buffer.from(chunk))) {
            if (event.kind === 'message') parseMessage(event.frame);
          }
          expect(framer.buffered).toBeLessThanOrEqual(1024 + 300);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: garbage between messages is skipped and reported, messages survive', () => {
    const garbageArb = fc.uint8Array({ minLength: 1, maxLength: 50 }).map((a) => Buffer.from(a.map((b) => (b === 0x38 ? 0x37 : b))));
    fc.assert(
      fc.property(fc.array(fc.tuple(garbageArb, messageArb), { minLength: 1, maxLength: 5 }), (pairs) => {
        const framer = new FixFramer({ maxMessageSize: MAX });
        const encoded = pairs.map(([, m]) => build(m));
        const events = framer.push(Buffer.concat(pairs.flatMap(([g], i) => [g, encoded[i]!])));
        expect(frames(events).map(show)).toEqual(encoded.map(show));
        const skipped = events.filter((e) => e.kind === 'garbage').reduce((n, e) => n + (e.kind === 'garbage' ? e.bytes : 0), 0);
        expect(skipped).toBe(pairs.reduce((n, [g]) => n + g.length, 0));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a BodyLength of 2^31 before buffering the body', () => {
    const framer = new FixFramer({ maxMessageSize: MAX });
    const events = framer.push(Buffer.from('8=FIX.4.4\x019=2147483648\x0135=0\x01', 'latin1'));
    expect(events).toEqual([expect.objectContaining({ kind: 'oversized', declaredLength: expect.any(Number) })]);
    expect(framer.push(Buffer.alloc(1000, 0x41))).toEqual([]);
  });

  it('refuses a message whose end never comes within the limit', () => {
    const framer = new FixFramer({ maxMessageSize: 2048 });
    const events = [...framer.push(Buffer.from('8=FIX.4.4\x019=10\x0135=0\x01', 'latin1'))];
    for (let i = 0; i < 10; i++) events.push(...framer.push(Buffer.alloc(300, 0x41)));
    expect(events.some((e) => e.kind === 'oversized')).toBe(true);
    expect(framer.buffered).toBeLessThanOrEqual(2048 + 300);
  });

  it('frames a too-short BodyLength up to the next CheckSum, like QuickFIX', () => {
    const a = wire('8=FIX.4.4|35=0|49=A|56=B|34=2|52=20240101-00:00:00|');
    const short = Buffer.from(a.toString('latin1').replace(/9=\d+/, '9=10'), 'latin1');
    const framer = new FixFramer({ maxMessageSize: MAX });
    const out = frames(framer.push(Buffer.concat([short, a])));
    expect(out.map(show)).toEqual([show(short), show(a)]);
    expect(parseMessage(out[0]!).ok).toBe(false);
  });

  it('frames one byte at a time', () => {
    const a = wire('8=FIX.4.4|35=0|49=A|56=B|34=2|52=20240101-00:00:00|');
    const framer = new FixFramer({ maxMessageSize: MAX });
    const out: Buffer[] = [];
    for (const byte of Buffer.concat([a, a])) out.push(...frames(framer.push(Buffer.from([byte]))));
    expect(out.map(show)).toEqual([show(a), show(a)]);
  });
});
