/**
 * jspurefix (npm) as an order-flow counterparty over TCP or TLS: an acceptor that fills every
 * NewOrderSingle with an ExecutionReport, and an initiator that sends orders and collects the
 * reports. Both run in this process through jspurefix's own SessionLauncher, with its dictionary
 * `qf44` (node_modules/jspurefix/data/FIX44.xml) and a file store so a reconnect resumes the
 * sequence numbers. Certificates are passed as PEM text (jspurefix's own `key`/`cert`/`ca` fields
 * are paths relative to its package).
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AsciiSession,
  EmptyLogFactory,
  JsFixWinstonLogFactory,
  SessionLauncher,
  WinstonLogger,
  type EngineFactory,
  type IJsFixConfig,
  type ISessionDescription,
  type MsgView,
} from 'jspurefix';
import { FixMsgAsciiStoreResend, FixMsgStoreRecord } from 'jspurefix/dist/store/index.js';
import { until } from '../../../orchestrator/test/support/waiting.ts';

export interface PeerTls {
  /** Our own certificate and key (PEM). */
  cert: string;
  key: string;
  /** CA certificates to trust for the other side (PEM). */
  ca: string[];
  /** Acceptor: ask for and check a client certificate. */
  requestCert?: boolean;
  /** Initiator: the name to check the server's certificate against. */
  serverName?: string;
}

export interface PeerOptions {
  role: 'initiator' | 'acceptor';
  host?: string;
  port: number;
  senderCompId: string;
  targetCompId: string;
  /** Directory of the file store; the same directory on a reconnect continues the sequence numbers. Absent: memory store. */
  storeDirectory?: string;
  tls?: PeerTls;
  heartBtInt?: number;
}

function describe(options: PeerOptions): ISessionDescription {
  const tls = options.tls;
  const tcp = {
    host: options.host ?? '127.0.0.1',
    port: options.port,
    ...(tls
      ? {
          tls: {
            requestCert: tls.requestCert ?? false,
            rejectUnauthorized: true,
            ...(options.role === 'acceptor'
              ? { nodeTlsServerOptions: { cert: tls.cert, key: tls.key, ca: tls.ca, minVersion: 'TLSv1.2' as const } }
              : { nodeTlsConnectionOptions: { cert: tls.cert, key: tls.key, ca: tls.ca, servername: tls.serverName, minVersion: 'TLSv1.2' as const } }),
          },
        }
      : {}),
  };
  return {
    application: {
      name: `jspurefix-${options.role}`,
      type: options.role,
      reconnectSeconds: 1,
      resilient: false,
      tcp,
      protocol: 'ascii',
      dictionary: 'qf44',
    },
    Name: `jspurefix-${options.role}`,
    Username: '',
    Password: '',
    SenderSubID: '',
    TargetSubID: '',
    ResetSeqNumFlag: false,
    HeartBtInt: options.heartBtInt ?? 30,
    SenderCompId: options.senderCompId,
    TargetCompID: options.targetCompId,
    BeginString: 'FIX.4.4',
    BodyLengthChars: 6,
    store: options.storeDirectory === undefined ? { type: 'memory' } : { type: 'file', directory: options.storeDirectory },
  } as unknown as ISessionDescription;
}

/** The jspurefix side of a session: what it saw, shared by every connection of the session. */
export class PeerState {
  orders = 0;
  readonly filled = new Set<string>();
  /** Execution reports that repeated one already handled: a real duplicate, never a resend (below). */
  duplicates = 0;
  /** Each repeat: ClOrdID, `ExecID@MsgSeqNum`, and those of the first report for it. */
  readonly repeats: string[] = [];
  /**
   * Resends (PossDupFlag=Y) of a report already handled under the same MsgSeqNum, ignored. jspurefix
   * hands every PossDup message to the application whatever its number, where QuickFIX drops those
   * below the expected number; a trading client checks them, as FIX asks, and so does this one.
   */
  resendsIgnored = 0;
  /** ClOrdID → the first report for it. */
  readonly #firstReport = new Map<string, { execId: string; seq: number }>();
  logons = 0;
  /** [lastSentSeqNum, lastPeerSeqNum, the counterparty's Logon MsgSeqNum] when each connection became ready. */
  readonly readyAt: [number, number, number][] = [];
  /** Called with each ExecutionReport's ClOrdID (the bench times round trips with it). */
  onReport: ((clOrdId: string) => void) | undefined;
  /** The live initiator session, for sending. */
  current: OrderFlowSession | undefined;
  /**
   * Answer the counterparty's ResendRequests with the orders sent. jspurefix (3.x) answers them from a
   * per-connection memory store that nothing fills, so after a dropped connection it gap-fills over
   * application messages the other side never got: they are lost. Tests that drop connections
   * mid-flow turn this on.
   */
  resendFromStore = false;
  /** MsgSeqNum → [order number, when sent] of every order sent, for `resendFromStore`. */
  readonly sentOrders = new Map<number, [number, Date]>();
  /** The highest MsgSeqNum sent, and the session that sent it. */
  maxSent = 0;
  lastSession: OrderFlowSession | undefined;

