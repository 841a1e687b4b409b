import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApi } from './api/app.ts';
import { createVerifier } from './auth/verify.ts';
import type { OrchestratorConfig } from './config.ts';
import type { Database } from './db/database.ts';
import { assertServable } from './db/migrations.ts';
import { listChannels } from './domain/channels.ts';
import { startRetentionTimer } from './housekeeping/channel-retention.ts';
import type { Services } from './domain/context.ts';
import { createRoleMappingSource } from './domain/role-mapping.ts';
import { SecretBox } from './domain/secrets.ts';
import { startClaimWatch } from './leases/claim-watch.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { countByState } from './store/adapters.ts';


export interface RunningOrchestrator {
  url: string;
  managementUrl: string;
  services: Services;
  /** Stops taking requests, lets those in flight finish (up to `graceMs`), and closes the database. */
  stop(graceMs?: number): Promise<void>;
}

/** Limits every listener keeps: slow or idle clients cannot hold sockets open. */
function limit(server: Server): Server {
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  server.maxRequestsPerSocket = 10_000;
  return server;
}

async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${address.port}`;
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });

/** Starts the API and the management port on an already migrated database. */
export async function startOrchestrator(db: Database, config: OrchestratorConfig, logger: Logger = createLogger()): Promise<RunningOrchestrator> {
  const { newer } = await assertServable(db);
  if (newer.length > 0) {
    logger.warn({ newer }, 'the database was migrated by a newer release (an upgrade in progress): serving on the expanded schema until replaced');
  }
  if (config.auth.issuers.length === 0) {
    throw new Error('no token issuer is configured: set AUTH_ISSUER (and AUTH_AUDIENCE) or AUTH_ISSUERS, so the API can verify callers');
  }
  const metrics = createMetrics();
  const roleMapping = createRoleMappingSource(db, { rolesClaim: config.auth.rolesClaim, environment: config.auth.roleMap, logger });
  const services: Services = {
    db,
    settings: config.settings,
    secrets: config.secretKey ? SecretBox.fromText(config.secretKey) : undefined,
    metrics,
    logger,
    roleMapping,
  };
  if (!services.secrets) logger.warn('CROSSWIRE_SECRET_KEY is not set: adapter secrets can only be given as secretRef references');

  // Adapter counts are read when Prometheus scrapes, not kept up to date on every write.
  const adapterGauge = metrics.adapters;
  const collectAdapters = async () => {
    adapterGauge.reset();
    for (const row of await countByState(db)) adapterGauge.set({ status: row.state, enabled: String(row.enabled) }, row.count);
  };
  const collectChannels = async () => {
    const { channelLag, channelMessages, channelBytes } = metrics;
    const channels = await listChannels(services);
    for (const gauge of [channelLag, channelMessages, channelBytes]) gauge.reset();
    for (const channel of channels) {
      channelMessages.set({ channel: channel.name }, channel.messages);
      channelBytes.set({ channel: channel.name }, channel.bytes);
      for (const consumer of channel.consumers) channelLag.set({ channel: channel.name, adapter: consumer.adapter }, consumer.lag);
    }
  };

  const app = createApi(services, {
    verify: createVerifier(config.auth, () => roleMapping.current()),
    ratePerSecond: config.ratePerSecond,
    maxJsonBytes: config.maxJsonBytes,
  });
  const api = limit(createServer(app));
  const management = limit(
    createServer((req, res) => {
      const respond = (status: number, body: string, type = 'text/plain') => res.writeHead(status, { 'content-type': type }).end(body);
      if (req.url === '/healthz') return respond(200, 'ok\n');
      if (req.url === '/readyz') {
        assertServable(db).then(
          () => respond(200, 'ready\n'),
          (error: Error) => respond(503, `not ready: ${error.message}\n`),
        );
        return;
      }
      if (req.url === '/metrics') {
        Promise.all([collectAdapters(), collectChannels()])
          .then(() => metrics.registry.metrics())
          .then(
            (text) => respond(200, text, metrics.registry.contentType),
            (error: Error) => respond(500, `metrics failed: ${error.message}\n`),
          );
        return;
      }
      respond(404, 'try /healthz, /readyz or /metrics\n');
    }),
  );
  const url = await listen(api, config.port, config.host);
  const managementUrl = await listen(management, config.managementPort, config.host);
  const stopWatch = startClaimWatch(services, Math.min(5_000, config.settings.claimWarningMs));
  const stopRetention = startRetentionTimer(services, config.channelRetentionIntervalMs);
  logger.info({ url, managementUrl, database: db.kind, leaseTtlMs: config.settings.leaseTtlMs }, 'orchestrator started');

  return {
    url,
    managementUrl,
    services,
    async stop(graceMs = 10_000) {
      stopWatch();
      stopRetention();
      const forced = setTimeout(() => api.closeAllConnections(), graceMs);
      await Promise.all([close(api), close(management)]);
      clearTimeout(forced);
      await db.close();
      logger.info('orchestrator stopped');
    },
  };
}
