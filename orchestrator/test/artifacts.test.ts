import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/databases.ts';
import { specs, startStack, type TestStack } from './support/stack.ts';

const DICTIONARY = '<fix major="4" minor="4"><header/><trailer/><messages/><fields/></fix>\n';

describe.each(BACKENDS)('artifacts on %s', (backend) => {
  let stack: TestStack;
  const upload = (name: string, content: string | Buffer, headers: Record<string, string> = {}, role: 'engineer' | 'viewer' = 'engineer') =>
    fetch(`${stack.api}/artifacts/${name}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.tokens[role]}`, 'content-type': 'application/xml', ...headers },
      body: content,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

  beforeAll(async () => {
    stack = await startStack(backend, { CROSSWIRE_MAX_ARTIFACT_BYTES: '65536' });
  });
  afterAll(() => stack.stop());

  it('versions uploads by name with their sha256, and the same bytes twice add no version', async () => {
    const first = await upload('venue44.xml', DICTIONARY);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      name: 'venue44.xml',
      version: 1,
      size: Buffer.byteLength(DICTIONARY),
      sha256: createHash('sha256').update(DICTIONARY).digest('hex'),
      contentType: 'application/xml',
      createdBy: 'Test engineer',
    });
    expect((await upload('venue44.xml', DICTIONARY)).status).toBe(200);
    const second = await upload('venue44.xml', DICTIONARY.replace('<fields/>', '<fields><field number="1" name="Account" type="STRING"/></fields>'));
    expect(second.body.version).toBe(2);

    const versions = await stack.call('viewer', 'GET', '/artifacts/venue44.xml/versions');
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const v1 = await fetch(`${stack.api}/artifacts/venue44.xml/content?version=1`, { headers: { authorization: `Bearer ${stack.tokens.viewer}` } });
    expect(await v1.text()).toBe(DICTIONARY);
    expect(v1.headers.get('x-artifact-version')).toBe('1');
    const list = await stack.call('viewer', 'GET', '/artifacts');
    expect(list.body.items).toEqual([expect.objectContaining({ name: 'venue44.xml', version: 2, versions: 2 })]);
  });

  it('refuses oversized, empty, corrupted and unauthorised uploads', async () => {
    const big = await upload('big.bin', Buffer.alloc(70_000, 1));
    expect(big.status).toBe(413);
    expect((await upload('empty.xml', '')).status).toBe(400);
    const corrupt = await upload('pinned.xml', DICTIONARY, { 'x-content-sha256': '0'.repeat(64) });
    expect(corrupt.status).toBe(400);
    expect(corrupt.body.detail).toContain('the upload was corrupted or is the wrong file');
    expect((await upload('Bad_Name', DICTIONARY)).status).toBe(400);
    expect((await upload('viewer-upload.xml', DICTIONARY, {}, 'viewer')).status).toBe(403);
    expect((await stack.call('viewer', 'GET', '/artifacts/pinned.xml')).status).toBe(404);
  });

  it('lets adapters reference artifacts that exist, and refuses to delete one in use, naming its users', async () => {
    await upload('client-dict.xml', DICTIONARY);
    const body = specs.fixAcceptor('uses-dictionary', 9970);
    const session = { ...body.connector.config.sessions[0], dataDictionary: 'client-dict.xml' };
    const withDictionary = { ...body, connector: { ...body.connector, config: { ...body.connector.config, sessions: [session] } } };
    const missing = await stack.call('engineer', 'POST', '/adapters', {
      ...withDictionary,
      connector: { ...withDictionary.connector, config: { ...withDictionary.connector.config, sessions: [{ ...session, dataDictionary: 'nope.xml' }] } },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([
      { path: '/connector/config/sessions/0/dataDictionary', message: 'artifact "nope.xml" does not exist: upload it first' },
    ]);
    expect((await stack.call('engineer', 'POST', '/adapters', withDictionary)).status).toBe(201);

    const artifact = await stack.call('viewer', 'GET', '/artifacts/client-dict.xml');
    expect(artifact.body.referencedBy).toEqual([{ id: expect.any(String), name: 'uses-dictionary' }]);
    const refused = await stack.call('engineer', 'DELETE', '/artifacts/client-dict.xml');
    expect(refused.status).toBe(409);
    expect(refused.body.referencedBy).toEqual([{ id: expect.any(String), name: 'uses-dictionary' }]);

    // Once no adapter names it, it can go.
    await stack.call('engineer', 'PUT', '/adapters/uses-dictionary', body, { 'if-match': '"1"' });
    expect((await stack.call('engineer', 'DELETE', '/artifacts/client-dict.xml')).status).toBe(204);
    expect((await stack.call('viewer', 'GET', '/artifacts/client-dict.xml')).status).toBe(404);
  });
});
