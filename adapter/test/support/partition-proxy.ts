import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP forwarder between a pod and the orchestrator that a test can cut, like a network partition:
 * while cut, requests are held unanswered (and dropped when the cut heals).
 */
export interface PartitionProxy {
  url: string;
  cut(): void;
  /**
   * Requests still reach the orchestrator, but its answers are held (and dropped on heal): the pod cannot
   * tell what was recorded. With `paths`, only answers to matching request paths are lost.
   */
  loseAnswers(paths?: RegExp): void;
  heal(): void;
  /** When (performance.now()) each request whose path matches `path` reached the proxy, answered or not. */
  arrivals(path: RegExp): number[];
  close(): Promise<void>;
}

export async function startPartitionProxy(target: string): Promise<PartitionProxy> {
  let partitioned = false;
  let answersLost: RegExp | undefined;
  const held = new Set<ServerResponse>();
  const seen: Array<{ url: string; at: number }> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ url: req.url ?? '', at: performance.now() });
    if (partitioned) {
      held.add(res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      fetch(`${target}${req.url}`, {
        method: req.method,
        headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'connection') as Array<[string, string]>),
        ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
      }).then(
        async (upstream) => {
          if (partitioned || answersLost?.test(req.url ?? '')) return void held.add(res);
          res.writeHead(upstream.status, Object.fromEntries(upstream.headers));
          res.end(Buffer.from(await upstream.arrayBuffer()));
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut: () => (partitioned = true),
    loseAnswers: (paths = /^/) => (answersLost = paths),
    heal: () => {
      partitioned = false;
      answersLost = undefined;
      for (const res of held) res.destroy();
      held.clear();
    },
    arrivals: (path) => seen.filter((r) => path.test(r.url)).map((r) => r.at),
    close: () =>
      new Promise((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
