import { migrate, migrationState } from '@crosswire/orchestrator';
import { databaseFromEnv } from './database.ts';

export async function runMigrate(): Promise<number> {
  const db = databaseFromEnv();
  try {
    const applied = await migrate(db);
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'the database is up to date');
    return 0;
  } finally {
    await db.close();
  }
}

export async function runMigrationStatus(): Promise<number> {
  const db = databaseFromEnv();
  try {
    const state = await migrationState(db);
    console.log(`applied: ${state.applied.join(', ') || 'none'}`);
    console.log(`pending: ${state.pending.map((m) => m.name).join(', ') || 'none'}`);
    if (state.changed.length) console.log(`changed since applied: ${state.changed.join(', ')}`);
    if (state.unknown.length) console.log(`unknown to this build: ${state.unknown.join(', ')}`);
    return state.pending.length || state.changed.length || state.unknown.length ? 1 : 0;
  } finally {
    await db.close();
  }
}
