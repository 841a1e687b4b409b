import { manifestInputs, readBundleManifests, zipBundle, type BundleProblem, type BundleSource, type ManifestFile } from '@crosswire/orchestrator/bundles';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { localBundlePath } from './remote-bundle.ts';

/**
 * `installer diff -f <file|dir>`: what `apply` would create, change (field by field) and delete.
 * Exit 0: nothing; 1: changes; 2: an error (every problem printed by file and JSON Pointer).
 *
 * This file also holds what diff, apply and export share: reading a manifest set from disk and
 * talking to the orchestrator API.
 */

// ---------------------------------------------------------------- the API

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errors: Array<{ path: string; message: string; file?: string; pointer?: string }> = [],
  ) {
    super(message);
  }
}

export interface Api {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
  download(path: string): Promise<Buffer>;
}

export const CONNECTION_OPTIONS = {
  server: { type: 'string' },
  token: { type: 'string' },
} as const;

/** The API base from `--server` or CROSSWIRE_API (with or without /api/v1), the token from `--token` or CROSSWIRE_TOKEN. */
export function apiClient(values: { server?: string | undefined; token?: string | undefined }): Api {
  const server = values.server ?? process.env.CROSSWIRE_API;
  const token = values.token ?? process.env.CROSSWIRE_TOKEN;
  if (!server) throw new Error('give the orchestrator API with --server URL or CROSSWIRE_API (such as https://crosswire.example/api/v1)');
  if (!token) throw new Error('give a token with --token or CROSSWIRE_TOKEN (viewer for export and diff, engineer for apply)');
  const base = server.replace(/\/+$/, '').replace(/(?<!\/api\/v1)$/, '/api/v1');
  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      throw new Error(`cannot reach the orchestrator at ${base}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`);
    }
    if (!response.ok) {
      const text = await response.text();
      let problem: { detail?: string; errors?: ApiError['errors'] } = {};
      try {
        problem = JSON.parse(text) as typeof problem;
      } catch {
        // not a problem document
      }
      throw new ApiError(`${method} ${path}: ${response.status} ${problem.detail ?? text.slice(0, 500)}`, response.status, problem.errors ?? []);
    }
    return response;
  };
  return {
    request: async <T>(method: string, path: string, body?: unknown) => (await (await call(method, path, body)).json()) as T,
    download: async (path: string) => Buffer.from(await (await call('GET', path)).arrayBuffer()),
  };
}

// ---------------------------------------------------------------- reading a set

export type Problem = BundleProblem;
export type { ManifestFile };

/** The whole zip file, read into memory before its entries are checked. */
const MAX_ZIP_BYTES = 512 * 1024 * 1024;

async function jsonFiles(dir: string, root: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) {
      if (dir === root && entry.name === 'artifacts') continue;
      found.push(...(await jsonFiles(path, root)));
    } else if (entry.isFile() && entry.name.endsWith('.json')) {
      found.push(path);
    }
  }
  return found;
}

async function openBundle(target: string): Promise<BundleSource> {
  let info;
  try {
    info = await stat(target);
  } catch {
    throw new Error(`${target} does not exist`);
  }
  if (info.isDirectory()) {
    const manifestsDir = join(target, 'manifests');
    const hasManifestsDir = await stat(manifestsDir).then((s) => s.isDirectory(), () => false);
    const paths = await jsonFiles(hasManifestsDir ? manifestsDir : target, target);
    return { label: target, manifests: paths.map((p) => relative(target, p).split(sep).join('/')), read: (file) => readInside(target, file) };
  }
  if (target.endsWith('.zip')) {
    if (info.size > MAX_ZIP_BYTES) throw new Error(`${target} is ${info.size} bytes; bundles are limited to ${MAX_ZIP_BYTES}`);
    return zipBundle(await readFile(target), target);
  }
  const root = basename(dirname(target)) === 'manifests' ? dirname(dirname(target)) : dirname(target);
  return { label: root, manifests: [relative(root, target).split(sep).join('/')], read: (file) => readInside(root, file) };
}

async function readInside(root: string, file: string): Promise<Buffer | undefined> {
  const path = resolve(root, file);
  if (!path.startsWith(root + sep)) return undefined;
  return readFile(path).catch(() => undefined);
}

/**
 * Reads `-f`: one manifest file, a directory (its `manifests/` folder when it has one, else every
 * `*.json` under it) or a zip bundle (`manifests/*.json` and `artifacts/`). Artifact files are resolved
 * against the bundle root: the directory or zip, or for a single file its folder (the folder above when
 * that is `manifests/`). Problems found locally (bad JSON, forbidden keys, missing or mismatched
 * artifact files) are returned, not thrown, so they are reported together with the server's.
 */
