import type { PersonRole, RoleMappingEntry } from '../contract/index.ts';
import type { Queryable } from '../db/database.ts';
import { toIso } from './rows.ts';

/** Any constant all replicas share: saves of the mapping happen one at a time, even the first. */
const ROLE_MAPPING_LOCK = 0x63_77_72_6d; // "cwrm"

export interface StoredRoleMapping {
  version: number;
  updatedAt: string;
  updatedBy: string;
  /** By claim value. */
  entries: RoleMappingEntry[];
}

/** The stored version, or null while nothing is stored. One indexed row: cheap enough to poll. */
export async function roleMappingVersion(db: Queryable): Promise<number | null> {
  const { rows } = await db.query<{ version: number }>('SELECT version FROM role_mapping_state');
  return rows[0]?.version ?? null;
}

export async function readRoleMapping(db: Queryable): Promise<StoredRoleMapping | null> {
  const state = await db.query<{ version: number; updated_at: unknown; updated_by: string }>(
    'SELECT version, updated_at, updated_by FROM role_mapping_state',
  );
  const head = state.rows[0];
  if (!head) return null;
  const { rows } = await db.query<{ claim_value: string; roles: PersonRole[] }>('SELECT claim_value, roles FROM role_mappings ORDER BY claim_value');
  return {
    version: head.version,
    updatedAt: toIso(head.updated_at),
    updatedBy: head.updated_by,
    entries: rows.map((r) => ({ claimValue: r.claim_value, roles: r.roles })),
  };
}

/** Takes the mapping's lock for the rest of the transaction and returns what is stored now. */
export async function lockRoleMapping(tx: Queryable): Promise<StoredRoleMapping | null> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [ROLE_MAPPING_LOCK]);
  return readRoleMapping(tx);
}

/** Replaces the whole mapping; call with the lock held. */
export async function writeRoleMapping(tx: Queryable, version: number, entries: RoleMappingEntry[], updatedBy: string): Promise<void> {
  await tx.query(
    `INSERT INTO role_mapping_state (singleton, version, updated_by) VALUES (true, $1, $2)
     ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version, updated_by = EXCLUDED.updated_by, updated_at = clock_timestamp()`,
    [version, updatedBy],
  );
  await tx.query('DELETE FROM role_mappings');
  if (entries.length === 0) return;
  // Roles travel as JSON: one parameter for any number of entries, with no text[] literal quoting.
  await tx.query(
    `INSERT INTO role_mappings (claim_value, roles)
     SELECT e.claim_value, ARRAY(SELECT jsonb_array_elements_text(e.roles))
       FROM jsonb_to_recordset($1::jsonb) AS e(claim_value text, roles jsonb)`,
    [JSON.stringify(entries.map((e) => ({ claim_value: e.claimValue, roles: e.roles })))],
  );
}