  /** The MsgSeqNum of the first ExecutionReport for the order. */
  reportSeqOf(clOrdId: string): number | undefined {
    return this.#firstReport.get(clOrdId)?.seq;
  }

  /** Records an ExecutionReport; false when it is a resend of one already handled (ignore it). */
  recordReport(clOrdId: string, report: { execId: string; seq: number; possDup: boolean }): boolean {
    const first = this.#firstReport.get(clOrdId);
    if (first === undefined) {
      this.#firstReport.set(clOrdId, report);
      this.filled.add(clOrdId);
      return true;
    }
    if (report.possDup && report.seq === first.seq && report.execId === first.execId) {
      this.resendsIgnored++;
      return false;
    }
    this.duplicates++;
    if (this.repeats.length < 50) this.repeats.push(`${clOrdId}: ${report.execId}@${report.seq}${report.possDup ? ' PossDup' : ''} after ${first.execId}@${first.seq}`);
    return true;
  }

  /**
   * Stores the next sender number as the highest one sent + 1. jspurefix persists it with writes it
   * does not wait for (and resends write lower numbers again), so after a dropped connection the file
   * can hold a number already used: the next Logon would reuse it, and the counterparty would rightly
   * take the Logon in place of the message that number carried. Call between connections.
   */
  async persistSenderSeq(): Promise<void> {
    if (this.#store && this.maxSent > 0) await this.#store.setSenderSeqNum(this.maxSent + 1);
  }

  /** MsgSeqNums the counterparty's messages (or its gap fills) have covered; with `resendFromStore`. */
  readonly #received = new Set<number>();
  /** The lowest number not covered yet. */
  #firstMissing = 1;

  /** Records the numbers a message jspurefix accepted covers (a SequenceReset covers up to its NewSeqNo). */
  recordReceived(msgType: string, seq: number, newSeqNo: number | undefined): void {
    const last = msgType === '4' && newSeqNo !== undefined ? newSeqNo - 1 : seq;
    for (let n = seq; n <= last; n++) this.#received.add(n);
    while (this.#received.has(this.#firstMissing)) this.#received.delete(this.#firstMissing++);
  }

  /**
   * Stores the next expected number as the lowest one never received. On a gap jspurefix asks for a
   * resend but moves its expected number past the gap at once, so when the connection drops before the
   * resend arrives, the gap is never asked for again and its messages are lost to the application. With
   * this the next Logon asks again from the first hole; what comes twice is a PossDup resend, ignored.
   * `atMost` asks from an earlier number still (the application knows of a report it never got).
   * Call between connections.
   */
  async persistTargetSeq(atMost?: number): Promise<void> {
    if (this.#store) await this.#store.setTargetSeqNum(Math.min(this.#firstMissing, atMost ?? Number.POSITIVE_INFINITY));
  }

  /** The numbers the store of the last session that sent holds in memory: what its latest write to the file carried. */
  storedSeqNums(): StoredSeqNums | undefined {
    const store = this.#store;
    return store ? { sender: store.senderSeqNum, target: store.targetSeqNum } : undefined;
  }

  get #store() {
    return (
      this.lastSession as unknown as
        | { sessionStore?: { readonly senderSeqNum: number; readonly targetSeqNum: number; setSenderSeqNum(n: number): Promise<void>; setTargetSeqNum(n: number): Promise<void> } }
        | undefined
    )?.sessionStore;
  }
}

/** The next MsgSeqNum to send and the next one expected, as jspurefix's file store keeps them. */
export interface StoredSeqNums {
  sender: number;
  target: number;
}

/** The file in which jspurefix's file store keeps the session's sequence numbers (`<BeginString>-<SenderCompID>-<TargetCompID>.seqnums`). */
export function seqNumsFile(options: Pick<PeerOptions, 'storeDirectory' | 'senderCompId' | 'targetCompId'>): string {
  if (options.storeDirectory === undefined) throw new Error('a memory store keeps no sequence number file');
  return join(options.storeDirectory, `FIX.4.4-${options.senderCompId}-${options.targetCompId}.seqnums`);
}

/** The file's text; undefined while it does not exist. */
function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The numbers in the text of a `.seqnums` file: both right-aligned in 20 characters, `sender : target`.
 * Anything else is a write caught halfway (jspurefix truncates the file, then writes it), not numbers.
 */
function parseSeqNums(text: string | undefined): StoredSeqNums | undefined {
  const match = text === undefined ? null : /^( *\d+) : ( *\d+)$/.exec(text);
  if (match === null || match[1]!.length !== 20 || match[2]!.length !== 20) return undefined;
  return { sender: Number(match[1]), target: Number(match[2]) };
}

function describeSeen(file: string, text: string | undefined): string {
  const seen = parseSeqNums(text);
  if (seen) return `${file} holds sender ${seen.sender}, target ${seen.target}`;
  return text === undefined ? `${file} does not exist` : `${file} holds ${JSON.stringify(text)}`;
}

/**
 * Waits until jspurefix's file store holds `expected`. jspurefix writes the numbers without waiting
 * for the writes, so they can land well after its session has ended; a reconnect before that would
 * log on with numbers already used.
 */
export async function waitForStoredSeqNums(file: string, expected: StoredSeqNums, timeoutMs = 15_000): Promise<void> {
  let text: string | undefined;
  await until(
    `jspurefix's store to hold sender ${expected.sender}, target ${expected.target}`,
    () => {
      text = readText(file);
      const seen = parseSeqNums(text);
      return seen !== undefined && seen.sender === expected.sender && seen.target === expected.target;
    },
    timeoutMs,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; ${describeSeen(file, text)}`);
  });
}

/**
 * Waits until jspurefix's writes of the sequence numbers have landed after a session ended, when the
 * numbers it should hold are not known: until the file has stopped changing and holds what the
 * session's store holds in memory, which its latest write carried. The writes run concurrently and
 * can land out of order, leaving an older pair last; the file then never matches, so one that has
 * not changed for `STALE_QUIET_MS` counts as settled too (nothing is in flight any more, and the
 * caller overwrites the numbers anyway). Nothing sent yet: jspurefix has written no numbers.
 */
export async function waitForSeqNumWritesToSettle(file: string, state: PeerState, timeoutMs = 15_000): Promise<void> {
  const QUIET_MS = 200;
  const STALE_QUIET_MS = 2_000;
  if (state.storedSeqNums() === undefined) return;
  let text: string | undefined;
  let changedAt = Date.now();
  await until(
    "jspurefix's sequence number writes to settle",
    () => {
      const now = readText(file);
      if (now !== text) [text, changedAt] = [now, Date.now()];
      const seen = parseSeqNums(text);
      const meant = state.storedSeqNums();
      if (seen === undefined || meant === undefined) return false;
      const quiet = Date.now() - changedAt;
      return (quiet >= QUIET_MS && seen.sender === meant.sender && seen.target === meant.target) || quiet >= STALE_QUIET_MS;
    },
    timeoutMs,
  ).catch((error: Error) => {
    const meant = state.storedSeqNums();
    throw new Error(`${error.message}; ${describeSeen(file, text)}, the session's store sender ${meant?.sender}, target ${meant?.target}`);
  });
}

/** A NewOrderSingle shaped like oflow_initiator's. */
function orderBody(i: number) {
  return {
    ClOrdID: `C${i}`,
    HandlInst: '1',
    Instrument: { Symbol: 'XWIRE' },
    Side: '1',
    TransactTime: new Date(),
    OrderQtyData: { OrderQty: 100 },
    OrdType: '2',
    Price: 10 + (i % 100) + 0.25,
  };
}

export class OrderFlowSession extends AsciiSession {
  constructor(
    config: IJsFixConfig,
    private readonly state: PeerState,
  ) {
    super(config);
    if (state.resendFromStore) {
      // jspurefix's sequence check is private in its typings; this records what it accepted.
      const self = this as unknown as { checkSeqNo(msgType: string, view: MsgView): boolean };
      const check = self.checkSeqNo.bind(this);
      self.checkSeqNo = (msgType, view) => {
        const accepted = check(msgType, view);
        const newSeqNo = view.getString(36);
        if (accepted) state.recordReceived(msgType, Number(view.getString(34)), newSeqNo === undefined ? undefined : Number(newSeqNo));
        return accepted;
      };
      // Its gap fill (SequenceReset-GapFill with PossDupFlag) is right; private in the typings.
      const gaps = new FixMsgAsciiStoreResend({} as never, config) as unknown as { sequenceResetGap(from: number, to: number): FixMsgStoreRecord };
      // jspurefix's resender is private in its typings; this one answers from `state.sentOrders`.
      (this as unknown as { resender: Pick<FixMsgAsciiStoreResend, 'getResendRequest'> }).resender = {
        getResendRequest: (begin: number, end: number) => {
          const out: FixMsgStoreRecord[] = [];
          let gapFrom = begin;
          for (let seq = begin; seq <= end; seq++) {
            const sent = state.sentOrders.get(seq);
            if (sent === undefined) continue;
            const [i, at] = sent;
            if (seq > gapFrom) out.push(gaps.sequenceResetGap(gapFrom, seq));
            const header = config.factory!.header('D', seq, new Date(), { PossDupFlag: true, OrigSendingTime: at });
            out.push(new FixMsgStoreRecord('D', new Date(), seq, { ...orderBody(i), StandardHeader: header }));
            gapFrom = seq + 1;
          }
          if (gapFrom <= end) out.push(gaps.sequenceResetGap(gapFrom, end + 1));
          return Promise.resolve(out);
        },
      };
    }
  }

