import type { Request } from 'express';
import type { z } from 'zod';
import type { Actor, Role, Services } from '../domain/context.ts';
import { HttpProblem } from './problem.ts';

export type Method = 'get' | 'post' | 'put' | 'delete';

export interface Reply {
  status: number;
  /** JSON body, or raw bytes with `contentType`. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Call<Body, Query> {
  services: Services;
  /** Absent only on public routes. */
  actor: Actor;
  params: Record<string, string>;
  body: Body;
  query: Query;
  /** The raw request, for headers such as If-Match. */
  req: Request;
}

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Non-JSON responses (artifact downloads). */
  contentType?: string;
}

/**
 * One API operation: what Express mounts and what the OpenAPI document describes, from the same
 * definition, so the two cannot drift apart.
 */
export interface Route<Body = unknown, Query = unknown> {
  method: Method;
  /** OpenAPI form, relative to /api/v1: `/adapters/{ref}`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** The least role allowed; `null` for public routes. */
  role: Role | null;
  /** Roles outside that ladder also allowed: pods read the artifacts their adapters name. */
  alsoAllowed?: Role[];
  body?: z.ZodType<Body>;
  /** Raw request bodies (artifact uploads, zip bundles) instead of JSON, read into a Buffer. */
  rawBody?: {
    description: string;
    /** Media types accepted (415 for others); any when absent. The first is the one documented first. */
    mediaTypes?: readonly string[];
    /** Largest body in bytes (413 above it); the artifact limit when absent. */
    maxBytes?: number;
    /** Said after the limit in a 413: what to do instead. */
    tooLarge?: string;
  };
  query?: z.ZodType<Query>;
  /** Request headers the operation reads. */
  headers?: Array<{ name: string; description: string; required?: boolean }>;
  responses: Record<number, ResponseDoc>;
  handle(call: Call<Body, Query>): Promise<Reply>;
}

/** Keeps the body and query types of a route's handler tied to its schemas. */
export function route<Body = undefined, Query = undefined>(definition: Route<Body, Query>): Route {
  return definition;
}

export const ok = (body: unknown, headers?: Record<string, string>): Reply => ({ status: 200, body, ...(headers ? { headers } : {}) });

/** `"7"`, `W/"7"` or `7` → 7; absent → undefined. */
export function parseIfMatch(req: Request): number | undefined {
  const header = req.get('if-match');
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  if (!match) {
    throw new HttpProblem(400, 'Invalid request', `If-Match must be the adapter's ETag, a revision such as "3"; got ${JSON.stringify(header)}`, [
      { path: 'header:If-Match', message: 'must be a quoted revision number' },
    ]);
  }
  return Number(match[1]);
}

export const etag = (revision: number) => `"${revision}"`;
