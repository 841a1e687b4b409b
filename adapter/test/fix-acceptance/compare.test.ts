import { describe, expect, it } from 'vitest';

import { DEFAULT_PATTERNS, compareMessages, parseFields, parsePatterns } from '../../fix-acceptance/compare.ts';

const fix = (s: string): string => s.replace(/\|/g, '\x01');
const patterns = parsePatterns(
  [
    '10=\\d{3}',
    '42=\\d{8}-\\d{2}:\\d{2}:\\d{2}',
    '52=\\d{8}-\\d{2}:\\d{2}:\\d{2}|\\d{8}-\\d{2}:\\d{2}:\\d{2}[.]\\d{3}',
    '60=\\d{8}-\\d{2}:\\d{2}:\\d{2}',
    '122=\\d{8}-\\d{2}:\\d{2}:\\d{2}',
    '',
  ].join('\r\n'),
);
const cmp = (expected: string, received: string, strictOrder = false): string | null =>
  compareMessages(fix(expected), fix(received), { patterns, strictOrder });

const LOGON_EXPECTED = '8=FIX.4.2|9=63|35=A|34=1|49=ISLD|52=00000000-00:00:00.000|56=TW42|98=0|108=30|10=0|';
const LOGON_RECEIVED = '8=FIX.4.2|9=67|35=A|34=1|49=ISLD|52=20240101-12:00:00.123|56=TW42|98=0|108=30|10=123|';

describe('parsePatterns', () => {
  it('reads tag=regex lines, CRLF and blank lines included', () => {
    expect([...patterns.keys()]).toEqual([10, 42, 52, 60, 122]);
    expect(patterns.get(52)?.test('20240101-12:00:00.123')).toBe(true);
  });

  it('rejects a line without a tag', () => {
    expect(() => parsePatterns('abc')).toThrow(/bad line/);
  });
});

describe('compareMessages', () => {
  it('accepts a message that differs only in pattern tags and BodyLength', () => {
    expect(cmp(LOGON_EXPECTED, LOGON_RECEIVED)).toBeNull();
  });

  it('checks pattern tags against their pattern', () => {
    const bad = LOGON_RECEIVED.replace('52=20240101-12:00:00.123', '52=yesterday');
    expect(cmp(LOGON_EXPECTED, bad)).toMatch(/tag 52: received 'yesterday' does not match pattern/);
    const badSum = LOGON_RECEIVED.replace('10=123', '10=12x');
    expect(cmp(LOGON_EXPECTED, badSum)).toMatch(/tag 10/);
  });

  it('adds CheckSum to an expected line that has none', () => {
    expect(cmp(LOGON_EXPECTED.replace('10=0|', ''), LOGON_RECEIVED)).toBeNull();
  });

  it('reports a different MsgType first', () => {
    expect(cmp(LOGON_EXPECTED, LOGON_RECEIVED.replace('35=A', '35=5'))).toBe("MsgType(35): expected 'A', received '5'");
  });

  it('compares other values exactly (RefSeqNum, MsgSeqNum)', () => {
    const e = '8=FIX.4.2|9=1|35=3|34=2|49=ISLD|52=x|56=TW42|45=2|10=0|';
    const r = '8=FIX.4.2|9=1|35=3|34=2|49=ISLD|52=20240101-12:00:00|56=TW42|45=3|10=000|';
    expect(cmp(e, r)).toBe("tag 45: expected '2', received '3'");
  });

  it('requires the same set of tags', () => {
    const e = '8=FIX.4.2|9=1|35=0|34=2|49=ISLD|52=x|56=TW42|112=HELLO|10=0|';
    const r = '8=FIX.4.2|9=1|35=0|34=2|49=ISLD|52=20240101-12:00:00|56=TW42|10=000|';
    expect(cmp(e, r)).toBe("missing tag 112 (expected 'HELLO')");
    expect(cmp(r.replace('10=000', '10=0'), e.replace('10=0', '10=000').replace('52=x', '52=20240101-12:00:00'))).toBe(
      "unexpected tag 112='HELLO'",
    );
  });

  it('compares Text(58) by prefix', () => {
    const e = '8=FIX.4.2|9=1|35=3|34=2|49=ISLD|52=x|56=TW42|45=2|58=Required tag missing|373=1|10=0|';
    const r = (text: string): string =>
      `8=FIX.4.2|9=1|35=3|34=2|49=ISLD|52=20240101-12:00:00|56=TW42|45=2|58=${text}|373=1|10=000|`;
    expect(cmp(e, r('Required tag missing'))).toBeNull();
    expect(cmp(e, r('Required tag missing, field=40'))).toBeNull();
    expect(cmp(e, r('Required tag'))).toMatch(/tag 58: expected 'Required tag missing' \(prefix\), received 'Required tag'/);
  });

  it('reports the reason code (373) before the text', () => {
    const e = '8=FIX.4.2|9=1|35=3|34=2|49=ISLD|52=x|56=TW42|45=2|58=Value is incorrect|373=5|10=0|';
    const r = '8=FIX.4.2|9=1|35=3|34=2|49=ISLD|52=20240101-12:00:00|56=TW42|45=2|58=Other|373=6|10=000|';
    expect(cmp(e, r)).toBe("tag 373: expected '5', received '6'");
  });

  it('ignores field order unless asked, but keeps repeated tags in order', () => {
    const e = '8=FIX.4.2|9=1|35=D|34=2|49=ISLD|52=x|56=TW42|11=ID|21=3|10=0|';
    const r = '8=FIX.4.2|9=1|35=D|49=ISLD|34=2|52=20240101-12:00:00|56=TW42|21=3|11=ID|10=000|';
    expect(cmp(e, r)).toBeNull();
    expect(cmp(e, r, true)).toMatch(/^field order/);
    const g = (a: string, b: string): string =>
      `8=FIX.4.2|9=1|35=D|34=2|49=ISLD|52=20240101-12:00:00|56=TW42|386=2|336=${a}|336=${b}|10=000|`;
    expect(cmp(g('A', 'B'), g('A', 'B'))).toBeNull();
    expect(cmp(g('A', 'B'), g('B', 'A'))).toBe("tag 336: expected 'A', received 'B'");
    expect(cmp(g('A', 'B'), g('A', 'B').replace('|336=B', ''))).toBe('tag 336: expected 2 occurrence(s), received 1');
  });

  it('requires 8, 9, 35 first and CheckSum last in the received message', () => {
    expect(cmp(LOGON_EXPECTED, LOGON_RECEIVED.replace('9=67|35=A|', '35=A|9=67|'))).toMatch(/does not start with 8, 9, 35/);
    expect(cmp(LOGON_EXPECTED, `${LOGON_RECEIVED.replace('|10=123|', '|')}10=123|108=30|`)).toMatch(/end with CheckSum/);
  });

  it('has default patterns for CheckSum and SendingTime', () => {
    expect(compareMessages(fix(LOGON_EXPECTED), fix(LOGON_RECEIVED), { patterns: DEFAULT_PATTERNS })).toBeNull();
  });

  it('parses fields, keeping order and repeats', () => {
    expect(parseFields(fix('8=FIX.4.2|58=a=b|58=|'))).toEqual([
      [8, 'FIX.4.2'],
      [58, 'a=b'],
      [58, ''],
    ]);
  });
});
