import { z } from 'zod';
import { Problem } from '../../contract/index.ts';
import {
  MANIFEST_KINDS,
  ManifestApplyRequest,
  ManifestApplyResult,
  ManifestDiffRequest,
  ManifestExport,
  ManifestExportQuery,
  manifestJsonSchema,
  type ManifestKind,
} from '../../contract/manifests.ts';
import * as manifests from '../../domain/manifests.ts';
import { notFound } from '../../domain/errors.ts';
import { ok, route } from '../route.ts';

const tag = 'Manifests';
const problem = (description: string) => ({ description, schema: Problem });
const INVALID_SET = problem(
  'Invalid manifests: every problem of every manifest, each with `file`, `pointer` (into the manifest) and `path` (into the body); nothing was changed',
);

export const manifestRoutes = [
  route<undefined, ManifestExportQuery>({
    method: 'get',
    path: '/manifests',
    operationId: 'exportManifests',
    summary: 'Export adapters and artifacts as canonical manifests (secrets only as references)',
    tag,
    role: 'viewer',
    query: ManifestExportQuery,
    responses: { 200: { description: 'The manifests, sorted by file, and a warning per sealed secret', schema: ManifestExport }, 404: problem('A named resource does not exist') },
    handle: async ({ services, query }) => {
      const names = query.names
        ?.split(',')
        .map((n) => n.trim())
        .filter((n) => n !== '');
      return ok(await manifests.exportManifests(services, names));
    },
  }),
  route<ManifestDiffRequest>({
    method: 'post',
    path: '/manifests/diff',
    operationId: 'diffManifests',
    summary: 'What applying a set of manifests would create, change (field by field) and delete',
    tag,
    role: 'viewer',
    body: ManifestDiffRequest,
    responses: { 200: { description: 'The changes; nothing was written', schema: ManifestApplyResult }, 400: INVALID_SET },
    handle: async ({ services, actor, body }) => ok(await manifests.diffManifests(services, actor, body)),
  }),
  route<ManifestApplyRequest>({
    method: 'post',
    path: '/manifests/apply',
    operationId: 'applyManifests',
    summary: 'Apply a set of manifests all or nothing, optionally pruning adapters of the same source',
    tag,
    role: 'engineer',
    body: ManifestApplyRequest,
    responses: {
      200: { description: 'What was (or, with dryRun, would be) changed', schema: ManifestApplyResult },
      400: INVALID_SET,
      409: problem('A concurrent change got in the way; apply again'),
      412: problem('An adapter changed while the set was applied; apply again'),
    },
    handle: async ({ services, actor, body }) => ok(await manifests.applyManifests(services, actor, body)),
  }),
  route({
    method: 'get',
    path: '/manifests/schemas/{kind}',
    operationId: 'getManifestSchema',
    summary: 'The JSON Schema (draft 2020-12) of a manifest kind: Adapter or Artifact',
    tag,
    role: 'viewer',
    responses: { 200: { description: 'The JSON Schema', schema: z.record(z.string(), z.unknown()) }, 404: problem('No such kind') },
    handle: ({ params }) => {
      const kind = MANIFEST_KINDS.find((k) => k.toLowerCase() === params.kind!.toLowerCase());
      if (!kind) return Promise.reject(notFound(`manifest kind ${JSON.stringify(params.kind)} (known: ${MANIFEST_KINDS.join(', ')})`));
      return Promise.resolve(ok(manifestJsonSchema(kind satisfies ManifestKind)));
    },
  }),
];
