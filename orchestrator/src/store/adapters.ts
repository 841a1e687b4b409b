import type { AdapterListQuery, AdapterSpec, AdapterState, AdapterStatus, LeaseHolder } from '../contract/index.ts';
import type { Queryable } from '../db/database.ts';
import { decodeCursor, encodeCursor, toInt, toIso, toIsoOrNull } from './rows.ts';

/** An adapter as stored: the spec still has its secrets sealed. */
export interface AdapterRecord {
  id: string;
  name: string;
  enabled: boolean;
  enabledAt: string | null;
  revision: number;
  /** As stored: secrets sealed. */
  spec: AdapterSpec;
  status: AdapterStatus;
  createdAt: string;
  updatedAt: string;
}

// Status is derived from the lease rows in SQL, so list filters and single reads agree.
const SELECT_ADAPTER = `
  SELECT a.id, a.name, a.enabled, a.enabled_at, a.revision, a.spec, a.created_at, a.updated_at, a.connector_type,
         s.holders, s.max_epoch, s.last_check_in,
         CASE WHEN s.any_error THEN 'Error'
              WHEN s.any_active THEN 'Active'
              WHEN a.enabled OR s.held > 0 THEN 'Claiming'
              ELSE 'Inactive' END AS state,
         s.error_reason
    FROM adapters a
    CROSS JOIN LATERAL (
      SELECT count(*) FILTER (WHERE l.live) AS held,
             coalesce(bool_or(l.live AND l.state = 'Error'), false) AS any_error,
             coalesce(bool_or(l.live AND l.state = 'Active'), false) AS any_active,
             min(l.reason) FILTER (WHERE l.live AND l.state = 'Error') AS error_reason,
             max(l.epoch) FILTER (WHERE l.epoch > 0) AS max_epoch,
             max(l.renewed_at) FILTER (WHERE l.live) AS last_check_in,
             coalesce(json_agg(json_build_object(
               'pod', l.holder_pod, 'slot', l.slot, 'epoch', l.epoch, 'state', l.state, 'reason', l.reason,
               'expiresAt', l.expires_at, 'lastCheckIn', l.renewed_at, 'since', l.granted_at) ORDER BY l.slot) FILTER (WHERE l.live), '[]') AS holders
        FROM (SELECT *, holder_pod IS NOT NULL AND expires_at > clock_timestamp() AS live
                FROM leases WHERE adapter_id = a.id) l
    ) s`;

interface AdapterRow {
  id: string;
  name: string;
  enabled: boolean;
  enabled_at: unknown;
  revision: number;
  spec: AdapterSpec;
  created_at: unknown;
  updated_at: unknown;
  holders: Array<Record<string, unknown>>;
  max_epoch: unknown;
  last_check_in: unknown;
  state: AdapterState;
  error_reason: string | null;
}

