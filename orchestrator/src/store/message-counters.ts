import type { MinuteCounts } from '../contract/index.ts';
import type { Queryable } from '../db/database.ts';
import { toInt, toIso } from './rows.ts';

/**
 * Adds a report's counts to their minutes, ignoring minutes already past retention, and prunes the
 * adapter's rows older than that. Minutes named twice in one report are summed first.
 */
export async function addMessageCounts(db: Queryable, adapterId: string, buckets: readonly MinuteCounts[], retentionMs: number): Promise<void> {
  if (buckets.length === 0) return;
  await db.query(
    `INSERT INTO message_counters AS c (adapter_id, minute, in_count, out_count, rejected_count)
     SELECT $1, b.minute, sum(b."in"), sum(b.out), sum(b.rejected)
       FROM jsonb_to_recordset($2::jsonb) AS b(minute timestamptz, "in" bigint, out bigint, rejected bigint)
      WHERE b.minute > clock_timestamp() - $3 * interval '1 millisecond'
      GROUP BY b.minute
     ON CONFLICT (adapter_id, minute) DO UPDATE
        SET in_count = c.in_count + excluded.in_count,
            out_count = c.out_count + excluded.out_count,
            rejected_count = c.rejected_count + excluded.rejected_count`,
    [adapterId, JSON.stringify(buckets), retentionMs],
  );
  await db.query(`DELETE FROM message_counters WHERE adapter_id = $1 AND minute <= clock_timestamp() - $2 * interval '1 millisecond'`, [
    adapterId,
    retentionMs,
  ]);
}

/** Every minute of the last `minutes` (the current one last) by the database clock, zero where nothing was counted. */
export async function listMessageCounts(db: Queryable, adapterId: string, minutes: number): Promise<MinuteCounts[]> {
  const { rows } = await db.query<{ minute: unknown; in_count: unknown; out_count: unknown; rejected_count: unknown }>(
    `WITH span AS (SELECT date_trunc('minute', clock_timestamp()) AS last)
     SELECT m.minute, coalesce(c.in_count, 0) AS in_count, coalesce(c.out_count, 0) AS out_count,
            coalesce(c.rejected_count, 0) AS rejected_count
       FROM span
       CROSS JOIN generate_series(span.last - ($2 - 1) * interval '1 minute', span.last, interval '1 minute') AS m(minute)
       LEFT JOIN message_counters c ON c.adapter_id = $1 AND c.minute = m.minute
      ORDER BY m.minute`,
    [adapterId, minutes],
  );
  return rows.map((r) => ({ minute: toIso(r.minute), in: toInt(r.in_count), out: toInt(r.out_count), rejected: toInt(r.rejected_count) }));
}
