import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import * as client from 'openid-client';
import type { BffConfig } from './config.ts';
import { OidcUnavailableError, type RelyingParty } from './oidc.ts';
import { RateLimiter } from './rate-limit.ts';
import { newId, type Session, type SessionStore } from './sessions.ts';

export const CSRF_HEADER = 'x-crosswire-csrf';
const LOGIN_COOKIE = 'crosswire_login';
const PROBLEMS = 'https://crosswire.dev/problems/';

export interface BffLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

class Problem extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** An error's message with its causes: openid-client puts the specific check that failed in `cause`. */
const rid = (res: Response) => String(res.locals.requestId);
const hasControl = (text: string) => [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

function reason(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 4; e = e.cause) if (!parts.includes(e.message)) parts.push(e.message);
  return parts.join(': ') || String(error);
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at < 1) continue;
    const name = part.slice(0, at).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(at + 1).trim());
  }
  return cookies;
}

/**
 * Where a login may send the browser afterwards: a path on this portal only. Anything that could
 * leave the origin (`//host`, `/\host`, schemes, control characters) is refused, not repaired.
 */
export function safeReturnTo(value: unknown, publicUrl: URL): string | undefined {
  if (value === undefined || value === '') return '/';
  if (typeof value !== 'string' || value.length > 2048) return undefined;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\') || hasControl(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value, publicUrl);
  } catch {
    return undefined;
  }
  if (url.origin !== publicUrl.origin || url.pathname.startsWith('/bff/')) return undefined;
  return `${url.pathname}${url.search}${url.hash}`;
}

const REQUEST_HEADERS = ['accept', 'content-type', 'content-length', 'if-match', 'if-none-match', 'x-content-sha256'];
const RESPONSE_HEADERS = ['content-type', 'content-length', 'etag', 'location', 'retry-after', 'content-disposition', 'allow', 'cache-control', 'www-authenticate'];

export interface BffDependencies {
  config: BffConfig;
  sessions: SessionStore;
  rp: RelyingParty;
  logger: BffLogger;
}

