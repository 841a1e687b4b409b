import { z } from 'zod';
import { Problem } from '../contract/index.ts';
import type { ResponseDoc, Route } from './route.ts';

type JsonObject = Record<string, unknown>;

/**
 * Builds the OpenAPI 3.1 document from the route table. Schemas with a registered `id` become
 * components; the rest are inlined.
 */
export function buildOpenApi(routes: readonly Route[], version: string): JsonObject {
  const components: Record<string, JsonObject> = {};
  const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonObject => {
    const generated = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' });
    // Schemas with an id land in $defs; in the document they are components.
    const json = JSON.parse(JSON.stringify(generated).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonObject & {
      $defs?: Record<string, JsonObject>;
    };
    for (const [id, def] of Object.entries(json.$defs ?? {})) components[id] ??= def;
    const { $defs: _defs, $schema: _schema, ...rest } = json;
    const id = z.globalRegistry.get(schema)?.id;
    if (typeof id === 'string') {
      components[id] ??= rest;
      return { $ref: `#/components/schemas/${id}` };
    }
    return rest;
  };

  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of routes) {
    const parameters: JsonObject[] = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (route.query) {
      const query = toSchema(route.query, 'input') as { properties?: Record<string, JsonObject>; required?: string[] };
      for (const [name, schema] of Object.entries(query.properties ?? {})) {
        parameters.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema });
      }
    }
    for (const header of route.headers ?? []) {
      parameters.push({ name: header.name, in: 'header', required: header.required ?? false, description: header.description, schema: { type: 'string' } });
    }
    const operation: JsonObject = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      ...(parameters.length ? { parameters } : {}),
      security: route.role === null ? [] : [{ bearer: [] }],
      ...(route.role ? { 'x-required-role': route.role } : {}),
      ...(route.alsoAllowed ? { 'x-also-allowed': route.alsoAllowed } : {}),
      responses: Object.fromEntries(
        Object.entries({
          ...commonResponses(route),
          ...route.responses,
        }).map(([status, doc]: [string, ResponseDoc]) => [status, responseObject(Number(status), doc, toSchema)]),
      ),
    };
    if (route.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: toSchema(route.body, 'input') } } };
    } else if (route.rawBody) {
      operation.requestBody = {
        required: true,
        description: route.rawBody.description,
        content: Object.fromEntries(
          (route.rawBody.mediaTypes ?? ['application/octet-stream']).map((type) => [type, { schema: { type: 'string', contentMediaType: type } }]),
        ),
      };
    }
    (paths[route.path] ??= {})[route.method] = operation;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Crosswire orchestrator API',
      version,
      description:
        'The control plane of Crosswire: adapters, revisions, actions, events, plugins, artifacts, pods and leases. ' +
        'Every operation but this document needs a bearer JWT from a configured issuer; errors are RFC 9457 problem details.',
    },
    servers: [{ url: '/api/v1' }],
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}

function responseObject(status: number, doc: ResponseDoc, toSchema: (schema: z.ZodType, io: 'output') => JsonObject): JsonObject {
  if (doc.schema) {
    const mediaType = status >= 400 ? 'application/problem+json' : 'application/json';
    return { description: doc.description, content: { [mediaType]: { schema: toSchema(doc.schema, 'output') } } };
  }
  if (doc.contentType) {
    return { description: doc.description, content: { [doc.contentType]: { schema: { type: 'string', contentMediaType: doc.contentType } } } };
  }
  return { description: doc.description };
}

/** Answers every operation of a kind can give, so generated clients know they are problem details. */
function commonResponses(route: Route): Record<number, ResponseDoc> {
  const problem = (description: string): ResponseDoc => ({ description, schema: Problem });
  const hasPathParams = route.path.includes('{');
  const responses: Record<number, ResponseDoc> = { 429: problem('Too many requests: retry after Retry-After seconds') };
  if (route.body || route.query || route.rawBody || hasPathParams) responses[400] = problem('Invalid request: `errors` names each field');
  if (route.role) {
    responses[401] = problem('No valid bearer token');
    responses[403] = problem(`Needs the ${route.role} role`);
  }
  if (hasPathParams) responses[404] = problem('Not found');
  if (route.body) {
    responses[413] = problem('Body over 1 MiB');
    responses[415] = problem('Not JSON');
  }
  if (route.rawBody) {
    responses[413] = problem(route.rawBody.maxBytes ? `Body over ${route.rawBody.maxBytes} bytes` : 'Body over the artifact size limit');
    if (route.rawBody.mediaTypes) responses[415] = problem(`Not one of ${route.rawBody.mediaTypes.join(', ')}`);
  }
  return responses;
}