  protected override txOnEncoded(msgType: string, data: string, hdr: { MsgSeqNum?: number }): void {
    super.txOnEncoded(msgType, data, hdr);
    if (hdr.MsgSeqNum !== undefined && hdr.MsgSeqNum > this.state.maxSent) {
      this.state.maxSent = hdr.MsgSeqNum;
      this.state.lastSession = this;
    }
    // jspurefix hands over its text with '|' in place of SOH.
    const clOrdId = /\|11=C(\d+)\|/.exec(data)?.[1];
    if (msgType === 'D' && clOrdId !== undefined && hdr.MsgSeqNum !== undefined && hdr.MsgSeqNum > 0) this.state.sentOrders.set(hdr.MsgSeqNum, [Number(clOrdId), new Date()]);
  }

  /** Sends one NewOrderSingle shaped like oflow_initiator's. */
  sendOrder(i: number): void {
    this.send('D', orderBody(i));
  }

  /** Logs out (the session ends, the launcher's run resolves). */
  logout(): void {
    this.done();
  }

  protected onApplicationMsg(msgType: string, view: MsgView): void {
    if (msgType === 'D') {
      const n = ++this.state.orders;
      const qty = view.getString(38) ?? '0';
      const px = view.getString(44) ?? '0';
      this.send('8', {
        OrderID: `O${n}`,
        ExecID: `E${n}`,
        ExecType: 'F',
        OrdStatus: '2',
        ClOrdID: view.getString(11),
        Instrument: { Symbol: view.getString(55) ?? 'N/A' },
        Side: view.getString(54) ?? '1',
        OrderQtyData: { OrderQty: Number(qty) },
        LastQty: Number(qty),
        LastPx: Number(px),
        LeavesQty: 0,
        CumQty: Number(qty),
        AvgPx: Number(px),
      });
    } else if (msgType === '8') {
      const id = view.getString(11) ?? '';
      const report = { execId: view.getString(17) ?? '', seq: Number(view.getString(34)), possDup: view.getString(43) === 'Y' };
      if (this.state.recordReport(id, report)) this.state.onReport?.(id);
    }
  }

