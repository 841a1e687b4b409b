import type { Queryable } from '../db/database.ts';
import { PgCode, pgErrorCode } from '../db/database.ts';
import { toInt, toIso } from './rows.ts';

/**
 * The lease table's SQL. Every decision is one conditional statement judged by the database clock
 * (`clock_timestamp()`), so concurrent claimers on any number of orchestrator replicas cannot both win.
 */

export interface LeaseKey {
  adapterId: string;
  slot: number;
  pod: string;
  epoch: number;
}

export interface Grant {
  adapterId: string;
  slot: number;
  epoch: number;
  expiresAt: string;
  /** The pod whose expired lease this grant took over, if any. */
  takenFrom: string | null;
}

/** Makes the adapter have exactly `count` slots; holders of removed slots find their lease gone. */
export async function resizeSlots(tx: Queryable, adapterId: string, count: number): Promise<void> {
  await tx.query(
    `INSERT INTO leases (adapter_id, slot) SELECT $1, s FROM generate_series(0, $2 - 1) AS s ON CONFLICT DO NOTHING`,
    [adapterId, count],
  );
  await tx.query('DELETE FROM leases WHERE adapter_id = $1 AND slot >= $2', [adapterId, count]);
}

/**
 * Grants a free or expired slot of an enabled adapter to `pod`, adding one to its epoch. A pod that
 * already holds a live slot of the adapter gets nothing: one slot per pod. Slots locked by a concurrent
 * claimer are skipped rather than waited for, so a crowd of claimers resolves in one round trip each.
 */
