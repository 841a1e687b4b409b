import { openPostgres, type Database } from '@crosswire/orchestrator';

/** The database the operations commands work on. */
export function databaseFromEnv(): Database {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: point it at PostgreSQL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/crosswire');
  return openPostgres({ connectionString: url, max: 2, applicationName: 'crosswire-installer' });
}
