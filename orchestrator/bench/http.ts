import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * A small keep-alive HTTP/1.1 JSON client on node:http, so the numbers measure the orchestrator rather
 * than client overhead. Loopback only; every request has a timeout.
 */

export interface Reply {
  status: number;
  body: unknown;
  /** Milliseconds from sending the request to the whole body parsed. */
  ms: number;
}

export class BenchClient {
  readonly #agent: Agent;
  readonly #timeoutMs: number;

  constructor(options: { maxSockets: number; timeoutMs?: number }) {
    // Idle sockets are dropped before the server's 5 s keep-alive timeout can race a reuse.
    this.#agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets, timeout: 4_000 });
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  call(method: string, url: string, token: string, body?: unknown): Promise<Reply> {
    const target = new URL(url);
    if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') throw new Error(`the benchmark only talks to loopback, not ${target.host}`);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const started = performance.now();
    return new Promise<Reply>((resolve, reject) => {
      const req = request(
        target,
        {
          method,
          agent: this.#agent,
          timeout: this.#timeoutMs,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = undefined;
            if (text) {
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = text;
              }
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, ms: performance.now() - started });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${target.pathname} took longer than ${this.#timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** Throws with the server's problem detail unless the status is the expected one. */
export function expectStatus(reply: Reply, expected: number, what: string): void {
  if (reply.status === expected) return;
  const detail = typeof reply.body === 'object' && reply.body !== null && 'detail' in reply.body ? String(reply.body.detail) : JSON.stringify(reply.body);
  throw new Error(`${what}: expected HTTP ${expected}, got ${reply.status}: ${detail}`);
}

/**
 * Runs `work(i)` for i in [0, count) with at most `concurrency` in flight, stopping early (without
 * starting more) once `deadline` (performance.now() ms) has passed. Returns how many completed.
 */
export async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>, deadline = Infinity): Promise<number> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      await work(i);
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return done;
}
