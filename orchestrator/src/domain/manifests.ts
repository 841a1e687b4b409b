import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { AdapterSpec, CreateAdapter, SpecChange } from '../contract/index.ts';
import type {
  ExportedManifest,
  ManifestApplyRequest,
  ManifestApplyResult,
  ManifestDiffRequest,
  ManifestExport,
  ManifestInput,
  ManifestKind,
  ManifestProblem,
  ManifestWarning,
  ResourceChange,
} from '../contract/manifests.ts';
import {
  AdapterManifest,
  ArtifactManifest,
  MANAGED_BY_LABEL,
  MANIFEST_API_VERSION,
  MANIFEST_KINDS,
  artifactFileName,
  canonicalManifestText,
  manifestFileName,
} from '../contract/manifests.ts';
import type { Queryable } from '../db/database.ts';
import * as adapterStore from '../store/adapters.ts';
import * as artifactStore from '../store/artifacts.ts';
import { findPlugin } from '../store/plugins.ts';
import { createAdapterIn, deleteAdapterIn, writeSpecIn } from './adapters.ts';
import { recordAudit } from './audit.ts';
import type { Actor, Services } from './context.ts';
import { DomainError, notFound } from './errors.ts';
import { jsonDiff } from './json-diff.ts';
import { escapePointer, isArtifactField, isSecretField, walkSchema } from './schema-walk.ts';
import { isSealed, isSecretRef, redactSecrets } from './secrets.ts';

/**
 * GitOps: export adapters and artifacts as manifests, show what applying a set would change, and apply
 * a set all or nothing in one transaction. See docs/gitops.md.
 */

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

// ---------------------------------------------------------------- export

