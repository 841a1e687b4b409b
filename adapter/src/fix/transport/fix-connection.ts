/**
 * One TCP or TLS connection carrying a FIX session: frames incoming bytes, writes outgoing ones, and
 * closes itself (with a reason) on oversized input, a peer that stops reading, or idleness.
 */
import type { Socket } from 'node:net';
import { FixFramer } from '../codec/framer.ts';
import type { SessionLink } from '../session/session.ts';

export interface FixConnectionOptions {
  maxMessageSize: number;
  /** Seconds without incoming bytes before the connection is closed; 0 for none. */
  idleTimeoutSeconds: number;
  /** Bytes we may have queued for a peer that does not read before we give up on it. */
  maxPendingWriteBytes?: number;
  onFrame(frame: Buffer): void;
  onGarbage(bytes: number, reason: string): void;
  onClose(reason: string): void;
}

const GRACEFUL_CLOSE_MS = 2000;

export class FixConnection implements SessionLink {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  private readonly framer: FixFramer;
  private closeReason: string | undefined;
  private closed = false;
  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  constructor(
    readonly socket: Socket,
    private readonly options: FixConnectionOptions,
  ) {
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.framer = new FixFramer({ maxMessageSize: options.maxMessageSize });
    socket.setNoDelay(true);
    if (options.idleTimeoutSeconds > 0) {
      socket.setTimeout(options.idleTimeoutSeconds * 1000, () => this.disconnect(`idle for ${options.idleTimeoutSeconds} s`, false));
    }
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => {
      this.closeReason ??= `socket error: ${error.message}`;
    });
    socket.on('close', () => {
      this.closed = true;
      options.onClose(this.closeReason ?? 'closed by peer');
    });
  }

  get isClosed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  send(bytes: Buffer): void {
    if (this.closeReason !== undefined || this.socket.destroyed) return;
    // Messages sent in the same turn of the event loop (a committed batch, a resend) leave in one
    // write system call instead of one each.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.socket.write(bytes);
    const limit = this.options.maxPendingWriteBytes ?? 64 * 1024 * 1024;
    if (this.socket.writableLength > limit) this.disconnect(`peer is not reading: more than ${limit} bytes pending`, false);
  }

  disconnect(reason: string, graceful: boolean): void {
    if (this.closeReason === undefined) this.closeReason = reason;
    if (this.socket.destroyed) return;
    if (graceful) {
      // Let queued bytes (a Logout) reach the peer, but never wait on it for long.
      this.socket.end();
      setTimeout(() => this.socket.destroy(), GRACEFUL_CLOSE_MS).unref();
    } else {
      this.socket.destroy();
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closeReason !== undefined) return;
    for (const event of this.framer.push(chunk)) {
      if (event.kind === 'message') this.options.onFrame(event.frame);
      else if (event.kind === 'garbage') this.options.onGarbage(event.bytes, event.reason);
      else {
        this.disconnect(event.reason, false);
        return;
      }
      if (this.closeReason !== undefined) return;
    }
  }
}
