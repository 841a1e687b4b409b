import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Largest bundle fetched over HTTPS; the zip reader applies its own per-entry limits after that. */
const MAX_REMOTE_BUNDLE_BYTES = 256 * 1024 * 1024;

/**
 * Fetches a bundle zip from an HTTPS URL into a private temporary folder, refusing it unless its
 * sha256 is the pinned one: a bundle from the network is only trusted by content, never by location.
 */
export async function downloadBundle(url: string, sha256: string | undefined): Promise<string> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:') throw new Error(`${url}: bundles are fetched over https only`);
  if (!sha256 || !/^[0-9a-f]{64}$/i.test(sha256)) {
    throw new Error(`${url}: pin the bundle with --sha256 <64 hex digits>, the sha256 of the zip you reviewed`);
  }
  const response = await fetch(parsed, { signal: AbortSignal.timeout(60_000), redirect: 'error' });
  if (!response.ok || !response.body) throw new Error(`${url} answered ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_REMOTE_BUNDLE_BYTES) throw new Error(`${url} is ${declared} bytes; bundles are limited to ${MAX_REMOTE_BUNDLE_BYTES}`);
  const chunks: Buffer[] = [];
  let size = 0;
  const hash = createHash('sha256');
  for await (const chunk of response.body) {
    const bytes = Buffer.from(chunk as Uint8Array);
    size += bytes.length;
    if (size > MAX_REMOTE_BUNDLE_BYTES) throw new Error(`${url} is larger than ${MAX_REMOTE_BUNDLE_BYTES} bytes; refused`);
    hash.update(bytes);
    chunks.push(bytes);
  }
  const actual = hash.digest('hex');
  if (actual !== sha256.toLowerCase()) throw new Error(`${url} has sha256 ${actual}, not the pinned ${sha256}: refused`);
  const dir = await mkdtemp(join(tmpdir(), 'crosswire-bundle-'));
  const path = join(dir, 'bundle.zip');
  await writeFile(path, Buffer.concat(chunks), { mode: 0o600 });
  return path;
}

/** `-f` as a local path, or a pinned HTTPS bundle downloaded first. */
export async function localBundlePath(file: string, sha256: string | undefined): Promise<string> {
  return /^[a-z]+:\/\//i.test(file) ? downloadBundle(file, sha256) : file;
}
