import { describe, expect, it } from 'vitest';

import {
  ScriptSyntaxError,
  checksum,
  completeMessage,
  decodeScript,
  formatUtcSeconds,
  parseScript,
  substituteTime,
} from '../../fix-acceptance/script.ts';

const S = '\x01';
const fix = (s: string): string => s.replace(/\|/g, S);

describe('parseScript', () => {
  it('reads actions and messages, defaulting to connection 1', () => {
    const steps = parseScript(
      ['# a comment', '', 'iCONNECT', fix('I8=FIX.4.2|35=A|34=1|'), fix('E8=FIX.4.2|35=A|'), 'eDISCONNECT'].join('\n'),
    );
    expect(steps).toEqual([
      { kind: 'connect', conn: 1, line: 3 },
      { kind: 'send', conn: 1, line: 4, template: fix('8=FIX.4.2|35=A|34=1|') },
      { kind: 'expect', conn: 1, line: 5, template: fix('8=FIX.4.2|35=A|') },
      { kind: 'expectDisconnect', conn: 1, line: 6 },
    ]);
  });

  it('reads connection numbers on actions and messages', () => {
    const steps = parseScript(['i1,CONNECT', 'i2,CONNECT', fix('I2,8=FIX.4.4|35=A|'), fix('E12,8=FIX.4.4|'), 'e2,DISCONNECT', 'i1,DISCONNECT'].join('\n'));
    expect(steps.map((s) => [s.kind, s.conn])).toEqual([
      ['connect', 1],
      ['connect', 2],
      ['send', 2],
      ['expect', 12],
      ['expectDisconnect', 2],
      ['disconnect', 1],
    ]);
    expect(steps[2]).toMatchObject({ template: fix('8=FIX.4.4|35=A|') });
  });

  it('strips CR from CRLF lines and treats whitespace-only lines as blank', () => {
    const steps = parseScript(`iCONNECT\r\n \r\n${fix('I8=FIX.4.2|35=0|')}\r\neDISCONNECT\r\n`);
    expect(steps).toEqual([
      { kind: 'connect', conn: 1, line: 1 },
      { kind: 'send', conn: 1, line: 3, template: fix('8=FIX.4.2|35=0|') },
      { kind: 'expectDisconnect', conn: 1, line: 4 },
    ]);
  });

  it('keeps Latin-1 bytes one character per byte', () => {
    const bytes = Buffer.from([0x49, 0x38, 0x3d, 0x46, 0x01, 0x35, 0x38, 0x3d, 0xe9, 0xff, 0x01, 0x0a]);
    const [step] = parseScript(decodeScript(bytes));
    expect(step).toMatchObject({ kind: 'send', template: `8=F${S}58=\u00e9\u00ff${S}` });
    if (step?.kind !== 'send') throw new Error('expected a send step');
    expect(Buffer.from(step.template, 'latin1')).toEqual(bytes.subarray(1, 11));
  });

  it('rejects unknown commands with the line number', () => {
    expect(() => parseScript('iCONNECT\nXfoo')).toThrow(ScriptSyntaxError);
    expect(() => parseScript('iCONNECT\nXfoo')).toThrow(/line 2/);
    expect(() => parseScript('iJUMP')).toThrow(/unknown action/);
    expect(() => parseScript('eCONNECT')).toThrow(/not supported/);
  });
});

describe('time substitution', () => {
  const now = new Date(Date.UTC(2024, 1, 29, 23, 59, 30));

  it('formats UTC as YYYYMMDD-HH:MM:SS', () => {
    expect(formatUtcSeconds(now)).toBe('20240229-23:59:30');
  });

  it('replaces <TIME>, <TIME+n> and <TIME-n> everywhere on the line', () => {
    const line = fix('52=<TIME>|122=<TIME-121>|60=<TIME+31>|112=<TIME>|');
    expect(substituteTime(line, now)).toBe(fix('52=20240229-23:59:30|122=20240229-23:57:29|60=20240301-00:00:01|112=20240229-23:59:30|'));
  });

  it('leaves other angle-bracket text alone', () => {
    expect(substituteTime('58=<TIMEX>|', now)).toBe('58=<TIMEX>|');
  });
});

describe('completeMessage', () => {
  it('adds BodyLength after BeginString and CheckSum at the end', () => {
    const out = completeMessage(fix('8=FIX.4.2|35=0|34=2|49=TW42|52=20240101-00:00:00|56=ISLD|'));
    const body = fix('35=0|34=2|49=TW42|52=20240101-00:00:00|56=ISLD|');
    const head = fix(`8=FIX.4.2|9=${body.length}|`);
    expect(out).toBe(`${head}${body}10=${checksum(head + body)}${S}`);
    expect(checksum(head + body)).toMatch(/^\d{3}$/);
  });

  it('keeps a given BodyLength and computes the CheckSum over it', () => {
    const msg = fix('8=FIX.4.2|9=30|35=D|34=2|');
    expect(completeMessage(msg)).toBe(`${msg}10=${checksum(msg)}${S}`);
  });

  it('keeps a given CheckSum and still adds the right BodyLength', () => {
    const out = completeMessage(fix('8=FIX.4.2|35=0|34=2|10=256|'));
    expect(out).toBe(fix('8=FIX.4.2|9=10|35=0|34=2|10=256|'));
  });

  it('sends lines that do not start with 8= as written', () => {
    const msg = fix('35=0|8=FIX.4.2|9=29|34=2|10=121|');
    expect(completeMessage(msg)).toBe(msg);
  });

  it('counts Latin-1 bytes for length and checksum', () => {
    const out = completeMessage(`8=FIX.4.2${S}58=\u00e9${S}`);
    expect(out.startsWith(`8=FIX.4.2${S}9=5${S}`)).toBe(true);
    const sum = [...Buffer.from(`8=FIX.4.2${S}9=5${S}58=\u00e9${S}`, 'latin1')].reduce((a, b) => a + b, 0) % 256;
    expect(out.endsWith(`10=${String(sum).padStart(3, '0')}${S}`)).toBe(true);
  });
});
