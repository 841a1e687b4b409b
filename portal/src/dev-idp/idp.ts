import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { errors, type Account, type KoaContextLike, type TokenLike } from 'oidc-provider';
import { demoUsers, type DemoUser } from './users.ts';

/**
 * A local OpenID provider for development and tests (`oidc-provider`): one demo user per role, a
 * confidential client for the portal's backend-for-frontend, and client-credentials clients for
 * adapter pods. Access tokens for the orchestrator are JWTs (resource indicators) carrying a `roles`
 * claim. It refuses to start with NODE_ENV=production: use a real IdP there (portal/README.md).
 */

export const ORCHESTRATOR_RESOURCE = 'urn:crosswire:orchestrator';
export const ORCHESTRATOR_AUDIENCE = 'crosswire-orchestrator';
/** The scope of the orchestrator resource server; request it with `openid` to get an API token. */
export const ORCHESTRATOR_SCOPE = 'api';

export interface DevIdpOptions {
  /** 0 (default) picks a free port. The IdP always listens on 127.0.0.1. */
  port?: number;
  /** The portal's public base URLs (such as http://localhost:3000): callback and post-logout URLs are derived from them. */
  portalUrls: string[];
  portalClientId?: string;
  portalClientSecret?: string;
  /** How many pod clients (crosswire-pod-1 …) to register, each with its own key. Default 2. */
  pods?: number;
  accessTokenTtlSeconds?: number;
  users?: DemoUser[];
}

export interface PodClient {
  clientId: string;
  /** The private key the pod signs its client assertion with (private_key_jwt, ES256). */
  privateJwk: JWK;
}

