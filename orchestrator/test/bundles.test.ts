import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundleManifests, readZip, writeZip, zipBundle } from '../src/bundles/index.ts';

/**
 * The zip writer and reader against Info-ZIP's `zip` and `unzip`, what people open and make bundles
 * with: a downloaded bundle must open anywhere, and a zipped export folder must import.
 */
const haveInfoZip = existsSync('/usr/bin/zip') && existsSync('/usr/bin/unzip');

const files = [
  { name: 'manifests/adapter-b.json', data: Buffer.from('{\n  "kind": "Adapter"\n}\n'.repeat(40)) },
  { name: 'artifacts/dictionary ✓.xml', data: Buffer.from('<fix/>') },
  { name: 'manifests/adapter-a.json', data: Buffer.alloc(0) },
];

describe('bundle zips', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'crosswire-bundles-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('writes the same bytes for the same files in any order, and reads them back', () => {
    const zip = writeZip(files);
    expect(writeZip([...files].reverse()).equals(zip)).toBe(true);
    const read = readZip(zip);
    expect([...read.keys()]).toEqual(['artifacts/dictionary ✓.xml', 'manifests/adapter-a.json', 'manifests/adapter-b.json']);
    for (const file of files) expect(read.get(file.name)!.equals(file.data)).toBe(true);
  });

  it.skipIf(!haveInfoZip)('writes zips unzip checks and extracts unchanged', async () => {
    const path = join(work, 'written.zip');
    await writeFile(path, writeZip(files));
    expect(execFileSync('unzip', ['-t', path]).toString()).toContain('No errors detected');
    const out = join(work, 'extracted');
    execFileSync('unzip', ['-q', path, '-d', out]);
    for (const file of files) expect((await readFile(join(out, file.name))).equals(file.data)).toBe(true);
  });

  it.skipIf(!haveInfoZip)('reads a zipped export folder, manifests inside its top folder', async () => {
    const folder = join(work, 'crosswire');
    await mkdir(join(folder, 'manifests'), { recursive: true });
    await mkdir(join(folder, 'artifacts'), { recursive: true });
    const xml = '<fix major="4"/>\n';
    const sha = createHash('sha256').update(xml).digest('hex');
    await writeFile(join(folder, 'artifacts', 'd.xml'), xml);
    await writeFile(join(folder, 'manifests', 'artifact-d.xml.json'), JSON.stringify({ kind: 'Artifact', spec: { file: 'artifacts/d.xml', sha256: sha } }));
    execFileSync('zip', ['-q', '-r', 'crosswire.zip', 'crosswire'], { cwd: work });
    const bundle = zipBundle(await readFile(join(work, 'crosswire.zip')), 'crosswire.zip');
    expect(bundle.manifests).toEqual(['manifests/artifact-d.xml.json']);
    const { files: read, problems } = await readBundleManifests(bundle);
    expect(problems).toEqual([]);
    expect(read[0]!.content!.toString()).toBe(xml);
  });
});
