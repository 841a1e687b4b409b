import type { Queryable } from '../db/database.ts';
import { toIso } from './rows.ts';

/** A running trace: until when, and who started it. */
export interface TraceRecord {
  until: string;
  startedBy: string;
}

/** The adapter's trace, when its deadline is still ahead (a passed deadline is no trace). */
export async function findActiveTrace(db: Queryable, adapterId: string): Promise<TraceRecord | undefined> {
  const { rows } = await db.query<{ trace_until: unknown; trace_started_by: string }>(
    `SELECT trace_until, trace_started_by FROM adapters WHERE id = $1 AND trace_until > clock_timestamp()`,
    [adapterId],
  );
  const row = rows[0];
  return row ? { until: toIso(row.trace_until), startedBy: row.trace_started_by } : undefined;
}

/** Traces from now for `minutes` (replacing any deadline), on the database's clock like leases. */
export async function startTrace(db: Queryable, adapterId: string, minutes: number, startedBy: string): Promise<TraceRecord> {
  const { rows } = await db.query<{ trace_until: unknown }>(
    `UPDATE adapters SET trace_until = clock_timestamp() + $2 * interval '1 minute', trace_started_by = $3
      WHERE id = $1 RETURNING trace_until`,
    [adapterId, minutes, startedBy],
  );
  return { until: toIso(rows[0]!.trace_until), startedBy };
}

/** Stops a trace; answers the one that was running, if any. */
export async function stopTrace(db: Queryable, adapterId: string): Promise<TraceRecord | undefined> {
  const { rows } = await db.query<{ trace_until: unknown; trace_started_by: string }>(
    `UPDATE adapters a SET trace_until = NULL, trace_started_by = NULL
       FROM (SELECT id, trace_until, trace_started_by FROM adapters WHERE id = $1 FOR UPDATE) old
      WHERE a.id = old.id AND old.trace_until > clock_timestamp()
      RETURNING old.trace_until, old.trace_started_by`,
    [adapterId],
  );
  const row = rows[0];
  return row ? { until: toIso(row.trace_until), startedBy: row.trace_started_by } : undefined;
}
