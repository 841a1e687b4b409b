/**
 * Runs a QuickFIX acceptance script (.def) against one in-process acceptor Session, with a fake
 * clock so heartbeat and timeout cases take milliseconds. The socket-level runner belongs to the
 * acceptance suite; this one checks the session layer in isolation.
 */
import { readFile } from 'node:fs/promises';
import { checksum, formatChecksum } from '../../src/fix/codec/checksum.ts';
import { FixFramer } from '../../src/fix/codec/framer.ts';
import { parseMessage } from '../../src/fix/codec/parser.ts';
import { formatUtcTimestamp } from '../../src/fix/codec/utc-timestamp.ts';
import type { Session, SessionLink } from '../../src/fix/session/session.ts';
import { routeFirstMessage } from '../../src/fix/transport/logon-routing.ts';

export interface FakeClock {
  now(): number;
  advance(ms: number): void;
}

export function fakeClock(start = Date.now()): FakeClock {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

class FakeConnection implements SessionLink {
  readonly inbox: Buffer[] = [];
  closed = false;
  bound = false;
  readonly framer = new FixFramer({ maxMessageSize: 1024 * 1024 });
  send(bytes: Buffer): void {
    if (!this.closed) {
      for (const event of this.outFramer.push(Buffer.from(bytes))) if (event.kind === 'message') this.inbox.push(event.frame);
    }
  }
  private readonly outFramer = new FixFramer({ maxMessageSize: 1024 * 1024 });
  disconnect(): void {
    this.closed = true;
  }
}

function substituteTime(line: string, clock: FakeClock): string {
  return line.replace(/<TIME([+-]\d+)?>/g, (_m, shift: string | undefined) => formatUtcTimestamp(clock.now() + Number(shift ?? 0) * 1000, false));
}

/** Adds BodyLength after BeginString and CheckSum at the end, unless the line has its own. */
export function completeMessage(line: string): Buffer {
  let fields = line.split('\x01').filter((f) => f !== '');
  const has = (tag: string): boolean => fields.some((f) => f.startsWith(`${tag}=`));
  if (!has('9')) {
    const afterBegin = fields.findIndex((f) => f.startsWith('8=')) + 1;
    const bodyFields = fields.slice(afterBegin).filter((f) => !f.startsWith('10='));
    const length = bodyFields.reduce((n, f) => n + Buffer.byteLength(f, 'latin1') + 1, 0);
    fields = [...fields.slice(0, afterBegin), `9=${length}`, ...fields.slice(afterBegin)];
  }
  let text = fields.map((f) => `${f}\x01`).join('');
  if (!has('10')) text += `10=${formatChecksum(checksum(Buffer.from(text, 'latin1'), 0, text.length))}\x01`;
  return Buffer.from(text, 'latin1');
}

const PATTERN_TAGS: Record<number, RegExp> = {
  10: /^\d{3}$/,
  42: /^\d{8}-\d{2}:\d{2}:\d{2}(\.\d{3})?$/,
  52: /^\d{8}-\d{2}:\d{2}:\d{2}(\.\d{3})?$/,
  60: /^\d{8}-\d{2}:\d{2}:\d{2}(\.\d{3})?$/,
  122: /^\d{8}-\d{2}:\d{2}:\d{2}(\.\d{3})?$/,
};

function fieldMap(text: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const f of text.split('\x01')) {
    if (!f) continue;
    const eq = f.indexOf('=');
    map.set(Number(f.slice(0, eq)), f.slice(eq + 1));
  }
  return map;
}

/** The first difference between an expected and an actual message, or undefined when they match. */
export function compareMessages(expected: string, actual: Buffer): string | undefined {
  const want = fieldMap(expected);
  const got = fieldMap(actual.toString('latin1'));
  want.delete(9);
  got.delete(9);
  for (const [tag, value] of want) {
    const have = got.get(tag);
    if (have === undefined) return `missing ${tag}=${value}`;
    const pattern = PATTERN_TAGS[tag];
    if (pattern) {
      if (!pattern.test(have)) return `${tag}=${have} does not match ${pattern}`;
    } else if (tag === 58 ? !have.startsWith(value) : have !== value) {
      return `${tag}: expected ${value}, got ${have}`;
    }
  }
  for (const tag of got.keys()) if (!want.has(tag) && tag !== 10) return `unexpected ${tag}=${got.get(tag)}`;
  return undefined;
}

