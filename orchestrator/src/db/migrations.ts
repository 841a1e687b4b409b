import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Database, Queryable } from './database.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** Any constant shared by every installer; two installers migrating at once queue on it. */
const MIGRATION_LOCK_KEY = 0x63_77_6d_67; // "cwmg"

export interface MigrationFile {
  version: number;
  name: string;
  checksum: string;
  sql: string;
}

export interface MigrationState {
  applied: number[];
  pending: MigrationFile[];
  /** Applied files whose content differs from the file on disk now. */
  changed: string[];
  /** Applied versions this build does not know: the database is newer than the code. */
  unknown: number[];
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: MigrationFile[] = [];
  for (const file of files) {
    const match = /^(\d{3,})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new MigrationError(`${dir}${file}: migration files are named NNN_snake_case.sql`);
    const sql = await readFile(`${dir}${file}`, 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: file,
      checksum: createHash('sha256').update(sql).digest('hex'),
      sql,
    });
  }
  const versions = migrations.map((m) => m.version);
  const duplicate = versions.find((v, i) => versions.indexOf(v) !== i);
  if (duplicate !== undefined) throw new MigrationError(`two migration files share version ${duplicate}`);
  return migrations;
}

const CREATE_LEDGER = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

async function ledger(db: Queryable): Promise<Map<number, { name: string; checksum: string }>> {
  const exists = await db.query<{ present: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
  if (!exists.rows[0]?.present) return new Map();
  const { rows } = await db.query<{ version: number; name: string; checksum: string }>(
    'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
  );
  return new Map(rows.map((r) => [r.version, r]));
}

function compare(applied: Map<number, { name: string; checksum: string }>, files: MigrationFile[]): MigrationState {
  const byVersion = new Map(files.map((f) => [f.version, f]));
  return {
    applied: [...applied.keys()],
    pending: files.filter((f) => !applied.has(f.version)),
    changed: files.filter((f) => applied.has(f.version) && applied.get(f.version)?.checksum !== f.checksum).map((f) => f.name),
    unknown: [...applied.keys()].filter((v) => !byVersion.has(v)),
  };
}

export async function migrationState(db: Queryable, files?: MigrationFile[]): Promise<MigrationState> {
  return compare(await ledger(db), files ?? (await readMigrations()));
}

function refuseDrift(state: MigrationState): void {
  if (state.changed.length > 0) {
    throw new MigrationError(
      `applied migration files were changed since they ran: ${state.changed.join(', ')}. ` +
        'Restore them as they were and put the change in a new numbered file.',
    );
  }
  if (state.unknown.length > 0) {
    throw new MigrationError(
      `the database has migrations this build does not know (versions ${state.unknown.join(', ')}): ` +
        'it was migrated by a newer release; run that release or newer.',
    );
  }
}

/**
 * Applies every pending migration in one transaction under an advisory lock, so two installers never
 * race and a failed file leaves nothing half-applied. Returns the names applied.
 */
export async function migrate(db: Database, files?: MigrationFile[]): Promise<string[]> {
  const migrations = files ?? (await readMigrations());
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(CREATE_LEDGER);
    const state = compare(await ledger(tx), migrations);
    refuseDrift(state);
    for (const migration of state.pending) {
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new MigrationError(`${migration.name} failed: ${(error as Error).message}`);
      }
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
    }
    return state.pending.map((m) => m.name);
  });
}

function refuseBehind(state: MigrationState): void {
  if (state.pending.length > 0) {
    throw new MigrationError(
      `the database is behind: ${state.pending.length} migration(s) pending (${state.pending.map((m) => m.name).join(', ')}). ` +
        'Run `npm run installer -- migrate` (or the installer job) against it, then start the orchestrator again.',
    );
  }
}

/** Throws with the command that fixes it when the database is not exactly at this build's schema. */
export async function assertMigrated(db: Queryable): Promise<void> {
  const state = await migrationState(db);
  refuseDrift(state);
  refuseBehind(state);
}

/** A migration the previous release cannot run on (it drops or renames what that release uses) says so in its name. */
export const BREAKING_SUFFIX = '_breaking.sql';

/**
 * Whether this build may serve on the database as it is: at its schema, or ahead of it by migrations a
 * newer release applied. An upgrade migrates before the new pods roll out, and the old pods must keep
 * serving meanwhile or the API goes dark for the whole rollout. That is safe because migrations only
 * expand; one that contracts is named `*_breaking.sql`, and the old pods go unready on it instead of
 * serving against a schema they do not understand. Returns the newer migrations tolerated.
 */
export async function assertServable(db: Queryable, migrations?: MigrationFile[]): Promise<{ newer: string[] }> {
  const applied = await ledger(db);
  const files = migrations ?? (await readMigrations());
  const state = compare(applied, files);
  refuseBehind(state);
  if (state.changed.length > 0) refuseDrift({ ...state, unknown: [] });
  const newest = Math.max(0, ...files.map((f) => f.version));
  const newer = state.unknown.map((v) => ({ version: v, name: applied.get(v)?.name ?? String(v) }));
  const out = newer.filter((m) => m.version < newest);
  if (out.length > 0) {
    throw new MigrationError(
      `the database has migrations this build does not know among the ones it does (${out.map((m) => m.name).join(', ')}): ` +
        'it was migrated from another branch of the code; migrate it with the release that wrote them.',
    );
  }
  const breaking = newer.filter((m) => m.name.endsWith(BREAKING_SUFFIX));
  if (breaking.length > 0) {
    throw new MigrationError(
      `a newer release changed the schema in a way this one cannot serve (${breaking.map((m) => m.name).join(', ')}): ` +
        'finish the upgrade so pods of the new release replace this one.',
    );
  }
  return { newer: newer.map((m) => m.name) };
}
