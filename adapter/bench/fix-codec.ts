/**
 * Codec rates for the FIX bench: our framer + parser and encoder against jspurefix's AsciiParser and
 * AsciiMsgTransmitter, on the same FIX 4.4 messages (a NewOrderSingle and its ExecutionReport).
 *
 * - parse: bytes in, messages out with every field reachable. Ours: FixFramer + parseMessage (a
 *   FixMessage of field offsets). jspurefix: AsciiParser.parseBuffer to its MsgView (tokenise,
 *   structure from the dictionary, view), as its own `jsfix-bench parse:view` case measures.
 * - encode: a message to wire bytes with BodyLength and CheckSum. Ours: encodeMessage (header +
 *   field list). jspurefix: AsciiMsgTransmitter.encodeMessage (header + object), then the bytes copied out.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { DITokens, SessionContainer, EmptyLogFactory, type IJsFixConfig, type ISessionDescription } from 'jspurefix';
import { ParseCase, ParseDepth } from 'jspurefix/dist/benchmark/index.js';
import { AsciiMsgTransmitter } from 'jspurefix/dist/transport/ascii/ascii-msg-transmitter.js';
import { encodeMessage, FixFramer, parseMessage, type FixField } from '../src/fix/index.ts';

export interface CodecResult {
  name: string;
  ours: number;
  jspurefix: number;
}

const SENDING_TIME = '20250102-03:04:05.678';

const ORDER_BODY: FixField[] = [
  [11, 'C12345'], [21, '1'], [55, 'XWIRE'], [54, '1'], [60, SENDING_TIME], [38, '100'], [40, '2'], [44, '10.25'],
];
const REPORT_BODY: FixField[] = [
  [37, 'O12345'], [17, 'E12345'], [150, 'F'], [39, '2'], [11, 'C12345'], [55, 'XWIRE'], [54, '1'], [38, '100'],
  [32, '100'], [31, '10.25'], [151, '0'], [14, '100'], [6, '10.25'],
];

const header = (msgType: string, msgSeqNum: number) => ({
  beginString: 'FIX.4.4', msgType, senderCompId: 'CROSSWIRE', targetCompId: 'BENCH', msgSeqNum, sendingTime: SENDING_TIME, extra: [] as FixField[],
});

const jsOrder = {
  ClOrdID: 'C12345', HandlInst: '1', Instrument: { Symbol: 'XWIRE' }, Side: '1', TransactTime: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)),
  OrderQtyData: { OrderQty: 100 }, OrdType: '2', Price: 10.25,
};
const jsReport = {
  OrderID: 'O12345', ExecID: 'E12345', ExecType: 'F', OrdStatus: '2', ClOrdID: 'C12345', Instrument: { Symbol: 'XWIRE' }, Side: '1',
  OrderQtyData: { OrderQty: 100 }, LastQty: 100, LastPx: 10.25, LeavesQty: 0, CumQty: 100, AvgPx: 10.25,
};

async function jspurefixConfig(): Promise<IJsFixConfig> {
  const sys = new SessionContainer();
  sys.registerGlobal(new EmptyLogFactory());
  const description = {
    application: { name: 'codec-bench', type: 'initiator', protocol: 'ascii', dictionary: 'qf44', reconnectSeconds: 1, resilient: false, tcp: { host: '127.0.0.1', port: 1 } },
    Name: 'codec-bench', Username: '', Password: '', SenderSubID: '', TargetSubID: '', ResetSeqNumFlag: false, HeartBtInt: 30,
    SenderCompId: 'CROSSWIRE', TargetCompID: 'BENCH', BeginString: 'FIX.4.4',
  } as unknown as ISessionDescription;
  const container = await sys.makeSystem(description);
  return container.resolve<IJsFixConfig>(DITokens.IJsFixConfig);
}

/** Runs `work(n)` (which handles n messages) in rounds for about `ms`; messages per second, best round. */
function rate(work: (n: number) => void, n: number, ms: number): number {
  work(n); // warm up
  let best = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const started = performance.now();
    work(n);
    best = Math.max(best, (n / (performance.now() - started)) * 1000);
  }
  return best;
}

export async function codecRates(msPerCase: number): Promise<CodecResult[]> {
  const config = await jspurefixConfig();
  const messages = [encodeMessage(header('D', 1), ORDER_BODY), encodeMessage(header('8', 2), REPORT_BODY)];
  const batch = Buffer.concat(Array.from({ length: 50 }, () => messages).flat()); // 100 messages per pass
  const perPass = 100;

  // Parse: the same bytes through both.
  for (const m of messages) if (!parseMessage(m).ok) throw new Error('our parser refused the bench message');
  const framer = new FixFramer({ maxMessageSize: 1 << 20 });
  let sink = 0;
  const oursParse = rate(
    (n) => {
      for (let pass = 0; pass < n / perPass; pass++) {
        for (const event of framer.push(batch)) {
          if (event.kind !== 'message') continue;
          const parsed = parseMessage(event.frame);
          if (parsed.ok) sink += parsed.message.size;
        }
      }
    },
    20_000,
    msPerCase,
  );
  const jsCase = new ParseCase('parse:view', { config, contents: batch.toString('latin1'), depth: ParseDepth.View });
  jsCase.setup();
  if (jsCase.run(jsCase.alignOperations(perPass)) !== perPass) throw new Error('jspurefix did not parse the bench messages');
  const theirsParse = rate((n) => jsCase.run(jsCase.alignOperations(n)), 20_000, msPerCase);
  jsCase.teardown();

  // Encode: the same two messages from each engine's natural input.
  const oursEncode = rate(
    (n) => {
      for (let i = 0; i < n; i += 2) {
        sink += encodeMessage(header('D', i + 1), ORDER_BODY).length;
        sink += encodeMessage(header('8', i + 2), REPORT_BODY).length;
      }
    },
    20_000,
    msPerCase,
  );
  const transmitter = new AsciiMsgTransmitter(config);
  transmitter.time = new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678));
  const theirsEncode = rate(
    (n) => {
      for (let i = 0; i < n; i += 2) {
        transmitter.encodeMessage('D', jsOrder);
        sink += transmitter.buffer.slice().length;
        transmitter.encodeMessage('8', jsReport);
        sink += transmitter.buffer.slice().length;
      }
    },
    20_000,
    msPerCase,
  );
  if (sink === 0) throw new Error('nothing was parsed or encoded');
  return [
    { name: 'parse (frame + fields), messages/s', ours: oursParse, jspurefix: theirsParse },
    { name: 'encode (header, body, BodyLength, CheckSum), messages/s', ours: oursEncode, jspurefix: theirsEncode },
  ];
}

/** jspurefix's encoding of the bench messages, for checking that both sides encode the same thing. */
export async function jspurefixSample(): Promise<string[]> {
  const config = await jspurefixConfig();
  const transmitter = new AsciiMsgTransmitter(config);
  transmitter.time = new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678));
  const out: string[] = [];
  transmitter.encodeMessage('D', jsOrder);
  out.push(transmitter.buffer.slice().toString('latin1'));
  transmitter.encodeMessage('8', jsReport);
  out.push(transmitter.buffer.slice().toString('latin1'));
  return out;
}