export async function readManifestSet(path: string): Promise<{ root: string; files: ManifestFile[]; problems: Problem[] }> {
  const bundle = await openBundle(resolve(path));
  return { root: bundle.label, ...(await readBundleManifests(bundle)) };
}

// ---------------------------------------------------------------- results

export interface ApplyResult {
  dryRun: boolean;
  applied: boolean;
  summary: { create: number; update: number; delete: number; unchanged: number };
  resources: Array<{
    file: string;
    kind: string;
    name: string;
    action: 'create' | 'update' | 'delete' | 'unchanged';
    changes: Array<{ path: string; op: string; before?: unknown; after?: unknown }>;
  }>;
  warnings: Array<{ file: string; path: string; message: string }>;
}

const show = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));

export function printChanges(result: ApplyResult, verb: { create: string; update: string; delete: string }): void {
  for (const r of result.resources) {
    if (r.action === 'unchanged') continue;
    const sign = r.action === 'create' ? '+' : r.action === 'delete' ? '-' : '~';
    console.log(`${sign} ${verb[r.action]} ${r.kind} ${r.name}${r.file ? ` (${r.file})` : ''}`);
    for (const c of r.changes) {
      const change = c.op === 'add' ? `added ${show(c.after)}` : c.op === 'remove' ? `removed (was ${show(c.before)})` : `${show(c.before)} → ${show(c.after)}`;
      console.log(`    ${c.path}: ${change}`);
    }
  }
  const s = result.summary;
  console.log(`${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged`);
}

export function printWarnings(warnings: ReadonlyArray<{ file: string; path: string; message: string }>): void {
  for (const w of warnings) console.error(`warning: ${w.file}${w.path ? ` ${w.path}` : ''}: ${w.message}`);
}

/** Server problems point into the request body; each is named by the file it came from. */
export function problemsFrom(error: ApiError, sent: readonly ManifestFile[]): Problem[] {
  return error.errors.map((e) => {
    if (e.file !== undefined && e.pointer !== undefined) return { file: e.file, pointer: e.pointer, message: e.message };
    const match = /^\/manifests\/(\d+)\/manifest(.*)$/.exec(e.path);
    const file = match ? sent[Number(match[1])]?.file : undefined;
    return file !== undefined ? { file, pointer: match![2]!, message: e.message } : { file: '(request)', pointer: e.path, message: e.message };
  });
}

export function printProblems(problems: readonly Problem[]): void {
  const sorted = [...problems].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
  for (const p of sorted) console.error(`${p.file}${p.pointer ? ` ${p.pointer}` : ''}: ${p.message}`);
  console.error(`${problems.length} problem${problems.length === 1 ? '' : 's'}: nothing was changed`);
}

export const SET_OPTIONS = {
  ...CONNECTION_OPTIONS,
  file: { type: 'string', short: 'f' },
  /** Required with an https:// bundle: its sha256. */
  sha256: { type: 'string' },
  prune: { type: 'boolean', default: false },
  source: { type: 'string' },
} as const;

/**
 * Asks the server what applying `files` would do. Local problems join the server's: manifests that
 * failed locally are left out of the request, so every other problem is still found.
 */
export async function planSet(
  api: Api,
  set: { files: ManifestFile[]; problems: Problem[] },
  options: { prune: boolean; source: string | undefined },
): Promise<{ result?: ApplyResult; problems: Problem[] }> {
  const body = { manifests: manifestInputs(set.files, () => false), prune: options.prune, source: options.source };
  try {
    const result = await api.request<ApplyResult>('POST', '/manifests/diff', body);
    return set.problems.length > 0 ? { problems: set.problems } : { result, problems: [] };
  } catch (error) {
    if (error instanceof ApiError && error.status === 400 && error.errors.length > 0) {
      return { problems: [...set.problems, ...problemsFrom(error, set.files)] };
    }
    throw error;
  }
}

export async function runDiff(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: SET_OPTIONS });
  if (!values.file) throw new Error('usage: installer diff -f <file|dir> [--prune --source NAME] [--server URL --token T]');
  const api = apiClient(values);
  const set = await readManifestSet(await localBundlePath(values.file, values.sha256));
  const { result, problems } = await planSet(api, set, { prune: values.prune, source: values.source });
  if (!result) {
    printProblems(problems);
    return 2;
  }
  printWarnings(result.warnings);
  printChanges(result, { create: 'create', update: 'update', delete: 'delete' });
  return result.summary.create + result.summary.update + result.summary.delete > 0 ? 1 : 0;
}
