import { spawn } from 'node:child_process';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSigned } from '../../orchestrator/test/support/certificates.ts';
import { readZip } from '@crosswire/orchestrator/bundles';
import { specs, startStack, type TestStack } from '../../orchestrator/test/support/stack.ts';

const CLI = join(import.meta.dirname, '../src/cli.ts');
const TSX = join(import.meta.dirname, '../../node_modules/.bin/tsx');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [CLI, ...args], { env: { ...process.env, CROSSWIRE_API: '', CROSSWIRE_TOKEN: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file under `dir`, relative path → bytes. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (at: string) => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out[relative(dir, path)] = await readFile(path, 'latin1');
    }
  };
  await walk(dir);
  return out;
}

interface ZipEntry {
  name: string;
  data: Buffer;
  deflate?: boolean;
  /** Lie about the uncompressed size in the headers. */
  declaredSize?: number;
  /** Unix mode for the external attributes (symlinks: 0o120777). */
  mode?: number;
}

/** A minimal zip writer, enough to build good and hostile bundles. */
function zip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const body = entry.deflate ? deflateRawSync(entry.data) : entry.data;
    const size = entry.declaredSize ?? entry.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(entry.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(entry.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(entry.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc32(entry.data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((entry.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const DICTIONARY = '<fix major="4" minor="2"><fields/></fix>\n';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('installer export, diff and apply against PostgreSQL', () => {
  let source: TestStack;
  let target: TestStack;
  let work: string;
  const as = (stack: TestStack, role: 'viewer' | 'engineer') => ({ CROSSWIRE_API: stack.api, CROSSWIRE_TOKEN: stack.tokens[role] });

  beforeAll(async () => {
    [source, target] = await Promise.all([startStack('postgres'), startStack('postgres')]);
    work = await mkdtemp(join(tmpdir(), 'crosswire-manifests-'));
    await source.call('engineer', 'PUT', '/artifacts/venue-fix42.xml', DICTIONARY, { 'content-type': 'application/xml' });
    const initiator = specs.fixInitiator('demo-venue-initiator');
    (initiator.connector.config.session as Record<string, unknown>).dataDictionary = 'venue-fix42.xml';
    for (const body of [
      { ...specs.fixAcceptor('demo-fix-acceptor'), description: 'Demo acceptor', labels: { team: 'demo' } },
      initiator,
      { ...specs.natsProducer('demo-orders-to-nats', 2), labels: { team: 'demo' } },
    ]) {
      expect((await source.call('engineer', 'POST', '/adapters', body)).status).toBe(201);
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
    await rm(work, { recursive: true, force: true });
  });

  it('exports byte-identical bundles twice, applies one to an empty system, and exports it back identically', async () => {
    const first = join(work, 'first');
    const second = join(work, 'second');
    expect(await run(['export', '-o', first], as(source, 'viewer'))).toMatchObject({ code: 0, stdout: expect.stringContaining('exported 4 manifests') });
    expect((await run(['export', '-o', second], as(source, 'viewer'))).code).toBe(0);
    const files = await snapshot(first);
    expect(Object.keys(files).sort()).toEqual([
      'artifacts/venue-fix42.xml',
      'manifests/adapter-demo-fix-acceptor.json',
      'manifests/adapter-demo-orders-to-nats.json',
      'manifests/adapter-demo-venue-initiator.json',
      'manifests/artifact-venue-fix42.xml.json',
    ]);
    expect(await snapshot(second)).toEqual(files);
    expect(files['artifacts/venue-fix42.xml']).toBe(DICTIONARY);
    // The portal's zip download holds exactly these files.
    const zipped = await fetch(`${source.api}/manifests/bundle`, { headers: { authorization: `Bearer ${source.tokens.viewer}` } });
    const entries = readZip(Buffer.from(await zipped.arrayBuffer()));
    expect(Object.fromEntries([...entries].map(([name, data]) => [name, data.toString('latin1')]))).toEqual(files);

    const dry = await run(['apply', '-f', first, '--dry-run'], as(target, 'engineer'));
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('+ would create Adapter demo-fix-acceptor (manifests/adapter-demo-fix-acceptor.json)');
    expect((await target.call('viewer', 'GET', '/adapters')).body.items).toEqual([]);

    expect((await run(['apply', '-f', first], as(target, 'viewer'))).code).toBe(2);
    const applied = await run(['apply', '-f', first], as(target, 'engineer'));
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('4 to create, 0 to update, 0 to delete, 0 unchanged');

    const back = join(work, 'back');
    expect((await run(['export', '-o', back], as(target, 'viewer'))).code).toBe(0);
    expect(await snapshot(back)).toEqual(files);

    const diff = await run(['diff', '-f', first], as(target, 'viewer'));
    expect(diff).toMatchObject({ code: 0, stdout: '0 to create, 0 to update, 0 to delete, 4 unchanged\n' });
    const again = await run(['apply', '-f', first], as(target, 'engineer'));
    expect(again.stdout).toBe('0 to create, 0 to update, 0 to delete, 4 unchanged\n');
  }, 120_000);

  it('shows exactly the field edited in Git, with exit 1', async () => {
    const dir = join(work, 'first');
    const file = join(dir, 'manifests/adapter-demo-fix-acceptor.json');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('"port": 9876', '"port": 9999'));
    const diff = await run(['diff', '-f', dir], as(target, 'viewer'));
    expect(diff.code).toBe(1);
    expect(diff.stdout).toBe(
      '~ update Adapter demo-fix-acceptor (manifests/adapter-demo-fix-acceptor.json)\n' +
        '    /spec/connector/config/listen/port: 9876 → 9999\n' +
        '0 to create, 1 to update, 0 to delete, 3 unchanged\n',
    );
    // A single file works too, its bundle root found above manifests/.
    expect((await run(['diff', '-f', file], as(target, 'viewer'))).stdout).toContain('0 to create, 1 to update, 0 to delete, 0 unchanged');
    await writeFile(file, original);
  }, 60_000);

  it('reports all 12 problems of a bad set by file and pointer, exit 2, and changes nothing', async () => {
    const dir = join(work, 'bad');
    await mkdir(join(dir, 'manifests'), { recursive: true });
    await mkdir(join(dir, 'artifacts'), { recursive: true });
    await writeFile(join(dir, 'artifacts/dict.xml'), DICTIONARY);
    const adapter = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'crosswire.dev/v1', kind: 'Adapter', metadata: { name }, spec });
    const acceptor = (port: number) => specs.fixAcceptor('x', port).connector;
    const initiator = (extra: Record<string, unknown>) => {
      const connector = specs.fixInitiator('x').connector;
      return { ...connector, config: { ...connector.config, ...extra } };
    };
    const manifests: Record<string, unknown> = {
      '01-api-version.json': { ...adapter('one', { mode: 'single', connector: acceptor(1) }), apiVersion: 'v1' },
      '02-kind.json': { apiVersion: 'crosswire.dev/v1', kind: 'Adaptor', metadata: { name: 'two' }, spec: {} },
      '03-name.json': adapter('Three_3', { mode: 'single', connector: acceptor(3) }),
      '04-unknown-field.json': adapter('four', { mode: 'single', connector: acceptor(4), retries: 3 }),
      '05-connector.json': adapter('five', { mode: 'single', connector: { type: 'kafka-producer', config: {} } }),
      '06-port.json': adapter('six', { mode: 'single', connector: acceptor(70000) }),
      '07-artifact-ref.json': adapter('seven', {
        mode: 'single',
        connector: initiator({ session: { beginString: 'FIX.4.2', senderCompId: 'A', targetCompId: 'B', dataDictionary: 'missing.xml' } }),
      }),
      '08-duplicate.json': adapter('five', { mode: 'single', connector: acceptor(8) }),
      '09-secret.json': adapter('nine', { mode: 'single', connector: initiator({ authentication: { username: 'u', password: 'letmein' } }) }),
      '10-sha.json': { apiVersion: 'crosswire.dev/v1', kind: 'Artifact', metadata: { name: 'dict.xml' }, spec: { file: 'artifacts/dict.xml', sha256: sha256('else') } },
    };
    for (const [name, manifest] of Object.entries(manifests)) await writeFile(join(dir, 'manifests', name), JSON.stringify(manifest, null, 2));
    await writeFile(join(dir, 'manifests/11-broken.json'), '{"apiVersion": "crosswire.dev/v1",');
    await writeFile(
      join(dir, 'manifests/12-proto.json'),
      '{"apiVersion":"crosswire.dev/v1","kind":"Adapter","metadata":{"name":"twelve"},"spec":{"mode":"single","__proto__":{"polluted":true}}}',
    );
    const before = await target.call('viewer', 'GET', '/manifests');

    const diff = await run(['diff', '-f', dir], as(target, 'viewer'));
    expect(diff.code).toBe(2);
    const lines = diff.stderr.trim().split('\n');
    expect(lines.at(-1)).toBe('12 problems: nothing was changed');
    expect(lines.slice(0, -1).map((l) => l.split(':')[0])).toEqual([
      'manifests/01-api-version.json /apiVersion',
      'manifests/02-kind.json /kind',
      'manifests/03-name.json /metadata/name',
      'manifests/04-unknown-field.json /spec/retries',
      'manifests/05-connector.json /spec/connector/type',
      'manifests/06-port.json /spec/connector/config/listen/port',
      'manifests/07-artifact-ref.json /spec/connector/config/session/dataDictionary',
      'manifests/08-duplicate.json /metadata/name',
      'manifests/09-secret.json /spec/connector/config/authentication/password',
      'manifests/10-sha.json /spec/sha256',
      'manifests/11-broken.json',
      'manifests/12-proto.json /spec/__proto__',
    ]);
    expect(diff.stderr).not.toContain('letmein');

    const apply = await run(['apply', '-f', dir], as(target, 'engineer'));
    expect(apply.code).toBe(2);
    expect(apply.stderr).toBe(diff.stderr);
    expect((await target.call('viewer', 'GET', '/manifests')).body).toEqual(before.body);
  }, 60_000);

  it('prunes only the adapters of its own source', async () => {
    const dir = join(work, 'team');
    await mkdir(dir, { recursive: true });
    const manifest = (name: string, port: number) =>
      JSON.stringify({ apiVersion: 'crosswire.dev/v1', kind: 'Adapter', metadata: { name }, spec: { mode: 'single', connector: specs.fixAcceptor('x', port).connector } });
    await writeFile(join(dir, 'keep.json'), manifest('team-keep', 7101));
    await writeFile(join(dir, 'drop.json'), manifest('team-drop', 7102));
    expect((await run(['apply', '-f', dir, '--source', 'team'], as(target, 'engineer'))).code).toBe(0);
    await rm(join(dir, 'drop.json'));
    const noSource = await run(['diff', '-f', dir, '--prune'], as(target, 'viewer'));
    expect(noSource).toMatchObject({ code: 2, stderr: expect.stringContaining('prune needs a source') });
    const diff = await run(['diff', '-f', dir, '--prune', '--source', 'team'], as(target, 'viewer'));
    expect(diff).toMatchObject({ code: 1, stdout: '- delete Adapter team-drop\n0 to create, 0 to update, 1 to delete, 1 unchanged\n' });
    const pruned = await run(['apply', '-f', dir, '--prune', '--source', 'team'], as(target, 'engineer'));
    expect(pruned.stdout).toContain('- deleted Adapter team-drop');
    const names = (await target.call('viewer', 'GET', '/adapters')).body.items.map((a: { name: string }) => a.name);
    expect(names).toEqual(['demo-fix-acceptor', 'demo-orders-to-nats', 'demo-venue-initiator', 'team-keep']);
  }, 60_000);

  it('explains a missing server or token, and a path that does not exist', async () => {
    expect(await run(['diff', '-f', work], {})).toMatchObject({ code: 2, stderr: expect.stringContaining('--server URL or CROSSWIRE_API') });
    expect(await run(['diff', '-f', work], { CROSSWIRE_API: target.api })).toMatchObject({ code: 2, stderr: expect.stringContaining('--token') });
    expect(await run(['diff', '-f', join(work, 'nope')], as(target, 'viewer'))).toMatchObject({ code: 2, stderr: expect.stringContaining('does not exist') });
  }, 60_000);

  it('applies a zip bundle, and refuses ../ paths, symlinks, oversized and lying entries without inflating them', async () => {
    const files = await snapshot(join(work, 'first'));
    const bundle = join(work, 'bundle.zip');
    await writeFile(bundle, zip(Object.entries(files).map(([name, data]) => ({ name, data: Buffer.from(data, 'latin1'), deflate: true }))));
    expect(await run(['diff', '-f', bundle], as(target, 'viewer'))).toMatchObject({ code: 0, stdout: '0 to create, 0 to update, 0 to delete, 4 unchanged\n' });

    const manifest = Buffer.from(files['manifests/adapter-demo-fix-acceptor.json']!, 'latin1');
    const hostile: Array<[string, ZipEntry, string]> = [
      ['dotdot', { name: 'manifests/../../etc/passwd', data: Buffer.from('x') }, 'points outside the bundle'],
      ['absolute', { name: '/etc/passwd', data: Buffer.from('x') }, 'is not a relative path'],
      ['symlink', { name: 'artifacts/link', data: Buffer.from('/etc/passwd'), mode: 0o120777 }, 'is a symbolic link'],
      ['huge', { name: 'artifacts/huge.xml', data: Buffer.from('tiny'), deflate: true, declaredSize: 1024 ** 3 }, 'over the limit'],
      ['bomb', { name: 'artifacts/bomb.xml', data: Buffer.alloc(8 * 1024 * 1024), deflate: true, declaredSize: 1000 }, 'inflates to more than'],
    ];
    for (const [label, entry, message] of hostile) {
      const path = join(work, `${label}.zip`);
      await writeFile(path, zip([{ name: 'manifests/adapter-demo-fix-acceptor.json', data: manifest }, entry]));
      const result = await run(['apply', '-f', path], as(target, 'engineer'));
      expect(result.code, label).toBe(2);
      expect(result.stderr, label).toContain(message);
    }
  }, 90_000);

  it('applies a bundle fetched over HTTPS only when its sha256 matches the pin', async () => {
    const files = await snapshot(join(work, 'first'));
    const bundle = zip(Object.entries(files).map(([name, data]) => ({ name, data: Buffer.from(data, 'latin1'), deflate: true })));
    const pin = createHash('sha256').update(bundle).digest('hex');
    const certs = await mkdtemp(join(tmpdir(), 'crosswire-bundle-tls-'));
    const identity = selfSigned(certs, '127.0.0.1', ['IP:127.0.0.1']);
    const server = createHttpsServer({ key: identity.key, cert: identity.cert }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/zip' }).end(bundle);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/bundle.zip`;
    const env = { ...as(target, 'viewer'), NODE_EXTRA_CA_CERTS: identity.certPath };
    try {
      expect(await run(['diff', '-f', url, '--sha256', pin], env)).toMatchObject({ code: 0, stdout: '0 to create, 0 to update, 0 to delete, 4 unchanged\n' });
      const wrong = await run(['diff', '-f', url, '--sha256', '0'.repeat(64)], env);
      expect(wrong).toMatchObject({ code: 2, stderr: expect.stringContaining(`has sha256 ${pin}, not the pinned`) });
      expect(await run(['diff', '-f', url], env)).toMatchObject({ code: 2, stderr: expect.stringContaining('pin the bundle with --sha256') });
      expect(await run(['diff', '-f', url.replace('https:', 'http:'), '--sha256', pin], env)).toMatchObject({ code: 2, stderr: expect.stringContaining('https only') });
    } finally {
      server.close();
    }
  }, 60_000);
});

