import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specs, startStack, type ApiResponse, type TestStack } from './support/stack.ts';

/**
 * Bad input gets a clear problem+json answer naming each failing field, and leaves no trace: no row
 * in any table is added or changed by a refused request.
 */

const MIB = 1024 * 1024;

interface FieldError {
  path: string;
  message: string;
}

function expectProblem(response: ApiResponse, status: number, title: string) {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ type: `https://crosswire.dev/problems/${title.toLowerCase().replaceAll(' ', '-')}`, title, status });
  expect(response.body.detail).toEqual(expect.any(String));
  expect(response.body.detail.length).toBeGreaterThan(10);
}

/** A 400 whose `errors` name exactly these paths, each with a message. */
function expectInvalid(response: ApiResponse, paths: string[]) {
  expectProblem(response, 400, 'Invalid request');
  const errors = response.body.errors as FieldError[];
  for (const error of errors) expect(error.message).toMatch(/\w{3}/);
  expect([...new Set(errors.map((e) => e.path))].sort()).toEqual([...paths].sort());
}

/** A 400 naming a query parameter: `/limit` (or `query:limit` if the API ever says so). */
function expectBadParameter(response: ApiResponse, parameter: string) {
  expectProblem(response, 400, 'Invalid request');
  const paths = (response.body.errors as FieldError[]).map((e) => e.path);
  expect(paths).toContainEqual(expect.stringMatching(new RegExp(`(^|[/:])${parameter.replace(/[[\]$]/g, '\\$&')}$`)));
}

/** A valid spec as JSON text with a raw `"key": value` spliced in right after `anchor`, so keys like __proto__ survive. */
function withRawMember(name: string, anchor: string, member: string): string {
  const json = JSON.stringify(specs.fixAcceptor(name));
  expect(json).toContain(anchor);
  return json.replace(anchor, `${anchor}${member},`);
}

const specWithout = (name: string) => {
  const { name: _name, ...spec } = specs.fixAcceptor(name);
  return spec;
};