function toRecord(row: AdapterRow): AdapterRecord {
  const holders: LeaseHolder[] = row.holders.map((h) => ({
    pod: String(h.pod),
    slot: toInt(h.slot),
    epoch: toInt(h.epoch),
    state: h.state as LeaseHolder['state'],
    reason: (h.reason as string | null) ?? null,
    expiresAt: toIso(h.expiresAt),
    lastCheckIn: toIso(h.lastCheckIn),
    since: toIso(h.since),
  }));
  return {
    id: row.id,
    name: row.name,
    enabled: row.enabled,
    enabledAt: toIsoOrNull(row.enabled_at),
    revision: row.revision,
    spec: row.spec,
    status: {
      state: row.state,
      reason: row.state === 'Error' ? row.error_reason : null,
      holders,
      epoch: row.max_epoch === null ? null : toInt(row.max_epoch),
      lastCheckIn: toIsoOrNull(row.last_check_in),
    },
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Finds an adapter by id, or by name when `ref` is not a UUID. */
export async function findAdapter(db: Queryable, ref: string): Promise<AdapterRecord | undefined> {
  const column = UUID.test(ref) ? 'a.id' : 'a.name';
  const { rows } = await db.query<AdapterRow>(`${SELECT_ADAPTER} WHERE ${column} = $1`, [ref]);
  return rows[0] && toRecord(rows[0]);
}

/** Locks the adapter row for the rest of the transaction; returns its current revision. */
export async function lockAdapter(tx: Queryable, id: string): Promise<{ revision: number; enabled: boolean; name: string } | undefined> {
  const { rows } = await tx.query<{ revision: number; enabled: boolean; name: string }>(
    'SELECT revision, enabled, name FROM adapters WHERE id = $1 FOR UPDATE',
    [id],
  );
  return rows[0];
}

export async function listAdapters(
  db: Queryable,
  query: AdapterListQuery,
): Promise<{ items: AdapterRecord[]; nextCursor: string | null }> {
  const after = decodeCursor(query.cursor, (k): k is string => typeof k === 'string');
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (after !== undefined) add('name > ?', after);
  if (query.name !== undefined) add(`strpos(name, ?) > 0`, query.name);
  if (query.mode !== undefined) add('spec->>\'mode\' = ?', query.mode);
  if (query.connectorType !== undefined) add('connector_type = ?', query.connectorType);
  if (query.enabled !== undefined) add('enabled = ?', query.enabled);
  if (query.status !== undefined) add('state = ?', query.status);
  params.push(query.limit + 1);
  const { rows } = await db.query<AdapterRow>(
    `SELECT * FROM (${SELECT_ADAPTER}) x
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY name LIMIT $${params.length}`,
    params,
  );
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit).map(toRecord);
  return { items: page, nextCursor: more ? encodeCursor(page[page.length - 1]?.name) : null };
}

export interface AdapterWrite {
  name: string;
  mode: string;
  connectorType: string;
  spec: AdapterSpec;
}

export async function insertAdapter(tx: Queryable, write: AdapterWrite): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO adapters (name, revision, mode, connector_type, spec) VALUES ($1, 1, $2, $3, $4) RETURNING id`,
    [write.name, write.mode, write.connectorType, write.spec],
  );
  return rows[0]!.id;
}

export async function updateAdapterSpec(tx: Queryable, id: string, revision: number, write: Omit<AdapterWrite, 'name'>): Promise<void> {
  await tx.query(
    `UPDATE adapters SET revision = $2, mode = $3, connector_type = $4, spec = $5, updated_at = now() WHERE id = $1`,
    [id, revision, write.mode, write.connectorType, write.spec],
  );
}

/** Sets the admin state; returns false when it already was. */
export async function setEnabled(tx: Queryable, id: string, enabled: boolean): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE adapters SET enabled = $2, enabled_at = CASE WHEN $2 THEN now() ELSE NULL END, claim_warned_at = NULL, updated_at = now()
      WHERE id = $1 AND enabled <> $2`,
    [id, enabled],
  );
  return rowCount > 0;
}

export async function deleteAdapter(tx: Queryable, id: string): Promise<void> {
  await tx.query('DELETE FROM adapters WHERE id = $1', [id]);
}

/**
 * Marks enabled adapters that nobody has claimed for longer than `afterMs` as warned, once; returns them
 * so the caller records one warning event each, whichever orchestrator replica gets there first.
 */
export async function markUnclaimed(tx: Queryable, afterMs: number): Promise<Array<{ id: string; name: string }>> {
  const { rows } = await tx.query<{ id: string; name: string }>(
    `UPDATE adapters a SET claim_warned_at = now()
      WHERE a.enabled AND a.claim_warned_at IS NULL
        AND a.enabled_at < now() - $1 * interval '1 millisecond'
        AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.adapter_id = a.id
                          AND (l.holder_pod IS NOT NULL AND l.expires_at > clock_timestamp()
                               OR l.renewed_at > now() - $1 * interval '1 millisecond'))
      RETURNING a.id, a.name`,
    [afterMs],
  );
  return rows;
}

/** A holder came: a later unclaimed spell may warn again. */
export async function clearClaimWarning(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE adapters SET claim_warned_at = NULL WHERE id = $1 AND claim_warned_at IS NOT NULL', [id]);
}

/** Counts for the metrics endpoint. */
export async function countByState(db: Queryable): Promise<Array<{ state: AdapterState; enabled: boolean; count: number }>> {
  const { rows } = await db.query<{ state: AdapterState; enabled: boolean; count: unknown }>(
    `SELECT state, enabled, count(*) AS count FROM (${SELECT_ADAPTER}) x GROUP BY state, enabled`,
  );
  return rows.map((r) => ({ state: r.state, enabled: r.enabled, count: toInt(r.count) }));
}

/** Every adapter's stored pipeline, as stored (an older release may have written it), by name. */
export async function listStoredPipelines(db: Queryable): Promise<Array<{ name: string; pipeline: unknown }>> {
  const { rows } = await db.query<{ name: string; pipeline: unknown }>(
    `SELECT name, spec->'pipeline' AS pipeline FROM adapters WHERE spec ? 'pipeline' ORDER BY name`,
  );
  return rows;
}
