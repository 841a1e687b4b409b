// One scripted TCP connection to the acceptor under test: sends raw Latin-1 messages, frames
// the bytes it receives into whole FIX messages (checking BodyLength and CheckSum), and waits
// for the next message or for the peer to close, each with a timeout.
import { connect, type Socket } from 'node:net';

import { checksum, printable } from './script.ts';

export type ReadResult =
  | { kind: 'message'; message: string }
  | { kind: 'closed'; pending: string }
  | { kind: 'timeout'; pending: string }
  | { kind: 'malformed'; reason: string; data: string };

/** Cuts whole FIX messages off the front of a Latin-1 buffer. */
export class FixFramer {
  private buffer = '';

  push(chunk: string): void {
    this.buffer += chunk;
  }

  get pending(): string {
    return this.buffer;
  }

  /** The next whole message, undefined while incomplete; throws on bytes that cannot be FIX. */
  next(): string | undefined {
    const b = this.buffer;
    if (b.length === 0) return undefined;
    const prefix = '8=';
    if (!b.startsWith(prefix.slice(0, Math.min(b.length, 2)))) throw new Error('data does not start with 8=');
    const soh1 = b.indexOf('\x01');
    if (soh1 < 0) return undefined;
    // eslint-disable-next-line no-control-regex -- SOH (0x01) is FIX's field separator
    const lengthMatch = /^9=(\d*)(\x01)?/.exec(b.slice(soh1 + 1));
    if (!lengthMatch) {
      if (b.length - soh1 - 1 < 2) return undefined;
      throw new Error('second field is not BodyLength(9)');
    }
    if (lengthMatch[2] === undefined) {
      if ((lengthMatch[1] ?? '').length > 9) throw new Error('BodyLength(9) too long');
      return undefined;
    }
    const bodyLength = Number(lengthMatch[1]);
    const bodyStart = soh1 + 1 + lengthMatch[0].length;
    const trailerStart = bodyStart + bodyLength;
    const end = trailerStart + 7; // 10=NNN<SOH>
    if (b.length < end) return undefined;
    const trailer = b.slice(trailerStart, end);
    // eslint-disable-next-line no-control-regex -- SOH (0x01) is FIX's field separator
    if (!/^10=\d{3}\x01$/.test(trailer)) {
      throw new Error(`BodyLength(9)=${bodyLength} does not end at CheckSum(10) (found '${printable(trailer)}')`);
    }
    const message = b.slice(0, end);
    const sum = checksum(b.slice(0, trailerStart));
    if (trailer.slice(3, 6) !== sum) throw new Error(`CheckSum(10) is ${trailer.slice(3, 6)}, computed ${sum}`);
    this.buffer = b.slice(end);
    return message;
  }
}

export class ScriptConnection {
  private readonly framer = new FixFramer();
  private closed = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.framer.push(chunk.toString('latin1'));
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('error', (err) => {
      this.error = err;
      this.notify();
    });
  }

  static open(host: string, port: number, timeoutMs: number): Promise<ScriptConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new ScriptConnection(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(message: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('connection was closed by the acceptor'));
    return new Promise((resolve, reject) => {
      this.socket.write(Buffer.from(message, 'latin1'), (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Waits for the next whole message, the peer closing, or the timeout. */
  async read(timeoutMs: number): Promise<ReadResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const message = this.framer.next();
        if (message !== undefined) return { kind: 'message', message };
      } catch (err) {
        return { kind: 'malformed', reason: (err as Error).message, data: this.framer.pending };
      }
      if (this.closed || this.error) return { kind: 'closed', pending: this.framer.pending };
      const left = deadline - Date.now();
      if (left <= 0) return { kind: 'timeout', pending: this.framer.pending };
      await this.waitForActivity(left);
    }
  }

  /** Waits for the peer to close; returns any bytes that arrived first (a failure for the caller). */
  async waitForClose(timeoutMs: number): Promise<{ closed: boolean; data: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.framer.pending.length > 0) return { closed: this.closed, data: this.framer.pending };
      if (this.closed || this.error) return { closed: true, data: '' };
      const left = deadline - Date.now();
      if (left <= 0) return { closed: false, data: '' };
      await this.waitForActivity(left);
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 1000).unref();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private waitForActivity(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