describe('bad input', () => {
  let stack: TestStack;

  /** Every table's contents, digested: any insert, update or delete changes it. */
  async function databaseDigest(): Promise<Record<string, string>> {
    const db = stack.orchestrator.services.db;
    const { rows: tables } = await db.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY 1`,
    );
    const digest: Record<string, string> = {};
    for (const { name } of tables) {
      const { rows } = await db.query<{ digest: string }>(`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM "${name}" t`);
      digest[name] = rows[0]!.digest;
    }
    return digest;
  }

  async function adapterNames(): Promise<string[]> {
    const list = await stack.call('viewer', 'GET', '/adapters?limit=500');
    expect(list.status).toBe(200);
    return (list.body.items as Array<{ name: string }>).map((a) => a.name);
  }

  /** Sends a request that must be refused, and checks that nothing was written meanwhile. */
  async function refused(send: () => Promise<ApiResponse>): Promise<ApiResponse> {
    const [namesBefore, digestBefore] = [await adapterNames(), await databaseDigest()];
    const response = await send();
    expect(response.status, response.text).toBeGreaterThanOrEqual(400);
    expect(await adapterNames()).toEqual(namesBefore);
    expect(await databaseDigest()).toEqual(digestBefore);
    return response;
  }

  const create = (body: unknown, headers?: Record<string, string>) => stack.call('engineer', 'POST', '/adapters', body, headers);

  beforeAll(async () => {
    stack = await startStack('postgres');
    expect((await create(specs.fixAcceptor('existing'))).status).toBe(201);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  describe('bodies that are not JSON objects', () => {
    it.each([
      ['truncated JSON', '{"name": '],
      ['trailing garbage', '{"name": "x"} tail'],
      ['single quotes', "{'name': 'x'}"],
      ['a bare string', '"existing"'],
    ])('refuses %s as malformed JSON', async (_what, text) => {
      const response = await refused(() => create(text));
      expectInvalid(response, ['']);
      expect(response.body.detail).toMatch(/not valid JSON/);
    });

    it.each([
      ['an array', '[]'],
      ['null', 'null'],
    ])('refuses %s where an object belongs', async (_what, text) => {
      expectInvalid(await refused(() => create(text)), ['']);
    });

    it('answers an empty JSON body with every required field', async () => {
      expectInvalid(await refused(() => create('', { 'content-type': 'application/json' })), ['/name', '/mode', '/connector']);
    });

    it.each([
      ['text/plain', 'text/plain'],
      ['a form post', 'application/x-www-form-urlencoded'],
      ['multipart', 'multipart/form-data; boundary=x'],
    ])('refuses %s with 415', async (_what, contentType) => {
      const response = await refused(() => create(JSON.stringify(specs.fixAcceptor('wrong-type')), { 'content-type': contentType }));
      expectProblem(response, 415, 'Unsupported media type');
      expect(response.body.detail).toContain('application/json');
    });

    it('refuses JSON in a charset other than UTF-8 with 415', async () => {
      const response = await refused(() =>
        create(JSON.stringify(specs.fixAcceptor('latin')), { 'content-type': 'application/json; charset=iso-8859-1' }),
      );
      expectProblem(response, 415, 'Unsupported media type');
    });
  });

  describe('size', () => {
    /** A create body of exactly `bytes` bytes, padded in its description. */
    const bodyOfSize = (bytes: number) => {
      const empty = JSON.stringify({ ...specs.fixAcceptor('big'), description: '' });
      return JSON.stringify({ ...specs.fixAcceptor('big'), description: 'x'.repeat(bytes - empty.length) });
    };

    it('refuses a body one byte over 1 MiB with 413', async () => {
      const body = bodyOfSize(MIB + 1);
      expect(Buffer.byteLength(body)).toBe(MIB + 1);
      const response = await refused(() => create(body));
      expectProblem(response, 413, 'Payload too large');
      expect(response.body.detail).toContain(String(MIB));
    });

    it('refuses a chunked body that never states its length once it passes 1 MiB', async () => {
      const chunk = new TextEncoder().encode(`{"name": "chunked", "description": "${'x'.repeat(64 * 1024)}`);
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent > 2 * MIB) return controller.close();
          sent += chunk.length;
          controller.enqueue(chunk);
        },
      });
      const response = await refused(async () => {
        const answer = await fetch(`${stack.api}/adapters`, {
          method: 'POST',
          headers: { authorization: `Bearer ${stack.tokens.engineer}`, 'content-type': 'application/json' },
          body: stream,
          duplex: 'half',
        });
        const text = await answer.text();
        return { status: answer.status, headers: answer.headers, text, body: JSON.parse(text) as unknown };
      });
      expectProblem(response, 413, 'Payload too large');
    });

    it('reads a body of exactly 1 MiB, and then refuses its description by its own limit', async () => {
      const response = await refused(() => create(bodyOfSize(MIB)));
      expectInvalid(response, ['/description']);
    });
  });

  describe('unknown fields', () => {
    it('names an unknown top-level field and an unknown nested field, each by its path', async () => {
      const spec = specs.fixAcceptor('unknown-fields');
      const body = { ...spec, colour: 'red', connector: { ...spec.connector, colour: 'blue' } };
      expectInvalid(await refused(() => create(body)), ['/colour', '/connector/colour']);
    });

    it('names unknown fields inside connector.config, at any depth', async () => {
      const spec = specs.fixAcceptor('unknown-config');
      const body = { ...spec, connector: { ...spec.connector, config: { ...spec.connector.config, colour: 1, listen: { port: 9876, colour: 2 } } } };
      expectInvalid(await refused(() => create(body)), ['/connector/config/colour', '/connector/config/listen/colour']);
    });
  });

  describe('keys that could reach a prototype', () => {
    it.each([
      ['__proto__ at the top', '{', '"__proto__":{"polluted":true}', '/__proto__'],
      ['constructor at the top', '{', '"constructor":{"prototype":{"polluted":true}}', '/constructor'],
      ['__proto__ in connector.config', '"config":{', '"__proto__":{"polluted":true}', '/connector/config/__proto__'],
      ['constructor in connector.config', '"config":{', '"constructor":{"prototype":{"polluted":true}}', '/connector/config/constructor'],
      ['prototype in a session', '"sessions":[{', '"prototype":{"polluted":true}', '/connector/config/sessions/0/prototype'],
    ])('refuses %s, naming its path', async (_what, anchor, member, path) => {
      const response = await refused(() => create(withRawMember('proto-keys', anchor, member)));
      expectInvalid(response, [path]);
      expect(response.body.errors[0].message).toContain('not allowed');
      // The orchestrator runs in this process: nothing may have reached Object.prototype.
      expect(Object.prototype).not.toHaveProperty('polluted');
    });

    it('names every forbidden key of one body at once', async () => {
      const top = withRawMember('proto-keys', '{', '"__proto__":{}');
      const both = top.replace('"config":{', '"config":{"constructor":{},');
      expectInvalid(await refused(() => create(both)), ['/__proto__', '/connector/config/constructor']);
    });
  });

  describe('names', () => {
    it.each([
      ['uppercase', 'Upper'],
      ['an underscore', 'under_score'],
      ['a leading dash', '-leading'],
      ['a trailing dash', 'trailing-'],
      ['a dot', 'dot.name'],
      ['a space', 'two words'],
      ['non-ASCII letters', 'ünïcode'],
      ['64 characters', 'a'.repeat(64)],
      ['nothing', ''],
    ])('refuses a name with %s, naming /name', async (_what, name) => {
      const response = await refused(() => create(specs.fixAcceptor(name)));
      expectInvalid(response, ['/name']);
      expect(response.body.errors[0].message).toMatch(/DNS label|empty|at most 63/);
    });

    it('accepts a 63-character name', async () => {
      const name = `${'a'.repeat(62)}z`;
      expect((await create(specs.fixAcceptor(name))).status).toBe(201);
    });

    it('refuses a duplicate name with 409, leaving the original as it was', async () => {
      const eventsBefore = await stack.call('viewer', 'GET', '/adapters/existing/events');
      const response = await refused(() => create({ ...specs.fixAcceptor('existing', 7777), description: 'second' }));
      expectProblem(response, 409, 'Conflict');
      expect(response.body.detail).toContain('"existing"');
      expect(response.body.errors).toEqual([{ path: '/name', message: expect.any(String) }]);

      const original = await stack.call('viewer', 'GET', '/adapters/existing');
      expect(original.body).toMatchObject({ revision: 1, connector: { config: { listen: { port: 9876 } } } });
      expect(original.body.description).toBeUndefined();
      const revisions = await stack.call('viewer', 'GET', '/adapters/existing/revisions');
      expect(revisions.body.items).toHaveLength(1);
      expect((await stack.call('viewer', 'GET', '/adapters/existing/events')).body).toEqual(eventsBefore.body);
    });
  });

  describe('SQL metacharacters', () => {
    const tricky = [`'; DROP TABLE adapters; --`, `$1 \\ " % _ ' ''`, `Robert'); DELETE FROM adapter_revisions WHERE ('1'='1`, "\\x00 E'\\\\' $$ $tag$ ; COMMIT;"];

    it.each(tricky.map((text, i) => [i, text] as const))('stores description #%i verbatim and returns it unchanged', async (i, text) => {
      const name = `sql-${i}`;
      const created = await create({ ...specs.fixAcceptor(name), description: text, labels: { note: text.slice(0, 63) } });
      expect(created.status, created.text).toBe(201);
      expect(created.body.description).toBe(text);
      const fetched = await stack.call('viewer', 'GET', `/adapters/${name}`);
      expect(fetched.body.description).toBe(text);
      expect(fetched.body.labels).toEqual({ note: text.slice(0, 63) });
      const revision = await stack.call('viewer', 'GET', `/adapters/${name}/revisions/1`);
      expect(revision.body.spec.description).toBe(text);
    });

    it('treats SQL and LIKE characters in the name filter as plain text', async () => {
      for (const filter of ["' OR '1'='1", '%', '_', '\\']) {
        const response = await stack.call('viewer', 'GET', `/adapters?name=${encodeURIComponent(filter)}`);
        expect(response.status, response.text).toBe(200);
        expect(response.body.items).toEqual([]);
      }
      expect(await adapterNames()).toContain('existing');
    });
  });

  describe('several errors in one body', () => {
    it('reports every shape error at once', async () => {
      const body = {
        name: 'Bad_Name',
        mode: 'sideways',
        instances: 0,
        colour: 'red',
        connector: { type: 'fix-acceptor', config: {}, colour: 'blue' },
      };
      expectInvalid(await refused(() => create(body)), ['/name', '/mode', '/instances', '/colour', '/connector/colour']);
    });

    it('reports every spec error at once: mode, instances and each failing config field', async () => {
      const body = {
        name: 'many-errors',
        mode: 'scale_out',
        connector: { type: 'fix-acceptor', config: { listen: { port: 'high' }, sessions: [], colour: 1 } },
      };
      const response = await refused(() => create(body));
      expectInvalid(response, ['/instances', '/mode', '/connector/config/listen/port', '/connector/config/sessions', '/connector/config/colour']);
      expect(response.body.errors).toContainEqual({ path: '/mode', message: expect.stringContaining('two pods') });
    });

    it('refuses an unknown connector type, listing the installed ones', async () => {
      const body = { ...specs.fixAcceptor('no-such-type'), connector: { type: 'carrier-pigeon', config: {} } };
      const response = await refused(() => create(body));
      expectInvalid(response, ['/connector/type']);
      expect(response.body.errors[0].message).toContain('fix-acceptor');
    });
  });

  describe('bad input on a replace', () => {
    it('refuses an invalid replacement without writing a revision', async () => {
      const body = { ...specWithout('existing'), mode: 'sideways', colour: 1 };
      const response = await refused(() => stack.call('engineer', 'PUT', '/adapters/existing', body, { 'if-match': '"1"' }));
      expectInvalid(response, ['/mode', '/colour']);
    });

    it('refuses a malformed If-Match, naming the header', async () => {
      const response = await refused(() =>
        stack.call('engineer', 'PUT', '/adapters/existing', { ...specWithout('existing'), description: 'x' }, { 'if-match': 'yesterday' }),
      );
      expectInvalid(response, ['header:If-Match']);
    });
  });

  describe('query parameters', () => {
    it.each([
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=501', 'limit'],
      ['limit=1.5', 'limit'],
      ['limit=1&limit=2', 'limit'],
      ['mode=sideways', 'mode'],
      ['enabled=yes', 'enabled'],
      ['status=Sleeping', 'status'],
      ['colour=red', 'colour'],
      ['name[$ne]=x', 'name[$ne]'],
      ['cursor=garbage', 'cursor'],
      [`cursor=${Buffer.from(JSON.stringify({ after: 1 })).toString('base64url')}`, 'cursor'],
    ])('GET /adapters?%s is refused, naming %s', async (query, parameter) => {
      expectBadParameter(await stack.call('viewer', 'GET', `/adapters?${query}`), parameter);
    });

    it.each([
      ['/adapters/existing/revisions?limit=0', 'limit'],
      ['/adapters/existing/revisions?cursor=garbage', 'cursor'],
      ['/adapters/existing/events?limit=abc', 'limit'],
      ['/adapters/existing/events?level=loud', 'level'],
      ['/adapters/existing/diff?from=abc&to=1', 'from'],
      ['/adapters/existing/diff?from=1', 'to'],
      ['/artifacts?limit=0', 'limit'],
      ['/artifacts/x/content?version=first', 'version'],
    ])('GET %s is refused, naming %s', async (path, parameter) => {
      expectBadParameter(await stack.call('viewer', 'GET', path), parameter);
    });

    it('accepts a cursor with SQL in it as an opaque position', async () => {
      const cursor = Buffer.from(JSON.stringify("' OR 1=1 --")).toString('base64url');
      const response = await stack.call('viewer', 'GET', `/adapters?cursor=${cursor}`);
      expect(response.status, response.text).toBe(200);
      // Every name sorts after a quote, so the page is every adapter, in order: the cursor is a value, not SQL.
      expect(response.body.items.map((a: { name: string }) => a.name)).toEqual(await adapterNames());
    });
  });
});
