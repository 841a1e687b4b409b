// Command line of the acceptance runner (see run.ts for usage).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { startQuickfixAcceptor, type StartedAcceptor } from './acceptors.ts';
import { DEFAULT_PATTERNS, parsePatterns, type Patterns } from './compare.ts';
import { startOwnAcceptor } from './own-acceptor.ts';
import { findUpwards, profileFor } from './profile.ts';
import { formatCase, formatSummary } from './reporter.ts';
import { runFolder, type CaseResult, type RunOptions } from './runner.ts';

export const USAGE = `usage: tsx adapter/fix-acceptance/run.ts [--host H --port P | --start-own | --start-quickfix]
         [--timeout SECONDS] [--strict-order] [--only TEXT] [--fields fields.fmt] [--spec DIR] [--verbose]
         [<folder>...]
  <folder>          a folder of .def scripts named after its version (fix40 ... fix44, fix50, fix50sp1, fix50sp2);
                    default: ../shared/fix-acceptance/definitions/server/{fix42,fix44,fix50}
  --host/--port     run against an acceptor that is already running (it must serve every folder's profile)
  --start-own       start the project's own FixAcceptor per folder (the default without --port)
  --start-quickfix  start the QuickFIX C++ reference acceptor (adapter/interop/build/at_acceptor)
  --timeout         seconds an E line waits for its message and eDISCONNECT for the close (default 15)
  --strict-order    also compare field order, as QuickFIX's own comparator does
  --only            run only cases whose name contains TEXT`;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED_SERVER_DEFINITIONS = resolve(REPO_ROOT, '../shared/fix-acceptance/definitions/server');
const DEFAULT_FOLDERS = ['fix42', 'fix44', 'fix50'].map((v) => join(SHARED_SERVER_DEFINITIONS, v));

type Mode = { kind: 'external'; host: string; port: number } | { kind: 'own' } | { kind: 'quickfix' };

function loadPatterns(folder: string, explicit: string | undefined, log: (s: string) => void): Patterns {
  const path = explicit ?? findUpwards(folder, 'fields.fmt', 2);
  if (path === undefined) {
    log(`note: no fields.fmt found above ${folder}; using QuickFIX's default patterns for 10 and 52`);
    return DEFAULT_PATTERNS;
  }
  return parsePatterns(readFileSync(path, 'latin1'));
}

function specDirFor(folder: string, explicit: string | undefined): string {
  const definitions = findUpwards(folder, 'spec', 3);
  const dir = explicit ?? definitions;
  if (dir === undefined) throw new Error(`no spec/ folder with the data dictionaries found above ${folder}; use --spec`);
  return resolve(dir);
}

/** Runs the CLI; returns the exit code (0 when every case passed). */
export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'start-own': { type: 'boolean' },
        'start-quickfix': { type: 'boolean' },
        timeout: { type: 'string' },
        'strict-order': { type: 'boolean' },
        only: { type: 'string' },
        fields: { type: 'string' },
        spec: { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    out(`${(err as Error).message}\n${USAGE}`);
    return 1;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const modes = [values.port !== undefined, values['start-own'] === true, values['start-quickfix'] === true];
  if (modes.filter(Boolean).length > 1) {
    out(`choose one of --host/--port, --start-own, --start-quickfix\n${USAGE}`);
    return 1;
  }
  let mode: Mode = { kind: 'own' };
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      out(`bad --port '${values.port}'`);
      return 1;
    }
    mode = { kind: 'external', host: values.host ?? '127.0.0.1', port };
  } else if (values['start-quickfix']) mode = { kind: 'quickfix' };

  const timeoutSeconds = values.timeout === undefined ? 15 : Number(values.timeout);
  if (!(timeoutSeconds > 0)) {
    out(`bad --timeout '${values.timeout}'`);
    return 1;
  }

  const requested = positionals.length > 0 ? positionals.map((p) => resolve(p)) : DEFAULT_FOLDERS;
  const folders: string[] = [];
  for (const folder of requested) {
    if (existsSync(folder)) folders.push(folder);
    else {
      out(
        `SKIP ${folder}: not found (the FIX acceptance scripts live in ../shared/fix-acceptance, which is absent here)`,
      );
    }
  }
  if (folders.length === 0) {
    out('skipped: no acceptance script folders found');
    return 0;
  }

  const log = (s: string): void => {
    if (values.verbose) console.error(s);
  };
  const only = values.only;
  const filter = only === undefined ? undefined : (name: string) => name.includes(only);
  const results: CaseResult[] = [];
  let shared: StartedAcceptor | undefined;
  try {
    for (const folder of folders) {
      const profile = profileFor(folder);
      const options: RunOptions = {
        patterns: loadPatterns(folder, values.fields, log),
        timeoutMs: timeoutSeconds * 1000,
        strictOrder: values['strict-order'] === true,
      };
      let acceptor: StartedAcceptor | undefined;
      let target = mode.kind === 'external' ? { host: mode.host, port: mode.port } : undefined;
      if (mode.kind === 'quickfix') {
        shared ??= await startQuickfixAcceptor(specDirFor(folder, values.spec));
        log(`using ${shared.description}`);
        target = shared;
      } else if (mode.kind === 'own') {
        acceptor = await startOwnAcceptor(profile, specDirFor(folder, values.spec), values.verbose === true);
        log(`using ${acceptor.description}`);
        target = acceptor;
      }
      try {
        if (target === undefined) throw new Error('no acceptor');
        results.push(...(await runFolder(folder, target, options, (r) => out(formatCase(r, values.verbose === true)), filter)));
      } finally {
        await acceptor?.stop();
      }
    }
  } catch (err) {
    out(`error: ${(err as Error).message}`);
    out(formatSummary(results));
    return 1;
  } finally {
    await shared?.stop();
  }
  out(formatSummary(results));
  return results.every((r) => r.passed) ? 0 : 1;
}
