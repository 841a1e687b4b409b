import { SignJWT, decodeProtectedHeader, exportSPKI, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIssuer, type DevIssuer } from '../src/index.ts';
import { specs, startStack, type ApiResponse, type TestRole, type TestStack } from './support/stack.ts';

/**
 * "Who may call it": every request carries a bearer JWT the orchestrator verifies itself, and each
 * operation needs a role. Tokens are real ES256 JWTs from a dev issuer serving its JWKS over HTTP.
 */

const PROBLEM_TYPE = 'https://crosswire.dev/problems/';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const registerBody = (id: string) => ({ id, version: '1.0.0', capacity: 4, connectorTypes: ['fix-acceptor'] });

/** The claims the stack's issuer would put in a token, for tokens built by hand. */
function claimsOf(stack: TestStack, roles: string[] = ['admin']) {
  const now = Math.floor(Date.now() / 1000);
  return { iss: stack.issuer.issuer, aud: stack.issuer.audience, sub: 'forger', iat: now, exp: now + 3600, roles };
}

/** fetch with any Authorization header, or none. */
function callWith(stack: TestStack, authorization: string | undefined, method: string, path: string, body?: unknown) {
  return stack.call(null, method, path, body, authorization === undefined ? {} : { authorization });
}

function expectUnauthorized(response: ApiResponse, detail: RegExp) {
  expect(response.status, response.text).toBe(401);
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ type: `${PROBLEM_TYPE}unauthorized`, title: 'Unauthorized', status: 401 });
  expect(response.body.detail).toMatch(detail);
}

function expectForbidden(response: ApiResponse, neededRole: string) {
  expect(response.status, response.text).toBe(403);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ type: `${PROBLEM_TYPE}forbidden`, title: 'Forbidden', status: 403 });
  expect(response.body.detail).toContain(`needs the ${neededRole} role`);
}

