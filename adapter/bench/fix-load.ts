/**
 * Load for the FIX bench: order senders (a raw FIX client, our FixInitiator, a jspurefix initiator)
 * behind one small interface, and the two measures run through each of them:
 *
 * - throughput: `count` orders with at most `window` unanswered, round trips per second;
 * - latency: orders paced at `rate` per second for `seconds`, each timed from just before it is
 *   handed to the sender to its ExecutionReport (or, for the echo floor, its echo).
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { FixInitiator, MemoryMessageStore } from '../src/fix/index.ts';
import { formatUtcTimestamp } from '../src/fix/codec/utc-timestamp.ts';
import { startJspurefix, PeerState } from '../test/interop/jspurefix-peer.ts';
import { FIX44_XML, orderFields, ReportCollector, waitFor } from '../test/interop/support.ts';

export interface OrderSender {
  /** Sends order number `i` (ClOrdID `C<i>`). */
  send(i: number): void;
  /** Set by the measures: called with the order number of each answer. */
  onReply: (i: number) => void;
  close(): Promise<void>;
}

/** UTC timestamp with milliseconds, formatted once per millisecond. */
let cachedAt = 0;
let cachedText = '';
export function now(): string {
  const t = Date.now();
  if (t !== cachedAt) {
    cachedAt = t;
    cachedText = formatUtcTimestamp(t, true);
  }
  return cachedText;
}

const orderNumber = (clOrdId: string): number => Number(clOrdId.slice(1));

// -------------------------------------------------------------------------------------------------
// A raw FIX 4.4 client: pre-shaped text, no session layer beyond Logon and sequence numbers. It
// costs next to nothing, so what it measures is the acceptor on the other side.

export class RawFixClient implements OrderSender {
  onReply: (i: number) => void = () => undefined;
  private seq = 1;
  private pending = Buffer.alloc(0);
  private loggedOn: (() => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly sender: string,
    private readonly target: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  /** Connects; with `logon` sends a Logon and waits for the answer (not for the echo floor). */
  static async connect(port: number, options: { sender: string; target: string; logon: boolean }): Promise<RawFixClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
      s.once('error', reject);
    });
    const client = new RawFixClient(socket, options.sender, options.target);
    if (options.logon) {
      const answered = new Promise<void>((resolve) => (client.loggedOn = resolve));
      client.write('A', '98=0\x01108=30\x01');
      await Promise.race([answered, new Promise((_, reject) => setTimeout(() => reject(new Error('no Logon answer within 10 s')), 10_000))]);
    }
    return client;
  }

  send(i: number): void {
    const t = now();
    this.write('D', `11=C${i}\x0121=1\x0155=XWIRE\x0154=1\x0160=${t}\x0138=100\x0140=2\x0144=${10 + (i % 100)}.25\x01`, t);
  }

  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    this.write('5', '');
    await new Promise((resolve) => setTimeout(resolve, 100));
    this.socket.destroy();
  }

  private write(msgType: string, body: string, sendingTime = now()): void {
    const rest = `35=${msgType}\x0134=${this.seq++}\x0149=${this.sender}\x0152=${sendingTime}\x0156=${this.target}\x01${body}`;
    const text = `8=FIX.4.4\x019=${rest.length}\x01${rest}`;
    let sum = 0;
    for (let k = 0; k < text.length; k++) sum += text.charCodeAt(k);
    this.socket.write(`${text}10=${String(sum % 256).padStart(3, '0')}\x01`, 'latin1');
  }

  /** Frames by BodyLength (leading zeros allowed) and reads 35 and 11 of each message. */
  private receive(chunk: Buffer): void {
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const lengthAt = data.indexOf('\x019=', 0, 'latin1');
      if (lengthAt < 0) break;
      const lengthEnd = data.indexOf(1, lengthAt + 3);
      if (lengthEnd < 0) break;
      const bodyStart = lengthEnd + 1;
      const end = bodyStart + Number(data.toString('latin1', lengthAt + 3, lengthEnd)) + 7; // 10=nnn<SOH>
      if (data.length < end) break;
      const text = data.toString('latin1', bodyStart, end);
      data = data.subarray(end);
      const msgType = text.startsWith('35=') ? text.slice(3, text.indexOf('\x01')) : undefined;
      if (msgType === 'A') this.loggedOn?.();
      else if (msgType === '8' || msgType === 'D') {
        const at = text.indexOf('\x0111=');
        if (at >= 0) this.onReply(orderNumber(text.slice(at + 4, text.indexOf('\x01', at + 4))));
      }
    }
    this.pending = Buffer.from(data);
  }
}