export interface ScriptResult {
  ok: boolean;
  failure?: string;
}

/** Runs the script; `makeSession` builds a fresh started Session for the case. */
export async function runScript(path: string, session: Session, clock: FakeClock): Promise<ScriptResult> {
  const text = (await readFile(path)).toString('latin1');
  const connections = new Map<number, FakeConnection>();
  const lookup = {
    find: (b: string, ours: string, theirs: string) =>
      b === session.id.beginString && ours === session.id.senderCompId && theirs === session.id.targetCompId ? session : undefined,
    isConnected: (s: Session) => s.isConnected,
  };

  const deliver = async (conn: FakeConnection, bytes: Buffer): Promise<void> => {
    for (const event of conn.framer.push(bytes)) {
      if (conn.closed || event.kind !== 'message') continue;
      if (!conn.bound) {
        const route = routeFirstMessage(event.frame, lookup);
        if (!route.ok) {
          conn.closed = true;
          continue;
        }
        conn.bound = true;
        session.attach(conn);
      }
      await session.receive(event.frame);
    }
  };

  let lineNo = 0;
  for (const rawLine of text.split('\n')) {
    lineNo++;
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    const kind = line[0]!;
    let rest = line.slice(1);
    let connId = 1;
    const m = /^(\d+),/.exec(rest);
    if (m) {
      connId = Number(m[1]);
      rest = rest.slice(m[0].length);
    }
    const where = `line ${lineNo}: ${line.replaceAll('\x01', '|')}`;
    if (kind === 'i' && rest === 'CONNECT') {
      connections.set(connId, new FakeConnection());
    } else if (kind === 'i' && rest === 'DISCONNECT') {
      const conn = connections.get(connId)!;
      conn.closed = true;
      if (conn.bound) await session.detached(conn, 'peer closed');
    } else if (kind === 'e' && rest.startsWith('DISCONNECT')) {
      const conn = connections.get(connId)!;
      for (let i = 0; i < 40 && !conn.closed && conn.inbox.length === 0; i++) {
        clock.advance(1000);
        await session.tick();
      }
      if (conn.inbox.length > 0) return { ok: false, failure: `${where}: expected disconnect, got ${conn.inbox[0]!.toString('latin1').replaceAll('\x01', '|')}` };
      if (!conn.closed) return { ok: false, failure: `${where}: still connected` };
      if (conn.bound) await session.detached(conn, 'closed');
    } else if (kind === 'I') {
      const conn = connections.get(connId)!;
      await deliver(conn, completeMessage(substituteTime(rest, clock)));
    } else if (kind === 'E') {
      const conn = connections.get(connId)!;
      for (let i = 0; i < 40 && conn.inbox.length === 0 && !conn.closed; i++) {
        clock.advance(1000);
        await session.tick();
      }
      const actual = conn.inbox.shift();
      if (!actual) return { ok: false, failure: `${where}: no message (connection ${conn.closed ? 'closed' : 'open'})` };
      const difference = compareMessages(rest, actual);
      if (difference) return { ok: false, failure: `${where}: ${difference}; got ${actual.toString('latin1').replaceAll('\x01', '|')}` };
      if (!parseMessage(actual).ok) return { ok: false, failure: `${where}: we sent a malformed message` };
    } else {
      return { ok: false, failure: `${where}: unknown command` };
    }
  }
  for (const [id, conn] of connections) {
    if (conn.inbox.length > 0) return { ok: false, failure: `connection ${id}: unexpected ${conn.inbox[0]!.toString('latin1').replaceAll('\x01', '|')}` };
  }
  return { ok: true };
}
