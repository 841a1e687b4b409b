import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/databases.ts';
import { specs, startStack, type TestStack } from './support/stack.ts';

describe.each(BACKENDS)('adapters API on %s', (backend) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack(backend);
  });
  afterAll(() => stack.stop());

  it('creates an adapter disabled at revision 1, readable by id and by name, with an ETag', async () => {
    const created = await stack.call('engineer', 'POST', '/adapters', { ...specs.fixAcceptor('lse-gateway'), description: 'LSE' });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('location')).toBe(`/api/v1/adapters/${created.body.id}`);
    expect(created.body).toMatchObject({
      name: 'lse-gateway',
      enabled: false,
      revision: 1,
      mode: 'active_passive',
      status: { state: 'Inactive', holders: [], epoch: null },
    });
    const byName = await stack.call('viewer', 'GET', '/adapters/lse-gateway');
    const byId = await stack.call('viewer', 'GET', `/adapters/${created.body.id}`);
    expect(byName.body).toEqual(byId.body);
    expect((await stack.call('viewer', 'GET', '/adapters/no-such-adapter')).status).toBe(404);
    // The ETag guards writes; it never turns a read of live status into a stale 304.
    const again = await stack.call('viewer', 'GET', '/adapters/lse-gateway', undefined, { 'if-none-match': '"1"' });
    expect(again.status).toBe(200);
    expect(again.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a config that breaks the plugin schema with one entry per failing field', async () => {
    const body = specs.fixAcceptor('bad-config');
    body.connector.config.listen.port = 70000;
    (body.connector.config.sessions[0] as Record<string, unknown>).beginString = 'FIX.9.9';
    const response = await stack.call('engineer', 'POST', '/adapters', { ...body, mode: 'scale_out', instances: 2 });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const paths = response.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/connector/config/listen/port', '/connector/config/sessions/0/beginString', '/mode']));
    expect(response.body.errors.find((e: { path: string }) => e.path === '/mode').message).toContain('use single or active_passive');
    expect((await stack.call('viewer', 'GET', '/adapters/bad-config')).status).toBe(404);
  });

  it('refuses a config that names one channel in two channel fields, at the second one, and saves nothing', async () => {
    const body = {
      ...specs.fixAcceptor('two-readers'),
      connector: {
        type: 'fix-acceptor',
        config: {
          listen: { port: 9876 },
          subscribeChannel: 'orders',
          sessions: [
            { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'CLIENT1', subscribeChannel: 'to-client1' },
            { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'CLIENT2', subscribeChannel: 'orders' },
          ],
        },
      },
    };
    const response = await stack.call('engineer', 'POST', '/adapters', body);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      {
        path: '/connector/config/sessions/1/subscribeChannel',
        message:
          'names channel orders, which /connector/config/subscribeChannel already reads: an adapter keeps one position per channel, ' +
          "so each channel can be read in one place; route each session's messages to its own channel in the pipeline",
      },
    ]);
    expect((await stack.call('viewer', 'GET', '/adapters/two-readers')).status).toBe(404);
    for (const channel of ['orders', 'to-client1']) expect((await stack.call('viewer', 'GET', `/channels/${channel}`)).status).toBe(404);

    // Each session with its own channel saves, and every channel named exists.
    body.connector.config.sessions[1]!.subscribeChannel = 'to-client2';
    expect((await stack.call('engineer', 'POST', '/adapters', body)).status).toBe(201);
    for (const channel of ['orders', 'to-client1', 'to-client2']) expect((await stack.call('viewer', 'GET', `/channels/${channel}`)).status).toBe(200);
  });

  it('names an unknown connector type and the installed ones', async () => {
    const response = await stack.call('engineer', 'POST', '/adapters', {
      name: 'kafka-bridge',
      mode: 'single',
      connector: { type: 'kafka-producer', config: {} },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { path: '/connector/type', message: expect.stringMatching(/unknown connector type "kafka-producer": installed types are .*fix-acceptor/) },
    ]);
  });

  it('replaces with If-Match, refuses a stale revision with 412 and a missing one with 428, and skips no-op writes', async () => {
    await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor('edited'));
    const edit = { ...specs.fixAcceptor('edited', 9900), description: 'moved' };
    expect((await stack.call('engineer', 'PUT', '/adapters/edited', edit)).status).toBe(428);
    const first = await stack.call('engineer', 'PUT', '/adapters/edited', edit, { 'if-match': '"1"' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ revision: 2, description: 'moved', connector: { config: { listen: { port: 9900 } } } });
    expect(first.headers.get('etag')).toBe('"2"');

    // A second editor still working from revision 1 loses nothing silently: they are told to reload.
    const stale = await stack.call('engineer', 'PUT', '/adapters/edited', { ...edit, description: 'theirs' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ currentRevision: 2, detail: expect.stringContaining('someone saved first') });

    const same = await stack.call('engineer', 'PUT', '/adapters/edited', edit, { 'if-match': '"2"' });
    expect(same.body.revision).toBe(2);
    const renamed = await stack.call('engineer', 'PUT', '/adapters/edited', { ...edit, name: 'other' }, { 'if-match': '"2"' });
    expect(renamed.status).toBe(400);
    expect(renamed.body.errors[0].path).toBe('/name');
  });

  it('keeps every revision, diffs two field by field, and rolls back by writing a new one', async () => {
    await stack.call('engineer', 'POST', '/adapters', specs.fixInitiator('versioned'));
    const v2 = specs.fixInitiator('versioned');
    v2.connector.config.connection.port = 9999;
    await stack.call('engineer', 'PUT', '/adapters/versioned', v2, { 'if-match': '"1"' });
    const v3 = { ...v2, description: 'third' };
    await stack.call('engineer', 'PUT', '/adapters/versioned', v3, { 'if-match': '"2"' });

    const list = await stack.call('viewer', 'GET', '/adapters/versioned/revisions?limit=2');
    expect(list.body.items.map((r: { revision: number }) => r.revision)).toEqual([3, 2]);
    const rest = await stack.call('viewer', 'GET', `/adapters/versioned/revisions?limit=2&cursor=${list.body.nextCursor}`);
    expect(rest.body.items.map((r: { revision: number }) => r.revision)).toEqual([1]);
    expect(rest.body.nextCursor).toBeNull();
    expect(rest.body.items[0]).toMatchObject({ author: 'Test engineer', message: 'created' });

    const diff = await stack.call('viewer', 'GET', '/adapters/versioned/diff?from=1&to=3');
    expect(diff.body.changes).toEqual([
      { path: '/connector/config/connection/port', op: 'replace', before: 9877, after: 9999 },
      { path: '/description', op: 'add', after: 'third' },
    ]);

    const rolledBack = await stack.call('engineer', 'POST', '/adapters/versioned/revisions/1/rollback', undefined, { 'if-match': '"3"' });
    expect(rolledBack.status).toBe(200);
    expect(rolledBack.body).toMatchObject({ revision: 4, connector: { config: { connection: { port: 9877 } } } });
    expect(rolledBack.body.description).toBeUndefined();
    const r4 = await stack.call('viewer', 'GET', '/adapters/versioned/revisions/4');
    expect(r4.body).toMatchObject({ revision: 4, message: 'rolled back to revision 1' });
    expect((await stack.call('viewer', 'GET', '/adapters/versioned/revisions/9')).status).toBe(404);
  });

  it('deletes only disabled adapters', async () => {
    await stack.call('engineer', 'POST', '/adapters', specs.fixInitiator('short-lived'));
    await stack.call('operator', 'POST', '/adapters/short-lived/enable');
    const refused = await stack.call('engineer', 'DELETE', '/adapters/short-lived');
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('disable it first');
    await stack.call('operator', 'POST', '/adapters/short-lived/disable');
    expect((await stack.call('engineer', 'DELETE', '/adapters/short-lived')).status).toBe(204);
    expect((await stack.call('viewer', 'GET', '/adapters/short-lived')).status).toBe(404);
  });

  it('lists with cursor paging and filters by name, mode, connector type, status and admin state', async () => {
    for (let i = 0; i < 5; i++) await stack.call('engineer', 'POST', '/adapters', specs.fixInitiator(`page-${i}`));
    await stack.call('engineer', 'POST', '/adapters', specs.natsProducer('page-nats', 2));
    await stack.call('operator', 'POST', '/adapters/page-3/enable');

    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await stack.call('viewer', 'GET', `/adapters?name=page-&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      names.push(...page.body.items.map((a: { name: string }) => a.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(names).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-nats']);

    const only = async (query: string) =>
      (await stack.call('viewer', 'GET', `/adapters?name=page-&${query}`)).body.items.map((a: { name: string }) => a.name);
    expect(await only('mode=scale_out')).toEqual(['page-nats']);
    expect(await only('connectorType=nats-producer')).toEqual(['page-nats']);
    expect(await only('enabled=true')).toEqual(['page-3']);
    expect(await only('status=Claiming')).toEqual(['page-3']);
    expect(await only('status=Inactive')).toHaveLength(5);
  });

  it('records actions as events, newest first, filterable by level and category', async () => {
    await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor('eventful', 9901));
    await stack.call('operator', 'POST', '/adapters/eventful/enable');
    const reset = await stack.call('operator', 'POST', '/adapters/eventful/reset-session');
    expect(reset.status).toBe(202);
    expect(reset.body).toMatchObject({ kind: 'reset-session', outcome: 'pending', requestedBy: 'Test operator' });
    const seq = await stack.call('operator', 'POST', '/adapters/eventful/set-sequence-numbers', { nextSenderSeqNum: 100 });
    expect(seq.status).toBe(202);
    expect((await stack.call('operator', 'POST', '/adapters/eventful/set-sequence-numbers', {})).status).toBe(400);
    await stack.call('operator', 'POST', '/adapters/eventful/disable');

    const events = await stack.call('viewer', 'GET', '/adapters/eventful/events?category=action');
    expect(events.body.items.map((e: { message: string }) => e.message)).toEqual([
      'disabled by Test operator',
      expect.stringMatching(/^set-sequence-numbers requested by Test operator; no pod holds it now/),
      expect.stringMatching(/^reset-session requested by Test operator/),
      'enabled by Test operator',
      'created by Test engineer (revision 1, disabled)',
    ]);
    const paged = await stack.call('viewer', 'GET', '/adapters/eventful/events?limit=2');
    expect(paged.body.items).toHaveLength(2);
    const older = await stack.call('viewer', 'GET', `/adapters/eventful/events?limit=10&cursor=${paged.body.nextCursor}`);
    expect(older.body.items[0].id).toBeLessThan(paged.body.items[1].id);
    expect((await stack.call('viewer', 'GET', '/adapters/eventful/events?level=error')).body.items).toEqual([]);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await stack.call('viewer', 'GET', `/adapters/eventful/events?since=${future}`)).body.items).toEqual([]);
  });

  it('refuses sequence numbers on a non-FIX adapter', async () => {
    await stack.call('engineer', 'POST', '/adapters', specs.natsProducer('no-seq', 1));
    const response = await stack.call('operator', 'POST', '/adapters/no-seq/set-sequence-numbers', { nextSenderSeqNum: 5 });
    expect(response.status).toBe(409);
    expect(response.body.detail).toContain('sequence numbers exist only for FIX sessions');
  });
});

describe('secrets in adapter configs', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack('postgres');
  });
  afterAll(() => stack.stop());

  const withPassword = (password: unknown) => {
    const body = specs.fixInitiator('secretive');
    return { ...body, connector: { ...body.connector, config: { ...body.connector.config, authentication: { username: 'trader', password } } } };
  };

  it('never returns a secret: reads show a fingerprint, revisions and events never hold the value', async () => {
    const created = await stack.call('engineer', 'POST', '/adapters', withPassword('hunter2-very-secret'));
    expect(created.status).toBe(201);
    const password = created.body.connector.config.authentication.password;
    expect(password).toEqual({ secret: { set: true, fingerprint: expect.stringMatching(/^hmac-sha256:[0-9a-f]{16}$/) } });
    for (const path of ['/adapters/secretive', '/adapters/secretive/revisions/1', '/adapters/secretive/events', '/adapters?name=secretive']) {
      expect((await stack.call('admin', 'GET', path)).text).not.toContain('hunter2');
    }
    const { rows } = await stack.database.db.query<{ spec: unknown }>("SELECT spec FROM adapters WHERE name = 'secretive'");
    expect(JSON.stringify(rows[0]!.spec)).not.toContain('hunter2');

    // Sending the placeholder back keeps the value; a changed value changes the fingerprint.
    const kept = await stack.call('engineer', 'PUT', '/adapters/secretive', { ...withPassword(password), description: 'kept' }, { 'if-match': '"1"' });
    expect(kept.body.connector.config.authentication.password).toEqual(password);
    const forged = await stack.call('engineer', 'PUT', '/adapters/secretive', withPassword({ secret: { fingerprint: 'hmac-sha256:0000000000000000' } }), {
      'if-match': '"2"',
    });
    expect(forged.status).toBe(400);
    expect(forged.body.errors[0].path).toBe('/connector/config/authentication/password');
    const changed = await stack.call('engineer', 'PUT', '/adapters/secretive', withPassword('another-secret'), { 'if-match': '"2"' });
    expect(changed.body.connector.config.authentication.password.secret.fingerprint).not.toBe(password.secret.fingerprint);
    const diff = await stack.call('viewer', 'GET', '/adapters/secretive/diff?from=2&to=3');
    expect(diff.text).not.toContain('another-secret');
    expect(diff.body.changes.map((c: { path: string }) => c.path)).toContain('/connector/config/authentication/password/secret/fingerprint');
  });

  it('accepts a secret reference and passes it through unchanged', async () => {
    const body = { ...withPassword({ secretRef: { name: 'venue-credentials', key: 'password' } }), name: 'by-reference' };
    const created = await stack.call('engineer', 'POST', '/adapters', body);
    expect(created.status).toBe(201);
    expect(created.body.connector.config.authentication.password).toEqual({ secretRef: { name: 'venue-credentials', key: 'password' } });
    const bad = await stack.call('engineer', 'POST', '/adapters', { ...withPassword({ secretRef: { name: 'Bad Name' } }), name: 'bad-ref' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('/connector/config/authentication/password');
  });
});