/** Sealed secrets cannot leave the orchestrator: each becomes a reference to create, with a warning. */
function suggestSecretRefs(adapter: string, spec: AdapterSpec, file: string, warnings: ManifestWarning[]): AdapterSpec {
  const walk = (value: unknown, path: string): unknown => {
    if (isSealed(value)) {
      const inConfig = path.startsWith('/connector/config/') ? path.slice('/connector/config/'.length) : path.slice(1);
      const key = inConfig
        .split('/')
        .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
        .join('.')
        .replace(/[^-._a-zA-Z0-9]/g, '-');
      warnings.push({
        file,
        path: `/spec${path}`,
        message:
          `a sealed secret cannot be exported: written as {"secretRef": {"name": "${adapter}", "key": "${key}"}}. ` +
          `Create that key in the adapter pods' secret store before applying this manifest; applying it replaces the sealed value with the reference.`,
      });
      return { secretRef: { name: adapter, key } };
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}/${i}`));
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, `${path}/${escapePointer(k)}`)]));
    return value;
  };
  return walk(spec, '') as AdapterSpec;
}

function adapterManifest(name: string, spec: AdapterSpec): AdapterManifest {
  const { labels, ...rest } = spec;
  return {
    apiVersion: MANIFEST_API_VERSION,
    kind: 'Adapter',
    metadata: { name, ...(labels !== undefined ? { labels } : {}) },
    spec: rest,
  };
}

function exported(kind: ManifestKind, name: string, manifest: object, version?: number): ExportedManifest {
  return {
    file: manifestFileName(kind, name),
    kind,
    name,
    manifest: manifest as Record<string, unknown>,
    text: canonicalManifestText(manifest),
    ...(version !== undefined ? { version } : {}),
  };
}

async function allAdapters(db: Queryable): Promise<adapterStore.AdapterRecord[]> {
  const all: adapterStore.AdapterRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await adapterStore.listAdapters(db, { limit: 500, cursor });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return all;
}

async function allArtifactNames(db: Queryable): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await artifactStore.listArtifacts(db, 500, cursor);
    names.push(...page.items.map((a) => a.name));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return names;
}

/** Artifact names an adapter's config refers to (a `name@version` pin counts as `name`). */
async function referencedArtifacts(db: Queryable, spec: AdapterSpec): Promise<string[]> {
  const plugin = await findPlugin(db, spec.connector.type);
  if (!plugin) return [];
  const names: string[] = [];
  walkSchema(plugin.configSchema, spec.connector.config, isArtifactField, (field) => {
    if (typeof field.value === 'string' && field.value !== '') names.push(field.value.split('@')[0]!);
  });
  return names;
}

/**
 * Everything (no `names`), or the named adapters and artifacts plus the artifacts those adapters use.
 * Sorted by file, so the same system always exports the same list.
 */
export async function exportManifests(services: Services, names?: readonly string[]): Promise<ManifestExport> {
  const db = services.db;
  let adapters: adapterStore.AdapterRecord[];
  const artifactNames = new Set<string>();
  if (names === undefined) {
    adapters = await allAdapters(db);
    for (const name of await allArtifactNames(db)) artifactNames.add(name);
  } else {
    adapters = [];
    const missing: string[] = [];
    for (const name of new Set(names)) {
      const adapter = await adapterStore.findAdapter(db, name);
      if (adapter && adapter.name === name) adapters.push(adapter);
      else if (await artifactStore.latestArtifact(db, name)) artifactNames.add(name);
      else missing.push(name);
    }
    if (missing.length > 0) throw notFound(`no adapter or artifact is named ${missing.map((n) => JSON.stringify(n)).join(', ')}: it`);
    for (const adapter of adapters) for (const name of await referencedArtifacts(db, adapter.spec)) artifactNames.add(name);
  }
  const warnings: ManifestWarning[] = [];
  const items: ExportedManifest[] = adapters.map((adapter) => {
    const file = manifestFileName('Adapter', adapter.name);
    return exported('Adapter', adapter.name, adapterManifest(adapter.name, suggestSecretRefs(adapter.name, adapter.spec, file, warnings)));
  });
  for (const name of artifactNames) {
    const latest = await artifactStore.latestArtifact(db, name);
    if (!latest) continue; // referenced but missing: the adapter's apply will say so
    const manifest: ArtifactManifest = {
      apiVersion: MANIFEST_API_VERSION,
      kind: 'Artifact',
      metadata: { name },
      spec: { file: artifactFileName(name), sha256: latest.sha256 },
    };
    items.push(exported('Artifact', name, manifest, latest.version));
  }
  items.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { items, warnings };
}

// ---------------------------------------------------------------- checking a set

interface ParsedAdapter {
  index: number;
  file: string;
  name: string;
  spec: AdapterSpec;
}
interface ParsedArtifact {
  index: number;
  file: string;
  name: string;
  sha256: string;
  content: Buffer | undefined;
}

class Problems {
  readonly list: ManifestProblem[] = [];
  add(index: number | undefined, file: string, pointer: string, message: string): void {
    const path = index === undefined ? pointer : `/manifests/${index}/manifest${pointer}`;
    this.list.push({ path, file, pointer, message });
  }
}

const pointerOf = (path: readonly PropertyKey[]) => path.map((p) => `/${escapePointer(String(p))}`).join('');

function zodProblems(problems: Problems, index: number, file: string, error: z.ZodError): void {
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const at = pointerOf([...issue.path, key]);
        problems.add(
          index,
          file,
          at,
          at === '/spec/enabled'
            ? 'the admin state is not part of a manifest: enable or disable the adapter with POST /adapters/{name}/enable or /disable (operator role)'
            : at === '/spec/labels'
              ? 'labels belong in metadata.labels'
              : 'is not a known field: remove it or check its spelling',
        );
      }
    } else {
      problems.add(index, file, pointerOf(issue.path), issue.message);
    }
  }
}

function forbiddenKeyProblems(problems: Problems, index: number, file: string, value: unknown, path = ''): boolean {
  let found = false;
  if (Array.isArray(value)) {
    value.forEach((v, i) => (found = forbiddenKeyProblems(problems, index, file, v, `${path}/${i}`) || found));
  } else if (isRecord(value)) {
    for (const key of Object.keys(value)) {
      const at = `${path}/${escapePointer(key)}`;
      if (FORBIDDEN_KEYS.has(key)) {
        problems.add(index, file, at, `the key ${JSON.stringify(key)} is not allowed anywhere in a manifest`);
        found = true;
      } else {
        found = forbiddenKeyProblems(problems, index, file, value[key], at) || found;
      }
    }
  }
  return found;
}

/** Shape, names and duplicates: everything that needs no database. */
function parseSet(inputs: readonly ManifestInput[], source: string | undefined, problems: Problems) {
  const adapters: ParsedAdapter[] = [];
  const artifacts: ParsedArtifact[] = [];
  const seen = new Map<string, string>();
  inputs.forEach((input, index) => {
    const { file, manifest } = input;
    if (!isRecord(manifest)) return problems.add(index, file, '', 'must be a JSON object: one resource per file');
    if (forbiddenKeyProblems(problems, index, file, manifest)) return;
    const kind = manifest.kind;
    if (!MANIFEST_KINDS.includes(kind as ManifestKind)) {
      problems.add(index, file, '/kind', `must be one of ${MANIFEST_KINDS.join(', ')}; got ${JSON.stringify(kind)}`);
      if (manifest.apiVersion !== MANIFEST_API_VERSION) problems.add(index, file, '/apiVersion', `must be "${MANIFEST_API_VERSION}"`);
      return;
    }
    const name = isRecord(manifest.metadata) && typeof manifest.metadata.name === 'string' ? manifest.metadata.name : undefined;
    if (name !== undefined) {
      const key = `${String(kind)}/${name}`;
      const first = seen.get(key);
      if (first !== undefined) problems.add(index, file, '/metadata/name', `${String(kind)} ${name} is also defined in ${first}: each resource once`);
      else seen.set(key, file);
    }
    if (kind === 'Adapter') {
      const parsed = AdapterManifest.safeParse(manifest);
      if (!parsed.success) return zodProblems(problems, index, file, parsed.error);
      const { metadata, spec } = parsed.data;
      const labels = { ...metadata.labels };
      if (source !== undefined) {
        const claimed = labels[MANAGED_BY_LABEL];
        if (claimed !== undefined && claimed !== source) {
          problems.add(index, file, `/metadata/labels/${MANAGED_BY_LABEL}`, `says ${JSON.stringify(claimed)}, but this apply is from source ${JSON.stringify(source)}`);
        }
        labels[MANAGED_BY_LABEL] = source;
      }
      const withLabels = metadata.labels !== undefined || source !== undefined ? { ...spec, labels } : spec;
      adapters.push({ index, file, name: metadata.name, spec: withLabels });
    } else {
      const parsed = ArtifactManifest.safeParse(manifest);
      if (!parsed.success) return zodProblems(problems, index, file, parsed.error);
      let content: Buffer | undefined;
      if (input.content !== undefined) {
        content = Buffer.from(input.content, 'base64');
        const actual = createHash('sha256').update(content).digest('hex');
        if (actual !== parsed.data.spec.sha256) {
          problems.add(index, file, '/spec/sha256', `does not match the content sent for ${parsed.data.spec.file}, whose sha256 is ${actual}`);
        }
      }
      artifacts.push({ index, file, name: parsed.data.metadata.name, sha256: parsed.data.spec.sha256, content });
    }
  });
  return { adapters, artifacts };
}

/** Manifests hold secrets only as references: a value in Git is a leaked value. */
async function secretProblems(db: Queryable, adapter: ParsedAdapter, problems: Problems): Promise<void> {
  const plugin = await findPlugin(db, adapter.spec.connector.type);
  if (!plugin) return;
  walkSchema(plugin.configSchema, adapter.spec.connector.config, isSecretField, (field) => {
    if (field.value === undefined || isSecretRef(field.value)) return;
    problems.add(
      adapter.index,
      adapter.file,
      `/spec/connector/config${field.path}`,
      'is a secret: a manifest may only name it, as {"secretRef": {"name", "key"}} resolved by the adapter pods; never commit its value',
    );
  });
}

/** Where a problem in an adapter spec lives in its manifest. */
const manifestPointer = (specPath: string) =>
  specPath === '/labels' || specPath.startsWith('/labels/') ? `/metadata${specPath}` : `/spec${specPath === '/' ? '' : specPath}`;

const contentTypeOf = (file: string) =>
  file.endsWith('.xml') ? 'application/xml' : file.endsWith('.json') ? 'application/json' : 'application/octet-stream';

// ---------------------------------------------------------------- apply

class RollBack extends Error {
  constructor(readonly result: ManifestApplyResult) {
    super('dry run');
  }
}

/** How a set reached apply: the audit action it is recorded under, and the words events use for it. */
export interface ApplyOrigin {
  action: 'manifests.apply' | 'manifests.import';
  /** "an uploaded zip bundle": in events as `applied from <file> in <via>`, and in the audit record. */
  via?: string;
}

/** What applying the set would change; writes nothing. Same checks as apply. */
export function diffManifests(services: Services, actor: Actor, request: ManifestDiffRequest): Promise<ManifestApplyResult> {
  return applyManifests(services, actor, { ...request, dryRun: true });
}

/**
 * Applies a set of manifests in one transaction: artifacts first, then adapters, then (with `prune`)
 * deletes of adapters labelled with this source that the set no longer has. Every problem of every
 * manifest is collected; if there is any, nothing is changed. A dry run does the same work and rolls it
 * back, so it reports exactly what apply would do. Applying an unchanged set writes nothing.
 */
export async function applyManifests(
  services: Services,
  actor: Actor,
  request: ManifestApplyRequest,
  origin: ApplyOrigin = { action: 'manifests.apply' },
): Promise<ManifestApplyResult> {
  const problems = new Problems();
  const { adapters, artifacts } = parseSet(request.manifests, request.source, problems);
  if (request.prune && request.source === undefined) {
    problems.add(undefined, '', '/source', 'prune needs a source: only adapters labelled with that source are ever pruned');
  }
  const via = (file: string) => `applied from ${file}${origin.via ? ` in ${origin.via}` : ''}${request.source ? ` (source ${request.source})` : ''}`;
  try {
    return await services.db.transaction(async (tx) => {
      const resources: ResourceChange[] = [];
      const warnings: ManifestWarning[] = [];
      // Artifacts first, so adapters naming them validate against what the set brings.
      for (const artifact of artifacts) {
        const latest = await artifactStore.latestArtifact(tx, artifact.name);
        if (latest?.sha256 === artifact.sha256) {
          resources.push({ file: artifact.file, kind: 'Artifact', name: artifact.name, action: 'unchanged', changes: [] });
          continue;
        }
        const changes: SpecChange[] = latest ? [{ path: '/spec/sha256', op: 'replace', before: latest.sha256, after: artifact.sha256 }] : [];
        resources.push({ file: artifact.file, kind: 'Artifact', name: artifact.name, action: latest ? 'update' : 'create', changes });
        let content = artifact.content;
        if (content === undefined) {
          if (!request.dryRun) {
            problems.add(artifact.index, artifact.file, '/spec/file', 'the server has no artifact with this sha256: send the file content with the manifest');
          }
          content = Buffer.alloc(0); // a dry run checks adapters against a stand-in, rolled back
        } else if (content.length > services.settings.maxArtifactBytes) {
          problems.add(artifact.index, artifact.file, '/spec/file', `is ${content.length} bytes; the limit is ${services.settings.maxArtifactBytes}`);
        }
        await artifactStore.insertArtifactVersion(tx, {
          name: artifact.name,
          sha256: artifact.sha256,
          contentType: contentTypeOf(artifact.file),
          content,
          createdBy: actor.name,
        });
      }

      const names = new Set<string>();
      for (const adapter of adapters) {
        names.add(adapter.name);
        await secretProblems(tx, adapter, problems);
        const current = await adapterStore.findAdapter(tx, adapter.name);
        try {
          if (!current) {
            const body: CreateAdapter = { ...adapter.spec, name: adapter.name };
            await createAdapterIn(services, tx, actor, body, via(adapter.file));
            resources.push({ file: adapter.file, kind: 'Adapter', name: adapter.name, action: 'create', changes: [] });
          } else {
            const revision = await writeSpecIn(services, tx, actor, current.id, adapter.spec, current.revision, undefined, via(adapter.file));
            const changes = jsonDiff(redactSecrets(current.spec), redactSecrets(adapter.spec)).map((c) => ({ ...c, path: manifestPointer(c.path) }));
            resources.push({ file: adapter.file, kind: 'Adapter', name: adapter.name, action: revision === null ? 'unchanged' : 'update', changes });
            if (revision !== null && current.enabled) {
              warnings.push({
                file: adapter.file,
                path: '',
                message: `adapter ${adapter.name} is enabled: the pod running it logs out and restarts it with revision ${revision}`,
              });
            }
          }
        } catch (error) {
          if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
          if (error.errors.length === 0) problems.add(adapter.index, adapter.file, '/spec', error.message);
          for (const e of error.errors) problems.add(adapter.index, adapter.file, manifestPointer(e.path), e.message);
        }
      }

      if (request.prune && request.source !== undefined) {
        for (const record of await allAdapters(tx)) {
          if (names.has(record.name) || record.spec.labels?.[MANAGED_BY_LABEL] !== request.source) continue;
          if (record.enabled) {
            problems.add(
              undefined,
              manifestFileName('Adapter', record.name),
              '',
              `prune would delete adapter ${record.name}, but it is enabled: disable it first (operator), or put its manifest back`,
            );
            continue;
          }
          await deleteAdapterIn(tx, actor, record.id, record.name, undefined);
          resources.push({ file: '', kind: 'Adapter', name: record.name, action: 'delete', changes: [] });
        }
      }

      if (problems.list.length > 0) {
        const count = problems.list.length;
        throw new DomainError(
          'invalid',
          `the manifests have ${count} problem${count === 1 ? '' : 's'}: nothing was changed. Fix every entry in errors and apply again.`,
          problems.list,
        );
      }
      const summary = { create: 0, update: 0, delete: 0, unchanged: 0 };
      for (const r of resources) summary[r.action]++;
      const result: ManifestApplyResult = {
        dryRun: request.dryRun,
        applied: !request.dryRun,
        source: request.source ?? null,
        summary,
        resources,
        warnings,
      };
      if (request.dryRun) throw new RollBack(result);
      if (summary.create + summary.update + summary.delete > 0) {
        await recordAudit(tx, actor, {
          action: origin.action,
          target: `manifests/${request.source ?? '-'}`,
          after: {
            summary,
            resources: resources.filter((r) => r.action !== 'unchanged').map(({ kind, name, action, file }) => ({ kind, name, action, file })),
            ...(origin.via ? { via: origin.via } : {}),
          },
        });
      }
      services.logger.info({ actor: actor.subject, source: request.source ?? null, summary }, 'manifests applied');
      return result;
    });
  } catch (error) {
    if (error instanceof RollBack) return error.result;
    throw error;
  }
}
