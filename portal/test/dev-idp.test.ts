import { createRemoteJWKSet, jwtVerify, SignJWT, importJWK } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadBffConfig, safeReturnTo } from '../src/bff/index.ts';
import { SessionStore } from '../src/bff/sessions.ts';
import { startDevIdp, type DevIdp } from '../src/dev-idp/index.ts';
import { createReadyDatabase, type Backend } from '../../orchestrator/test/support/databases.ts';
import { startPortalStack, type PortalStack } from './support/stack.ts';

async function podToken(idp: DevIdp, index = 0): Promise<string> {
  const pod = idp.podClients[index]!;
  const key = await importJWK(pod.privateJwk, 'ES256');
  const config = await client.discovery(new URL(idp.issuer), pod.clientId, undefined, client.PrivateKeyJwt({ key: key as client.CryptoKey, kid: pod.privateJwk.kid! }), {
    execute: [client.allowInsecureRequests],
  });
  return (await client.clientCredentialsGrant(config, { resource: idp.resource })).access_token;
}

describe('development IdP', () => {
  let idp: DevIdp;
  beforeAll(async () => {
    idp = await startDevIdp({ portalUrls: ['http://localhost:3000'] });
  });
  afterAll(() => idp?.close());

  it('refuses to start with NODE_ENV=production', async () => {
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await expect(startDevIdp({ portalUrls: ['http://localhost:3000'] })).rejects.toThrow(/refuses to run with NODE_ENV=production/);
    } finally {
      process.env.NODE_ENV = before;
    }
  });

  it('listens on loopback and advertises code + PKCE S256, PAR, iss in responses, revocation and RP-initiated logout', async () => {
    expect(new URL(idp.issuer).hostname).toBe('127.0.0.1');
    const metadata = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: idp.issuer,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      pushed_authorization_request_endpoint: `${idp.issuer}/request`,
      end_session_endpoint: `${idp.issuer}/session/end`,
      revocation_endpoint: `${idp.issuer}/token/revocation`,
    });
    expect(metadata.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
  });

  it('refuses an authorization request without PKCE', async () => {
    const url = new URL(`${idp.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: idp.portalClient.clientId,
      redirect_uri: 'http://localhost:3000/bff/callback',
      response_type: 'code',
      scope: 'openid',
      state: 'x',
    }).toString();
    const answer = await fetch(url, { redirect: 'manual' });
    const location = new URL(answer.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('gives each pod client a JWT access token for the orchestrator with the pod role (private_key_jwt)', async () => {
    const token = await podToken(idp, 1);
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), {
      issuer: idp.issuer,
      audience: 'crosswire-orchestrator',
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ sub: 'crosswire-pod-2', roles: ['pod'], client_id: 'crosswire-pod-2' });
  });

  it('refuses a pod whose assertion is signed with another key', async () => {
    const stranger = await import('jose').then((j) => j.generateKeyPair('ES256'));
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'pod-1' })
      .setIssuer('crosswire-pod-1')
      .setSubject('crosswire-pod-1')
      .setAudience(idp.issuer)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(stranger.privateKey);
    const answer = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'crosswire-pod-1',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }).toString(),
    });
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as { error: string }).error).toBe('invalid_client');
  });
});

describe('orchestrator trusting the development IdP', () => {
  let stack: PortalStack;
  beforeAll(async () => {
    stack = await startPortalStack();
  });
  afterAll(() => stack?.stop());

  it('accepts a pod token as the pod role and nothing more', async () => {
    const token = await podToken(stack.idp);
    const me = await fetch(`${stack.orchestrator.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(403); // authenticated, but /me is for people (viewer and up)
    const register = await fetch(`${stack.orchestrator.url}/api/v1/pods`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'crosswire-pod-1', version: '0.1.0', capacity: 4, connectorTypes: ['fix-initiator'] }),
    });
    expect([200, 201]).toContain(register.status);
  });
});

