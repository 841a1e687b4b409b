import { builtinPlugins } from '@crosswire/adapter/plugins';
import { assertMigrated, seedPlugins } from '@crosswire/orchestrator';
import { databaseFromEnv } from './database.ts';

export async function runSeed(): Promise<number> {
  const db = databaseFromEnv();
  try {
    await assertMigrated(db);
    const results = await seedPlugins(db, builtinPlugins);
    for (const [type, outcome] of Object.entries(results)) console.log(`${type}: ${outcome}`);
    return 0;
  } finally {
    await db.close();
  }
}
