// The connection driver and script runner against a small in-process acceptor stand-in.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compareMessages, parseFields } from '../../fix-acceptance/compare.ts';
import { FixFramer } from '../../fix-acceptance/connection.ts';
import { formatCase, formatSummary } from '../../fix-acceptance/reporter.ts';
import { runSteps } from '../../fix-acceptance/runner.ts';
import { completeMessage, parseScript } from '../../fix-acceptance/script.ts';

const fix = (s: string): string => s.replace(/\|/g, '\x01');
const patterns = new Map([
  [10, /\d{3}/],
  [52, /\d{8}-\d{2}:\d{2}:\d{2}/],
]);
const now = (): string => new Date().toISOString().replace(/[-]/g, '').replace('T', '-').slice(0, 21);

/** Answers Logon with Logon, Logout with Logout then close, 35=1 with a heartbeat; "BYE" closes at once. */
function handle(socket: Socket, message: string): void {
  const fields = new Map(parseFields(message).map(([t, v]) => [t, v]));
  const reply = (body: string): void => {
    socket.write(Buffer.from(completeMessage(fix(`8=FIX.4.2|${body}`)), 'latin1'));
  };
  const header = (type: string, seq: number): string => `35=${type}|34=${seq}|49=ISLD|52=${now()}|56=TW42|`;
  switch (fields.get(35)) {
    case 'A':
      reply(`${header('A', 1)}98=0|108=${fields.get(108) ?? '30'}|`);
      break;
    case '5':
      reply(header('5', 2));
      socket.end();
      break;
    case '1':
      reply(`${header('0', 2)}112=${fields.get(112) ?? ''}|`);
      break;
    case 'B':
      socket.destroy();
      break;
    default:
      break;
  }
}

let server: Server;
let port = 0;
const received: string[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    const framer = new FixFramer();
    socket.on('data', (chunk) => {
      framer.push(chunk.toString('latin1'));
      for (let m = framer.next(); m !== undefined; m = framer.next()) {
        received.push(m);
        handle(socket, m);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

// Each expected message may take this long: a busy machine can hold up even this in-process server past 2 s.
// The test about the limit itself passes its own.
const run = (script: string, timeoutMs = 15_000): Promise<string | null> =>
  runSteps(parseScript(fix(script)), { host: '127.0.0.1', port }, { patterns, timeoutMs });

const LOGON = 'I8=FIX.4.2|35=A|34=1|49=TW42|52=<TIME>|56=ISLD|98=0|108=30|';
const LOGON_REPLY = 'E8=FIX.4.2|9=63|35=A|34=1|49=ISLD|52=00000000-00:00:00.000|56=TW42|98=0|108=30|10=0|';
const LOGOUT = 'I8=FIX.4.2|35=5|34=2|49=TW42|52=<TIME>|56=ISLD|';
const LOGOUT_REPLY = 'E8=FIX.4.2|9=51|35=5|34=2|49=ISLD|52=00000000-00:00:00.000|56=TW42|10=0|';

describe('FixFramer', () => {
  const msg = completeMessage(fix('8=FIX.4.2|35=0|34=2|49=A|52=20240101-00:00:00|56=B|'));

  it('frames messages split at every byte and joined together', () => {
    const framer = new FixFramer();
    const out: string[] = [];
    for (const ch of msg + msg) {
      framer.push(ch);
      const m = framer.next();
      if (m !== undefined) out.push(m);
    }
    expect(out).toEqual([msg, msg]);
  });

  it('refuses a bad checksum, a wrong BodyLength and data that is not FIX', () => {
    const badSum = new FixFramer();
    badSum.push(msg.replace(/10=\d{3}/, '10=999'));
    expect(() => badSum.next()).toThrow(/CheckSum/);
    const badLength = new FixFramer();
    badLength.push(msg.replace(/9=\d+/, '9=5'));
    expect(() => badLength.next()).toThrow(/BodyLength/);
    const garbage = new FixFramer();
    garbage.push('HTTP/1.1 200 OK');
    expect(() => garbage.next()).toThrow(/8=/);
  });
});

describe('runSteps', () => {
  it('passes a logon and logout exchange, sending complete messages', async () => {
    received.length = 0;
    expect(await run([`iCONNECT`, LOGON, LOGON_REPLY, LOGOUT, LOGOUT_REPLY, 'eDISCONNECT'].join('\n'))).toBeNull();
    expect(received).toHaveLength(2);
    expect(received[0]?.split('\x01').join('|')).toMatch(/^8=FIX\.4\.2\|9=\d+\|35=A\|.*\|10=\d{3}\|$/);
  });

  it('reports the first difference with the line number', async () => {
    const reason = await run([`iCONNECT`, LOGON, LOGON_REPLY.replace('108=30', '108=31')].join('\n'));
    expect(reason).toMatch(/^line 3: tag 108: expected '31', received '30'; expected .* received /);
  });

  it('fails when a message arrives where a disconnect was expected', async () => {
    const reason = await run([`iCONNECT`, LOGON, 'eDISCONNECT'].join('\n'));
    expect(reason).toMatch(/^line 3: expected disconnect, received 8=FIX\.4\.2\|/);
  });

  it('fails when no message arrives in time, and when the acceptor closed', async () => {
    expect(await run(['iCONNECT', LOGON_REPLY].join('\n'), 300)).toMatch(/^line 2: no message within 300 ms/);
    const closed = await run(['iCONNECT', 'I8=FIX.4.2|35=B|34=1|', LOGON_REPLY].join('\n'));
    expect(closed).toMatch(/^line 3: connection closed; expected/);
  });

  it('keeps connections apart by number', async () => {
    const script = [
      'i1,CONNECT',
      'i2,CONNECT',
      `I2,${LOGON.slice(1)}`,
      `E2,${LOGON_REPLY.slice(1)}`,
      `I1,${LOGON.slice(1).replace('108=30', '108=5')}`,
      `E1,${LOGON_REPLY.slice(1).replace('108=30', '108=5')}`,
      'I1,8=FIX.4.2|35=1|34=2|49=TW42|52=<TIME>|56=ISLD|112=T|',
      'E1,8=FIX.4.2|35=0|34=2|49=ISLD|52=x|56=TW42|112=T|',
      'i2,DISCONNECT',
    ].join('\n');
    expect(await run(script)).toBeNull();
    expect(await run(['i1,CONNECT', `I2,${LOGON.slice(1)}`].join('\n'))).toMatch(/connection 2 is not open/);
  });

  it('uses the comparer the runner uses', () => {
    expect(compareMessages(fix(LOGON_REPLY.slice(1)), fix(LOGON_REPLY.slice(1).replace('10=0', '10=000')), { patterns })).toBeNull();
  });
});

describe('reporter', () => {
  it('prints PASS/FAIL lines and the summary line', () => {
    const results = [
      { name: 'fix42/a', passed: true, ms: 1 },
      { name: 'fix42/b', passed: false, reason: 'line 3: tag 45', ms: 2 },
    ];
    expect(results.map((r) => formatCase(r))).toEqual(['PASS fix42/a', 'FAIL fix42/b: line 3: tag 45']);
    expect(formatSummary(results)).toBe('1 passed, 1 failed');
  });
});
