import type { AdapterEvent, EventCategory, EventLevel, EventListQuery } from '../contract/index.ts';
import type { Queryable } from '../db/database.ts';
import { decodeCursor, encodeCursor, toInt, toIso } from './rows.ts';

export interface NewEvent {
  adapterId: string;
  level: EventLevel;
  category: EventCategory;
  message: string;
  details?: Record<string, unknown>;
}

export async function insertEvents(db: Queryable, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  // One statement for a batch: pods report events in bursts.
  await db.query(
    `INSERT INTO events (adapter_id, level, category, message, details)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS e(adapter_id uuid, level text, category text, message text, details jsonb)`,
    [JSON.stringify(events.map((e) => ({ adapter_id: e.adapterId, level: e.level, category: e.category, message: e.message, details: e.details ?? {} })))],
  );
}

interface EventRow {
  id: unknown;
  adapter_id: string;
  at: unknown;
  level: EventLevel;
  category: EventCategory;
  message: string;
  details: Record<string, unknown>;
}

/** Newest first. */
export async function listEvents(
  db: Queryable,
  adapterId: string,
  query: EventListQuery,
): Promise<{ items: AdapterEvent[]; nextCursor: string | null }> {
  const before = decodeCursor(query.cursor, (k): k is number => Number.isSafeInteger(k));
  const { rows } = await db.query<EventRow>(
    `SELECT * FROM events
      WHERE adapter_id = $1
        AND ($2::bigint IS NULL OR id < $2)
        AND ($3::text IS NULL OR level = $3)
        AND ($4::text IS NULL OR category = $4)
        AND ($5::timestamptz IS NULL OR at >= $5)
        AND ($6::timestamptz IS NULL OR at < $6)
      ORDER BY id DESC LIMIT $7`,
    [adapterId, before ?? null, query.level ?? null, query.category ?? null, query.since ?? null, query.until ?? null, query.limit + 1],
  );
  const items = rows.slice(0, query.limit).map((r) => ({
    id: toInt(r.id),
    adapterId: r.adapter_id,
    at: toIso(r.at),
    level: r.level,
    category: r.category,
    message: r.message,
    details: r.details,
  }));
  return { items, nextCursor: rows.length > query.limit ? encodeCursor(items[items.length - 1]?.id) : null };
}