describe('who may call the API', () => {
  let stack: TestStack;
  let stranger: DevIssuer;
  let jwk: JWK;
  /** The issuer's public key as PEM, the other form an attacker might use as an HMAC secret. */
  let pem: string;
  let adapterCount = 0;

  /** A fresh adapter, created by an engineer. */
  async function newAdapter(): Promise<string> {
    const name = `auth-${++adapterCount}`;
    const created = await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor(name, 20_000 + adapterCount));
    expect(created.status, created.text).toBe(201);
    return name;
  }

  async function adapterExists(name: string): Promise<boolean> {
    const found = await stack.call('admin', 'GET', `/adapters/${name}`);
    return found.status === 200;
  }

  beforeAll(async () => {
    stack = await startStack('postgres');
    stranger = await startDevIssuer();
    const jwks = (await (await fetch(stack.issuer.jwksUri)).json()) as { keys: JWK[] };
    jwk = jwks.keys[0]!;
    const publicKey = await importJWK(jwk, 'ES256', { extractable: true });
    if (publicKey instanceof Uint8Array) throw new Error('the dev issuer should publish an EC public key');
    pem = await exportSPKI(publicKey);
  });
  afterAll(async () => {
    await stranger?.close();
    await stack?.stop();
  });

  it('accepts a valid token and says who it names', async () => {
    const me = await stack.call('engineer', 'GET', '/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ subject: `${stack.issuer.issuer}#test-engineer`, name: 'Test engineer', roles: ['engineer'], claimValues: ['engineer'] });
  });

  describe('401 without a valid token', () => {
    it('refuses a request with no token, asking for a bearer token', async () => {
      const response = await callWith(stack, undefined, 'GET', '/adapters');
      expectUnauthorized(response, /send a bearer token/);
    });

    it.each([
      ['a Basic credential', 'Basic YWRtaW46YWRtaW4='],
      ['an empty Bearer', 'Bearer '],
      ['two tokens', 'Bearer a.b.c d.e.f'],
    ])('refuses %s in the Authorization header', async (_what, authorization) => {
      expectUnauthorized(await callWith(stack, authorization, 'GET', '/adapters'), /send a bearer token/);
    });

    it('refuses a token that is not a JWT', async () => {
      expectUnauthorized(await callWith(stack, 'Bearer not-a-jwt', 'GET', '/adapters'), /not a JWT/);
    });

    // Every forged or stale token below claims the admin role and tries to create an adapter: the
    // refusal must be a 401 and the adapter must not exist afterwards.
    const forgeries: Array<[string, (s: TestStack) => Promise<string>, RegExp]> = [
      ['an expired token', (s) => s.issuer.mint({ sub: 'late', roles: ['admin'] }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }), /expired/],
      ['a token for another audience', (s) => s.issuer.mint({ sub: 'elsewhere', roles: ['admin'] }, { audience: 'some-other-api' }), /aud/],
      ['a token from an issuer that is not configured', () => stranger.mint({ sub: 'stranger', roles: ['admin'] }), /issuer .* not accepted/],
      [
        'an unsigned token (alg: none)',
        (s) => Promise.resolve(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claimsOf(s))}.`),
        /algorithm/,
      ],
      [
        'an HS256 token keyed with the JWK of the public key',
        (s) =>
          new SignJWT(claimsOf(s))
            .setProtectedHeader({ alg: 'HS256', kid: jwk.kid! })
            .sign(new TextEncoder().encode(JSON.stringify(jwk))),
        /algorithm/,
      ],
      [
        'an HS256 token keyed with the PEM of the public key',
        (s) => new SignJWT(claimsOf(s)).setProtectedHeader({ alg: 'HS256', kid: jwk.kid! }).sign(new TextEncoder().encode(pem)),
        /algorithm/,
      ],
      [
        'a token naming the configured issuer and its kid but signed by another key',
        async (s) => {
          const token = await stranger.mint({ sub: 'impostor', roles: ['admin'] }, { issuer: s.issuer.issuer });
          // Same kid as the real key: the verifier must check the signature, not trust the kid.
          expect(decodeProtectedHeader(token).kid).toBe(jwk.kid);
          return token;
        },
        /signature/i,
      ],
    ];

    it.each(forgeries)('refuses %s and writes nothing', async (_what, forge, detail) => {
      const name = `forged-${Math.random().toString(36).slice(2, 10)}`;
      const response = await callWith(stack, `Bearer ${await forge(stack)}`, 'POST', '/adapters', specs.fixAcceptor(name));
      expectUnauthorized(response, detail);
      expect(await adapterExists(name)).toBe(false);
    });

    // KNOWN BUG (see report): the JSON body parser runs before authentication, so an anonymous
    // caller gets 400 for a malformed body instead of 401. Flip to `it` once fixed.
    it('authenticates before it reads the body: no token and a malformed body is still 401', async () => {
      const response = await stack.call(null, 'POST', '/adapters', '{"name": ');
      expectUnauthorized(response, /bearer token/);
    });
  });

  describe('403 with a clear message for a missing role', () => {
    it('lets a viewer read but not create, naming the role it needs', async () => {
      expect((await stack.call('viewer', 'GET', '/adapters')).status).toBe(200);
      const refused = await stack.call('viewer', 'POST', '/adapters', specs.fixAcceptor('viewer-made'));
      expectForbidden(refused, 'engineer');
      expect(refused.body.detail).toContain('your token grants viewer');
      expect(await adapterExists('viewer-made')).toBe(false);
    });

    it('checks the role before looking the target up', async () => {
      expectForbidden(await stack.call('viewer', 'DELETE', '/adapters/does-not-exist'), 'engineer');
    });

    it('lets an operator enable and disable, but not create or edit', async () => {
      const name = await newAdapter();
      const enabled = await stack.call('operator', 'POST', `/adapters/${name}/enable`);
      expect(enabled.status, enabled.text).toBe(200);
      expect(enabled.body.enabled).toBe(true);
      const disabled = await stack.call('operator', 'POST', `/adapters/${name}/disable`);
      expect(disabled.status, disabled.text).toBe(200);
      expect(disabled.body.enabled).toBe(false);

      expectForbidden(await stack.call('operator', 'POST', '/adapters', specs.fixAcceptor('operator-made')), 'engineer');
      const { name: _name, ...spec } = specs.fixAcceptor(name);
      expectForbidden(await stack.call('operator', 'PUT', `/adapters/${name}`, { ...spec, description: 'edited' }, { 'if-match': '"1"' }), 'engineer');
      expectForbidden(await stack.call('operator', 'DELETE', `/adapters/${name}`), 'engineer');
      expect(await adapterExists('operator-made')).toBe(false);
    });

    it('lets an engineer create, edit, run actions and delete', async () => {
      const name = await newAdapter();
      const { name: _name, ...spec } = specs.fixAcceptor(name);
      const edited = await stack.call('engineer', 'PUT', `/adapters/${name}`, { ...spec, description: 'edited' }, { 'if-match': '"1"' });
      expect(edited.status, edited.text).toBe(200);
      expect(edited.body.revision).toBe(2);
      expect((await stack.call('engineer', 'POST', `/adapters/${name}/enable`)).status).toBe(200);
      expect((await stack.call('engineer', 'POST', `/adapters/${name}/disable`)).status).toBe(200);
      expect((await stack.call('engineer', 'DELETE', `/adapters/${name}`)).status).toBe(204);
    });

    it('lets an admin do every user operation', async () => {
      const created = await stack.call('admin', 'POST', '/adapters', specs.fixAcceptor('admin-made', 20_999));
      expect(created.status, created.text).toBe(201);
      const { name: _name, ...spec } = specs.fixAcceptor('admin-made', 20_999);
      const calls: Array<[string, string, unknown?, Record<string, string>?]> = [
        ['GET', '/adapters'],
        ['GET', '/adapters/admin-made'],
        ['PUT', '/adapters/admin-made', { ...spec, description: 'by admin' }, { 'if-match': '"1"' }],
        ['GET', '/adapters/admin-made/revisions'],
        ['GET', '/adapters/admin-made/diff?from=1&to=2'],
        ['POST', '/adapters/admin-made/revisions/1/rollback'],
        ['GET', '/adapters/admin-made/events'],
        ['POST', '/adapters/admin-made/enable'],
        ['POST', '/adapters/admin-made/disable'],
        ['GET', '/plugins'],
        ['GET', '/artifacts'],
        ['GET', '/pods'],
        ['GET', '/me'],
        ['DELETE', '/adapters/admin-made'],
      ];
      for (const [method, path, body, headers] of calls) {
        const response = await stack.call('admin', method, path, body, headers);
        expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
      }
    });

    it.each<TestRole>(['viewer', 'operator', 'engineer', 'admin'])('keeps a %s token off the pod endpoints', async (role) => {
      expectForbidden(await stack.call(role, 'POST', '/pods', registerBody(`pod-of-${role}`)), 'pod');
      expectForbidden(await stack.call(role, 'POST', `/pods/pod-of-${role}/heartbeat`, {}), 'pod');
      const pods = await stack.call('viewer', 'GET', '/pods');
      expect(pods.body.items.map((p: { id: string }) => p.id)).not.toContain(`pod-of-${role}`);
    });

    it('lets a pod register but not read or change what people use', async () => {
      expect((await stack.call('pod', 'POST', '/pods', registerBody('pod-one'))).status).toBe(200);
      expectForbidden(await stack.call('pod', 'GET', '/pods'), 'viewer');
      expectForbidden(await stack.call('pod', 'GET', '/adapters'), 'viewer');
      expectForbidden(await stack.call('pod', 'GET', '/me'), 'viewer');
      expectForbidden(await stack.call('pod', 'POST', '/adapters', specs.fixAcceptor('pod-made')), 'engineer');
      expectForbidden(await stack.call('pod', 'POST', '/adapters/pod-made/enable'), 'operator');
    });

    it('refuses a token with no Crosswire role, saying so', async () => {
      const token = await stack.issuer.mint({ sub: 'trader', roles: ['trader'] });
      const refused = await callWith(stack, `Bearer ${token}`, 'GET', '/adapters');
      expectForbidden(refused, 'viewer');
      expect(refused.body.detail).toContain('no Crosswire role');
    });
  });

  describe('one pod cannot act for another', () => {
    const podToken = (sub: string) => stack.issuer.mint({ sub, roles: ['pod'] });
    const podCall = async (sub: string, method: string, path: string, body: unknown) =>
      callWith(stack, `Bearer ${await podToken(sub)}`, method, path, body);
    const podState = async (id: string) => {
      const pods = await stack.call('viewer', 'GET', '/pods');
      return (pods.body.items as Array<{ id: string; draining: boolean; lastHeartbeatAt: string; capacity: number }>).find((p) => p.id === id);
    };

    it('refuses to re-register a pod id taken by another credential', async () => {
      expect((await podCall('pod-a', 'POST', '/pods', registerBody('pod-a'))).status).toBe(200);
      const hijack = await podCall('pod-b', 'POST', '/pods', { ...registerBody('pod-a'), capacity: 0 });
      expect(hijack.status, hijack.text).toBe(403);
      expect(hijack.body.detail).toContain('another credential');
      expect((await podState('pod-a'))?.capacity).toBe(4);
    });

    // KNOWN BUG (see report): the heartbeat updates the pod row before checking who sends it, so a
    // foreign credential can mark another pod draining (and keep a dead pod looking alive). Flip to
    // `it` once fixed.
    it("refuses another credential's heartbeat without touching the pod", async () => {
      expect((await podCall('pod-c', 'POST', '/pods', registerBody('pod-c'))).status).toBe(200);
      const before = await podState('pod-c');
      const hijack = await podCall('pod-d', 'POST', '/pods/pod-c/heartbeat', { draining: true });
      expect(hijack.status, hijack.text).toBe(403);
      expect(await podState('pod-c')).toEqual(before);
    });
  });
});

describe('roles from a nested claim through a role map', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack('postgres', {
      AUTH_ROLES_CLAIM: 'realm_access.roles',
      AUTH_ROLE_MAP: '{"fix-engineers":["engineer"]}',
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const withRealmRoles = async (roles: string[]) =>
    `Bearer ${await stack.issuer.mint({ sub: `realm-${roles.join('-')}`, realm_access: { roles } })}`;

  it('maps an IdP group to its Crosswire role', async () => {
    const authorization = await withRealmRoles(['fix-engineers', 'offline_access']);
    const me = await callWith(stack, authorization, 'GET', '/me');
    expect(me.status, me.text).toBe(200);
    expect(me.body.roles).toEqual(['engineer']);
    const created = await callWith(stack, authorization, 'POST', '/adapters', specs.fixAcceptor('from-realm'));
    expect(created.status, created.text).toBe(201);
    expectForbidden(await callWith(stack, authorization, 'POST', '/pods', registerBody('realm-pod')), 'pod');
  });

  it('takes a Crosswire role name in the claim as itself', async () => {
    const me = await callWith(stack, await withRealmRoles(['viewer']), 'GET', '/me');
    expect(me.body.roles).toEqual(['viewer']);
  });

  it('ignores roles in any other claim', async () => {
    const refused = await stack.call('admin', 'GET', '/adapters');
    expectForbidden(refused, 'viewer');
    expect(refused.body.detail).toContain('no Crosswire role');
  });
});
