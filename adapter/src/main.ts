import pino from 'pino';
import { openPostgres } from '@crosswire/orchestrator';
import { loadPodConfig } from './config.ts';
import { Registry } from 'prom-client';
import { startManagementServer } from './observability/management.ts';
import { builtinConnectors } from './connectors/index.ts';
import { VERSION } from './version.ts';
import { OrchestratorClient } from './worker/orchestrator-client.ts';
import { Worker } from './worker/worker.ts';
import { inClusterEndpoint, KubernetesPods } from './kubernetes/api-client.ts';
import { noAcceptorRouting, PodLabelRouting } from './kubernetes/acceptor-routing.ts';

/** The adapter pod's entry point. SIGTERM logs every session out and releases its leases before exit. */
const logger = pino({ name: 'adapter', level: process.env.LOG_LEVEL ?? 'info' });
try {
  const config = loadPodConfig();
  const client = new OrchestratorClient(config.orchestratorUrl, config.podId, config.token);
  // One registry for the management port's /metrics and everything that counts in this pod.
  const metrics = new Registry();
  const routing = config.acceptorRouting;
  const acceptorRouting =
    routing.mode === 'podLabel'
      ? new PodLabelRouting({
          pods: new KubernetesPods(await inClusterEndpoint(), routing.namespace),
          pod: config.podId,
          exposedPorts: routing.ports,
          onError: (error) => logger.error({ err: error }, `acceptor routing: ${error.message}`),
        })
      : noAcceptorRouting;
  const worker = new Worker({
    podId: config.podId,
    version: VERSION,
    capacity: config.capacity,
    client,
    connectors: builtinConnectors({
      db: config.databaseUrl ? openPostgres({ connectionString: config.databaseUrl, max: 5, applicationName: `crosswire-adapter-${config.podId}` }) : undefined,
      artifacts: (name) => client.artifact(name),
      secretsDir: config.secretsDir,
      metrics,
    }),
    logger,
    acceptorRouting,
    metrics,
  });
  let registered = false;
  const management = await startManagementServer(config.managementPort, () => registered, metrics);
  await worker.start();
  registered = true;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'draining: logging out and releasing every lease');
      management.close();
      worker.shutdown().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
} catch (error) {
  logger.fatal({ err: error }, (error as Error).message);
  process.exitCode = 1;
}
