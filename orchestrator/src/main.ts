import { loadConfig } from './config.ts';
import { openPostgres } from './db/postgres.ts';
import { createLogger } from './observability/logger.ts';
import { startOrchestrator } from './server.ts';

/** The production entry point: PostgreSQL from DATABASE_URL, issuers from the environment. */
const logger = createLogger();
try {
  const config = loadConfig();
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set: point it at PostgreSQL 15+, e.g. postgres://crosswire@db:5432/crosswire');
  const orchestrator = await startOrchestrator(openPostgres({ connectionString: config.databaseUrl }), config, logger);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      orchestrator.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
} catch (error) {
  logger.fatal({ err: error }, (error as Error).message);
  process.exitCode = 1;
}