  protected onReady(view: MsgView): void {
    this.state.logons++;
    this.state.readyAt.push([this.lastSentSeqNum(), this.lastPeerSeqNum(), Number(view.getString(34))]);
    this.state.current = this;
  }

  protected onStopped(): void {
    if (this.state.current === this) this.state.current = undefined;
  }

  protected onLogon(_view: MsgView, _user: string, _password: string): boolean {
    return true;
  }

  protected onDecoded(_msgType: string, _txt: string): void {}

  protected onEncoded(_msgType: string, _txt: string): void {}
}

class Launcher extends SessionLauncher {
  constructor(
    description: ISessionDescription,
    private readonly state: PeerState,
  ) {
    const initiator = description.application?.type === 'initiator';
    // JSPUREFIX_LOG=debug|info shows jspurefix's own log on the console.
    const level = process.env.JSPUREFIX_LOG;
    const logs = level ? new JsFixWinstonLogFactory(WinstonLogger.consoleOptions(level)) : new EmptyLogFactory();
    super(initiator ? description : null, initiator ? null : description, logs);
  }

  protected override makeFactory(_config: IJsFixConfig): EngineFactory {
    return { makeSession: (sessionConfig: IJsFixConfig) => new OrderFlowSession(sessionConfig, this.state) };
  }
}

export interface RunningJspurefix {
  readonly state: PeerState;
  /** Resolves when the initiator's session ended or the acceptor stopped listening: with the error, if it failed. */
  readonly finished: Promise<Error | undefined>;
  stop(): void;
}

/** Starts a jspurefix initiator or acceptor; `state` carries over between connections of one session. */
export function startJspurefix(options: PeerOptions, state = new PeerState()): RunningJspurefix {
  const launcher = new Launcher(describe(options), state);
  const finished = launcher.run().then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  return { state, finished, stop: () => launcher.stop() };
}
