import { rolesFor } from '../auth/verify.ts';
import { PERSON_ROLES, type FieldError, type PersonRole, type ReplaceRoleMapping, type RoleMapping, type RoleMappingEntry } from '../contract/index.ts';
import type { Queryable } from '../db/database.ts';
import type { Logger } from '../observability/logger.ts';
import { lockRoleMapping, readRoleMapping, roleMappingVersion, writeRoleMapping, type StoredRoleMapping } from '../store/role-mappings.ts';
import { recordAudit } from './audit.ts';
import type { Actor, Role, Services } from './context.ts';
import { DomainError, invalid } from './errors.ts';
import { deepEqual } from './json-diff.ts';

/**
 * How long a replica trusts its copy of the mapping before asking the database for the version again.
 * A save on one replica takes effect there at once and on the others within this time.
 */
export const ROLE_MAPPING_TTL_MS = 2_000;

export type RoleMap = Readonly<Record<string, readonly Role[]>>;

export interface RoleMappingSource {
  readonly rolesClaim: string;
  /** AUTH_ROLE_MAP as configured: the mapping while nothing is stored, and the only source of `pod`. */
  readonly environment: RoleMap;
  /** The map in force now, from a copy at most the TTL old. */
  current(): Promise<RoleMap>;
  /** Drops the copy, so the next call reads the database: after a save on this replica. */
  invalidate(): void;
}

/**
 * The map in force. Once a mapping is stored it replaces AUTH_ROLE_MAP, except that the environment's
 * grants of `pod` stay: the API cannot grant `pod`, and saving a mapping must not cut the pods off.
 */
export function effectiveRoleMap(stored: { entries: RoleMappingEntry[] } | null, environment: RoleMap): RoleMap {
  if (!stored) return environment;
  const map = new Map<string, Role[]>(stored.entries.map((e) => [e.claimValue, [...e.roles]]));
  for (const [claimValue, roles] of Object.entries(environment)) {
    if (roles.includes('pod')) map.set(claimValue, [...(map.get(claimValue) ?? []), 'pod']);
  }
  // fromEntries defines own properties, so even a value named "__proto__" is an ordinary key.
  return Object.fromEntries(map);
}

export function createRoleMappingSource(
  db: Queryable,
  options: { rolesClaim: string; environment: RoleMap; ttlMs?: number; logger?: Logger },
): RoleMappingSource {
  const ttlMs = options.ttlMs ?? ROLE_MAPPING_TTL_MS;
  let cached: { version: number | null; map: RoleMap; checkedAt: number } | undefined;
  let reading: Promise<RoleMap> | undefined;
  // Bumped by invalidate(): a read that started before a save must not be kept as fresh.
  let generation = 0;

  async function read(): Promise<RoleMap> {
    const started = generation;
    try {
      const version = await roleMappingVersion(db);
      if (cached?.version !== version) {
        const stored = version === null ? null : await readRoleMapping(db);
        cached = { version: stored?.version ?? null, map: effectiveRoleMap(stored, options.environment), checkedAt: 0 };
      }
      cached.checkedAt = started === generation ? Date.now() : -Infinity;
      return cached.map;
    } catch (error) {
      // A database hiccup should not log everyone out: the last known mapping stays in force.
      if (cached) {
        options.logger?.warn({ err: error }, 'could not read the role mapping: keeping the last known one');
        cached.checkedAt = Date.now();
        return cached.map;
      }
      throw new DomainError('unavailable', `the role mapping cannot be read from the database (${(error as Error).message}): try again shortly`);
    }
  }

  return {
    rolesClaim: options.rolesClaim,
    environment: options.environment,
    current() {
      if (cached && Date.now() - cached.checkedAt < ttlMs) return Promise.resolve(cached.map);
      reading ??= read().finally(() => (reading = undefined));
      return reading;
    },
    invalidate() {
      generation++;
      reading = undefined;
      if (cached) cached.checkedAt = -Infinity;
    },
  };
}

const sourceOf = (services: Services): RoleMappingSource =>
  services.roleMapping ?? createRoleMappingSource(services.db, { rolesClaim: 'roles', environment: {} });

const byClaimValue = (a: RoleMappingEntry, b: RoleMappingEntry) => (a.claimValue < b.claimValue ? -1 : a.claimValue > b.claimValue ? 1 : 0);
const isPersonRole = (role: Role): role is PersonRole => (PERSON_ROLES as readonly string[]).includes(role);

