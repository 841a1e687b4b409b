import type {
  Adapter,
  AdapterListQuery,
  AdapterSpec,
  CreateAdapter,
  FieldError,
  PluginManifest,
  ReplaceAdapter,
  Revision,
  RevisionDiff,
} from '../contract/index.ts';
import { AdapterSpec as AdapterSpecSchema } from '../contract/index.ts';
import type { Queryable } from '../db/database.ts';
import { PgCode, pgErrorCode } from '../db/database.ts';
import * as store from '../store/adapters.ts';
import { existingArtifacts, setArtifactRefs } from '../store/artifacts.ts';
import { insertEvents } from '../store/events.ts';
import { resizeSlots } from '../store/leases.ts';
import { findPlugin, listPlugins } from '../store/plugins.ts';
import { findRevision, insertRevision, listRevisions } from '../store/revisions.ts';
import type { Actor, Services } from './context.ts';
import { DomainError, invalid, notFound } from './errors.ts';
import { recordAudit } from './audit.ts';
import { configChannelErrors, configChannels, createChannelsIn, pipelineChannels } from './channels.ts';
import { deepEqual, jsonDiff } from './json-diff.ts';
import { pipelineErrors } from './pipelines.ts';
import { validateConfig } from './plugins.ts';
import { isArtifactField, walkSchema } from './schema-walk.ts';
import { redactSecrets, sealConfig } from './secrets.ts';

/** Why an enabled adapter is still unclaimed, once it has waited longer than it should. */
function claimWarning(record: store.AdapterRecord, claimWarningMs: number): string | null {
  if (record.status.state !== 'Claiming' || !record.enabled || record.status.holders.length > 0 || record.enabledAt === null) return null;
  const waited = Date.now() - Date.parse(record.enabledAt);
  return waited > claimWarningMs
    ? `enabled ${Math.round(waited / 1000)} s ago and no adapter pod has claimed it: check that a pod supporting its connector type is running with spare capacity`
    : null;
}