export async function claimLease(db: Queryable, adapterId: string, pod: string, ttlMs: number): Promise<Grant | undefined> {
  try {
    const { rows } = await db.query<{ slot: number; epoch: unknown; expires_at: unknown; taken_from: string | null }>(
      `WITH candidate AS (
         SELECT l.adapter_id, l.slot, l.holder_pod AS previous
           FROM leases l JOIN adapters a ON a.id = l.adapter_id
          WHERE l.adapter_id = $1 AND a.enabled
            AND (l.holder_pod IS NULL OR l.expires_at <= clock_timestamp())
            AND NOT EXISTS (SELECT 1 FROM leases mine WHERE mine.adapter_id = $1 AND mine.holder_pod = $2
                              AND mine.expires_at > clock_timestamp())
          ORDER BY (l.holder_pod = $2) DESC NULLS LAST, l.slot
          LIMIT 1
          FOR UPDATE OF l SKIP LOCKED)
       UPDATE leases l
          SET holder_pod = $2, epoch = l.epoch + 1, state = 'Claiming', reason = NULL,
              granted_at = clock_timestamp(), renewed_at = clock_timestamp(),
              expires_at = clock_timestamp() + $3 * interval '1 millisecond'
         FROM candidate c
        WHERE l.adapter_id = c.adapter_id AND l.slot = c.slot
          AND (l.holder_pod IS NULL OR l.expires_at <= clock_timestamp())
       RETURNING l.slot, l.epoch, l.expires_at,
                 CASE WHEN c.previous IS DISTINCT FROM $2 THEN c.previous END AS taken_from`,
      [adapterId, pod, ttlMs],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { adapterId, slot: row.slot, epoch: toInt(row.epoch), expiresAt: toIso(row.expires_at), takenFrom: row.taken_from };
  } catch (error) {
    // The pod still had an expired slot another claimer was taking: it simply did not win this round.
    if (pgErrorCode(error) === PgCode.uniqueViolation) return undefined;
    throw error;
  }
}

/** Extends a live lease; undefined when `key` is no longer the current holder and epoch. */
export async function renewLease(db: Queryable, key: LeaseKey, ttlMs: number): Promise<{ expiresAt: string } | undefined> {
  const { rows } = await db.query<{ expires_at: unknown }>(
    `UPDATE leases SET expires_at = clock_timestamp() + $5 * interval '1 millisecond', renewed_at = clock_timestamp()
      WHERE adapter_id = $1 AND slot = $2 AND holder_pod = $3 AND epoch = $4 AND expires_at > clock_timestamp()
      RETURNING expires_at`,
    [key.adapterId, key.slot, key.pod, key.epoch, ttlMs],
  );
  return rows[0] && { expiresAt: toIso(rows[0].expires_at) };
}

/** Frees the slot at once so a standby can claim it; false when `key` was not the current holder. */
export async function releaseLease(db: Queryable, key: LeaseKey): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE leases SET holder_pod = NULL, expires_at = clock_timestamp(), state = 'Claiming', reason = NULL
      WHERE adapter_id = $1 AND slot = $2 AND holder_pod = $3 AND epoch = $4`,
    [key.adapterId, key.slot, key.pod, key.epoch],
  );
  return rowCount > 0;
}

/** Records what the holder reports; false when `key` is stale. */
export type ReportOutcome = 'recorded' | 'duplicate' | 'lost';

/**
 * Records the holder's state. `seq` numbers the holder's reports: one at or below the last recorded
 * number of the same lease is a report sent again (its answer was lost), `duplicate`, and its events and
 * counts must not be recorded twice. The row is locked first, so a retry racing the original waits
 * for it and then sees its number.
 */
export async function reportLeaseState(db: Queryable, key: LeaseKey, state: string, reason: string | null, seq?: number): Promise<ReportOutcome> {
  const { rows } = await db.query<{ last: unknown }>(
    `SELECT CASE WHEN report_epoch = epoch THEN report_seq ELSE 0 END AS last FROM leases
      WHERE adapter_id = $1 AND slot = $2 AND holder_pod = $3 AND epoch = $4 AND expires_at > clock_timestamp()
        FOR UPDATE`,
    [key.adapterId, key.slot, key.pod, key.epoch],
  );
  if (rows.length === 0) return 'lost';
  const duplicate = seq !== undefined && seq <= toInt(rows[0]!.last);
  await db.query(
    `UPDATE leases SET state = $3, reason = $4,
            report_epoch = epoch, report_seq = CASE WHEN $5::bigint IS NULL THEN report_seq ELSE greatest($5::bigint, CASE WHEN report_epoch = epoch THEN report_seq ELSE 0 END) END
      WHERE adapter_id = $1 AND slot = $2`,
    [key.adapterId, key.slot, state, reason, seq ?? null],
  );
  return duplicate ? 'duplicate' : 'recorded';
}

export interface HeldLease {
  adapterId: string;
  slot: number;
  epoch: number;
  revision: number;
  enabled: boolean;
  /** An operator's message trace is running (its deadline has not passed). */
  traced: boolean;
}

export async function leasesHeldBy(db: Queryable, pod: string): Promise<HeldLease[]> {
  const { rows } = await db.query<{ adapter_id: string; slot: number; epoch: unknown; revision: number; enabled: boolean; traced: boolean }>(
    `SELECT l.adapter_id, l.slot, l.epoch, a.revision, a.enabled, COALESCE(a.trace_until > clock_timestamp(), false) AS traced
       FROM leases l JOIN adapters a ON a.id = l.adapter_id
      WHERE l.holder_pod = $1 AND l.expires_at > clock_timestamp()
      ORDER BY a.name`,
    [pod],
  );
  return rows.map((r) => ({ adapterId: r.adapter_id, slot: r.slot, epoch: toInt(r.epoch), revision: r.revision, enabled: r.enabled, traced: r.traced }));
}

/** Enabled adapters with a free slot that `pod` could run, oldest-enabled first. */
export async function claimableBy(
  db: Queryable,
  pod: string,
  connectorTypes: readonly string[],
  limit: number,
): Promise<Array<{ adapterId: string; name: string; connectorType: string }>> {
  if (limit <= 0) return [];
  const { rows } = await db.query<{ id: string; name: string; connector_type: string }>(
    `SELECT a.id, a.name, a.connector_type
       FROM adapters a
      WHERE a.enabled AND a.connector_type = ANY($2::text[])
        AND EXISTS (SELECT 1 FROM leases l WHERE l.adapter_id = a.id
                      AND (l.holder_pod IS NULL OR l.expires_at <= clock_timestamp()))
        AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.adapter_id = a.id AND l.holder_pod = $1
                          AND l.expires_at > clock_timestamp())
      ORDER BY a.enabled_at, a.name
      LIMIT $3`,
    [pod, connectorTypes, limit],
  );
  return rows.map((r) => ({ adapterId: r.id, name: r.name, connectorType: r.connector_type }));
}