export function createBffApp({ config, sessions, rp, logger }: BffDependencies): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', config.trustProxy);
  const origin = config.publicUrl.origin;
  const limiter = new RateLimiter(config.ratePerSecond, config.ratePerSecond * 2);
  const cookieBase = `Path=/; HttpOnly; SameSite=Lax${config.session.secureCookie ? '; Secure' : ''}`;
  const loginCookieName = config.session.secureCookie ? `__Secure-${LOGIN_COOKIE}` : LOGIN_COOKIE;
  const refreshing = new Map<string, Promise<string | undefined>>();
  const indexFile = join(config.staticDir, 'index.html');

  const sessionCookie = (value: string, maxAgeSeconds: number) => `${config.session.cookieName}=${value}; ${cookieBase}; Max-Age=${maxAgeSeconds}`;
  const loginCookie = (value: string, maxAgeSeconds: number) =>
    `${loginCookieName}=${value}; Path=/bff/callback; HttpOnly; SameSite=Lax${config.session.secureCookie ? '; Secure' : ''}; Max-Age=${maxAgeSeconds}`;

  const page = (res: Response, status: number, title: string, message: string, link = '/', linkText = 'Back to the portal') =>
    res
      .status(status)
      .type('html')
      .set('cache-control', 'no-store')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Crosswire</title></head>` +
          `<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="${escapeHtml(link)}">${escapeHtml(linkText)}</a></p></main></body></html>`,
      );

  async function currentSession(req: Request): Promise<{ id: string; session: Session } | undefined> {
    const id = parseCookies(req.headers.cookie).get(config.session.cookieName);
    if (!id || id.length > 100) return undefined;
    const session = await sessions.find(id);
    return session && { id, session };
  }

  /** The session's access token, refreshed when it is about to expire: one refresh at a time per session. */
  async function accessToken(session: Session): Promise<string | undefined> {
    const margin = config.session.refreshMarginMs;
    if (session.accessExpiresAt - Date.now() > margin) return session.tokens.accessToken;
    let pending = refreshing.get(session.idHash);
    if (!pending) {
      pending = sessions
        .withLock(session.idHash, async (current) => {
          if (!current) return { result: undefined };
          // Another request (or replica) refreshed while this one waited for the lock.
          if (current.accessExpiresAt - Date.now() > margin) return { result: current.tokens.accessToken };
          if (!current.tokens.refreshToken) return { result: undefined, update: null };
          try {
            const next = await rp.refresh(current.tokens.refreshToken, current.tokens);
            const { accessExpiresAt, ...tokens } = next;
            return { result: next.accessToken, update: { tokens, accessExpiresAt } };
          } catch (error) {
            if (error instanceof client.ResponseBodyError && error.error === 'invalid_grant') {
              logger.info({ subject: current.subject }, 'refresh token refused by the IdP: session ended');
              return { result: undefined, update: null };
            }
            throw error;
          }
        })
        .finally(() => refreshing.delete(session.idHash));
      refreshing.set(session.idHash, pending);
    }
    return pending;
  }

  app.use((req, res, next) => {
    const id = req.get('x-request-id')?.slice(0, 128) || randomUUID();
    res.locals.requestId = id;
    res.set({
      'x-request-id': id,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'same-origin',
      'cross-origin-opener-policy': 'same-origin',
      'content-security-policy':
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
      ...(config.session.secureCookie ? { 'strict-transport-security': 'max-age=31536000' } : {}),
    });
    if (req.path === '/healthz' || req.path === '/readyz') return next();
    const wait = limiter.take(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    if (wait > 0) return next(new Problem(429, 'too-many-requests', 'Too many requests', `slow down: retry in ${wait} s`, { 'retry-after': String(wait) }));
    next();
  });

  app.get('/healthz', (_req, res) => void res.type('text').send('ok\n'));
  app.get('/readyz', (_req, res, next) => {
    sessions.ready().then(
      (ready) =>
        ready
          ? res.type('text').send('ready\n')
          : res.status(503).type('text').send('not ready: the portal tables are missing; run `npm run installer -- migrate`\n'),
      next,
    );
  });

  // Unsafe methods need the SPA's custom header (a cross-site form or fetch cannot send it without a
  // CORS preflight, which this server never grants) and must come from the portal's own origin.
  app.use((req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    if (req.get(CSRF_HEADER) !== '1') {
      return next(new Problem(403, 'csrf', 'Cross-site request refused', `this request needs the ${CSRF_HEADER} header the portal sends`));
    }
    let from = req.get('origin');
    if (!from) {
      const referer = req.get('referer');
      try {
        from = referer ? new URL(referer).origin : undefined;
      } catch {
        from = undefined;
      }
    }
    if (from !== origin) {
      return next(new Problem(403, 'csrf', 'Cross-site request refused', `requests that change something must come from ${origin}`));
    }
    next();
  });

  app.get('/bff/login', (req, res, next) => {
    const returnTo = safeReturnTo(req.query.returnTo, config.publicUrl);
    if (returnTo === undefined) {
      return next(new Problem(400, 'invalid-return-to', 'Invalid return address', 'returnTo must be a path on this portal, such as /adapters'));
    }
    (async () => {
      const { login, url } = await rp.startLogin(returnTo);
      const id = newId();
      await sessions.saveLogin(id, login);
      res.set('cache-control', 'no-store').append('set-cookie', loginCookie(id, 600)).redirect(303, url.href);
    })().catch(next);
  });

  app.get('/bff/callback', (req, res, next) => {
    (async () => {
      const loginId = parseCookies(req.headers.cookie).get(loginCookieName);
      res.append('set-cookie', loginCookie('', 0));
      const login = loginId ? await sessions.takeLogin(loginId) : undefined;
      if (!login) {
        return page(res, 400, 'Sign-in expired', 'This sign-in was not started here or has expired. Start again.', '/bff/login', 'Sign in');
      }
      if (typeof req.query.error === 'string') {
        const cancelled = req.query.error === 'access_denied';
        const description = typeof req.query.error_description === 'string' ? req.query.error_description : req.query.error;
        return page(res, cancelled ? 403 : 400, cancelled ? 'Sign-in cancelled' : 'Sign-in failed', description, '/bff/login', 'Sign in');
      }
      let result;
      try {
        result = await rp.finishLogin(new URL(req.originalUrl, config.publicUrl), login);
      } catch (error) {
        if (error instanceof OidcUnavailableError) throw error;
        logger.warn({ err: error, requestId: rid(res) }, 'sign-in callback refused');
        return page(res, 400, 'Sign-in refused', `The sign-in response did not check out (${reason(error)}). Start again.`, '/bff/login', 'Sign in');
      }
      // A new session id at every login; any session this browser had is ended.
      const previous = parseCookies(req.headers.cookie).get(config.session.cookieName);
      if (previous) await sessions.destroy(previous);
      const id = newId();
      const { subject, name, accessExpiresAt, ...tokens } = result;
      await sessions.create(id, { subject, name, tokens, accessExpiresAt, maxMs: config.session.maxMs });
      logger.info({ subject, requestId: rid(res) }, 'portal sign-in');
      res
        .set('cache-control', 'no-store')
        .append('set-cookie', sessionCookie(id, Math.floor(config.session.maxMs / 1000)))
        .redirect(303, login.returnTo);
    })().catch(next);
  });

  app.get('/bff/session', (req, res, next) => {
    currentSession(req).then((current) => {
      res.set('cache-control', 'no-store');
      if (!current) return res.json({ authenticated: false });
      res.json({
        authenticated: true,
        user: { subject: current.session.subject, name: current.session.name },
        expiresAt: new Date(current.session.expiresAt).toISOString(),
      });
    }, next);
  });

  app.post('/bff/logout', (req, res, next) => {
    (async () => {
      const id = parseCookies(req.headers.cookie).get(config.session.cookieName);
      const ended = id ? await sessions.destroy(id) : undefined;
      res.set('cache-control', 'no-store').append('set-cookie', sessionCookie('', 0));
      let redirect = '/';
      if (ended) {
        logger.info({ subject: ended.subject, requestId: rid(res) }, 'portal sign-out');
        try {
          await rp.revoke(ended.tokens);
          redirect = (await rp.endSessionUrl(ended.tokens.idToken)) ?? '/';
        } catch (error) {
          logger.warn({ err: error }, 'could not revoke tokens or end the IdP session');
        }
      }
      res.json({ redirect });
    })().catch(next);
  });

  app.use('/bff', (_req, _res, next) => next(new Problem(404, 'not-found', 'Not found', 'no such portal endpoint')));

  // /api/v1/* goes to the orchestrator with the user's access token; the orchestrator verifies it itself.
  app.use('/api/v1', (req, res, next) => {
    (async () => {
      const current = await currentSession(req);
      if (!current) throw new Problem(401, 'unauthenticated', 'Not signed in', 'sign in at /bff/login first');
      let token: string | undefined;
      try {
        token = await accessToken(current.session);
      } catch (error) {
        logger.error({ err: error }, 'token refresh failed');
        throw new Problem(502, 'idp-unavailable', 'Identity provider unavailable', 'the session could not be renewed: try again shortly');
      }
      if (!token) {
        res.append('set-cookie', sessionCookie('', 0));
        throw new Problem(401, 'unauthenticated', 'Session ended', 'the session has ended: sign in again at /bff/login');
      }
      const length = Number(req.get('content-length') ?? 0);
      if (length > config.maxBodyBytes) throw new Problem(413, 'too-large', 'Request too large', `bodies are limited to ${config.maxBodyBytes} bytes here`);
      forward(req, res, token);
    })().catch(next);
  });

  function forward(req: Request, res: Response, token: string): void {
    const base = config.orchestratorUrl;
    const target = new URL(`${base.pathname.replace(/\/$/, '')}${req.originalUrl}`, base.origin);
    const headers: OutgoingHttpHeaders = {
      authorization: `Bearer ${token}`,
      'x-request-id': String(res.locals.requestId),
      'x-forwarded-for': req.ip ?? '',
      'x-forwarded-proto': config.publicUrl.protocol.replace(':', ''),
    };
    for (const name of REQUEST_HEADERS) if (req.headers[name] !== undefined) headers[name] = req.headers[name];
    const upstream = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, {
      method: req.method,
      headers,
      timeout: config.upstreamTimeoutMs,
    });
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > config.maxBodyBytes) {
        req.off('data', onData);
        upstream.destroy(new Problem(413, 'too-large', 'Request too large', `bodies are limited to ${config.maxBodyBytes} bytes here`));
      }
    };
    req.on('data', onData);
    upstream.on('timeout', () => upstream.destroy(new Problem(504, 'upstream-timeout', 'Orchestrator timeout', `the orchestrator did not answer within ${config.upstreamTimeoutMs} ms`)));
    upstream.on('response', (answer) => {
      res.status(answer.statusCode ?? 502);
      // API answers hold the user's data and live status: never kept in the browser's cache. (The
      // orchestrator's adapter ETag is the revision while the body also carries the live status, so a
      // cached copy revalidated with If-None-Match would come back 304 with a stale status.)
      res.set('cache-control', 'no-store');
      copyHeaders(answer.headers, res);
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (res.headersSent) return void res.destroy();
      const problem =
        error instanceof Problem ? error : new Problem(502, 'upstream-unavailable', 'Orchestrator unavailable', `the orchestrator cannot be reached: ${error.message}`);
      sendProblem(res, problem);
    });
    req.pipe(upstream);
  }

  function copyHeaders(from: IncomingHttpHeaders, res: Response): void {
    for (const name of RESPONSE_HEADERS) {
      const value = from[name];
      if (value !== undefined) res.set(name, value);
    }
  }

  app.use('/api', (_req, _res, next) => next(new Problem(404, 'not-found', 'Not found', 'the API lives under /api/v1')));

  // The built SPA: hashed assets cached for good, index.html for every page path.
  app.use(
    express.static(config.staticDir, {
      index: false,
      setHeaders: (res, path) => res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'),
    }),
  );
  app.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next(new Problem(405, 'method-not-allowed', 'Method not allowed', `${req.method} is not supported here`));
    if (!existsSync(indexFile)) {
      return page(res, 503, 'The console is not built', `No built SPA at ${config.staticDir}: run \`npm run build -w @crosswire/portal\`.`);
    }
    res.set('cache-control', 'no-cache').sendFile(indexFile);
  });

  function sendProblem(res: Response, problem: Problem): void {
    res
      .status(problem.status)
      .set(problem.headers)
      .set('cache-control', 'no-store')
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: `${PROBLEMS}${problem.type}`,
          title: problem.title,
          status: problem.status,
          detail: problem.detail,
          instance: String(res.locals.requestId),
        }),
      );
  }

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return void res.end();
    if (error instanceof Problem) return sendProblem(res, error);
    if (error instanceof OidcUnavailableError) {
      logger.error({ err: error }, 'OpenID provider unavailable');
      return sendProblem(res, new Problem(502, 'idp-unavailable', 'Identity provider unavailable', error.message));
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendProblem(res, new Problem(status, 'bad-request', 'Bad request', (error as Error).message));
    }
    logger.error({ err: error, path: req.path, requestId: rid(res) }, 'request failed');
    sendProblem(res, new Problem(500, 'internal', 'Internal error', `something went wrong; quote request ${String(res.locals.requestId)}`));
  });

  return app;
}
