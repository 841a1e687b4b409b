import { z } from 'zod';
import { AdapterSpec, SpecChange } from './adapters.ts';
import { ArtifactName } from './artifacts.ts';
import { DnsLabel } from './common.ts';

/**
 * GitOps manifests: Kubernetes-shaped JSON, one resource per file.
 *
 * - `Adapter`: `metadata.name` is the adapter name, `metadata.labels` the adapter's labels, `spec` the
 *   adapter spec without its labels. The admin state (`enabled`) is operational, not configuration, and
 *   is not part of a manifest: an applied adapter is created disabled and keeps its admin state after.
 * - `Artifact`: `spec.file` is the content's path relative to the bundle root (`artifacts/<name>`),
 *   `spec.sha256` its hash. The latest version of the artifact is what a manifest describes.
 *
 * `metadata.annotations` are for the tools around Git (owners, tickets, links): accepted, never stored,
 * never exported.
 */
export const MANIFEST_API_VERSION = 'crosswire.dev/v1';
export const MANIFEST_KINDS = ['Adapter', 'Artifact'] as const;
export type ManifestKind = (typeof MANIFEST_KINDS)[number];

/**
 * Marks the adapters an apply with `source` wrote; `prune` deletes only adapters carrying its source.
 * Adapter label keys cannot hold a "/", hence a dotted key rather than Kubernetes' `prefix/name`.
 */
export const MANAGED_BY_LABEL = 'crosswire.dev.managed-by';

const ApiVersion = z.literal(MANIFEST_API_VERSION, { error: `must be "${MANIFEST_API_VERSION}"` });

const Annotations = z
  .record(z.string().min(1).max(253), z.string().max(4096))
  .optional()
  .meta({ description: 'Free notes for your own tooling: accepted, not stored, not exported' });

export const AdapterManifestSpec = AdapterSpec.omit({ labels: true }).meta({
  id: 'AdapterManifestSpec',
  description: 'The adapter spec without labels (they are metadata.labels) and without the admin state',
});

export const AdapterManifest = z
  .strictObject({
    apiVersion: ApiVersion,
    kind: z.literal('Adapter'),
    metadata: z.strictObject({
      name: DnsLabel,
      labels: AdapterSpec.shape.labels,
      annotations: Annotations,
    }),
    spec: AdapterManifestSpec,
  })
  .meta({ id: 'AdapterManifest', title: 'Crosswire Adapter manifest' });
export type AdapterManifest = z.infer<typeof AdapterManifest>;

/** A path inside the bundle: relative, forward slashes, no `.` or `..` segments. */
export const BundlePath = z
  .string()
  .min(1)
  .max(1024)
  .regex(
    /^(?!\/)(?![A-Za-z]:)(?!.*\\)(?!.*(?:^|\/)\.{1,2}(?:\/|$))[^\0]+$/,
    'must be a relative path inside the bundle with "/" separators and no "." or ".." segments, such as artifacts/fix44.xml',
  );

export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

export const ArtifactManifest = z
  .strictObject({
    apiVersion: ApiVersion,
    kind: z.literal('Artifact'),
    metadata: z.strictObject({ name: ArtifactName, annotations: Annotations }),
    spec: z.strictObject({
      file: BundlePath.meta({ description: 'The content, relative to the bundle root' }),
      sha256: Sha256.meta({ description: 'sha256 of the content, hex' }),
    }),
  })
  .meta({ id: 'ArtifactManifest', title: 'Crosswire Artifact manifest' });
export type ArtifactManifest = z.infer<typeof ArtifactManifest>;

export type Manifest = AdapterManifest | ArtifactManifest;

export const MANIFEST_SCHEMAS: Record<ManifestKind, z.ZodType> = { Adapter: AdapterManifest, Artifact: ArtifactManifest };

