/** A hand-driven FIX client over a real socket, for transport tests. */
import { connect, type Socket } from 'node:net';
import { encodeMessage } from '../../src/fix/codec/encoder.ts';
import type { FixField, FixMessage } from '../../src/fix/codec/fix-message.ts';
import { FixFramer } from '../../src/fix/codec/framer.ts';
import { parseMessage } from '../../src/fix/codec/parser.ts';
import { formatUtcTimestamp } from '../../src/fix/codec/utc-timestamp.ts';

export class RawClient {
  readonly received: FixMessage[] = [];
  closed = false;
  seq = 1;
  private readonly framer = new FixFramer({ maxMessageSize: 1 << 20 });
  private waiters: (() => void)[] = [];

  private constructor(
    readonly socket: Socket,
    private readonly ids: { beginString: string; sender: string; target: string },
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const event of this.framer.push(chunk)) {
        if (event.kind !== 'message') continue;
        const parsed = parseMessage(event.frame);
        if (parsed.ok) this.received.push(parsed.message);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number, ids = { beginString: 'FIX.4.4', sender: 'CLIENT', target: 'SERVER' }): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(socket, ids)));
      socket.once('error', reject);
    });
  }

  /** `extra`: further header fields (a resend's 43=Y and 122). */
  send(msgType: string, body: FixField[] = [], seq = this.seq++, extra: FixField[] = []): void {
    this.socket.write(
      encodeMessage(
        { beginString: this.ids.beginString, msgType, senderCompId: this.ids.sender, targetCompId: this.ids.target, msgSeqNum: seq, sendingTime: formatUtcTimestamp(Date.now()), extra },
        body,
      ),
    );
  }

  logon(heartBtInt = 30, extra: FixField[] = []): void {
    this.send('A', [[98, '0'], [108, String(heartBtInt)], ...extra]);
  }

  write(bytes: Buffer | string): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /**
   * Waits until the predicate holds (checked on every received message or close). The default limit leaves
   * a loaded machine room; a wait that must end early says so with its own, or checks it some other way.
   */
  async until(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; received ${this.received.map((m) => m.toString()).join(' / ')}; closed=${this.closed}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async next(msgType: string, timeoutMs = 15_000): Promise<FixMessage> {
    await this.until(() => this.received.some((m) => m.msgType === msgType), timeoutMs);
    const index = this.received.findIndex((m) => m.msgType === msgType);
    return this.received.splice(index, 1)[0]!;
  }

  close(): void {
    this.socket.destroy();
  }
}
