import { createHash } from 'node:crypto';
import type { ExportedManifest, ManifestInput } from '../contract/manifests.ts';
import { readZip, type ZipLimits, ZipError } from './zip-reader.ts';

/**
 * Bundles: `manifests/*.json` and the `artifacts/` they name, as a directory or a zip. What the
 * installer and the orchestrator's bundle routes share, so a bundle reads the same everywhere.
 */

/** One manifest read from a bundle. */
export interface ManifestFile {
  /** Relative to the bundle root, with "/". */
  file: string;
  manifest: Record<string, unknown>;
  /** Artifacts: the content spec.file names. */
  content?: Buffer;
}

/** A problem found while reading, before any server check: `pointer` is into the manifest. */
export interface BundleProblem {
  file: string;
  pointer: string;
  message: string;
}

/** Manifest files and a reader for paths relative to the bundle root. */
export interface BundleSource {
  /** How messages name the bundle: a directory, a zip's path, "the uploaded zip". */
  label: string;
  manifests: readonly string[];
  read(file: string): Promise<Buffer | undefined> | Buffer | undefined;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const escapePointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');
const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

function forbiddenKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => forbiddenKeys(v, `${path}/${i}`));
  if (!isRecord(value)) return [];
  return Object.keys(value).flatMap((key) =>
    FORBIDDEN_KEYS.has(key) ? [`${path}/${escapePointer(key)}`] : forbiddenKeys(value[key], `${path}/${escapePointer(key)}`),
  );
}

/**
 * A zip bundle: `manifests/*.json` and `artifacts/`, at the zip's root or inside one top folder (a
 * zipped export directory). Throws ZipError for a zip the reader refuses or one without manifests.
 */
export function zipBundle(zip: Buffer, label: string, limits: ZipLimits = {}): BundleSource {
  const entries = readZip(zip, limits);
  let prefix = '';
  if (![...entries.keys()].some((name) => name.startsWith('manifests/'))) {
    const tops = new Set([...entries.keys()].map((name) => name.split('/')[0]));
    const [top] = tops;
    if (tops.size === 1 && [...entries.keys()].some((name) => name.startsWith(`${top}/manifests/`))) prefix = `${top}/`;
  }
  const manifests = [...entries.keys()]
    .filter((name) => name.startsWith(`${prefix}manifests/`) && name.endsWith('.json'))
    .map((name) => name.slice(prefix.length));
  if (manifests.length === 0) {
    throw new ZipError(`${label} has no manifests/*.json: a bundle holds manifests/ and artifacts/, as an export writes them`);
  }
  return { label, manifests, read: (file) => entries.get(`${prefix}${file}`) };
}

/**
 * Reads every manifest of a bundle, in file order, with the artifact contents they name. Problems
 * found here (bad JSON, forbidden keys, missing or mismatched artifact files) are returned, not
 * thrown, so they are reported together with the server's; their manifests are left out of `files`.
 */
export async function readBundleManifests(bundle: BundleSource): Promise<{ files: ManifestFile[]; problems: BundleProblem[] }> {
  const files: ManifestFile[] = [];
  const problems: BundleProblem[] = [];
  for (const file of [...bundle.manifests].sort()) {
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
        problems.push({ file, pointer: '/spec/file', message: `${spec.file} does not exist in ${bundle.label}` });
        continue;
      }
      entry.content = content;
      const actual = sha256(content);
      if (typeof spec.sha256 === 'string' && actual !== spec.sha256) {
        problems.push({ file, pointer: '/spec/sha256', message: `does not match ${spec.file}, whose sha256 is ${actual}` });
        continue;
      }
    }
    files.push(entry);
  }
  return { files, problems };
}

/** The manifests of an apply request; artifact contents (base64) only where `withContent` says. */
export function manifestInputs(files: readonly ManifestFile[], withContent: (file: ManifestFile) => boolean = () => true): ManifestInput[] {
  return files.map((f) => ({
    file: f.file,
    manifest: f.manifest,
    ...(f.content !== undefined && withContent(f) ? { content: f.content.toString('base64') } : {}),
  }));
}

/**
 * The files of an exported bundle: each manifest's canonical text at its `file`, and each artifact's
 * content at its `spec.file`, sorted by name. `contentOf` fetches the exported version of an artifact;
 * content that no longer matches the manifest's hash means the artifact changed during the export.
 */
export async function bundleFiles(
  items: readonly ExportedManifest[],
  contentOf: (item: ExportedManifest) => Promise<Buffer>,
): Promise<Array<{ name: string; data: Buffer }>> {
  const files: Array<{ name: string; data: Buffer }> = [];
  for (const item of items) {
    files.push({ name: item.file, data: Buffer.from(item.text, 'utf8') });
    const spec = item.manifest.spec;
    if (item.kind !== 'Artifact' || item.version === undefined || !isRecord(spec) || typeof spec.file !== 'string') continue;
    const content = await contentOf(item);
    if (sha256(content) !== spec.sha256) throw new Error(`artifact ${item.name} changed during the export: export again`);
    files.push({ name: spec.file, data: content });
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
