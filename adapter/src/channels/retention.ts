/**
 * Channel housekeeping that needs no lease: creating a channel, measuring lag, applying retention.
 * Safe for any process to run at any time (the orchestrator, or every pod on a timer).
 */
import type { Queryable } from '@crosswire/orchestrator';
import { toInt } from './codec.ts';

export interface ChannelSettings {
  name: string;
  /** Messages older than this may be deleted; undefined keeps them regardless of age. */
  retentionMs?: number;
  /** Messages beyond this many bytes (counted back from the newest) may be deleted. */
  retentionBytes?: number;
}

/** Creates the channel, or updates its retention. */
export async function ensureChannel(db: Queryable, settings: ChannelSettings): Promise<void> {
  await db.query(
    `INSERT INTO channels (name, retention_ms, retention_bytes) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET retention_ms = EXCLUDED.retention_ms, retention_bytes = EXCLUDED.retention_bytes`,
    [settings.name, settings.retentionMs ?? null, settings.retentionBytes ?? null],
  );
}

/** How far a consumer is behind the head: messages appended but not yet committed. */
export function lagOf(head: number, committed: number): number {
  return Math.max(0, head - committed);
}

export interface ChannelLag {
  channel: string;
  head: number;
  consumers: { adapterId: string; committed: number; lag: number }[];
}

/** The head and every consumer's committed offset and lag, for metrics and the portal. */
export async function channelLag(db: Queryable, channel: string): Promise<ChannelLag | undefined> {
  const { rows } = await db.query<{ head: unknown; adapter_id: string | null; committed_offset: unknown }>(
    `SELECT c.head, k.adapter_id, k.committed_offset
       FROM channels c LEFT JOIN channel_consumers k ON k.channel = c.name
      WHERE c.name = $1 ORDER BY k.adapter_id`,
    [channel],
  );
  if (rows.length === 0) return undefined;
  const head = toInt(rows[0]!.head);
  const consumers = rows
    .filter((r) => r.adapter_id !== null)
    .map((r) => ({ adapterId: r.adapter_id!, committed: toInt(r.committed_offset), lag: lagOf(head, toInt(r.committed_offset)) }));
  return { channel, head, consumers };
}

export interface RetentionResult {
  deleted: number;
  bytes: number;
  /** Nothing at or above this offset was deleted: the slowest consumer's committed offset + 1. */
  protectedFrom: number;
}

/**
 * Deletes the channel's messages that are older than its age limit or beyond its size limit (bytes
 * counted back from the newest message), but never one some consumer has not committed: a stuck
 * consumer holds the log (and its disk) rather than losing messages; its lag shows it. A channel with
 * no consumers is trimmed by age and size alone. `now` stands in for the database clock (tests).
 */
export async function applyRetention(db: Queryable, channel: string, options: { now?: Date } = {}): Promise<RetentionResult> {
  const { rows } = await db.query<{ deleted: unknown; bytes: unknown; floor: unknown }>(
    `WITH ch AS (SELECT name, head, retention_ms, retention_bytes FROM channels WHERE name = $1),
          floor AS (SELECT coalesce((SELECT min(committed_offset) FROM channel_consumers WHERE channel = $1), (SELECT head FROM ch)) AS f),
          sized AS (SELECT msg_offset, appended_at, size_bytes,
                           sum(size_bytes) OVER (ORDER BY msg_offset DESC) AS from_newest
                      FROM channel_messages WHERE channel = $1),
          doomed AS (
            SELECT s.msg_offset FROM sized s, ch, floor
             WHERE s.msg_offset <= floor.f
               AND ((ch.retention_ms IS NOT NULL
                     AND s.appended_at < coalesce($2::timestamptz, clock_timestamp()) - ch.retention_ms * interval '1 millisecond')
                 OR (ch.retention_bytes IS NOT NULL AND s.from_newest > ch.retention_bytes))),
          gone AS (DELETE FROM channel_messages m USING doomed d WHERE m.channel = $1 AND m.msg_offset = d.msg_offset
                   RETURNING m.size_bytes)
     SELECT (SELECT count(*) FROM gone) AS deleted, (SELECT coalesce(sum(size_bytes), 0) FROM gone) AS bytes,
            (SELECT f FROM floor) AS floor`,
    [channel, options.now?.toISOString() ?? null],
  );
  const row = rows[0]!;
  return { deleted: toInt(row.deleted), bytes: toInt(row.bytes), protectedFrom: toInt(row.floor ?? 0) + 1 };
}
