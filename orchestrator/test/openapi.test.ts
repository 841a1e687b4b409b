import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, routes } from '../src/api/app.ts';
import { AuthenticationError, type Verifier } from '../src/auth/verify.ts';
import { VERSION } from '../src/index.ts';
import { startStack, type ApiResponse, type TestRole, type TestStack } from './support/stack.ts';

/**
 * "Every route in the OpenAPI document exists and every route is in it": the document served by the
 * running orchestrator is compared with what Express really mounts, and every documented operation
 * is called on the running server.
 */

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface Operation {
  operationId: string;
  'x-required-role'?: string;
  security: unknown[];
  parameters?: Array<{ name: string; in: string; required: boolean }>;
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, unknown>;
}

interface OpenApiDocument {
  openapi: string;
  servers: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

/** A documented operation, with its full path (server URL included). */
interface DocumentedOperation {
  method: string;
  template: string;
  url: string;
  operation: Operation;
}

/** The parts of an Express 5 (router 2) layer this test reads. */
interface ExpressLayer {
  rawPath?: unknown;
  handle: unknown;
  route?: { path: string; methods: Record<string, boolean> };
}

/** "GET /api/v1/adapters/{ref}" for every route Express mounts, walking nested routers. */
function expressOperations(layers: readonly ExpressLayer[], prefix = ''): string[] {
  return layers.flatMap((layer) => {
    if (layer.route) {
      const path = `${prefix}${layer.route.path}`.replace(/:(\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${path}`);
    }
    const nested = (layer.handle as { stack?: unknown }).stack;
    if (!Array.isArray(nested)) return [];
    const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
    return expressOperations(nested as ExpressLayer[], `${prefix}${mount}`);
  });
}

function documentedOperations(doc: OpenApiDocument): DocumentedOperation[] {
  const server = doc.servers[0]!.url;
  return Object.entries(doc.paths).flatMap(([template, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), template, url: `${server}${template}`, operation })),
  );
}

/** Every `$ref` anywhere in `value`, with where it was found. */
function refsIn(value: unknown, at = '#'): Array<{ ref: string; at: string }> {
  if (Array.isArray(value)) return value.flatMap((v, i) => refsIn(v, `${at}/${i}`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === '$ref' && typeof v === 'string' ? [{ ref: v, at }] : refsIn(v, `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`),
  );
}

/** Resolves a local JSON Pointer reference such as `#/components/schemas/Adapter`. */
function resolve(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined), doc);
}

/** The answer Express gives when nothing is mounted at a path, or not for that method. */
function expectRouteExists(response: ApiResponse, what: string) {
  expect(response.status, `${what}: ${response.text}`).not.toBe(405);
  if (response.status === 404) expect(response.body?.detail, what).not.toMatch(/^no API operation/);
  expect(response.status, `${what}: ${response.text}`).toBeLessThan(500);
}

const methodSet = (text: string | null) => (text ?? '').split(',').map((m) => m.trim()).filter(Boolean).sort();

describe('the OpenAPI document and the routes', () => {
  let stack: TestStack;
  let doc: OpenApiDocument;
  let operations: DocumentedOperation[];
  let nobody: string;

  /** Calls a documented operation with '1' for every path parameter, an empty JSON body or a few bytes of its first media type. */
  function invoke(op: DocumentedOperation, authorization: Record<string, string>) {
    const path = op.template.replace(/\{\w+\}/g, '1');
    const content = op.operation.requestBody?.content ?? {};
    const raw = Object.keys(content).find((type) => type !== 'application/json');
    if (raw !== undefined) {
      return stack.call(null, op.method, path, 'placeholder bytes', { ...authorization, 'content-type': raw });
    }
    return stack.call(null, op.method, path, 'application/json' in content ? {} : undefined, authorization);
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  /** A token holding exactly `role`. */
  const tokenFor = (role: string) => bearer(stack.tokens[role as TestRole]);
  /** A token just short of `role`: the role below it, or none at all. */
  const tokenBelow = (role: string) => {
    const below: Record<string, TestRole | undefined> = { operator: 'viewer', engineer: 'operator', admin: 'engineer', pod: 'admin' };
    const lower = below[role];
    return lower ? tokenFor(lower) : bearer(nobody);
  };

  beforeAll(async () => {
    stack = await startStack('postgres');
    nobody = await stack.issuer.mint({ sub: 'nobody', roles: [] });
    const served = await stack.call(null, 'GET', '/openapi.json');
    expect(served.status, served.text).toBe(200);
    doc = served.body as OpenApiDocument;
    operations = documentedOperations(doc);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('is served without a token as OpenAPI 3.1 JSON', async () => {
    const served = await stack.call(null, 'GET', '/openapi.json');
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^application\/json/);
    expect(served.body).toMatchObject({ openapi: '3.1.0', info: { version: VERSION }, servers: [{ url: '/api/v1' }] });
    expect(operations.length).toBeGreaterThan(20);
  });

  it('documents exactly the routes Express mounts, and only them', () => {
    const verify: Verifier = () => Promise.reject(new AuthenticationError('this app only has its routes read'));
    const app = createApi(stack.orchestrator.services, { verify, ratePerSecond: 0, maxJsonBytes: 1024 * 1024 });
    const mounted = expressOperations((app.router as unknown as { stack: ExpressLayer[] }).stack);
    expect(mounted).toContain('GET /api/v1/adapters');
    expect(new Set(mounted).size, 'no route is mounted twice').toBe(mounted.length);

    const documented = operations.map((op) => `${op.method} ${op.url}`);
    expect([...mounted].sort()).toEqual([...documented].sort());
  });

  it('documents every entry of the route table once, under a unique operationId', () => {
    const server = doc.servers[0]!.url;
    const table = routes.map((r) => `${r.method.toUpperCase()} ${server}${r.path} ${r.operationId}`);
    expect(operations.map((op) => `${op.method} ${op.url} ${op.operation.operationId}`).sort()).toEqual(table.sort());
    const ids = operations.map((op) => op.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('declares each path parameter of every operation, and a success response', () => {
    for (const { method, template, operation } of operations) {
      const inPath = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (operation.parameters ?? []).filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name), `${method} ${template}`).toEqual(inPath);
      expect(declared.every((p) => p.required)).toBe(true);
      expect(Object.keys(operation.responses).some((status) => /^2\d\d$/.test(status)), `${method} ${template}`).toBe(true);
    }
  });

  it('resolves every $ref to a component', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const { ref, at } of refs) {
      expect(ref, at).toMatch(/^#\/components\/schemas\/[^/]+$/);
      expect(resolve(doc, ref), `${ref} at ${at}`).toEqual(expect.any(Object));
    }
  });

  it('answers every documented operation on the running server', async () => {
    for (const op of operations) {
      const role = op.operation['x-required-role'];
      const response = await invoke(op, role === undefined ? {} : tokenFor(role === 'pod' ? 'pod' : 'admin'));
      expectRouteExists(response, `${op.method} ${op.template}`);
      expect([401, 403], `${op.method} ${op.template} as ${role ?? 'anyone'}: ${response.text}`).not.toContain(response.status);
    }
  });

  it('enforces exactly the role each operation documents', async () => {
    for (const op of operations) {
      const role = op.operation['x-required-role'];
      const what = `${op.method} ${op.template} (x-required-role ${role})`;
      if (role === undefined) {
        expect(op.operation.security, what).toEqual([]);
        continue;
      }
      expect(op.operation.security, what).toEqual([{ bearer: [] }]);
      const allowed = await invoke(op, tokenFor(role));
      expect([401, 403], `${what}: ${allowed.text}`).not.toContain(allowed.status);
      const refused = await invoke(op, tokenBelow(role));
      expect(refused.status, `${what}: ${refused.text}`).toBe(403);
      expect(refused.body.detail).toContain(`${op.operation.operationId} needs the ${role} role`);
      const anonymous = await invoke(op, {});
      expect(anonymous.status, `${what} without a token: ${anonymous.text}`).toBe(401);
    }
  });

  it('answers a method a documented path does not have with 405 and the Allow header the document implies', async () => {
    for (const [template, item] of Object.entries(doc.paths)) {
      const response = await stack.call('admin', 'PATCH', template.replace(/\{\w+\}/g, '1'), {});
      expect(response.status, `PATCH ${template}: ${response.text}`).toBe(405);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ type: 'https://crosswire.dev/problems/method-not-allowed', status: 405 });
      const documented = Object.keys(item).filter((m) => HTTP_METHODS.includes(m)).map((m) => m.toUpperCase()).sort();
      expect(methodSet(response.headers.get('allow')), template).toEqual(documented);
    }
  });

  it('answers DELETE on a read-only collection with 405, Allow: GET', async () => {
    const response = await stack.call('admin', 'DELETE', '/plugins');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(response.body.detail).toContain('use GET');
  });

  it.each(['/no-such-thing', '/adapters/x/no-such-thing', '/adapters/x/revisions/1/rollback/again'])(
    'answers an unknown path %s with a 404 problem pointing at the document',
    async (path) => {
      const response = await stack.call('admin', 'GET', path);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ type: 'https://crosswire.dev/problems/not-found', title: 'Not found', status: 404 });
      expect(response.body.detail).toBe(`no API operation at ${path}: see /api/v1/openapi.json`);
    },
  );
});
