import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readZip, writeZip } from '../src/bundles/index.ts';
import { MAX_BUNDLE_BYTES } from '../src/contract/manifests.ts';
import { specs, startStack, type ApiResponse, type TestRole, type TestStack } from './support/stack.ts';

/**
 * The bundle routes (what the portal's import and export use): a zip out, a zip in, with the same
 * checks and answers as the JSON routes, and hostile zips refused before anything is written.
 */

const DICTIONARY = '<fix major="4" minor="2"><header/><trailer/><messages/><fields/></fix>\n';

async function download(stack: TestStack, path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(`${stack.api}${path}`, { headers: { authorization: `Bearer ${stack.tokens.viewer}` } });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

async function upload(stack: TestStack, role: TestRole, path: string, zip: Buffer, type = 'application/zip'): Promise<ApiResponse> {
  const response = await fetch(`${stack.api}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.tokens[role]}`, 'content-type': type },
    body: zip,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as unknown) : undefined, text };
}

const adapterNames = async (stack: TestStack) =>
  ((await stack.call('viewer', 'GET', '/adapters')).body.items as Array<{ name: string }>).map((a) => a.name).sort();

describe('manifest bundles on PostgreSQL', () => {
  let source: TestStack;
  let target: TestStack;
  beforeAll(async () => {
    [source, target] = await Promise.all([startStack('postgres'), startStack('postgres')]);
    expect((await source.call('engineer', 'PUT', '/artifacts/venue-fix42.xml', DICTIONARY, { 'content-type': 'application/xml' })).status).toBe(201);
    const initiator = specs.fixInitiator('demo-venue-initiator');
    (initiator.connector.config.session as Record<string, unknown>).dataDictionary = 'venue-fix42.xml';
    for (const body of [{ ...specs.fixAcceptor('demo-fix-acceptor'), description: 'Demo acceptor', labels: { team: 'demo' } }, initiator]) {
      const created = await source.call('engineer', 'POST', '/adapters', body);
      expect(created.status, created.text).toBe(201);
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
  });

  it('round trip: export a zip, import it into an empty database, export again: identical bytes; a second import changes nothing', async () => {
    const first = await download(source, '/manifests/bundle');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/zip');
    expect(first.headers.get('content-disposition')).toBe('attachment; filename="crosswire-manifests.zip"');
    expect((await download(source, '/manifests/bundle')).bytes.equals(first.bytes)).toBe(true);

    // The zip holds exactly the files `installer export -o` writes: the canonical texts and the artifact.
    const entries = readZip(first.bytes);
    const json = (await source.call('viewer', 'GET', '/manifests')).body as { items: Array<{ file: string; text: string }> };
    expect([...entries.keys()]).toEqual([...json.items.map((i) => i.file), 'artifacts/venue-fix42.xml'].sort());
    for (const item of json.items) expect(entries.get(item.file)!.toString('utf8')).toBe(item.text);
    expect(entries.get('artifacts/venue-fix42.xml')!.toString('utf8')).toBe(DICTIONARY);

    const diff = await upload(target, 'viewer', '/manifests/bundle/diff', first.bytes);
    expect(diff.status, diff.text).toBe(200);
    expect(diff.body).toMatchObject({ dryRun: true, applied: false, summary: { create: 3, update: 0, delete: 0, unchanged: 0 } });
    const dry = await upload(target, 'engineer', '/manifests/bundle/apply?dryRun=true', first.bytes);
    expect(dry.body).toMatchObject({ dryRun: true, applied: false, summary: { create: 3 } });
    expect(await adapterNames(target)).toEqual([]);
    expect((await upload(target, 'viewer', '/manifests/bundle/apply', first.bytes)).status).toBe(403);

    const applied = await upload(target, 'engineer', '/manifests/bundle/apply', first.bytes);
    expect(applied.status, applied.text).toBe(200);
    expect(applied.body).toMatchObject({ applied: true, summary: { create: 3, update: 0, delete: 0, unchanged: 0 } });
    expect((await download(target, '/manifests/bundle')).bytes.equals(first.bytes)).toBe(true);

    const second = await upload(target, 'engineer', '/manifests/bundle/apply', first.bytes);
    expect(second.body.summary).toEqual({ create: 0, update: 0, delete: 0, unchanged: 3 });

    // The import is in the audit trail as one, and the adapter's history says where it came from.
    const audit = await target.call('admin', 'GET', '/audit?action=manifests.import');
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({ action: 'manifests.import', actor: { name: 'Test engineer' }, after: { via: 'an uploaded zip bundle' } });
    const events = await target.call('viewer', 'GET', '/adapters/demo-fix-acceptor/events');
    expect(events.body.items[0].message).toBe('applied from manifests/adapter-demo-fix-acceptor.json in an uploaded zip bundle by Test engineer (revision 1, disabled)');
  });

  it('exports a selection as a zip named after it, with the artifacts its adapters use', async () => {
    const one = await download(source, '/manifests/bundle?names=demo-venue-initiator');
    expect(one.headers.get('content-disposition')).toBe('attachment; filename="crosswire-demo-venue-initiator.zip"');
    expect([...readZip(one.bytes).keys()]).toEqual([
      'artifacts/venue-fix42.xml',
      'manifests/adapter-demo-venue-initiator.json',
      'manifests/artifact-venue-fix42.xml.json',
    ]);
    expect((await download(source, '/manifests/bundle?names=nope')).status).toBe(404);
  });

  it('shows a field edited in the zip as exactly that change, and imports it as one revision', async () => {
    const entries = readZip((await download(target, '/manifests/bundle')).bytes);
    const file = 'manifests/adapter-demo-fix-acceptor.json';
    const manifest = JSON.parse(entries.get(file)!.toString('utf8')) as { spec: { connector: { config: { listen: { port: number } } } } };
    manifest.spec.connector.config.listen.port = 9999;
    entries.set(file, Buffer.from(JSON.stringify(manifest)));
    const zip = writeZip([...entries].map(([name, data]) => ({ name, data })));
    const diff = await upload(target, 'viewer', '/manifests/bundle/diff', zip);
    expect(diff.body.resources.filter((r: { action: string }) => r.action !== 'unchanged')).toEqual([
      { file, kind: 'Adapter', name: 'demo-fix-acceptor', action: 'update', changes: [{ path: '/spec/connector/config/listen/port', op: 'replace', before: 9876, after: 9999 }] },
    ]);
    const applied = await upload(target, 'engineer', '/manifests/bundle/apply', zip);
    expect(applied.body.summary).toEqual({ create: 0, update: 1, delete: 0, unchanged: 2 });
    expect((await target.call('viewer', 'GET', '/adapters/demo-fix-acceptor')).body).toMatchObject({ revision: 2, connector: { config: { listen: { port: 9999 } } } });
  });

  it('refuses a zip with a ../ path, naming the entry, and changes nothing', async () => {
    const before = (await download(target, '/manifests/bundle')).bytes;
    const entries = readZip(before);
    const acceptor = JSON.parse(entries.get('manifests/adapter-demo-fix-acceptor.json')!.toString('utf8')) as { spec: { description: string } };
    acceptor.spec.description = 'changed by a hostile zip';
    const hostile = writeZip([
      { name: 'manifests/adapter-demo-fix-acceptor.json', data: Buffer.from(JSON.stringify(acceptor)) },
      { name: 'manifests/../../etc/passwd', data: Buffer.from('root:x:0:0') },
    ]);
    for (const path of ['/manifests/bundle/diff', '/manifests/bundle/apply']) {
      const refused = await upload(target, 'engineer', path, hostile);
      expect(refused.status, refused.text).toBe(400);
      expect(refused.body.errors).toEqual([
        { path: 'manifests/../../etc/passwd', file: 'manifests/../../etc/passwd', pointer: '', message: 'bad zip bundle: "manifests/../../etc/passwd" points outside the bundle' },
      ]);
    }
    expect((await download(target, '/manifests/bundle')).bytes.equals(before)).toBe(true);

    const notZip = await upload(target, 'engineer', '/manifests/bundle/apply', Buffer.from('{"manifests": []}'));
    expect(notZip.status).toBe(400);
    expect(notZip.body.errors[0].message).toContain('not a zip file');
    const empty = await upload(target, 'engineer', '/manifests/bundle/apply', writeZip([{ name: 'README.md', data: Buffer.from('hi') }]));
    expect(empty.body.errors[0].message).toContain('has no manifests/*.json');
    const json = await upload(target, 'engineer', '/manifests/bundle/apply', before, 'application/json');
    expect(json.status).toBe(415);
    expect(json.body.detail).toContain('Content-Type: application/zip');
  });

  it('refuses a zip over the size limit with 413, and changes nothing', async () => {
    const before = (await download(target, '/manifests/bundle')).bytes;
    const tooLarge = await upload(target, 'engineer', '/manifests/bundle/apply', Buffer.alloc(MAX_BUNDLE_BYTES + 1));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toMatchObject({ status: 413, detail: `the body is larger than this operation's limit of ${MAX_BUNDLE_BYTES} bytes: split it into smaller bundles, the one with the artifacts first` });
    expect((await download(target, '/manifests/bundle')).bytes.equals(before)).toBe(true);
  });

  it('reports every problem of bad manifests in a zip by file and pointer, together with the server checks, and changes nothing', async () => {
    const before = (await download(target, '/manifests/bundle')).bytes;
    const entries = readZip(before);
    const file = 'manifests/adapter-demo-fix-acceptor.json';
    const acceptor = JSON.parse(entries.get(file)!.toString('utf8')) as { spec: { mode: string; description: string } };
    acceptor.spec.mode = 'sometimes';
    acceptor.spec.description = 'would be changed';
    entries.set(file, Buffer.from(JSON.stringify(acceptor)));
    entries.set('manifests/broken.json', Buffer.from('{"apiVersion": '));
    entries.delete('artifacts/venue-fix42.xml');
    const refused = await upload(target, 'engineer', '/manifests/bundle/apply', writeZip([...entries].map(([name, data]) => ({ name, data }))));
    expect(refused.status, refused.text).toBe(400);
    const problems = (refused.body.errors as Array<{ path: string; file: string; pointer: string; message: string }>).map((e) => [e.file, e.pointer, e.path]);
    expect(problems).toEqual(
      expect.arrayContaining([
        ['manifests/broken.json', '', 'manifests/broken.json'],
        ['manifests/artifact-venue-fix42.xml.json', '/spec/file', 'manifests/artifact-venue-fix42.xml.json#/spec/file'],
        [file, '/spec/mode', `${file}#/spec/mode`],
      ]),
    );
    expect(refused.body.detail).toContain('nothing was changed');
    expect((await download(target, '/manifests/bundle')).bytes.equals(before)).toBe(true);
  });
});
