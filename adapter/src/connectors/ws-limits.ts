/** Per-connection limits of the WebSocket connectors: message rate and heartbeats. */
import type { WebSocket } from 'ws';

/** Consecutive seconds over the rate after which a client is disconnected instead of slowed down. */
export const RATE_STRIKES = 5;

/**
 * Counts frames in one-second windows. Past the limit the connection is paused until the window ends
 * (the client is slowed down by TCP, nothing it sent is dropped); a client over the limit in
 * `RATE_STRIKES` consecutive windows, or by `RATE_STRIKES` times the limit in one, is told to go (`onAbuse`, once).
 */
export class RateLimiter {
  #windowStart = 0;
  #count = 0;
  #strikes = 0;
  #overThisWindow = false;
  #timer: NodeJS.Timeout | undefined;
  #abused = false;

  constructor(
    private readonly perSecond: number,
    private readonly hooks: { pause(): void; resume(): void; onAbuse(): void },
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Call for every frame received. */
  frame(): void {
    const now = this.now();
    if (now - this.#windowStart >= 1_000) {
      this.#strikes = this.#overThisWindow ? this.#strikes : 0;
      this.#windowStart = now;
      this.#count = 0;
      this.#overThisWindow = false;
    }
    this.#count++;
    // A burst of several seconds' worth at once is abuse already: pausing cannot slow down what was sent.
    if (this.#count > this.perSecond * RATE_STRIKES) return this.#abuse();
    if (this.#count <= this.perSecond || this.#overThisWindow) return;
    this.#overThisWindow = true;
    if (++this.#strikes >= RATE_STRIKES) return this.#abuse();
    this.hooks.pause();
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.hooks.resume();
    }, Math.max(1, this.#windowStart + 1_000 - now));
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #abuse(): void {
    if (this.#abused) return;
    this.#abused = true;
    this.stop();
    this.hooks.onAbuse();
  }
}

/**
 * Pings every `intervalMs` and ends the connection (`onDead`) when a pong does not come within
 * `timeoutMs`. Any frame from the peer also proves it alive. Returns a function that stops it.
 */
export function keepAlive(socket: WebSocket, intervalMs: number, timeoutMs: number, onDead: () => void): () => void {
  if (intervalMs <= 0) return () => undefined;
  let deadline: NodeJS.Timeout | undefined;
  const alive = () => {
    clearTimeout(deadline);
    deadline = undefined;
  };
  socket.on('pong', alive);
  socket.on('message', alive);
  // While we are not reading (back-pressure, rate limit) a pong cannot arrive: that is not the peer's fault.
  const judge = () => {
    deadline = socket.isPaused ? setTimeout(judge, timeoutMs) : undefined;
    if (!deadline) onDead();
  };
  const ticker = setInterval(() => {
    if (deadline || socket.readyState !== socket.OPEN || socket.isPaused) return;
    socket.ping();
    deadline = setTimeout(judge, timeoutMs);
  }, intervalMs);
  return () => {
    clearInterval(ticker);
    clearTimeout(deadline);
  };
}

/**
 * Pauses reading from a connection while any of several reasons holds (the rate limit, a full
 * inbound queue) and resumes only when none does.
 */
export class ReadGate {
  readonly #reasons = new Set<string>();

  constructor(private readonly socket: WebSocket) {}

  pause(reason: string): void {
    if (this.#reasons.size === 0 && this.socket.readyState === this.socket.OPEN) this.socket.pause();
    this.#reasons.add(reason);
  }

  resume(reason: string): void {
    if (!this.#reasons.delete(reason) || this.#reasons.size > 0) return;
    if (this.socket.readyState === this.socket.OPEN) this.socket.resume();
  }

  /** Before closing: the peer's close frame must be read, or the close handshake waits for ws's timeout. */
  release(): void {
    this.#reasons.clear();
    if (this.socket.isPaused) this.socket.resume();
  }
}
