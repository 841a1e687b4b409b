/**
 * Shared pieces of the interoperability tests and the FIX bench: the QuickFIX C++ reference peers
 * (adapter/interop/build), our side's order-flow applications, certificates for TLS, small waits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FixField, FixMessage } from '../../src/fix/codec/fix-message.ts';
import { formatUtcTimestamp } from '../../src/fix/codec/utc-timestamp.ts';
import { UnsupportedMessageTypeError, type FixApplication, type SessionHandle } from '../../src/fix/session/application.ts';
import { sleep, until } from '../../../orchestrator/test/support/waiting.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** QuickFIX-format dictionaries shipped by jspurefix; our engine, QuickFIX C++ and jspurefix all read them. */
export const JSPUREFIX_DATA = join(here, '../../../node_modules/jspurefix/data');
export const FIX44_XML = join(JSPUREFIX_DATA, 'FIX44.xml');
export const INTEROP_BUILD = join(here, '../../interop/build');
export const OFLOW_ACCEPTOR = join(INTEROP_BUILD, 'oflow_acceptor');
export const OFLOW_INITIATOR = join(INTEROP_BUILD, 'oflow_initiator');

/** Whether the QuickFIX C++ peers are built; prints why not once when they are missing. */
export function quickfixPeersBuilt(who: string): boolean {
  const built = existsSync(OFLOW_ACCEPTOR) && existsSync(OFLOW_INITIATOR);
  if (!built) {
    console.warn(
      `[${who}] SKIPPED: the QuickFIX C++ peers are not built (${INTEROP_BUILD}); ` +
        'run `bash adapter/interop/build.sh` (needs apt-get install -y libquickfix-dev g++)',
    );
  }
  return built;
}

export { freePort, sleep } from '../../../orchestrator/test/support/waiting.ts';

/** Polls `predicate` every 5 ms: these tests wait on message counts that move fast. */
export async function waitFor(what: string, predicate: () => boolean, ms: number): Promise<void> {
  await until(what, () => predicate() || undefined, ms, 5);
}

/** Resolves once something accepts connections on 127.0.0.1:`port` (for peers that do not say when they listen). */
export async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
    await sleep(25);
  }
}

// -------------------------------------------------------------------------------------------------
// QuickFIX C++ peers

export interface RunningPeer {
  readonly process: ChildProcess;
  readonly output: string[];
  /** SIGTERM, then the exit code and everything printed. */
  stop(): Promise<{ code: number | null; output: string }>;
}

/** Starts an acceptor peer and resolves once it printed `READY <port>`. */
export function startPeer(binary: string, args: string[], readyMs = 10_000): Promise<RunningPeer> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${binary} did not print READY within ${readyMs} ms: ${output.join('')}`));
    }, readyMs);
    const collect = (chunk: Buffer): void => {
      output.push(chunk.toString());
      if (/^READY \d+/m.test(output.join(''))) {
        clearTimeout(timer);
        resolve({
          process: child,
          output,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
            if (code === 'timeout') {
              child.kill('SIGKILL');
              return { code: null, output: output.join('') };
            }
            return { code, output: output.join('') };
          },
        });
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${binary} exited with ${code} before READY: ${output.join('')}`));
    });
  });
}

/** Runs a peer to completion; resolves with its exit code and output. */
export function runPeer(binary: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The one JSON line oflow_initiator prints. */
export interface OflowSummary {
  ok: boolean;
  sent: number;
  received: number;
  duplicates: number;
  logons: number;
  logonSeqNums: number[];
  seconds: number;
  error: string;
}

export function parseOflowSummary(stdout: string): OflowSummary {
  const line = stdout.split('\n').find((l) => l.startsWith('{"ok"'));
  if (!line) throw new Error(`oflow_initiator printed no summary: ${stdout}`);
  return JSON.parse(line) as OflowSummary;
}

// -------------------------------------------------------------------------------------------------
// Our side's applications

/** A NewOrderSingle body as oflow_initiator sends it (FIX 4.4). */
export function orderFields(i: number, transactTime = formatUtcTimestamp(Date.now(), true)): FixField[] {
  return [
    [11, `C${i}`],
    [21, '1'],
    [55, 'XWIRE'],
    [54, '1'],
    [60, transactTime],
    [38, '100'],
    [40, '2'],
    [44, `${10 + (i % 100)}.25`],
  ];
}

/**
 * A filled ExecutionReport (FIX 4.4) for an order, as oflow_acceptor sends it (and jspurefix-peer's
 * acceptor): the bench compares the three venues on the same bytes. The product's `fill` mode
 * (src/connectors/fix-applications.ts) answers differently (random OrderID `O-xxxxxxxx`, ExecID
 * `E-n`, ClOrdID second), so this does not reuse it.
 */
export function fillFields(order: FixMessage, n: number): FixField[] {
  const qty = order.get(38) ?? '0';
  const px = order.get(44) ?? '0';
  return [
    [37, `O${n}`],
    [17, `E${n}`],
    [150, 'F'],
    [39, '2'],
    [11, order.get(11) ?? ''],
    [55, order.get(55) ?? 'N/A'],
    [54, order.get(54) ?? '1'],
    [38, qty],
    [32, qty],
    [31, px],
    [151, '0'],
    [14, qty],
    [6, px],
  ];
}

/** Our acceptor's application: fills every NewOrderSingle with an ExecutionReport. */
export class FillApplication implements FixApplication {
  orders = 0;
  readonly clOrdIds = new Set<string>();
  duplicates = 0;
  logons = 0;

  onLogon(): void {
    this.logons++;
  }

  async onMessage(message: FixMessage, session: SessionHandle): Promise<void> {
    if (message.msgType !== 'D') throw new UnsupportedMessageTypeError();
    const id = message.get(11) ?? '';
    if (this.clOrdIds.has(id)) this.duplicates++;
    this.clOrdIds.add(id);
    const n = ++this.orders;
    await session.send('8', fillFields(message, n));
  }
}

/** Our initiator's application: collects ExecutionReports by ClOrdID. */
export class ReportCollector implements FixApplication {
  readonly filled = new Set<string>();
  duplicates = 0;
  /** Called with each report's ClOrdID (the bench times round trips with it). */
  onReport: ((clOrdId: string) => void) | undefined;

  onMessage(message: FixMessage): void {
    if (message.msgType !== '8') throw new UnsupportedMessageTypeError();
    const id = message.get(11) ?? '';
    if (this.filled.has(id)) this.duplicates++;
    this.filled.add(id);
    this.onReport?.(id);
  }
}

// -------------------------------------------------------------------------------------------------
// TLS

export { selfSigned, type Identity } from '../../../orchestrator/test/support/certificates.ts';
