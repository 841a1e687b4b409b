/**
 * Runs a QuickFIX acceptance script (.def) against one in-process acceptor Session, with a fake
 * clock so heartbeat and timeout cases take milliseconds. Parsing the script, completing its
 * messages and comparing what the session sends are the acceptance runner's own
 * (adapter/fix-acceptance/script.ts and compare.ts); only the in-process driving lives here.
 */
import { compareMessages, describeMismatch, type Patterns } from '../../fix-acceptance/compare.ts';
import { completeMessage, printable, substituteTime, type Step } from '../../fix-acceptance/script.ts';
import { FixFramer } from '../../src/fix/codec/framer.ts';
import { parseMessage } from '../../src/fix/codec/parser.ts';
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

/** Seconds of fake time an E line or eDISCONNECT may wait, one session tick per second. */
const WAIT_SECONDS = 40;

/** One script connection: frames what the session sends into `inbox`, and what the script sends for the session. */
class FakeConnection implements SessionLink {
  readonly inbox: string[] = [];
  closed = false;
  bound = false;
  readonly inbound = new FixFramer({ maxMessageSize: 1024 * 1024 });
  private readonly outbound = new FixFramer({ maxMessageSize: 1024 * 1024 });

  send(bytes: Buffer): void {
    if (this.closed) return;
    for (const event of this.outbound.push(Buffer.from(bytes))) {
      if (event.kind === 'message') this.inbox.push(event.frame.toString('latin1'));
    }
  }

  disconnect(): void {
    this.closed = true;
  }
}

class CaseFailure extends Error {}

/** Runs the script's steps against a started acceptor Session; resolves with null or the first difference. */
export async function runSteps(steps: Step[], session: Session, clock: FakeClock, patterns: Patterns): Promise<string | null> {
  const connections = new Map<number, FakeConnection>();
  const lookup = {
    find: (b: string, ours: string, theirs: string) =>
      b === session.id.beginString && ours === session.id.senderCompId && theirs === session.id.targetCompId ? session : undefined,
    isConnected: (s: Session) => s.isConnected,
  };
  const conn = (step: Step): FakeConnection => {
    const c = connections.get(step.conn);
    if (!c) throw new CaseFailure(`line ${step.line}: connection ${step.conn} is not open`);
    return c;
  };
  const deliver = async (c: FakeConnection, bytes: Buffer): Promise<void> => {
    for (const event of c.inbound.push(bytes)) {
      if (c.closed || event.kind !== 'message') continue;
      if (!c.bound) {
        const route = routeFirstMessage(event.frame, lookup);
        if (!route.ok) {
          c.closed = true;
          continue;
        }
        c.bound = true;
        session.attach(c);
      }
      await session.receive(event.frame);
    }
  };
  /** Lets fake time pass, a second at a time, until the connection has a message or closes. */
  const waitForOutput = async (c: FakeConnection): Promise<void> => {
    for (let i = 0; i < WAIT_SECONDS && !c.closed && c.inbox.length === 0; i++) {
      clock.advance(1000);
      await session.tick();
    }
  };

  try {
    for (const step of steps) {
      const at = `line ${step.line}`;
      switch (step.kind) {
        case 'connect':
          connections.set(step.conn, new FakeConnection());
          break;
        case 'disconnect': {
          const c = conn(step);
          c.closed = true;
          if (c.bound) await session.detached(c, 'peer closed');
          break;
        }
        case 'send': {
          const c = conn(step);
          if (c.closed) throw new CaseFailure(`${at}: cannot send, the acceptor closed connection ${step.conn}`);
          await deliver(c, Buffer.from(completeMessage(substituteTime(step.template, new Date(clock.now()))), 'latin1'));
          break;
        }
        case 'expect': {
          const c = conn(step);
          const expected = substituteTime(step.template, new Date(clock.now()));
          await waitForOutput(c);
          const received = c.inbox.shift();
          if (received === undefined) {
            throw new CaseFailure(`${at}: no message (connection ${c.closed ? 'closed' : 'open'}); expected ${printable(expected)}`);
          }
          const difference = compareMessages(expected, received, { patterns });
          if (difference !== null) throw new CaseFailure(`${at}: ${describeMismatch(difference, expected, received)}`);
          if (!parseMessage(Buffer.from(received, 'latin1')).ok) throw new CaseFailure(`${at}: the session sent a malformed message: ${printable(received)}`);
          break;
        }
        case 'expectDisconnect': {
          const c = conn(step);
          await waitForOutput(c);
          if (c.inbox.length > 0) throw new CaseFailure(`${at}: expected disconnect, received ${printable(c.inbox[0] ?? '')}`);
          if (!c.closed) throw new CaseFailure(`${at}: expected disconnect, connection still open after ${WAIT_SECONDS} s`);
          if (c.bound) await session.detached(c, 'closed');
          break;
        }
      }
    }
    for (const [id, c] of connections) {
      if (c.inbox.length > 0) return `connection ${id}: unexpected ${printable(c.inbox[0] ?? '')}`;
    }
    return null;
  } catch (err) {
    if (err instanceof CaseFailure) return err.message;
    throw err;
  }
}
