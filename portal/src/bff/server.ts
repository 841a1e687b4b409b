import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '@crosswire/orchestrator';
import { createBffApp, type BffLogger } from './app.ts';
import type { BffConfig } from './config.ts';
import { RelyingParty } from './oidc.ts';
import { SessionStore } from './sessions.ts';

export interface RunningBff {
  url: string;
  rp: RelyingParty;
  sessions: SessionStore;
  stop(graceMs?: number): Promise<void>;
}

const quiet: BffLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Starts the backend-for-frontend on a migrated database. `server` may be a listener that is already
 * bound (tests bind first to learn the port the IdP must know as a callback).
 */
export async function startBff(
  config: BffConfig,
  db: Database,
  options: { logger?: BffLogger; server?: Server } = {},
): Promise<RunningBff> {
  const sessions = new SessionStore(db, config.session.secret, { idleMs: config.session.idleMs });
  if (!(await sessions.ready())) {
    throw new Error('the portal tables are missing (migration 004_portal_sessions.sql): run `npm run installer -- migrate` against DATABASE_URL first');
  }
  const rp = new RelyingParty(config.oidc, config.publicUrl);
  const app = createBffApp({ config, sessions, rp, logger: options.logger ?? quiet });
  const server = options.server ?? createServer();
  // Limits on the listener: slow or idle clients cannot hold sockets open.
  server.headersTimeout = 10_000;
  server.requestTimeout = Math.max(60_000, config.upstreamTimeoutMs + 5_000);
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  server.maxRequestsPerSocket = 10_000;
  server.on('request', app);
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  }
  const address = server.address() as AddressInfo;
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    rp,
    sessions,
    stop: (graceMs = 5_000) =>
      new Promise<void>((resolve) => {
        const forced = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(forced);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