// -------------------------------------------------------------------------------------------------
// Our FixInitiator and a jspurefix initiator as order senders

export async function ourInitiator(port: number, target: string): Promise<OrderSender> {
  const collector = new ReportCollector();
  const initiator = new FixInitiator(
    {
      session: { beginString: 'FIX.4.4', senderCompId: 'BENCHI', targetCompId: target, heartBtInt: 30 },
      connection: { host: '127.0.0.1', port, reconnectIntervalSeconds: 1 },
    },
    { dictionary: FIX44_XML, storeFactory: () => new MemoryMessageStore(), application: collector },
  );
  await initiator.start();
  await waitFor('our initiator to log on', () => initiator.session.isLoggedOn, 10_000);
  const sender: OrderSender = {
    onReply: () => undefined,
    send(i) {
      void initiator.session.handle.send('D', orderFields(i, now()));
    },
    close: () => initiator.stop({ logout: true }),
  };
  collector.onReport = (id) => sender.onReply(orderNumber(id));
  return sender;
}

export async function jspurefixInitiator(port: number, target: string): Promise<OrderSender> {
  const state = new PeerState();
  const peer = startJspurefix({ role: 'initiator', port, senderCompId: 'BENCHI', targetCompId: target }, state);
  await waitFor('jspurefix to log on', () => state.current !== undefined, 10_000);
  const session = state.current!;
  const sender: OrderSender = {
    onReply: () => undefined,
    send: (i) => session.sendOrder(i),
    async close() {
      session.logout();
      await Promise.race([peer.finished, new Promise((resolve) => setTimeout(resolve, 3000))]);
      peer.stop();
    },
  };
  state.onReport = (id) => sender.onReply(orderNumber(id));
  return sender;
}

// -------------------------------------------------------------------------------------------------
// Measures

export interface ThroughputResult {
  perSecond: number;
  answered: number;
  count: number;
}

/** `count` orders numbered from `first`, at most `window` unanswered; bounded by `limitMs`. */
export async function throughput(sender: OrderSender, first: number, count: number, window: number, limitMs: number): Promise<ThroughputResult> {
  let sent = 0;
  let answered = 0;
  const started = performance.now();
  let finished = 0;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, limitMs);
    const fill = (): void => {
      while (sent < count && sent - answered < window) sender.send(first + sent++);
    };
    sender.onReply = () => {
      answered++;
      if (answered >= count) {
        finished = performance.now();
        clearTimeout(timer);
        resolve();
      } else fill();
    };
    fill();
  });
  sender.onReply = () => undefined;
  const elapsed = (finished || performance.now()) - started;
  return { perSecond: (answered / elapsed) * 1000, answered, count };
}

export interface LatencyResult {
  samples: number[];
  sent: number;
  /** Orders sent per second, as achieved. */
  rate: number;
}

/** Orders numbered from `first`, paced at `rate`/s for `seconds`; waits up to `drainMs` for the last answers. */
export async function latency(sender: OrderSender, first: number, rate: number, seconds: number, drainMs: number): Promise<LatencyResult> {
  const count = Math.round(rate * seconds);
  const sentAt = new Float64Array(count);
  const took = new Float64Array(count).fill(Number.NaN);
  let answered = 0;
  sender.onReply = (i) => {
    const k = i - first;
    if (k >= 0 && k < count && Number.isNaN(took[k]!)) {
      took[k] = performance.now() - sentAt[k]!;
      answered++;
    }
  };
  const started = performance.now();
  let sent = 0;
  while (sent < count) {
    const due = Math.min(count, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
    while (sent < due) {
      sentAt[sent] = performance.now();
      sender.send(first + sent);
      sent++;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const sendSeconds = (performance.now() - started) / 1000;
  const deadline = performance.now() + drainMs;
  while (answered < count && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  sender.onReply = () => undefined;
  return { samples: [...took].filter((v) => !Number.isNaN(v)), sent: count, rate: count / sendSeconds };
}