function present(stored: StoredRoleMapping | null, source: RoleMappingSource): RoleMapping {
  const environment = Object.entries(source.environment);
  const podClaimValues = environment.filter(([, roles]) => roles.includes('pod')).map(([claimValue]) => claimValue);
  const entries = stored
    ? stored.entries
    : environment.map(([claimValue, roles]) => ({ claimValue, roles: roles.filter(isPersonRole) })).filter((e) => e.roles.length > 0);
  return {
    version: stored?.version ?? 0,
    source: stored ? 'stored' : 'environment',
    rolesClaim: source.rolesClaim,
    entries: entries.map((e) => ({ claimValue: e.claimValue, roles: PERSON_ROLES.filter((r) => e.roles.includes(r)) })).sort(byClaimValue),
    podClaimValues: podClaimValues.sort(),
    updatedAt: stored?.updatedAt ?? null,
    updatedBy: stored?.updatedBy ?? null,
  };
}

export async function getRoleMapping(services: Services): Promise<RoleMapping> {
  return present(await readRoleMapping(services.db), sourceOf(services));
}

/** Checks what the schema cannot, naming each entry by its value; roles come back in ladder order, entries by value. */
function normalise(entries: RoleMappingEntry[]): RoleMappingEntry[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  entries.forEach(({ claimValue }, i) => {
    const path = `/entries/${i}/claimValue`;
    if (claimValue.trim() === '') errors.push({ path, message: 'must not be empty: give the IdP group or role name as the token carries it' });
    else if (claimValue.trim() !== claimValue) errors.push({ path, message: `${JSON.stringify(claimValue)} starts or ends with spaces, which no token carries: remove them` });
    else if (claimValue === 'pod') errors.push({ path, message: '"pod" is what adapter pods\' tokens carry and cannot be mapped here: remove the entry' });
    else if (seen.has(claimValue)) errors.push({ path, message: `${JSON.stringify(claimValue)} has more than one entry: keep one and list all its roles there` });
    seen.add(claimValue);
  });
  if (errors.length > 0) throw invalid('the role mapping is invalid: fix the entries listed in errors', errors);
  return entries.map((e) => ({ claimValue: e.claimValue, roles: PERSON_ROLES.filter((r) => e.roles.includes(r)) })).sort(byClaimValue);
}

/** An admin must not save a mapping that leaves them without admin: nobody might be left to undo it. */
function refuseSelfLockout(actor: Actor, entries: RoleMappingEntry[], source: RoleMappingSource): void {
  // Actors that do not come from a token have no claim values to check.
  if (actor.claimValues === undefined) return;
  const after = rolesFor(actor.claimValues, effectiveRoleMap({ entries }, source.environment));
  if (after.includes('admin')) return;
  const carried = actor.claimValues.length ? actor.claimValues.map((v) => JSON.stringify(v)).join(', ') : 'no values';
  throw new DomainError(
    'conflict',
    `this mapping would take the admin role away from you, and with it the way to undo the change: your token's ${source.rolesClaim} claim carries ${carried}, ` +
      `which would then grant ${after.join(', ') || 'no role'}. Keep an entry mapping one of them to admin.`,
  );
}

/** Replaces the whole mapping when `ifMatch` is the current version (0 while nothing is stored). */
export async function replaceRoleMapping(services: Services, actor: Actor, body: ReplaceRoleMapping, ifMatch: number | undefined): Promise<RoleMapping> {
  if (ifMatch === undefined) {
    throw new DomainError(
      'precondition-required',
      'send If-Match with the version you edited (the ETag of GET /role-mapping, "0" while nothing is stored), so that no one else\'s change is overwritten',
    );
  }
  const source = sourceOf(services);
  const entries = normalise(body.entries);
  const changed = await services.db.transaction(async (tx) => {
    const stored = await lockRoleMapping(tx);
    const version = stored?.version ?? 0;
    if (version !== ifMatch) {
      throw new DomainError(
        'precondition-failed',
        `the role mapping is at version ${version}, not ${ifMatch}: someone saved first. Reload it, reapply your change and save again.`,
        [],
        { currentVersion: version },
      );
    }
    const before = present(stored, source);
    // Saving the environment's mapping unchanged still stores it: from then on the stored one is in force.
    if (stored && deepEqual(before.entries, entries)) return false;
    refuseSelfLockout(actor, entries, source);
    await writeRoleMapping(tx, version + 1, entries, actor.name);
    await recordAudit(tx, actor, {
      action: 'role-mapping.update',
      target: 'role-mapping',
      before: { source: before.source, entries: before.entries },
      after: { source: 'stored', entries },
    });
    return true;
  });
  if (changed) {
    source.invalidate();
    services.logger.info({ actor: actor.subject, entries: entries.length }, 'role mapping changed');
  }
  return getRoleMapping(services);
}
