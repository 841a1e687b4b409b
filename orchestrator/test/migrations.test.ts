import { mkdtemp, readFile, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, assertMigrated, assertServable, migrate, migrationState, readMigrations } from '../src/db/migrations.ts';
import { loadConfig, startOrchestrator } from '../src/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { BACKENDS, createTestDatabase, type TestDatabase } from './support/databases.ts';

/** A copy of the migrations folder the test may change. */
async function migrationsCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'crosswire-migrations-'));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  return `${dir}/`;
}

describe.each(BACKENDS)('migrations on %s', (backend) => {
  let test: TestDatabase | undefined;
  afterEach(async () => {
    await test?.drop();
    test = undefined;
  });

  it('applies every file once and records each with its checksum', async () => {
    test = await createTestDatabase(backend);
    const files = await readMigrations();
    expect(await migrate(test.db)).toEqual(files.map((f) => f.name));
    expect(await migrate(test.db)).toEqual([]);
    const { rows } = await test.db.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations ORDER BY version');
    expect(rows).toEqual(files.map((f) => ({ name: f.name, checksum: f.checksum })));
    await expect(assertMigrated(test.db)).resolves.toBeUndefined();
  });

  it('refuses to run when an applied file was changed, naming it', async () => {
    test = await createTestDatabase(backend);
    const dir = await migrationsCopy();
    await migrate(test.db, await readMigrations(dir));
    const first = (await readMigrations(dir))[0]!;
    await writeFile(`${dir}${first.name}`, `${await readFile(`${dir}${first.name}`, 'utf8')}\n-- edited\n`);
    await expect(migrate(test.db, await readMigrations(dir))).rejects.toThrow(`applied migration files were changed since they ran: ${first.name}`);
  });

  it('rolls back a failing file completely', async () => {
    test = await createTestDatabase(backend);
    const dir = await migrationsCopy();
    await writeFile(`${dir}900_broken.sql`, 'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n');
    await expect(migrate(test.db, await readMigrations(dir))).rejects.toThrow('900_broken.sql failed');
    const { rows } = await test.db.query<{ present: boolean }>(
      "SELECT to_regclass('half_done') IS NOT NULL AS present",
    );
    expect(rows[0]!.present).toBe(false);
    expect((await migrationState(test.db)).applied).toEqual([]);
  });

  it('keeps the orchestrator from starting on a database that is behind, saying which command fixes it', async () => {
    test = await createTestDatabase(backend);
    const config = loadConfig({ PORT: '0', MANAGEMENT_PORT: '0', AUTH_ISSUER: 'http://127.0.0.1:1/' });
    const files = (await readMigrations()).map((f) => f.name);
    await expect(startOrchestrator(test.db, config, createLogger({ level: 'silent' }))).rejects.toThrow(
      `the database is behind: ${files.length} migration(s) pending (${files.join(', ')}). Run \`npm run installer -- migrate\``,
    );
  });
});

describe.each(BACKENDS)('an upgrade in progress on %s', (backend) => {
  let test: TestDatabase | undefined;
  afterEach(async () => {
    await test?.drop();
    test = undefined;
  });
  const applyFuture = (db: TestDatabase['db'], version: number, name: string) =>
    db.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [version, name, 'from-a-newer-release']);

  it('keeps the old release ready on a schema a newer release expanded, and unready on one it broke', async () => {
    test = await createTestDatabase(backend);
    await migrate(test.db);
    // The installer of the next release migrated before its pods rolled out.
    await applyFuture(test.db, 9_000, '9000_adapter_tags.sql');
    await expect(assertServable(test.db)).resolves.toEqual({ newer: ['9000_adapter_tags.sql'] });
    // Seeding and other installer steps still insist on an exact match: they belong to the newest release.
    await expect(assertMigrated(test.db)).rejects.toThrow('migrated by a newer release');

    const config = loadConfig({ PORT: '0', MANAGEMENT_PORT: '0', AUTH_ISSUER: 'http://127.0.0.1:1/' });
    const orchestrator = await startOrchestrator(test.db, config, createLogger({ level: 'silent' }));
    try {
      const ready = await fetch(`${orchestrator.managementUrl}/readyz`);
      expect([ready.status, await ready.text()]).toEqual([200, 'ready\n']);

      await applyFuture(test.db, 9_001, '9001_drop_adapter_description_breaking.sql');
      const unready = await fetch(`${orchestrator.managementUrl}/readyz`);
      expect(unready.status).toBe(503);
      expect(await unready.text()).toContain(
        'a newer release changed the schema in a way this one cannot serve (9001_drop_adapter_description_breaking.sql): finish the upgrade',
      );
    } finally {
      await orchestrator.stop(0);
    }
  });

  it('refuses a database with unknown migrations in between known ones (another branch migrated it)', async () => {
    test = await createTestDatabase(backend);
    const files = await readMigrations();
    await migrate(test.db);
    await applyFuture(test.db, 9_000, '9000_branch_only.sql');
    await applyFuture(test.db, 9_500, '9500_later.sql');
    // This build knows 9500 but not 9000: the database took a path this code never had.
    const withLater = [...files, { version: 9_500, name: '9500_later.sql', checksum: 'from-a-newer-release', sql: '' }];
    await expect(assertServable(test.db, withLater)).rejects.toThrow(
      'the database has migrations this build does not know among the ones it does (9000_branch_only.sql)',
    );
  });
});

describe('migrations under concurrency (postgres)', () => {
  it('two installers migrating at once apply each file exactly once', async () => {
    const test = await createTestDatabase('postgres');
    try {
      const results = await Promise.all([migrate(test.db), migrate(test.db), migrate(test.db)]);
      expect(results.flat().sort()).toEqual((await readMigrations()).map((f) => f.name));
      const { rows } = await test.db.query<{ n: string }>('SELECT count(*)::text AS n FROM schema_migrations');
      expect(Number(rows[0]!.n)).toBe((await readMigrations()).length);
    } finally {
      await test.drop();
    }
  });
});
