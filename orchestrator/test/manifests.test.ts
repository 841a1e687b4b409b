import Ajv2020 from 'ajv/dist/2020.js';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_BY_LABEL, canonicalManifestText } from '../src/contract/manifests.ts';
import { applyManifests } from '../src/domain/manifests.ts';
import { BACKENDS } from './support/databases.ts';
import { specs, startStack, type TestStack } from './support/stack.ts';

interface Item {
  file: string;
  kind: string;
  name: string;
  manifest: Record<string, unknown>;
  text: string;
  version?: number;
}
interface Input {
  file: string;
  manifest: unknown;
  content?: string;
}

const DICTIONARY = '<fix major="4" minor="2"><header/><trailer/><messages/><fields/></fix>\n';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Like `npm start`'s demo, plus what a real system has: a FIX dictionary, a sealed secret, a secret reference. */
async function seedDemo(stack: TestStack): Promise<void> {
  expect((await stack.call('engineer', 'PUT', '/artifacts/venue-fix42.xml', DICTIONARY, { 'content-type': 'application/xml' })).status).toBe(201);
  const initiator = specs.fixInitiator('demo-venue-initiator');
  const config = initiator.connector.config as Record<string, unknown>;
  (config.session as Record<string, unknown>).dataDictionary = 'venue-fix42.xml';
  config.authentication = { username: 'crosswire', password: 'hunter2' };
  const bodies = [
    { ...specs.fixAcceptor('demo-fix-acceptor'), description: 'Demo FIX 4.4 acceptor', labels: { team: 'demo' } },
    { ...initiator, mode: 'active_passive', description: 'Demo FIX 4.2 initiator', labels: { team: 'demo', tier: '1' } },
    {
      name: 'demo-market-data',
      mode: 'single',
      description: 'Demo WebSocket feed ✓ "quoted"',
      connector: {
        type: 'ws-initiator',
        config: {
          connection: { url: 'wss://127.0.0.1:9443/feed' },
          authentication: { mode: 'bearer', token: { secretRef: { name: 'feeds', key: 'token' } } },
        },
      },
    },
    { ...specs.natsProducer('demo-orders-to-nats', 2), labels: { team: 'demo' } },
  ];
  for (const body of bodies) {
    const created = await stack.call('engineer', 'POST', '/adapters', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }
  expect((await stack.call('operator', 'POST', '/adapters/demo-fix-acceptor/enable')).status).toBe(200);
}

/** What the installer sends: each manifest with its file, artifacts with their content. */
async function toInputs(stack: TestStack, items: Item[]): Promise<Input[]> {
  return Promise.all(
    items.map(async (item) => {
      if (item.kind !== 'Artifact') return { file: item.file, manifest: JSON.parse(item.text) as unknown };
      const response = await fetch(`${stack.api}/artifacts/${item.name}/content?version=${item.version}`, {
        headers: { authorization: `Bearer ${stack.tokens.viewer}` },
      });
      return { file: item.file, manifest: JSON.parse(item.text) as unknown, content: Buffer.from(await response.arrayBuffer()).toString('base64') };
    }),
  );
}

const exportAll = async (stack: TestStack) => {
  const response = await stack.call('viewer', 'GET', '/manifests');
  expect(response.status).toBe(200);
  return response.body as { items: Item[]; warnings: Array<{ file: string; path: string; message: string }> };
};

describe.each(BACKENDS)('manifests on %s', (backend) => {
  let source: TestStack;
  let target: TestStack;
  beforeAll(async () => {
    [source, target] = await Promise.all([startStack(backend), startStack(backend)]);
    await seedDemo(source);
  }, 60_000);
  afterAll(() => Promise.all([source?.stop(), target?.stop()]));

  it('exports canonical files: sorted keys, no ids, status, timestamps or revisions, sealed secrets as references with a warning', async () => {
    const first = await exportAll(source);
    const second = await exportAll(source);
    expect(second).toEqual(first);
    expect(first.items.map((i) => i.file)).toEqual([
      'manifests/adapter-demo-fix-acceptor.json',
      'manifests/adapter-demo-market-data.json',
      'manifests/adapter-demo-orders-to-nats.json',
      'manifests/adapter-demo-venue-initiator.json',
      'manifests/artifact-venue-fix42.xml.json',
    ]);
    for (const item of first.items) {
      expect(item.text).toBe(canonicalManifestText(JSON.parse(item.text)));
      expect(item.text.endsWith('}\n')).toBe(true);
      expect(item.text).not.toMatch(/"(id|revision|status|createdAt|updatedAt|enabled|\$sealed|fingerprint)"/);
    }
    const initiator = first.items.find((i) => i.name === 'demo-venue-initiator')!;
    expect(initiator.text).not.toContain('hunter2');
    expect(initiator.manifest).toMatchObject({
      apiVersion: 'crosswire.dev/v1',
      kind: 'Adapter',
      metadata: { name: 'demo-venue-initiator', labels: { team: 'demo', tier: '1' } },
      spec: { connector: { config: { authentication: { password: { secretRef: { name: 'demo-venue-initiator', key: 'authentication.password' } } } } } },
    });
    expect(Object.keys(initiator.manifest)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(first.warnings).toEqual([
      {
        file: 'manifests/adapter-demo-venue-initiator.json',
        path: '/spec/connector/config/authentication/password',
        message: expect.stringContaining('a sealed secret cannot be exported'),
      },
    ]);
    const artifact = first.items.find((i) => i.kind === 'Artifact')!;
    expect(artifact.manifest).toEqual({
      apiVersion: 'crosswire.dev/v1',
      kind: 'Artifact',
      metadata: { name: 'venue-fix42.xml' },
      spec: { file: 'artifacts/venue-fix42.xml', sha256: sha256(DICTIONARY) },
    });
  });

  it('exports a selection with the artifacts it uses, and 404s an unknown name', async () => {
    const one = await source.call('viewer', 'GET', '/manifests?names=demo-venue-initiator');
    expect(one.body.items.map((i: Item) => i.file)).toEqual(['manifests/adapter-demo-venue-initiator.json', 'manifests/artifact-venue-fix42.xml.json']);
    const two = await source.call('viewer', 'GET', '/manifests?names=demo-fix-acceptor,demo-market-data');
    expect(two.body.items.map((i: Item) => i.name)).toEqual(['demo-fix-acceptor', 'demo-market-data']);
    const missing = await source.call('viewer', 'GET', '/manifests?names=demo-fix-acceptor,nope');
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toContain('"nope"');
  });

  it('publishes a JSON Schema per kind that the exported manifests satisfy', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const { items } = await exportAll(source);
    for (const kind of ['Adapter', 'Artifact']) {
      const schema = await source.call('viewer', 'GET', `/manifests/schemas/${kind}`);
      expect(schema.status).toBe(200);
      expect(schema.body.$id).toBe(`https://crosswire.dev/schemas/v1/${kind.toLowerCase()}-manifest.json`);
      const validate = ajv.compile(schema.body as object);
      for (const item of items.filter((i) => i.kind === kind)) expect(validate(item.manifest), JSON.stringify(validate.errors)).toBe(true);
      expect(validate({ apiVersion: 'crosswire.dev/v1', kind, metadata: { name: 'x' }, spec: {}, status: {} })).toBe(false);
    }
    expect((await source.call('viewer', 'GET', '/manifests/schemas/Pod')).status).toBe(404);
  });

  it('round trip: export, apply to an empty database, export again gives identical bytes; a second apply is a no-op', async () => {
    const exported = await exportAll(source);
    const inputs = await toInputs(source, exported.items);
    expect((await target.call('viewer', 'POST', '/manifests/apply', { manifests: inputs })).status).toBe(403);

    const dry = await target.call('engineer', 'POST', '/manifests/apply', { manifests: inputs, dryRun: true });
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, applied: false, summary: { create: 5, update: 0, delete: 0, unchanged: 0 } });
    expect((await exportAll(target)).items).toEqual([]);

    const applied = await target.call('engineer', 'POST', '/manifests/apply', { manifests: inputs });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expect(applied.body).toMatchObject({ applied: true, summary: { create: 5, update: 0, delete: 0, unchanged: 0 } });

    const again = await exportAll(target);
    expect(again.items.map((i) => [i.file, i.text])).toEqual(exported.items.map((i) => [i.file, i.text]));
    expect(again.warnings).toEqual([]); // the secret is a reference now
    expect((await target.call('viewer', 'GET', '/adapters/demo-fix-acceptor')).body).toMatchObject({ enabled: false, revision: 1 });
    const content = await fetch(`${target.api}/artifacts/venue-fix42.xml/content`, { headers: { authorization: `Bearer ${target.tokens.viewer}` } });
    expect(await content.text()).toBe(DICTIONARY);

    // Twice: nothing written, nothing to diff.
    const second = await target.call('engineer', 'POST', '/manifests/apply', { manifests: inputs });
    expect(second.body.summary).toEqual({ create: 0, update: 0, delete: 0, unchanged: 5 });
    const revisions = await target.call('viewer', 'GET', '/adapters/demo-venue-initiator/revisions');
    expect(revisions.body.items).toHaveLength(1);
    const diff = await target.call('viewer', 'POST', '/manifests/diff', { manifests: inputs.map(({ content: _c, ...rest }) => rest) });
    expect(diff.body.summary).toEqual({ create: 0, update: 0, delete: 0, unchanged: 5 });
    expect(diff.body.resources.every((r: { changes: unknown[] }) => r.changes.length === 0)).toBe(true);
  });

  it('diff names exactly the field edited in Git, and apply writes one revision for it', async () => {
    const { items } = await exportAll(target);
    const inputs = await toInputs(target, items);
    const edited = inputs.find((i) => i.file === 'manifests/adapter-demo-fix-acceptor.json')!;
    const manifest = edited.manifest as { spec: { connector: { config: { listen: { port: number } } } } };
    manifest.spec.connector.config.listen.port = 9999;
    const diff = await target.call('viewer', 'POST', '/manifests/diff', { manifests: inputs });
    expect(diff.status).toBe(200);
    expect(diff.body.summary).toEqual({ create: 0, update: 1, delete: 0, unchanged: 4 });
    expect(diff.body.resources.filter((r: { action: string }) => r.action !== 'unchanged')).toEqual([
      {
        file: 'manifests/adapter-demo-fix-acceptor.json',
        kind: 'Adapter',
        name: 'demo-fix-acceptor',
        action: 'update',
        changes: [{ path: '/spec/connector/config/listen/port', op: 'replace', before: 9876, after: 9999 }],
      },
    ]);
    const applied = await target.call('engineer', 'POST', '/manifests/apply', { manifests: inputs });
    expect(applied.body.summary.update).toBe(1);
    const adapter = await target.call('viewer', 'GET', '/adapters/demo-fix-acceptor');
    expect(adapter.body).toMatchObject({ revision: 2, connector: { config: { listen: { port: 9999 } } } });
    const events = await target.call('viewer', 'GET', '/adapters/demo-fix-acceptor/events');
    expect(events.body.items[0].message).toBe('applied from manifests/adapter-demo-fix-acceptor.json by Test engineer: revision 2');
  });

  it('reports every problem of a bad set by file and pointer, and changes nothing', async () => {
    const before = await exportAll(target);
    const adapter = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      apiVersion: 'crosswire.dev/v1',
      kind: 'Adapter',
      metadata: { name },
      spec,
      ...extra,
    });
    const fix = (port: number) => specs.fixAcceptor('x', port).connector;
    const manifests: Input[] = [
      // 1 wrong apiVersion
      { file: 'a.json', manifest: { ...adapter('a-one', { mode: 'single', connector: fix(1) }), apiVersion: 'crosswire.dev/v2' } },
      // 2 unknown kind
      { file: 'b.json', manifest: { apiVersion: 'crosswire.dev/v1', kind: 'Pod', metadata: { name: 'b' }, spec: {} } },
      // 3 name not a DNS label
      { file: 'c.json', manifest: adapter('C_Upper', { mode: 'single', connector: fix(2) }) },
      // 4 unknown field, 5 the admin state in spec
      { file: 'd.json', manifest: adapter('d-four', { mode: 'single', colour: 'red', enabled: true, connector: fix(3) }) },
      // 6 unknown connector type
      { file: 'e.json', manifest: adapter('e-five', { mode: 'single', connector: { type: 'kafka-producer', config: {} } }) },
      // 7 config schema error
      { file: 'f.json', manifest: adapter('f-six', { mode: 'single', connector: fix(70000) }) },
      // 8 missing artifact
      {
        file: 'g.json',
        manifest: adapter('g-seven', {
          mode: 'single',
          connector: {
            type: 'fix-initiator',
            config: {
              session: { beginString: 'FIX.4.2', senderCompId: 'A', targetCompId: 'B', dataDictionary: 'no-such.xml' },
              connection: { host: '127.0.0.1', port: 9000 },
            },
          },
        }),
      },
      // 9 duplicate name (of f-six)
      { file: 'f-again.json', manifest: adapter('f-six', { mode: 'single', connector: fix(4) }) },
      // 10 exclusive plugin in scale_out
      { file: 'h.json', manifest: adapter('h-eight', { mode: 'scale_out', instances: 2, connector: fix(5) }) },
      // 11 a secret value in Git
      {
        file: 'i.json',
        manifest: adapter('i-nine', {
          mode: 'single',
          connector: {
            type: 'fix-initiator',
            config: {
              session: { beginString: 'FIX.4.2', senderCompId: 'A', targetCompId: 'B' },
              connection: { host: '127.0.0.1', port: 9000 },
              authentication: { username: 'u', password: 'plain-text' },
            },
          },
        }),
      },
      // 12 artifact whose content does not match its sha256
      {
        file: 'j.json',
        manifest: { apiVersion: 'crosswire.dev/v1', kind: 'Artifact', metadata: { name: 'j.xml' }, spec: { file: 'artifacts/j.xml', sha256: sha256('other') } },
        content: Buffer.from('this').toString('base64'),
      },
      // 13 a status block
      { file: 'k.json', manifest: adapter('k-ten', { mode: 'single', connector: fix(6) }, { status: { state: 'Active' } }) },
      // 14 artifact path escaping the bundle
      { file: 'l.json', manifest: { apiVersion: 'crosswire.dev/v1', kind: 'Artifact', metadata: { name: 'l.xml' }, spec: { file: '../etc/passwd', sha256: sha256('x') } } },
    ];
    const response = await target.call('engineer', 'POST', '/manifests/apply', { manifests });
    expect(response.status).toBe(400);
    const found = (response.body.errors as Array<{ file: string; pointer: string; path: string; message: string }>).map((e) => [e.file, e.pointer]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['a.json', '/apiVersion'],
        ['b.json', '/kind'],
        ['c.json', '/metadata/name'],
        ['d.json', '/spec/colour'],
        ['d.json', '/spec/enabled'],
        ['e.json', '/spec/connector/type'],
        ['f.json', '/spec/connector/config/listen/port'],
        ['g.json', '/spec/connector/config/session/dataDictionary'],
        ['f-again.json', '/metadata/name'],
        ['h.json', '/spec/mode'],
        ['i.json', '/spec/connector/config/authentication/password'],
        ['j.json', '/spec/sha256'],
        ['k.json', '/status'],
        ['l.json', '/spec/file'],
      ]),
    );
    expect(found).toHaveLength(14);
    const byFile = (file: string) => response.body.errors.find((e: { file: string }) => e.file === file);
    expect(byFile('d.json').path).toBe('/manifests/3/manifest/spec/colour');
    expect(response.body.errors.find((e: { pointer: string }) => e.pointer === '/spec/enabled').message).toContain('/enable');
    expect(byFile('f-again.json').message).toContain('also defined in f.json');
    expect(byFile('i.json').message).toContain('never commit its value');
    expect(JSON.stringify(response.body)).not.toContain('plain-text');
    expect(response.body.detail).toContain('nothing was changed');
    expect(await exportAll(target)).toEqual(before);
    // The diff of the same set fails the same way.
    expect((await target.call('viewer', 'POST', '/manifests/diff', { manifests })).body.errors).toHaveLength(14);
  });

  it('refuses __proto__ keys, through the API and in the domain', async () => {
    const body = `{"manifests":[{"file":"p.json","manifest":{"apiVersion":"crosswire.dev/v1","kind":"Adapter","metadata":{"name":"p"},"spec":{"__proto__":{"mode":"single"}}}}]}`;
    const response = await target.call('engineer', 'POST', '/manifests/apply', body);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ path: '/manifests/0/manifest/spec/__proto__', message: expect.stringContaining('not allowed') }]);

    const manifest = JSON.parse('{"apiVersion":"crosswire.dev/v1","kind":"Adapter","metadata":{"name":"p","__proto__":{"x":1}},"spec":{}}') as unknown;
    const services = target.orchestrator.services;
    const actor = { subject: 'test', name: 'test', roles: ['engineer' as const] };
    await expect(applyManifests(services, actor, { manifests: [{ file: 'p.json', manifest }], dryRun: false, prune: false })).rejects.toMatchObject({
      kind: 'invalid',
      errors: [{ file: 'p.json', pointer: '/metadata/__proto__', path: '/manifests/0/manifest/metadata/__proto__', message: expect.stringContaining('not allowed') }],
    });
  });

  it('prunes only adapters labelled with the same source, and never an enabled one', async () => {
    const manifest = (name: string, port: number, labels?: Record<string, string>) => ({
      file: `${name}.json`,
      manifest: { apiVersion: 'crosswire.dev/v1', kind: 'Adapter', metadata: { name, ...(labels ? { labels } : {}) }, spec: { mode: 'single', connector: specs.fixAcceptor('x', port).connector } },
    });
    const teamA = [manifest('a-keep', 7001), manifest('a-drop', 7002), manifest('a-live', 7003)];
    expect((await target.call('engineer', 'POST', '/manifests/apply', { manifests: teamA, source: 'team-a' })).status).toBe(200);
    expect((await target.call('engineer', 'POST', '/manifests/apply', { manifests: [manifest('b-other', 7004)], source: 'team-b' })).status).toBe(200);
    expect((await target.call('viewer', 'GET', '/adapters/a-keep')).body.labels).toEqual({ [MANAGED_BY_LABEL]: 'team-a' });
    await target.call('operator', 'POST', '/adapters/a-live/enable');

    const noSource = await target.call('engineer', 'POST', '/manifests/apply', { manifests: [teamA[0]], prune: true });
    expect(noSource.status).toBe(400);
    expect(noSource.body.errors).toEqual([expect.objectContaining({ path: '/source', message: expect.stringContaining('prune needs a source') })]);

    const enabled = await target.call('engineer', 'POST', '/manifests/apply', { manifests: [teamA[0]], prune: true, source: 'team-a' });
    expect(enabled.status).toBe(400);
    expect(enabled.body.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('prune would delete adapter a-live, but it is enabled') })]);
    expect((await target.call('viewer', 'GET', '/adapters/a-drop')).status).toBe(200);

    await target.call('operator', 'POST', '/adapters/a-live/disable');
    const diff = await target.call('viewer', 'POST', '/manifests/diff', { manifests: [teamA[0]], prune: true, source: 'team-a' });
    expect(diff.body.resources.filter((r: { action: string }) => r.action === 'delete').map((r: { name: string }) => r.name)).toEqual(['a-drop', 'a-live']);
    const pruned = await target.call('engineer', 'POST', '/manifests/apply', { manifests: [teamA[0]], prune: true, source: 'team-a' });
    expect(pruned.body.summary).toEqual({ create: 0, update: 0, delete: 2, unchanged: 1 });
    for (const [name, status] of [['a-keep', 200], ['a-drop', 404], ['a-live', 404], ['b-other', 200], ['demo-fix-acceptor', 200]] as const) {
      expect((await target.call('viewer', 'GET', `/adapters/${name}`)).status, name).toBe(status);
    }
    // A manifest claiming another source is refused.
    const claimed = manifest('b-other', 7004, { [MANAGED_BY_LABEL]: 'team-b' });
    const stolen = await target.call('engineer', 'POST', '/manifests/apply', { manifests: [claimed], source: 'team-a' });
    expect(stolen.status).toBe(400);
    expect(stolen.body.errors[0]).toMatchObject({ file: 'b-other.json', pointer: `/metadata/labels/${MANAGED_BY_LABEL}` });
  });

  it('applies an artifact only with its content, and records the apply in the audit trail', async () => {
    const text = '<fix major="4" minor="4"/>\n';
    const artifact = { apiVersion: 'crosswire.dev/v1', kind: 'Artifact', metadata: { name: 'new.xml' }, spec: { file: 'artifacts/new.xml', sha256: sha256(text) } };
    const without = await target.call('engineer', 'POST', '/manifests/apply', { manifests: [{ file: 'n.json', manifest: artifact }] });
    expect(without.status).toBe(400);
    expect(without.body.errors[0]).toMatchObject({ file: 'n.json', pointer: '/spec/file', message: expect.stringContaining('send the file content') });
    const diff = await target.call('viewer', 'POST', '/manifests/diff', { manifests: [{ file: 'n.json', manifest: artifact }] });
    expect(diff.body.summary.create).toBe(1);
    const applied = await target.call('engineer', 'POST', '/manifests/apply', {
      manifests: [{ file: 'n.json', manifest: artifact, content: Buffer.from(text).toString('base64') }],
    });
    expect(applied.status).toBe(200);
    expect((await target.call('viewer', 'GET', '/artifacts/new.xml')).body).toMatchObject({ sha256: sha256(text), createdBy: 'Test engineer' });
    const audit = await target.call('admin', 'GET', '/audit?action=manifests.apply');
    expect(audit.status).toBe(200);
    expect(audit.body.items[0]).toMatchObject({ action: 'manifests.apply', actor: { name: 'Test engineer' } });
    expect(JSON.stringify(audit.body.items[0])).toContain('new.xml');
  });
});