export interface DevIdp {
  issuer: string;
  resource: string;
  audience: string;
  scope: string;
  portalClient: { clientId: string; clientSecret: string };
  podClients: PodClient[];
  users: DemoUser[];
  provider: Provider;
  close(): Promise<void>;
}

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:3rem 1rem;color:#1d2330}
main{max-width:22rem;margin:auto;background:#fff;padding:1.5rem 2rem;border-radius:6px;box-shadow:0 1px 3px #0003}
h1{font-size:1.3rem}label{display:block;margin:.8rem 0 .2rem;font-weight:600}input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
button{margin-top:1rem;padding:.55rem 1rem;font-size:1rem;background:#1f5fbf;color:#fff;border:0;border-radius:4px;cursor:pointer}
button.secondary{background:#e4e7ec;color:#1d2330}p.error{color:#a4000f;font-weight:600}code{background:#eef;padding:0 .2rem}
table{border-collapse:collapse;font-size:.9rem}td,th{padding:.15rem .6rem .15rem 0;text-align:left}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

function loginPage(uid: string, clientName: string, users: DemoUser[], error?: string, username = ''): string {
  const hint = users.map((u) => `<tr><td><code>${escape(u.username)}</code></td><td><code>${escape(u.password)}</code></td><td>${escape(u.roles.join(', '))}</td></tr>`).join('');
  return page(
    'Sign in · Crosswire development IdP',
    `<h1>Sign in to ${escape(clientName)}</h1>
<p>Crosswire development identity provider. Never use it in production.</p>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login" autocomplete="off">
<label for="username">Username</label><input id="username" name="username" required autofocus value="${escape(username)}">
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${escape(uid)}/abort"><button type="submit" class="secondary">Cancel</button></form>
<h2 style="font-size:1rem;margin-top:1.5rem">Demo users</h2>
<table><thead><tr><th>username</th><th>password</th><th>roles</th></tr></thead><tbody>${hint}</tbody></table>`,
  );
}

const MAX_FORM_BYTES = 8 * 1024;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) throw new Error('expected a form');
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startDevIdp(options: DevIdpOptions): Promise<DevIdp> {
  if (process.env.NODE_ENV === 'production') {
    throw new Error(
      'the development IdP refuses to run with NODE_ENV=production: configure the portal with your own OpenID provider (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET; see portal/README.md)',
    );
  }
  if (options.portalUrls.length === 0) throw new Error('the development IdP needs at least one portal URL to register its callback');
  const users = options.users ?? demoUsers();
  const portalClient = {
    clientId: options.portalClientId ?? 'crosswire-portal',
    clientSecret: options.portalClientSecret ?? randomBytes(24).toString('base64url'),
  };
  const accessTokenTtl = options.accessTokenTtlSeconds ?? 300;

  const signing = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const signingJwk: JWK = { ...(await exportJWK(signing.privateKey)), kid: `dev-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' };
  const podClients: PodClient[] = [];
  const podMetadata: Record<string, unknown>[] = [];
  for (let i = 1; i <= (options.pods ?? 2); i++) {
    const keys = await generateKeyPair('ES256', { extractable: true });
    const kid = `pod-${i}`;
    const clientId = `crosswire-pod-${i}`;
    podClients.push({ clientId, privateJwk: { ...(await exportJWK(keys.privateKey)), kid, alg: 'ES256' } });
    podMetadata.push({
      client_id: clientId,
      client_name: `Crosswire adapter pod ${i}`,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [{ ...(await exportJWK(keys.publicKey)), kid, alg: 'ES256', use: 'sig' }] },
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    });
  }

  // Listen first: the issuer URL carries the port, and the provider is built once it is known.
  const server: Server = createServer();
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const findUser = (id: string | undefined) => users.find((u) => u.username === id);
  const trim = (url: string) => url.replace(/\/+$/, '');

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: portalClient.clientId,
        client_secret: portalClient.clientSecret,
        client_name: 'Crosswire portal',
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: options.portalUrls.map((u) => `${trim(u)}/bff/callback`),
        post_logout_redirect_uris: options.portalUrls.map((u) => `${trim(u)}/`),
      },
      ...podMetadata,
    ],
    responseTypes: ['code'],
    jwks: { keys: [signingJwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'] },
    conformIdTokenClaims: false,
    clientBasedCORS: () => false,
    findAccount: (_ctx: unknown, sub: string): Account | undefined => {
      const user = findUser(sub);
      if (!user) return undefined;
      return {
        accountId: user.username,
        claims: () => ({ sub: user.username, name: user.name, preferred_username: user.username, email: `${user.username}@crosswire.invalid` }),
      };
    },
    // Every client here is first-party: no consent screen; the grant covers what was asked.
    loadExistingGrant: async (ctx: KoaContextLike) => {
      const { client, session, result } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid profile email offline_access');
      grant.addResourceScope(ORCHESTRATOR_RESOURCE, ORCHESTRATOR_SCOPE);
      await grant.save();
      return grant;
    },
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    // Every refresh gets a new refresh token and spends the old one: a replayed one revokes the grant.
    rotateRefreshToken: () => true,
    extraTokenClaims: (_ctx: unknown, token: TokenLike) => {
      if (token.kind === 'ClientCredentials') return { roles: ['pod'] };
      const user = findUser(token.accountId);
      return user ? { roles: user.roles, name: user.name } : undefined;
    },
    ttl: {
      AccessToken: accessTokenTtl,
      ClientCredentials: accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 12 * 3600,
      Interaction: 600,
      Session: 12 * 3600,
      Grant: 12 * 3600,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string | string[]) => oneOf ?? ORCHESTRATOR_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          if (indicator !== ORCHESTRATOR_RESOURCE) throw new errors.InvalidTarget!(`unknown resource ${indicator}`);
          return {
            scope: ORCHESTRATOR_SCOPE,
            audience: ORCHESTRATOR_AUDIENCE,
            accessTokenFormat: 'jwt',
            accessTokenTTL: accessTokenTtl,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        // One click (or none, with scripts on): the portal already ended its own session.
        logoutSource: (ctx: KoaContextLike, form: string) => {
          ctx.type = 'html';
          ctx.body = page(
            'Signing out · Crosswire development IdP',
            `<h1>Signing out</h1>${form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>')}
<button type="submit" form="op.logoutForm" autofocus>Sign out of the development IdP</button>
<script>document.getElementById('op.logoutForm').submit()</script>`,
          );
        },
        postLogoutSuccessSource: (ctx: KoaContextLike) => {
          ctx.type = 'html';
          ctx.body = page('Signed out', '<h1>Signed out</h1><p>You are signed out of the Crosswire development IdP.</p>');
        },
      },
    },
    renderError: (ctx: KoaContextLike, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = page(
        'Error · Crosswire development IdP',
        `<h1>Sign-in failed</h1>${Object.entries(out)
          .map(([k, v]) => `<p><strong>${escape(k)}</strong>: ${escape(String(v))}</p>`)
          .join('')}`,
      );
    },
  });
  provider.on('server_error', (_ctx, error) => console.error('development IdP error:', error));

  const oidc = provider.callback();
  const html = (res: ServerResponse, status: number, body: string): void =>
    void res
      .writeHead(status, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'x-frame-options': 'DENY',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      })
      .end(body);

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, action: string | undefined): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return html(res, 400, page('Error', '<h1>This sign-in page is out of date</h1><p>Start again from the portal.</p>'));
    const clientName = 'Crosswire';
    if (req.method === 'GET' && action === undefined) {
      if (details.prompt.name === 'login') return html(res, 200, loginPage(uid, clientName, users));
      // Consent is never needed for these first-party clients (see loadExistingGrant); finish it anyway.
      return provider.interactionFinished(req, res, { consent: {} }, { mergeWithLastSubmission: true });
    }
    if (req.method === 'POST' && action === 'login') {
      const form = await readForm(req);
      const username = form.get('username')?.trim() ?? '';
      const user = findUser(username);
      if (!user || user.password !== form.get('password')) {
        return html(res, 401, loginPage(uid, clientName, users, 'Unknown user or wrong password.', username));
      }
      return provider.interactionFinished(req, res, { login: { accountId: user.username } }, { mergeWithLastSubmission: false });
    }
    if (req.method === 'POST' && action === 'abort') {
      return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'the user cancelled the sign-in' }, { mergeWithLastSubmission: false });
    }
    html(res, 405, page('Error', '<h1>Method not allowed</h1>'));
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(login|abort))?\/?$/.exec(new URL(req.url ?? '/', issuer).pathname);
    if (!match) return oidc(req, res);
    interaction(req, res, match[1]!, match[2]).catch((error: Error) => {
      if (res.headersSent) return res.end();
      const expired = error.name === 'SessionNotFound';
      html(res, expired ? 400 : 500, page('Error', `<h1>${expired ? 'This sign-in has expired' : 'Sign-in failed'}</h1><p>${escape(error.message)}</p><p>Start again from the portal.</p>`));
    });
  });

  return {
    issuer,
    resource: ORCHESTRATOR_RESOURCE,
    audience: ORCHESTRATOR_AUDIENCE,
    scope: ORCHESTRATOR_SCOPE,
    portalClient,
    podClients,
    users,
    provider,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