/** The adapter as clients see it: secrets redacted, status attached. */
export function present(record: store.AdapterRecord, claimWarningMs: number): Adapter {
  const reason = record.status.reason ?? claimWarning(record, claimWarningMs);
  return {
    id: record.id,
    name: record.name,
    enabled: record.enabled,
    revision: record.revision,
    ...redactSecrets(record.spec),
    status: { ...record.status, reason },
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export async function getAdapter(services: Services, ref: string): Promise<Adapter> {
  return present(await requireAdapter(services.db, ref), services.settings.claimWarningMs);
}

export async function requireAdapter(db: Queryable, ref: string): Promise<store.AdapterRecord> {
  const record = await store.findAdapter(db, ref);
  if (!record) throw notFound(`adapter ${JSON.stringify(ref)}`);
  return record;
}

export async function listAdapters(services: Services, query: AdapterListQuery) {
  const page = await store.listAdapters(services.db, query);
  return { items: page.items.map((record) => present(record, services.settings.claimWarningMs)), nextCursor: page.nextCursor };
}

interface PreparedSpec {
  spec: AdapterSpec;
  slots: number;
  artifacts: string[];
  /** Channels the spec names (pipeline routes, dead letters, connector fields), created on save. */
  channels: string[];
}

/**
 * Checks a spec against everything the contract's shape cannot: the connector type exists, its config
 * passes the plugin's schema, the mode suits the plugin, named artifacts exist. Collects every problem
 * before refusing, and seals secrets only once all is well. `keepSecretsFrom` resolves the
 * "keep the stored value" placeholders.
 */
async function prepareSpec(
  services: Services,
  db: Queryable,
  input: AdapterSpec,
  keepSecretsFrom: AdapterSpec | undefined,
): Promise<PreparedSpec> {
  const spec = structuredClone(input);
  const errors: FieldError[] = [];
  const plugin = await findPlugin(db, spec.connector.type);
  if (!plugin) {
    const known = (await listPlugins(db)).map((p) => p.type);
    errors.push({
      path: '/connector/type',
      message: `unknown connector type ${JSON.stringify(spec.connector.type)}: installed types are ${known.join(', ') || 'none (run `installer seed`)'}`,
    });
  }
  errors.push(...modeErrors(spec, plugin));
  errors.push(...pipelineErrors(spec.pipeline));
  if (plugin) {
    const configErrors = validateConfig(plugin, spec.connector.config, '/connector/config');
    errors.push(...configErrors);
    if (configErrors.length === 0) {
      errors.push(...configChannelErrors(plugin, spec, '/connector/config'));
      errors.push(
        ...sealConfig(plugin.configSchema, spec.connector.config, keepSecretsFrom?.connector.config, services.secrets, '/connector/config'),
      );
    }
  }
  const artifacts = plugin ? await artifactErrors(db, plugin, spec, errors) : [];
  if (errors.length > 0) throw invalid('the adapter spec is invalid: fix the fields listed in errors', errors);
  const channels = [...pipelineChannels(spec), ...(plugin ? configChannels(plugin, spec) : [])];
  return { spec, slots: spec.mode === 'scale_out' ? (spec.instances ?? 1) : 1, artifacts, channels };
}

function modeErrors(spec: AdapterSpec, plugin: PluginManifest | undefined): FieldError[] {
  if (spec.mode === 'scale_out') {
    const errors: FieldError[] = [];
    if (spec.instances === undefined) errors.push({ path: '/instances', message: 'is required in scale_out mode: how many pods may run it at once' });
    if (plugin?.exclusive) {
      errors.push({
        path: '/mode',
        message: `${plugin.type} sessions must never run on two pods at once: use single or active_passive`,
      });
    }
    return errors;
  }
  return spec.instances !== undefined && spec.instances !== 1
    ? [{ path: '/instances', message: `only scale_out runs more than one instance; remove it or set mode to scale_out` }]
    : [];
}

async function artifactErrors(db: Queryable, plugin: PluginManifest, spec: AdapterSpec, errors: FieldError[]): Promise<string[]> {
  const wanted: Array<{ path: string; name: string; version: number | undefined }> = [];
  walkSchema(plugin.configSchema, spec.connector.config, isArtifactField, (field) => {
    if (typeof field.value !== 'string' || field.value === '') return;
    const [name = '', version] = field.value.split('@');
    wanted.push({ path: `/connector/config${field.path}`, name, version: version === undefined ? undefined : Number(version) });
  });
  const existing = await existingArtifacts(db, [...new Set(wanted.map((w) => w.name))]);
  for (const ref of wanted) {
    const latest = existing.get(ref.name);
    if (latest === undefined) {
      errors.push({ path: ref.path, message: `artifact ${JSON.stringify(ref.name)} does not exist: upload it first` });
    } else if (ref.version !== undefined && ref.version > latest) {
      errors.push({ path: ref.path, message: `artifact ${ref.name} has no version ${ref.version} (latest is ${latest})` });
    }
  }
  return [...new Set(wanted.map((w) => w.name))];
}

const slotCount = (spec: AdapterSpec) => (spec.mode === 'scale_out' ? (spec.instances ?? 1) : 1);

/** The spec part of a create or replace body, in the contract's canonical key order. */
function specOf(body: CreateAdapter | ReplaceAdapter): AdapterSpec {
  const { name: _name, ...spec } = body;
  return AdapterSpecSchema.parse(spec);
}

export async function createAdapter(services: Services, actor: Actor, body: CreateAdapter): Promise<Adapter> {
  const id = await services.db.transaction((tx) => createAdapterIn(services, tx, actor, body));
  return getAdapter(services, id);
}

/**
 * Creates an adapter (disabled, revision 1) inside the caller's transaction and returns its id, so
 * several writes (a manifest apply) can commit or roll back together.
 */
export async function createAdapterIn(services: Services, tx: Queryable, actor: Actor, body: CreateAdapter, message = 'created'): Promise<string> {
  const prepared = await prepareSpec(services, tx, specOf(body), undefined);
  let adapterId: string;
  try {
    adapterId = await store.insertAdapter(tx, {
      name: body.name,
      mode: prepared.spec.mode,
      connectorType: prepared.spec.connector.type,
      spec: prepared.spec,
    });
  } catch (error) {
    if (pgErrorCode(error) === PgCode.uniqueViolation) {
      throw new DomainError('conflict', `an adapter named ${JSON.stringify(body.name)} already exists: choose another name`, [
        { path: '/name', message: 'is already taken' },
      ]);
    }
    throw error;
  }
  await insertRevision(tx, { adapterId, revision: 1, spec: prepared.spec, author: actor.name, message });
  await recordAudit(tx, actor, { action: 'adapter.create', target: `adapter/${body.name}`, after: prepared.spec });
  await resizeSlots(tx, adapterId, prepared.slots);
  await setArtifactRefs(tx, adapterId, prepared.artifacts);
  await createChannelsIn(tx, prepared.channels);
  await insertEvents(tx, [
    { adapterId, level: 'info', category: 'action', message: `${message} by ${actor.name} (revision 1, disabled)`, details: { revision: 1 } },
  ]);
  return adapterId;
}

/** Replaces the spec when `ifMatch` is the current revision; an unchanged spec writes no revision. */
export async function replaceAdapter(
  services: Services,
  actor: Actor,
  ref: string,
  body: ReplaceAdapter,
  ifMatch: number | undefined,
  message = 'edited',
): Promise<Adapter> {
  const current = await requireAdapter(services.db, ref);
  if (body.name !== undefined && body.name !== current.name) {
    throw invalid('an adapter cannot be renamed', [
      { path: '/name', message: `is ${JSON.stringify(current.name)}; to rename, create a new adapter and delete this one` },
    ]);
  }
  return writeSpec(services, actor, current.id, specOf(body), ifMatch, undefined, message);
}

async function writeSpec(
  services: Services,
  actor: Actor,
  id: string,
  input: AdapterSpec,
  ifMatch: number | undefined,
  keepSecretsFrom: AdapterSpec | undefined,
  message: string,
): Promise<Adapter> {
  if (ifMatch === undefined) {
    throw new DomainError(
      'precondition-required',
      'send If-Match with the revision you edited (the ETag of GET /adapters/{id}), so that no one else\'s change is overwritten',
    );
  }
  await services.db.transaction((tx) => writeSpecIn(services, tx, actor, id, input, ifMatch, keepSecretsFrom, message));
  return getAdapter(services, id);
}

/**
 * Replaces the spec inside the caller's transaction when `ifMatch` is the current revision. Returns the
 * new revision, or null when the spec is unchanged and nothing was written.
 */
export async function writeSpecIn(
  services: Services,
  tx: Queryable,
  actor: Actor,
  id: string,
  input: AdapterSpec,
  ifMatch: number,
  keepSecretsFrom: AdapterSpec | undefined,
  message: string,
): Promise<number | null> {
  const locked = await store.lockAdapter(tx, id);
  if (!locked) throw notFound(`adapter ${id}`);
  if (locked.revision !== ifMatch) {
    throw new DomainError(
      'precondition-failed',
      `adapter ${locked.name} is at revision ${locked.revision}, not ${ifMatch}: someone saved first. Reload it, reapply your change and save again.`,
      [],
      { currentRevision: locked.revision },
    );
  }
  const current = (await findRevision(tx, id, locked.revision))!.spec as AdapterSpec;
  const prepared = await prepareSpec(services, tx, input, keepSecretsFrom ?? current);
  if (deepEqual(redactSecrets(prepared.spec), redactSecrets(current))) return null;
  const revision = locked.revision + 1;
  await store.updateAdapterSpec(tx, id, revision, { mode: prepared.spec.mode, connectorType: prepared.spec.connector.type, spec: prepared.spec });
  await insertRevision(tx, { adapterId: id, revision, spec: prepared.spec, author: actor.name, message });
  await recordAudit(tx, actor, {
    action: keepSecretsFrom ? 'adapter.rollback' : 'adapter.update',
    target: `adapter/${locked.name}`,
    before: current,
    after: prepared.spec,
  });
  if (slotCount(current) !== prepared.slots || current.mode !== prepared.spec.mode) await resizeSlots(tx, id, prepared.slots);
  await setArtifactRefs(tx, id, prepared.artifacts);
  await createChannelsIn(tx, prepared.channels);
  const changed = jsonDiff(redactSecrets(current), redactSecrets(prepared.spec)).map((c) => c.path);
  await insertEvents(tx, [
    {
      adapterId: id,
      level: 'info',
      category: 'action',
      message: `${message} by ${actor.name}: revision ${revision}`,
      details: { revision, changed },
    },
  ]);
  return revision;
}

export async function deleteAdapter(services: Services, actor: Actor, ref: string, ifMatch: number | undefined): Promise<void> {
  const current = await requireAdapter(services.db, ref);
  await services.db.transaction((tx) => deleteAdapterIn(tx, actor, current.id, ref, ifMatch));
  services.logger.info({ adapterId: current.id, adapter: current.name, actor: actor.subject }, 'adapter deleted');
}

/** Deletes a disabled adapter inside the caller's transaction. */
export async function deleteAdapterIn(tx: Queryable, actor: Actor, id: string, ref: string, ifMatch: number | undefined): Promise<void> {
  const locked = await store.lockAdapter(tx, id);
  if (!locked) throw notFound(`adapter ${JSON.stringify(ref)}`);
  if (locked.enabled) throw new DomainError('conflict', `adapter ${locked.name} is enabled: disable it first, then delete it`);
  if (ifMatch !== undefined && ifMatch !== locked.revision) {
    throw new DomainError('precondition-failed', `adapter ${locked.name} is at revision ${locked.revision}, not ${ifMatch}`, [], {
      currentRevision: locked.revision,
    });
  }
  const before = await findRevision(tx, id, locked.revision);
  await store.deleteAdapter(tx, id);
  await recordAudit(tx, actor, { action: 'adapter.delete', target: `adapter/${locked.name}`, before: before?.spec });
}

export async function listAdapterRevisions(services: Services, ref: string, limit: number, cursor: string | undefined) {
  const adapter = await requireAdapter(services.db, ref);
  const page = await listRevisions(services.db, adapter.id, limit, cursor);
  return { items: page.items.map(({ spec: _spec, ...meta }) => meta), nextCursor: page.nextCursor };
}

export async function getRevision(services: Services, ref: string, revision: number): Promise<Revision> {
  const adapter = await requireAdapter(services.db, ref);
  const found = await findRevision(services.db, adapter.id, revision);
  if (!found) throw notFound(`revision ${revision} of adapter ${adapter.name} (latest is ${adapter.revision})`);
  return { ...found, spec: redactSecrets(found.spec) as AdapterSpec };
}

export async function diffRevisions(services: Services, ref: string, from: number, to: number): Promise<RevisionDiff> {
  const [a, b] = await Promise.all([getRevision(services, ref, from), getRevision(services, ref, to)]);
  return { adapterId: a.adapterId, from, to, changes: jsonDiff(a.spec, b.spec) };
}

/** Writes a new revision whose spec is that of `revision`; secrets come back as they were then. */
export async function rollbackAdapter(
  services: Services,
  actor: Actor,
  ref: string,
  revision: number,
  ifMatch: number | undefined,
): Promise<Adapter> {
  const adapter = await requireAdapter(services.db, ref);
  const target = await findRevision(services.db, adapter.id, revision);
  if (!target) throw notFound(`revision ${revision} of adapter ${adapter.name}`);
  const spec = target.spec as AdapterSpec;
  return writeSpec(services, actor, adapter.id, redactSecrets(spec), ifMatch ?? adapter.revision, spec, `rolled back to revision ${revision}`);
}
