import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashId, TokenSeal } from '../src/bff/index.ts';
import { HttpBrowser } from './support/http-browser.ts';
import { startPortalStack, type PortalStack } from './support/stack.ts';

const SESSION = 'crosswire_session';

/** The tokens the BFF holds for a browser's session, read straight from the database. */
async function storedTokens(stack: PortalStack, browser: HttpBrowser) {
  const id = browser.cookie('localhost', SESSION)!.value;
  const { rows } = await stack.database.db.query<{ tokens: string }>('SELECT tokens FROM portal_sessions WHERE id_hash = $1', [hashId(id)]);
  return rows[0] ? new TokenSeal(stack.bffConfig.session.secret).open(rows[0].tokens, hashId(id)) : undefined;
}

describe('portal BFF against the development IdP and an orchestrator on PostgreSQL', () => {
  let stack: PortalStack;
  beforeAll(async () => {
    stack = await startPortalStack();
  });
  afterAll(() => stack?.stop());

  it('logs in with the authorization code flow (PAR, PKCE S256) and sets a fresh HttpOnly, SameSite=Lax session cookie', async () => {
    const browser = new HttpBrowser(stack.portal);
    const start = await browser.request(`${stack.portal}/bff/login?returnTo=%2Fadapters%3Fstatus%3DActive`);
    expect(start.status).toBe(303);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(stack.idp.issuer);
    // Pushed: the browser carries only a request_uri, never the PKCE challenge or the redirect.
    expect(authorize.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(authorize.searchParams.has('code_challenge')).toBe(false);
    const loginCookie = browser.cookie('localhost', 'crosswire_login')!;
    expect(loginCookie.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Path=/bff/callback']));

    const { final } = await browser.login('viewer', 'viewer', { returnTo: '/adapters?status=Active' });
    expect(new URL(final.url).pathname + new URL(final.url).search).toBe('/adapters?status=Active');
    const session = browser.cookie('localhost', SESSION)!;
    expect(session.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Lax']));
    expect(session.attributes).not.toContain('Secure'); // localhost only; https elsewhere
    expect(browser.cookie('localhost', 'crosswire_login')).toBeUndefined();

    // A second login in the same browser gets a new session id; the old one stops working.
    const old = session.value;
    await browser.login('viewer');
    expect(browser.cookie('localhost', SESSION)!.value).not.toBe(old);
    const replay = await fetch(`${stack.portal}/api/v1/me`, { headers: { cookie: `${SESSION}=${old}` } });
    expect(replay.status).toBe(401);
  });

  it('answers who is signed in, and forwards /api/v1 with the user’s bearer token to the orchestrator', async () => {
    const browser = new HttpBrowser(stack.portal);
    expect((await browser.api('GET', '/bff/session')).json).toEqual({ authenticated: false });
    expect((await browser.api('GET', '/api/v1/adapters')).status).toBe(401);
    await browser.login('viewer');
    const session = await browser.api('GET', '/bff/session');
    expect(session.json).toMatchObject({ authenticated: true, user: { subject: 'viewer', name: 'Demo viewer' } });

    // The orchestrator saw a token from the IdP for this user: its subject is issuer#sub, its roles from the claim.
    const me = await browser.api('GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ subject: `${stack.idp.issuer}#viewer`, name: 'Demo viewer', roles: ['viewer'] });
    const list = await browser.api('GET', '/api/v1/adapters?limit=2');
    expect(list.status).toBe(200);
    expect(list.json.items).toHaveLength(2);
    expect(list.json.nextCursor).toEqual(expect.any(String));
    expect(list.headers.get('x-request-id')).toBeTruthy();
    // API answers are never cached: the adapter's ETag is its revision, but its status changes without
    // it, so a browser revalidating a cached copy would be told 304 and keep a stale status.
    const one = await browser.api('GET', '/api/v1/adapters/lse-gateway');
    expect(one.headers.get('cache-control')).toBe('no-store');
    expect(one.headers.get('etag')).toBe('"1"');
  });

  it('lets an operator enable an adapter and the orchestrator refuses the viewer (403)', async () => {
    const viewer = new HttpBrowser(stack.portal);
    await viewer.login('viewer');
    const refused = await viewer.api('POST', '/api/v1/adapters/lse-gateway/enable');
    expect(refused.status).toBe(403);
    expect(refused.json.detail).toMatch(/operator/);

    const operator = new HttpBrowser(stack.portal);
    await operator.login('operator');
    const enabled = await operator.api('POST', '/api/v1/adapters/lse-gateway/enable');
    expect(enabled.status).toBe(200);
    expect((await viewer.api('GET', '/api/v1/adapters/lse-gateway')).json.enabled).toBe(true);
    expect((await operator.api('POST', '/api/v1/adapters/lse-gateway/disable')).status).toBe(200);
  });

  it('refuses unsafe requests without the CSRF header or from another origin', async () => {
    const browser = new HttpBrowser(stack.portal);
    await browser.login('operator');
    const noHeader = await browser.api('POST', '/api/v1/adapters/lse-gateway/enable', undefined, { 'x-crosswire-csrf': '' });
    expect(noHeader.status).toBe(403);
    expect(noHeader.json.type).toBe('https://crosswire.dev/problems/csrf');
    const otherOrigin = await browser.api('POST', '/api/v1/adapters/lse-gateway/enable', undefined, { origin: 'http://evil.example' });
    expect(otherOrigin.status).toBe(403);
    const otherReferer = await browser.request(`${stack.portal}/api/v1/adapters/lse-gateway/enable`, {
      method: 'POST',
      headers: { 'x-crosswire-csrf': '1', referer: 'http://evil.example/page' },
    });
    expect(otherReferer.status).toBe(403);
    const logout = await browser.request(`${stack.portal}/bff/logout`, { method: 'POST', headers: { origin: stack.portal } });
    expect(logout.status).toBe(403);
    // Nothing changed, and the session still works.
    expect((await browser.api('GET', '/api/v1/adapters/lse-gateway')).json.enabled).toBe(false);
  });

  it('refuses to redirect anywhere but a path on the portal after login', async () => {
    const browser = new HttpBrowser(stack.portal);
    for (const returnTo of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/\r\nSet-Cookie:x=1', 'evil', '/bff/logout']) {
      const refused = await browser.request(`${stack.portal}/bff/login?returnTo=${encodeURIComponent(returnTo)}`);
      expect(refused.status, returnTo).toBe(400);
      expect(JSON.parse(refused.text).type).toBe('https://crosswire.dev/problems/invalid-return-to');
    }
    const { final } = await browser.login('viewer', 'viewer', { returnTo: '/adapters/lse-gateway#events' });
    expect(new URL(final.url).pathname).toBe('/adapters/lse-gateway');
  });

  it('refuses a callback with a wrong state, a wrong iss, or from a browser that did not start the login', async () => {
    const tamper = async (change: (url: URL) => void) => {
      const browser = new HttpBrowser(stack.portal);
      const { callback } = await browser.login('viewer', 'viewer', { stopAtCallback: true });
      expect(callback).toBeDefined();
      expect(callback!.searchParams.get('iss')).toBe(stack.idp.issuer);
      change(callback!);
      const answer = await browser.request(callback!);
      return { answer, browser };
    };
    const wrongState = await tamper((url) => url.searchParams.set('state', 'forged'));
    expect(wrongState.answer.status).toBe(400);
    expect(wrongState.answer.text).toContain('Sign-in refused');
    expect(wrongState.browser.cookie('localhost', SESSION)).toBeUndefined();

    const wrongIss = await tamper((url) => url.searchParams.set('iss', 'http://evil.example'));
    expect(wrongIss.answer.status).toBe(400);
    expect(wrongIss.answer.text).toMatch(/iss/);
    expect(wrongIss.browser.cookie('localhost', SESSION)).toBeUndefined();

    // The attacker's own code and state, delivered to a victim's browser (login CSRF): no login cookie, no session.
    const attacker = new HttpBrowser(stack.portal);
    const { callback } = await attacker.login('admin', 'admin', { stopAtCallback: true });
    const victim = new HttpBrowser(stack.portal);
    const planted = await victim.request(callback!);
    expect(planted.status).toBe(400);
    expect(planted.text).toContain('Sign-in expired');
    expect(victim.cookie('localhost', SESSION)).toBeUndefined();
  });

  it('logs out: the session is deleted, tokens revoked at the IdP, and the IdP session ended (RP-initiated logout)', async () => {
    const browser = new HttpBrowser(stack.portal);
    await browser.login('operator');
    const tokens = (await storedTokens(stack, browser))!;
    expect(tokens.refreshToken).toBeTruthy();
    const cookie = browser.cookie('localhost', SESSION)!.value;

    const logout = await browser.api('POST', '/bff/logout');
    expect(logout.status).toBe(200);
    const endSession = new URL(logout.json.redirect);
    expect(endSession.origin + endSession.pathname).toBe(`${stack.idp.issuer}/session/end`);
    expect(endSession.searchParams.get('id_token_hint')).toBe(tokens.idToken);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${stack.portal}/`);
    expect(browser.cookie('localhost', SESSION)).toBeUndefined();

    // The IdP's logout page posts its form; afterwards the IdP sends the browser back to the portal.
    const page = await browser.request(endSession);
    const action = /action="([^"]+)"/.exec(page.text)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.text)![1]!;
    const confirmed = await browser.request(new URL(action, endSession), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
    });
    expect(new URL(confirmed.headers.get('location')!, endSession).href).toBe(`${stack.portal}/`);

    // A replayed cookie finds nothing; the refresh token is dead at the IdP.
    const replay = await fetch(`${stack.portal}/api/v1/me`, { headers: { cookie: `${SESSION}=${cookie}` } });
    expect(replay.status).toBe(401);
    const refresh = await fetch(`${stack.idp.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${stack.idp.portalClient.clientId}:${stack.idp.portalClient.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken! }).toString(),
    });
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as { error: string }).error).toBe('invalid_grant');
    // Signing in again needs the password again: the IdP session is gone.
    const again = await browser.follow(`${stack.portal}/bff/login`);
    expect(again.last.text).toContain('name="password"');
  });

  it('never hands a token to the browser', async () => {
    const browser = new HttpBrowser(stack.portal);
    await browser.login('engineer');
    await browser.api('GET', '/bff/session');
    await browser.api('GET', '/api/v1/me');
    await browser.api('GET', '/api/v1/adapters');
    const tokens = (await storedTokens(stack, browser))!;
    const secrets = [tokens.accessToken, tokens.refreshToken!, tokens.idToken!];
    for (const exchange of browser.seen.filter((e) => e.url.startsWith(stack.portal))) {
      const everything = `${exchange.text}\n${[...exchange.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n')}`;
      for (const secret of secrets) expect(everything.includes(secret), exchange.url).toBe(false);
    }
    // And the database holds them sealed, not in clear.
    const { rows } = await stack.database.db.query<{ tokens: string }>('SELECT tokens FROM portal_sessions');
    for (const row of rows) for (const secret of secrets) expect(row.tokens.includes(secret)).toBe(false);
  });

  it('rejects a wrong password at the IdP and answers unknown API paths and methods clearly', async () => {
    const browser = new HttpBrowser(stack.portal);
    const { submit } = await browser.login('viewer', 'wrong');
    expect(submit!.status).toBe(401);
    expect(submit!.text).toContain('Unknown user or wrong password.');
    expect((await browser.api('GET', '/bff/nothing')).status).toBe(404);
    expect((await browser.api('GET', '/api/v2/adapters')).status).toBe(404);
    expect((await browser.request(`${stack.portal}/healthz`)).text).toBe('ok\n');
    expect((await browser.request(`${stack.portal}/readyz`)).text).toBe('ready\n');
  });
});

