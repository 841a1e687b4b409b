import { z } from 'zod';
import { Artifact, ArtifactVersion, PageQuery, Problem, page } from '../../contract/index.ts';
import * as artifacts from '../../domain/artifacts.ts';
import { ok, route } from '../route.ts';

const tag = 'Artifacts';
const VersionQuery = z.strictObject({ version: z.coerce.number().int().min(1).optional() });
const ArtifactSummary = ArtifactVersion.extend({ versions: z.number().int() });

export const artifactRoutes = [
  route<undefined, z.infer<typeof PageQuery>>({
    method: 'get',
    path: '/artifacts',
    operationId: 'listArtifacts',
    summary: 'Artifacts by name, latest version of each',
    tag,
    role: 'viewer',
    query: PageQuery,
    responses: { 200: { description: 'A page of artifacts', schema: page(ArtifactSummary) } },
    handle: async ({ services, query }) => ok(await artifacts.listArtifacts(services, query.limit, query.cursor)),
  }),
  route({
    method: 'put',
    path: '/artifacts/{name}',
    operationId: 'uploadArtifact',
    summary: 'Upload a new version (the same bytes as the latest add none)',
    tag,
    role: 'engineer',
    rawBody: { description: 'The file itself' },
    headers: [{ name: 'X-Content-SHA256', description: 'Optional: the hex sha256 the server must find, or refuse the upload' }],
    responses: {
      201: { description: 'A new version', schema: ArtifactVersion },
      200: { description: 'Same content as the latest version', schema: ArtifactVersion },
      413: { description: 'Too large', schema: Problem },
    },
    handle: async ({ services, actor, params, req }) => {
      const content = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const result = await artifacts.uploadArtifact(
        services,
        actor,
        params.name!,
        content,
        req.get('content-type') ?? 'application/octet-stream',
        req.get('x-content-sha256'),
      );
      return { status: result.created ? 201 : 200, body: result.version };
    },
  }),
  route({
    method: 'get',
    path: '/artifacts/{name}',
    operationId: 'getArtifact',
    summary: 'Latest version, version count and the adapters referencing it',
    tag,
    role: 'viewer',
    responses: { 200: { description: 'The artifact', schema: Artifact }, 404: { description: 'No such artifact', schema: Problem } },
    handle: async ({ services, params }) => ok(await artifacts.getArtifact(services, params.name!)),
  }),
  route({
    method: 'get',
    path: '/artifacts/{name}/versions',
    operationId: 'listArtifactVersions',
    summary: 'Every version, newest first',
    tag,
    role: 'viewer',
    responses: { 200: { description: 'The versions', schema: z.object({ items: z.array(ArtifactVersion) }) } },
    handle: async ({ services, params }) => ok({ items: await artifacts.listArtifactVersions(services, params.name!) }),
  }),
  route<undefined, z.infer<typeof VersionQuery>>({
    method: 'get',
    path: '/artifacts/{name}/content',
    operationId: 'downloadArtifact',
    summary: 'Download the bytes of the latest or a given version',
    tag,
    role: 'viewer',
    alsoAllowed: ['pod'],
    query: VersionQuery,
    responses: { 200: { description: 'The file', contentType: 'application/octet-stream' } },
    handle: async ({ services, params, query }) => {
      const { meta, content } = await artifacts.downloadArtifact(services, params.name!, query.version);
      return {
        status: 200,
        body: content,
        contentType: meta.contentType,
        headers: {
          etag: `"sha256:${meta.sha256}"`,
          'x-artifact-version': String(meta.version),
          'content-disposition': `attachment; filename="${meta.name}"`,
        },
      };
    },
  }),
  route({
    method: 'delete',
    path: '/artifacts/{name}',
    operationId: 'deleteArtifact',
    summary: 'Delete every version; refused while an adapter uses it',
    tag,
    role: 'engineer',
    responses: { 204: { description: 'Deleted' }, 409: { description: 'In use; `referencedBy` lists the adapters', schema: Problem } },
    handle: async ({ services, actor, params }) => {
      await artifacts.deleteArtifact(services, actor, params.name!);
      return { status: 204 };
    },
  }),
];
