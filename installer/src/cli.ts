#!/usr/bin/env -S node --import tsx
import { runApply } from './commands/apply.ts';
import { runAudit } from './commands/audit.ts';
import { runCheck } from './commands/check.ts';
import { runDev } from './commands/dev.ts';
import { runDiff } from './commands/diff.ts';
import { runExport } from './commands/export.ts';
import { runMigrate, runMigrationStatus } from './commands/migrate.ts';
import { runSeed } from './commands/seed.ts';

const USAGE = `crosswire-installer <command> [options]

Commands:
  migrate          apply pending database migrations (DATABASE_URL), under a lock; safe to run again
  status           show applied and pending migrations; exit 1 when the database is behind
  seed             install or update the built-in connector plugins (DATABASE_URL)
  audit verify     check the audit trail's hash chain; exit 1 names the first broken record (DATABASE_URL)
  check            before rolling out adapter pods: list stored pipelines this release refuses; exit 1 when any (DATABASE_URL)
  export           write the configuration as manifests: -o DIR (manifests/ and artifacts/; default stdout), --names a,b
  diff -f PATH     what apply would change, field by field; exit 0 nothing, 1 changes, 2 problems (file, directory or .zip)
  apply -f PATH    apply a manifest set all or nothing: --dry-run, --prune --source NAME (deletes only that source's adapters)
  dev              run the whole system in one process on an embedded database, for a first look
                   options: --port N (default 8080), --fix-port N (demo acceptor, default 9876),
                   --data DIR (keep the database in DIR; default in memory)

Environment: DATABASE_URL=postgres://user@host:5432/db
             CROSSWIRE_API=https://host/api/v1 and CROSSWIRE_TOKEN=<JWT> for export, diff and apply
             (or --server URL --token T)`;

const commands: Record<string, (args: string[]) => Promise<number>> = {
  migrate: runMigrate,
  status: runMigrationStatus,
  seed: runSeed,
  audit: runAudit,
  check: runCheck,
  dev: runDev,
  export: runExport,
  diff: runDiff,
  apply: runApply,
};

const [name, ...rest] = process.argv.slice(2);
const command = name === undefined ? undefined : commands[name];
if (name === '--help' || name === '-h' || name === 'help') {
  console.log(USAGE);
} else if (!command) {
  console.error(name ? `unknown command ${JSON.stringify(name)}\n\n${USAGE}` : USAGE);
  process.exitCode = 2;
} else {
  try {
    process.exitCode = await command(rest);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}

