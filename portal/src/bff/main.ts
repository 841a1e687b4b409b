/** Production entry point of the portal: the backend-for-frontend serving the built console. */
import { createLogger, openPostgres } from '@crosswire/orchestrator';
import { ConfigError, loadBffConfig } from './config.ts';
import { startBff } from './server.ts';

const logger = createLogger({ name: 'portal', level: process.env.LOG_LEVEL ?? 'info' });

async function main(): Promise<void> {
  const config = loadBffConfig(process.env);
  const databaseUrl = process.env.DATABASE_URL?.trim();
  if (!databaseUrl) throw new ConfigError('DATABASE_URL is not set: the portal keeps its sessions in the Crosswire PostgreSQL database');
  const db = openPostgres({ connectionString: databaseUrl, max: 10 });
  const bff = await startBff(config, db, { logger });
  logger.info({ url: bff.url, publicUrl: config.publicUrl.href, issuer: config.oidc.issuer.href }, 'portal started');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void bff
        .stop(10_000)
        .then(() => db.close())
        .then(() => process.exit(0));
    });
  }
}

main().catch((error: Error) => {
  console.error(error instanceof ConfigError ? `portal: ${error.message}` : error);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
