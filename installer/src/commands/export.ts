import { bundleFiles } from '@crosswire/orchestrator/bundles';
import type { ManifestExport } from '@crosswire/orchestrator/contract';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { apiClient, CONNECTION_OPTIONS, printWarnings } from './diff.ts';

/**
 * `installer export [-o dir] [--names a,b]`: writes the canonical manifests (manifests/*.json) and the
 * artifact contents (artifacts/*) under `dir`; without `-o`, prints the manifests to stdout. Exporting
 * the same system twice gives byte-identical files. Sealed secrets come out as references, with a
 * warning on stderr for each.
 */
export async function runExport(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { ...CONNECTION_OPTIONS, output: { type: 'string', short: 'o' }, names: { type: 'string' } } });
  const api = apiClient(values);
  const query = values.names ? `?names=${encodeURIComponent(values.names)}` : '';
  const exported = await api.request<ManifestExport>('GET', `/manifests${query}`);
  printWarnings(exported.warnings);
  if (values.output === undefined) {
    for (const item of exported.items) process.stdout.write(item.text);
    if (exported.items.some((i) => i.kind === 'Artifact')) console.error('note: artifact contents are only written with -o DIR');
    return 0;
  }
  const root = resolve(values.output);
  const write = async (file: string, content: string | Buffer) => {
    const path = join(root, file);
    if (!path.startsWith(`${root}/`)) throw new Error(`the server named a file outside the output directory: ${file}`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  };
  // The same files, byte for byte, as the zip GET /manifests/bundle answers.
  const files = await bundleFiles(exported.items, (item) => api.download(`/artifacts/${encodeURIComponent(item.name)}/content?version=${item.version}`));
  for (const file of files) await write(file.name, file.data);
  console.log(`exported ${exported.items.length} manifest${exported.items.length === 1 ? '' : 's'} to ${root}`);
  return 0;
}
