import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AuthenticationError, hasRole, type Verifier } from '../auth/verify.ts';
import type { Actor, Services } from '../domain/context.ts';
import { forbiddenKeys, RateLimiter } from './guards.ts';
import { HttpProblem, toProblem } from './problem.ts';
import type { Route } from './route.ts';
import { routes } from './routes/index.ts';

export { routes };
export const API_PREFIX = '/api/v1';

export interface ApiOptions {
  verify: Verifier;
  /** Requests per second per client address; 0 turns the limit off. */
  ratePerSecond: number;
  maxJsonBytes: number;
}

const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');
const asPattern = (path: string) => new RegExp(`^${path.replace(/\{(\w+)\}/g, '[^/]+')}/?$`);

export function createApi(services: Services, options: ApiOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const limiter = new RateLimiter(options.ratePerSecond, options.ratePerSecond * 2);

  app.use((req, res, next) => {
    const id = req.get('x-request-id')?.slice(0, 128) || randomUUID();
    res.locals.requestId = id;
    res.set('x-request-id', id);
    const wait = limiter.take(req.socket.remoteAddress ?? 'unknown');
    if (wait > 0) return next(new HttpProblem(429, 'Too many requests', `slow down: retry in ${wait} s`, [], { 'retry-after': String(wait) }));
    next();
  });

  const json = express.json({ limit: options.maxJsonBytes, strict: true, type: ['application/json', 'application/*+json'] });
  const raw = (body: NonNullable<Route['rawBody']>) => {
    const limit = body.maxBytes ?? services.settings.maxArtifactBytes;
    const parse = express.raw({ limit, type: () => true });
    const read = (req: Request, res: Response, next: NextFunction) =>
      parse(req, res, (error?: unknown) => {
        const tooLarge = typeof error === 'object' && error !== null && 'type' in error && error.type === 'entity.too.large';
        next(tooLarge && body.tooLarge ? new HttpProblem(413, 'Payload too large', `the body is larger than this operation's limit of ${limit} bytes: ${body.tooLarge}`) : error);
      });
    return [...(body.mediaTypes ? [requireMediaType(body.mediaTypes)] : []), read];
  };

  const router = express.Router({ strict: false });
  for (const route of routes) {
    const parsers = route.body !== undefined ? [requireJson, json, refuseForbiddenKeys] : route.rawBody !== undefined ? raw(route.rawBody) : [];
    // Who is asking is settled before a byte of the body is read.
    router[route.method](expressPath(route.path), observe(services, route), authorize(route, options.verify), ...parsers, async (req: Request, res: Response) => {
      const reply = await route.handle({
        services,
        actor: res.locals.actor as Actor,
        params: req.params as Record<string, string>,
        body: route.body ? route.body.parse(req.body) : undefined,
        query: route.query ? route.query.parse(req.query) : undefined,
        req,
      });
      // Answers are per caller and change with live status: never cached. The ETag is for If-Match
      // (optimistic concurrency), so the body is written directly, without Express's 304 handling.
      res.status(reply.status).set({ 'cache-control': 'no-store', ...reply.headers });
      if (reply.body === undefined) res.end();
      else if (Buffer.isBuffer(reply.body)) res.type(reply.contentType ?? 'application/octet-stream').end(reply.body);
      else res.type('application/json').end(JSON.stringify(reply.body));
    });
  }
  app.use(API_PREFIX, router);

  // Known path, other method → 405 with Allow; anything else under the API → 404.
  app.use(API_PREFIX, (req, _res, next) => {
    const allowed = routes.filter((r) => asPattern(r.path).test(req.path)).map((r) => r.method.toUpperCase());
    next(
      allowed.length > 0
        ? new HttpProblem(405, 'Method not allowed', `${req.method} is not supported here; use ${allowed.join(', ')}`, [], { allow: allowed.join(', ') })
        : new HttpProblem(404, 'Not found', `no API operation at ${req.path}: see ${API_PREFIX}/openapi.json`),
    );
  });

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const problem = toProblem(bodyParserProblem(error, options.maxJsonBytes) ?? error, String(res.locals.requestId));
    if (problem.internal) services.logger.error({ err: error, requestId: res.locals.requestId, path: req.path }, 'request failed');
    res.status(problem.status).set(problem.headers).type('application/problem+json').send(JSON.stringify(problem.body));
  });
  return app;
}

const anonymous: Actor = { subject: 'anonymous', name: 'anonymous', roles: [] };

function observe(services: Services, route: Route) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      services.metrics.requestDuration.observe({ method: route.method, route: route.path, status: String(res.statusCode) }, seconds);
    });
    next();
  };
}

function authorize(route: Route, verify: Verifier) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (route.role === null) {
      res.locals.actor = anonymous;
      return next();
    }
    const actor = await authenticate(req, verify);
    if (!hasRole(actor, route.role) && !route.alsoAllowed?.some((role) => hasRole(actor, role))) {
      throw new HttpProblem(
        403,
        'Forbidden',
        `${route.operationId} needs the ${route.role} role; your token grants ${actor.roles.join(', ') || 'no Crosswire role'}. Ask an admin to map your IdP group to ${route.role}.`,
      );
    }
    res.locals.actor = { ...actor, requestId: String(res.locals.requestId) };
    next();
  };
}

async function authenticate(req: Request, verify: Verifier): Promise<Actor> {
  const header = req.get('authorization');
  const match = header === undefined ? null : /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
  if (!match) throw new AuthenticationError('send a bearer token: Authorization: Bearer <JWT from your identity provider>', { missing: true });
  return verify(match[1]!);
}

function requireJson(req: Request, _res: Response, next: NextFunction) {
  if (!req.is(['application/json', 'application/*+json'])) {
    return next(new HttpProblem(415, 'Unsupported media type', 'send the body as JSON with Content-Type: application/json'));
  }
  next();
}

function requireMediaType(types: readonly string[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.is([...types])) {
      return next(new HttpProblem(415, 'Unsupported media type', `send the body with Content-Type: ${types[0]} (accepted: ${types.join(', ')})`));
    }
    next();
  };
}

function refuseForbiddenKeys(req: Request, _res: Response, next: NextFunction) {
  const found = forbiddenKeys(req.body);
  if (found.length > 0) return next(new HttpProblem(400, 'Invalid request', 'the body uses keys that are never allowed', found));
  next();
}

/** body-parser signals size and syntax failures with a `type` property. */
function bodyParserProblem(error: unknown, maxJsonBytes: number): HttpProblem | undefined {
  if (typeof error !== 'object' || error === null || !('type' in error)) return undefined;
  switch (error.type) {
    case 'entity.too.large': {
      const limit = 'limit' in error && typeof error.limit === 'number' ? error.limit : maxJsonBytes;
      return new HttpProblem(413, 'Payload too large', `the body is larger than this operation's limit of ${limit} bytes`);
    }
    case 'entity.parse.failed':
      return new HttpProblem(400, 'Invalid request', `the body is not valid JSON: ${(error as unknown as Error).message}`, [
        { path: '', message: 'malformed JSON' },
      ]);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem(415, 'Unsupported media type', 'send the body as UTF-8 JSON');
    default:
      return undefined;
  }
}
