import { z } from 'zod';
import { Problem } from '../../contract/index.ts';
import {
  BUNDLE_MEDIA_TYPES,
  BundleApplyQuery,
  BundleDiffQuery,
  MAX_BUNDLE_BYTES,
  MANIFEST_KINDS,
  ManifestApplyRequest,
  ManifestApplyResult,
  ManifestDiffRequest,
  ManifestExport,
  ManifestExportQuery,
  manifestJsonSchema,
  type ManifestKind,
} from '../../contract/manifests.ts';
import * as bundles from '../../domain/manifest-bundles.ts';
import * as manifests from '../../domain/manifests.ts';
import { notFound } from '../../domain/errors.ts';
import { ok, route, type Call } from '../route.ts';

const tag = 'Manifests';
const problem = (description: string) => ({ description, schema: Problem });
const INVALID_SET = problem(
  'Invalid manifests: every problem of every manifest, each with `file`, `pointer` (into the manifest) and `path` (into the body); nothing was changed',
);

const namesOf = (query: ManifestExportQuery) =>
  query.names
    ?.split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');

const BUNDLE_BODY = {
  description: `A zip bundle: manifests/*.json and the artifacts/ they name, at most ${MAX_BUNDLE_BYTES} bytes`,
  mediaTypes: BUNDLE_MEDIA_TYPES,
  maxBytes: MAX_BUNDLE_BYTES,
  tooLarge: 'split it into smaller bundles, the one with the artifacts first',
};
const INVALID_BUNDLE = problem(
  'A refused zip (a path outside the bundle, a symlink, an oversized or corrupt entry) or invalid manifests: every problem with `file` (in the zip), `pointer` (into the manifest) and `path` (`file#pointer`); nothing was changed',
);
const zipOf = (call: Call<unknown, unknown>) => (Buffer.isBuffer(call.req.body) ? call.req.body : Buffer.alloc(0));

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
    handle: async ({ services, query }) => ok(await manifests.exportManifests(services, namesOf(query))),
  }),
  route<undefined, ManifestExportQuery>({
    method: 'get',
    path: '/manifests/bundle',
    operationId: 'exportManifestBundle',
    summary: 'Export as a zip bundle: the same files, byte for byte, as `installer export -o` writes',
    tag,
    role: 'viewer',
    query: ManifestExportQuery,
    responses: {
      200: { description: 'manifests/*.json and artifacts/*, sorted, with fixed timestamps: the same system gives the same bytes', contentType: 'application/zip' },
      404: problem('A named resource does not exist'),
    },
    handle: async ({ services, query }) => {
      const names = namesOf(query);
      const zip = await bundles.exportBundle(services, names);
      const filename = names?.length === 1 ? `crosswire-${names[0]}.zip` : 'crosswire-manifests.zip';
      return { status: 200, body: zip, contentType: 'application/zip', headers: { 'content-disposition': `attachment; filename="${filename}"` } };
    },
  }),
  route<undefined, BundleDiffQuery>({
    method: 'post',
    path: '/manifests/bundle/diff',
    operationId: 'diffManifestBundle',
    summary: 'What importing a zip bundle would create, change (field by field) and delete',
    tag,
    role: 'viewer',
    rawBody: BUNDLE_BODY,
    query: BundleDiffQuery,
    responses: { 200: { description: 'The changes; nothing was written', schema: ManifestApplyResult }, 400: INVALID_BUNDLE },
    handle: async (call) => ok(await bundles.applyBundle(call.services, call.actor, zipOf(call), { ...call.query, diff: true })),
  }),
  route<undefined, BundleApplyQuery>({
    method: 'post',
    path: '/manifests/bundle/apply',
    operationId: 'applyManifestBundle',
    summary: 'Import a zip bundle all or nothing (audited as manifests.import), optionally pruning adapters of the same source',
    tag,
    role: 'engineer',
    rawBody: BUNDLE_BODY,
    query: BundleApplyQuery,
    responses: {
      200: { description: 'What was (or, with dryRun, would be) changed', schema: ManifestApplyResult },
      400: INVALID_BUNDLE,
      409: problem('A concurrent change got in the way; import again'),
      412: problem('An adapter changed while the bundle was applied; import again'),
    },
    handle: async (call) => ok(await bundles.applyBundle(call.services, call.actor, zipOf(call), call.query)),
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