describe('BFF configuration', () => {
  const base = {
    PORTAL_PUBLIC_URL: 'https://crosswire.example.com',
    ORCHESTRATOR_URL: 'http://orchestrator:8080',
    OIDC_ISSUER: 'https://login.example.com/realms/crosswire',
    OIDC_CLIENT_ID: 'crosswire-portal',
    OIDC_CLIENT_SECRET: 'secret',
    PORTAL_SESSION_SECRET: '33'.repeat(32),
  };

  it('reads a complete configuration, with a __Host- Secure cookie over https', () => {
    const config = loadBffConfig(base);
    expect(config.session).toMatchObject({ cookieName: '__Host-crosswire_session', secureCookie: true });
    expect(config.oidc).toMatchObject({ scopes: 'openid profile email offline_access', allowInsecure: false, postLogoutRedirectUri: 'https://crosswire.example.com/' });
  });

  it('names the variable and what would do', () => {
    const { OIDC_CLIENT_SECRET: _secret, ...noSecret } = base;
    expect(() => loadBffConfig(noSecret)).toThrow(new ConfigError("OIDC_CLIENT_SECRET is not set: the portal's client secret at the OpenID provider (a confidential client)"));
    expect(() => loadBffConfig({ ...base, PORTAL_PUBLIC_URL: 'http://crosswire.example.com' })).toThrow(/must use https outside localhost/);
    expect(() => loadBffConfig({ ...base, OIDC_ISSUER: 'http://login.example.com' })).toThrow(/OIDC_ISSUER must use https outside localhost/);
    expect(() => loadBffConfig({ ...base, PORTAL_SESSION_SECRET: 'short' })).toThrow(/PORTAL_SESSION_SECRET must be 32 bytes/);
    expect(() => loadBffConfig({ ...base, OIDC_AUTH_PARAMS: '[1]' })).toThrow(/OIDC_AUTH_PARAMS must be a JSON object/);
    expect(() => loadBffConfig({ ...base, PORT: 'eighty' })).toThrow(/PORT="eighty" must be an integer/);
    expect(() => loadBffConfig({ ...base, OIDC_SCOPES: 'profile' })).toThrow(/must include openid/);
    expect(() => loadBffConfig({ ...base, PORTAL_PUBLIC_URL: 'https://crosswire.example.com/portal' })).toThrow(/origin without a path/);
  });

  it('accepts only paths on the portal as return addresses', () => {
    const origin = new URL('https://crosswire.example.com');
    expect(safeReturnTo(undefined, origin)).toBe('/');
    expect(safeReturnTo('/adapters?status=Error#top', origin)).toBe('/adapters?status=Error#top');
    for (const bad of ['https://evil.example', '//evil.example', '/\\evil.example', '\\\\evil', 'adapters', '/a\nb', '/bff/callback', ['/a']]) {
      expect(safeReturnTo(bad, origin), String(bad)).toBeUndefined();
    }
  });
});

describe.each<Backend>(['postgres', 'pglite'])('session store on %s', (backend) => {
  it('keeps sessions sealed, finds live ones, consumes logins once and deletes on logout', async () => {
    const test = await createReadyDatabase(backend);
    try {
      const store = new SessionStore(test.db, Buffer.alloc(32, 9), { idleMs: 60_000 });
      expect(await store.ready()).toBe(true);
      await store.saveLogin('login-1', { state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '/x' });
      expect(await store.takeLogin('login-1')).toEqual({ state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '/x' });
      expect(await store.takeLogin('login-1')).toBeUndefined();

      const tokens = { accessToken: 'at-secret', refreshToken: 'rt-secret', idToken: 'id-secret' };
      await store.create('cookie-1', { subject: 'viewer', name: 'Demo viewer', tokens, accessExpiresAt: Date.now() + 60_000, maxMs: 60_000 });
      const found = await store.find('cookie-1');
      expect(found).toMatchObject({ subject: 'viewer', tokens });
      expect(await store.find('cookie-2')).toBeUndefined();
      const { rows } = await test.db.query<{ tokens: string }>('SELECT tokens FROM portal_sessions');
      expect(rows[0]!.tokens).not.toContain('secret');
      // Another secret cannot open them: the session is unusable rather than readable.
      expect(await new SessionStore(test.db, Buffer.alloc(32, 8), { idleMs: 60_000 }).find('cookie-1')).toBeUndefined();

      const refreshed = await store.withLock(found!.idHash, (current) =>
        Promise.resolve({ result: current?.subject, update: { tokens: { ...tokens, accessToken: 'at-2' }, accessExpiresAt: Date.now() + 120_000 } }),
      );
      expect(refreshed).toBe('viewer');
      expect((await store.find('cookie-1'))!.tokens.accessToken).toBe('at-2');
      expect((await store.destroy('cookie-1'))!.tokens.refreshToken).toBe('rt-secret');
      expect(await store.find('cookie-1')).toBeUndefined();
    } finally {
      await test.drop();
    }
  });
});