describe('token refresh', () => {
  let stack: PortalStack;
  beforeAll(async () => {
    // Access tokens live 10 s and are renewed in their last 7: a refresh is due 3 s after each one, which
    // leaves a loaded CI machine 3 s to answer a burst before the next becomes due.
    stack = await startPortalStack({ accessTokenTtlSeconds: 10, bffEnv: { PORTAL_REFRESH_MARGIN_SECONDS: '7' } });
  });
  afterAll(() => stack?.stop());

  it('refreshes one at a time: concurrent requests after expiry share one refresh, and rotation keeps working', async () => {
    let refreshes = 0;
    stack.idp.provider.on('grant.success', (ctx) => {
      if ((ctx as { oidc: { params: { grant_type?: string } } }).oidc.params.grant_type === 'refresh_token') refreshes++;
    });
    const browser = new HttpBrowser(stack.portal);
    await browser.login('viewer');
    const first = (await storedTokens(stack, browser))!;
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const answers = await Promise.all(Array.from({ length: 8 }, () => browser.api('GET', '/api/v1/me')));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(refreshes).toBe(1);
    const second = (await storedTokens(stack, browser))!;
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken); // rotated: the old one is spent

    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect((await browser.api('GET', '/api/v1/me')).status).toBe(200);
    expect(refreshes).toBe(2);
  });
});
