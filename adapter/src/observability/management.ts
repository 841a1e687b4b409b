import { createServer, type Server } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The pod's management port: `/healthz` (the process runs), `/readyz` (registered with the
 * orchestrator), `/metrics` (Prometheus: `registry`, where the worker and connectors count). Kept off the
 * acceptor ports and the public network.
 */
export async function startManagementServer(port: number, isReady: () => boolean, registry = new Registry()): Promise<Server> {
  collectDefaultMetrics({ register: registry, prefix: 'crosswire_adapter_' });
  const server = createServer((req, res) => {
    const respond = (status: number, body: string, type = 'text/plain') => res.writeHead(status, { 'content-type': type }).end(body);
    if (req.url === '/healthz') return respond(200, 'ok\n');
    if (req.url === '/readyz') return isReady() ? respond(200, 'ready\n') : respond(503, 'not registered with the orchestrator yet\n');
    if (req.url === '/metrics') {
      registry.metrics().then(
        (text) => respond(200, text, registry.contentType),
        (error: Error) => respond(500, `metrics failed: ${error.message}\n`),
      );
      return;
    }
    respond(404, 'try /healthz, /readyz or /metrics\n');
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', resolve);
  });
  return server;
}
