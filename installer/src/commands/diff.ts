import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { localBundlePath } from './remote-bundle.ts';
import { crc32, inflateRawSync } from 'node:zlib';

/**
 * `installer diff -f <file|dir>`: what `apply` would create, change (field by field) and delete.
 * Exit 0: nothing; 1: changes; 2: an error (every problem printed by file and JSON Pointer).
 *
 * This file also holds what diff, apply and export share: reading a manifest set from disk and
 * talking to the orchestrator API.
 */

// ---------------------------------------------------------------- the API

export interface Problem {
  file: string;
  pointer: string;
  message: string;
}

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

export interface ManifestFile {
  /** Relative to the bundle root, with "/". */
  file: string;
  manifest: Record<string, unknown>;
  /** Artifacts: the content spec.file names. */
  content?: Buffer;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const escapePointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

function forbiddenKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => forbiddenKeys(v, `${path}/${i}`));
  if (!isRecord(value)) return [];
  return Object.keys(value).flatMap((key) =>
    FORBIDDEN_KEYS.has(key) ? [`${path}/${escapePointer(key)}`] : forbiddenKeys(value[key], `${path}/${escapePointer(key)}`),
  );
}

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

/** Manifest files and a reader for paths relative to the bundle root. */
interface Bundle {
  root: string;
  manifests: string[];
  read(file: string): Promise<Buffer | undefined>;
}

export const MAX_ZIP_ENTRY_BYTES = 64 * 1024 * 1024;
const MAX_ZIP_BYTES = 512 * 1024 * 1024;

/**
 * A dependency-free reader for bundles: refuses `..`, absolute and backslash paths, symlinks, encrypted
 * and zip64 entries, and any entry whose declared size is over `maxEntry` — before inflating a byte —
 * or whose inflated size turns out larger than declared.
 */
export function readZip(zip: Buffer, maxEntry = MAX_ZIP_ENTRY_BYTES): Map<string, Buffer> {
  const fail = (message: string): never => {
    throw new Error(`bad zip bundle: ${message}`);
  };
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('no end of central directory record: not a zip file');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || at === 0xffffffff) fail('zip64 archives are not supported');
  const entries = new Map<string, Buffer>();
  for (let n = 0; n < count; n++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== 0x02014b50) fail('corrupt central directory');
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const mode = zip.readUInt32LE(at + 38) >>> 16;
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (name.includes('\\') || name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\0')) fail(`${JSON.stringify(name)} is not a relative path`);
    if (name.split('/').some((segment) => segment === '..' || segment === '.')) fail(`${JSON.stringify(name)} points outside the bundle`);
    if ((mode & 0o170000) === 0o120000) fail(`${JSON.stringify(name)} is a symbolic link`);
    if (name.endsWith('/')) continue;
    if (flags & 1) fail(`${name} is encrypted`);
    if (compressedSize === 0xffffffff || size === 0xffffffff) fail(`${name}: zip64 entries are not supported`);
    if (size > maxEntry) fail(`${name} is ${size} bytes, over the limit of ${maxEntry} per entry`);
    if (entries.has(name)) fail(`${name} appears twice`);
    if (local + 30 > zip.length || zip.readUInt32LE(local) !== 0x04034b50) fail(`${name}: corrupt local header`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    if (start + compressedSize > zip.length) fail(`${name} is truncated`);
    const data = zip.subarray(start, start + compressedSize);
    let content: Buffer;
    if (method === 0) content = Buffer.from(data);
    else if (method === 8) {
      try {
        content = inflateRawSync(data, { maxOutputLength: Math.max(size, 1) });
      } catch {
        fail(`${name} inflates to more than its declared ${size} bytes, or is corrupt`);
      }
    } else fail(`${name} uses compression method ${method}; use deflate or store`);
    if (content!.length !== size) fail(`${name} is ${content!.length} bytes, not the ${size} declared`);
    if (crc32(content!) !== crc) fail(`${name}: checksum mismatch`);
    entries.set(name, content!);
  }
  return entries;
}

async function openBundle(target: string): Promise<Bundle> {
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
    return { root: target, manifests: paths.map((p) => relative(target, p).split(sep).join('/')), read: (file) => readInside(target, file) };
  }
  if (target.endsWith('.zip')) {
    if (info.size > MAX_ZIP_BYTES) throw new Error(`${target} is ${info.size} bytes; bundles are limited to ${MAX_ZIP_BYTES}`);
    const entries = readZip(await readFile(target));
    const manifests = [...entries.keys()].filter((name) => name.startsWith('manifests/') && name.endsWith('.json'));
    return { root: target, manifests, read: (file) => Promise.resolve(entries.get(file)) };
  }
  const root = basename(dirname(target)) === 'manifests' ? dirname(dirname(target)) : dirname(target);
  return { root, manifests: [relative(root, target).split(sep).join('/')], read: (file) => readInside(root, file) };
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
  const files: ManifestFile[] = [];
  const problems: Problem[] = [];
  for (const file of bundle.manifests.sort()) {
    let manifest: unknown;
    try {
      manifest = JSON.parse((await bundle.read(file))!.toString('utf8'));
    } catch (error) {
      problems.push({ file, pointer: '', message: `is not valid JSON: ${(error as Error).message}` });
      continue;
    }
    const forbidden = forbiddenKeys(manifest);
    if (forbidden.length > 0) {
      for (const pointer of forbidden) problems.push({ file, pointer, message: `the key ${JSON.stringify(pointer.split('/').pop())} is not allowed anywhere in a manifest` });
      continue;
    }
    if (!isRecord(manifest)) {
      problems.push({ file, pointer: '', message: 'must be a JSON object: one resource per file' });
      continue;
    }
    const entry: ManifestFile = { file, manifest };
    const spec = manifest.spec;
    if (manifest.kind === 'Artifact' && isRecord(spec) && typeof spec.file === 'string') {
      if (spec.file.startsWith('/') || spec.file.split(/[\\/]/).includes('..')) {
        problems.push({ file, pointer: '/spec/file', message: 'must be a path inside the bundle, such as artifacts/fix44.xml' });
        continue;
      }
      const content = await bundle.read(spec.file);
      if (content === undefined) {
        problems.push({ file, pointer: '/spec/file', message: `${spec.file} does not exist in ${bundle.root}` });
        continue;
      }
      entry.content = content;
      const actual = createHash('sha256').update(content).digest('hex');
      if (typeof spec.sha256 === 'string' && actual !== spec.sha256) {
        problems.push({ file, pointer: '/spec/sha256', message: `does not match ${spec.file}, whose sha256 is ${actual}` });
        continue;
      }
    }
    files.push(entry);
  }
  return { root: bundle.root, files, problems };
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
  const body = { manifests: set.files.map(({ file, manifest }) => ({ file, manifest })), prune: options.prune, source: options.source };
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