/** The published JSON Schema (draft 2020-12) of one kind. */
export function manifestJsonSchema(kind: ManifestKind): Record<string, unknown> {
  const schema = z.toJSONSchema(MANIFEST_SCHEMAS[kind], { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  return { ...schema, $id: `https://crosswire.dev/schemas/v1/${kind.toLowerCase()}-manifest.json` };
}

/**
 * The one text form of a manifest: keys sorted at every depth (by UTF-16 code units, as RFC 8785),
 * JSON's shortest round-trip number forms, 2-space indentation and a trailing newline. The same
 * resource always serialises to the same bytes.
 */
export function canonicalManifestText(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${value} has no JSON form`);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) Object.defineProperty(out, key, { value: sortKeys(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Where each exported resource goes in a bundle. */
export const manifestFileName = (kind: ManifestKind, name: string) => `manifests/${kind.toLowerCase()}-${name}.json`;
export const artifactFileName = (name: string) => `artifacts/${name}`;

// ---- API bodies and answers ----

export const ManifestWarning = z.object({ file: z.string(), path: z.string(), message: z.string() }).meta({ id: 'ManifestWarning' });
export type ManifestWarning = z.infer<typeof ManifestWarning>;

export const ExportedManifest = z
  .object({
    file: z.string().meta({ description: 'Where it goes in a bundle, such as manifests/adapter-lse-gateway.json' }),
    kind: z.enum(MANIFEST_KINDS),
    name: z.string(),
    manifest: z.record(z.string(), z.unknown()),
    text: z.string().meta({ description: 'The canonical file content, byte for byte' }),
    version: z.number().int().optional().meta({ description: 'Artifacts: the version whose content spec.file names' }),
  })
  .meta({ id: 'ExportedManifest' });
export type ExportedManifest = z.infer<typeof ExportedManifest>;

export const ManifestExport = z
  .object({ items: z.array(ExportedManifest), warnings: z.array(ManifestWarning) })
  .meta({ id: 'ManifestExport' });
export type ManifestExport = z.infer<typeof ManifestExport>;

export const ManifestExportQuery = z.strictObject({
  names: z
    .string()
    .max(8192)
    .optional()
    .meta({ description: 'Comma-separated adapter (or artifact) names; default everything. Artifacts the adapters use come along.' }),
});
export type ManifestExportQuery = z.infer<typeof ManifestExportQuery>;

export const ManifestInput = z
  .strictObject({
    file: z.string().max(1024).meta({ description: 'Where the manifest came from; problems name it' }),
    manifest: z.unknown().meta({ description: 'The parsed manifest; checked by the server, every problem reported' }),
    content: z
      .base64()
      .optional()
      .meta({ description: 'Artifacts only, apply only: the file content, base64; needed when the server lacks that sha256' }),
  })
  .meta({ id: 'ManifestInput' });
export type ManifestInput = z.infer<typeof ManifestInput>;

export const MAX_MANIFESTS = 5000;

export const ManifestDiffRequest = z
  .strictObject({
    manifests: z.array(ManifestInput).max(MAX_MANIFESTS),
    prune: z.boolean().default(false).meta({ description: 'Also list managed adapters of `source` that the set no longer has' }),
    source: DnsLabel.optional().meta({ description: `Stamped as the ${MANAGED_BY_LABEL} label; required by prune` }),
  })
  .meta({ id: 'ManifestDiffRequest' });
export type ManifestDiffRequest = z.infer<typeof ManifestDiffRequest>;

export const ManifestApplyRequest = ManifestDiffRequest.extend({
  dryRun: z.boolean().default(false).meta({ description: 'Check and report, change nothing' }),
}).meta({ id: 'ManifestApplyRequest' });
export type ManifestApplyRequest = z.infer<typeof ManifestApplyRequest>;

export const ResourceAction = z.enum(['create', 'update', 'delete', 'unchanged']);
export type ResourceAction = z.infer<typeof ResourceAction>;

export const ResourceChange = z
  .object({
    file: z.string().meta({ description: 'The manifest file; empty for a pruned adapter' }),
    kind: z.enum(MANIFEST_KINDS),
    name: z.string(),
    action: ResourceAction,
    changes: z.array(SpecChange).meta({ description: 'Updates: field-level changes, JSON Pointers into the manifest' }),
  })
  .meta({ id: 'ResourceChange' });
export type ResourceChange = z.infer<typeof ResourceChange>;

export const ManifestApplyResult = z
  .object({
    dryRun: z.boolean(),
    applied: z.boolean().meta({ description: 'True when the changes were committed' }),
    source: z.string().nullable(),
    summary: z.object({ create: z.number().int(), update: z.number().int(), delete: z.number().int(), unchanged: z.number().int() }),
    resources: z.array(ResourceChange),
    warnings: z.array(ManifestWarning),
  })
  .meta({ id: 'ManifestApplyResult' });
export type ManifestApplyResult = z.infer<typeof ManifestApplyResult>;

/** One problem of an invalid set: `path` points into the request body, `file` + `pointer` into the manifest. */
export interface ManifestProblem {
  path: string;
  file: string;
  pointer: string;
  message: string;
}

// ---- bundles: the same operations over a zip ----

/** Largest zip the bundle routes read; its entries may inflate to at most MAX_BUNDLE_INFLATED_BYTES together. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;
export const MAX_BUNDLE_INFLATED_BYTES = 256 * 1024 * 1024;
/** Media types a bundle upload may be sent as (browsers on Windows call a .zip application/x-zip-compressed). */
export const BUNDLE_MEDIA_TYPES = ['application/zip', 'application/x-zip-compressed', 'application/octet-stream'] as const;

const Flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const BundleDiffQuery = z.strictObject({
  prune: Flag.optional().meta({ description: 'Also list managed adapters of `source` that the bundle no longer has' }),
  source: DnsLabel.optional().meta({ description: `Stamped as the ${MANAGED_BY_LABEL} label; required by prune` }),
});
export type BundleDiffQuery = z.infer<typeof BundleDiffQuery>;

export const BundleApplyQuery = BundleDiffQuery.extend({
  dryRun: Flag.optional().meta({ description: 'Check and report, change nothing' }),
});
export type BundleApplyQuery = z.infer<typeof BundleApplyQuery>;
