/**
 * Channels as the control plane sees them: creation, retention, lag and browsing. Lease-free
 * housekeeping, safe for any process at any time (every orchestrator replica runs retention on a
 * timer; pods may call it too). The fenced writes pods make (append, consume, commit) live in the
 * adapter's channel store.
 */
import type { Queryable } from '../db/database.ts';
import { toInt, toIso } from './rows.ts';

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

/** Creates the channels that do not exist yet, with no retention; existing ones are left as they are. */
export async function createMissingChannels(db: Queryable, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const { rows } = await db.query<{ name: string }>(
    `INSERT INTO channels (name) SELECT unnest($1::text[]) ORDER BY 1 ON CONFLICT (name) DO NOTHING RETURNING name`,
    [[...new Set(names)]],
  );
  return rows.map((r) => r.name);
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

/** Channels that have a retention limit: the ones the retention timer visits. */
export async function channelsWithRetention(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    'SELECT name FROM channels WHERE retention_ms IS NOT NULL OR retention_bytes IS NOT NULL ORDER BY name',
  );
  return rows.map((r) => r.name);
}

export interface ChannelRecord {
  name: string;
  head: number;
  retentionMs: number | null;
  retentionBytes: number | null;
  messages: number;
  bytes: number;
  oldestAt: string | null;
  newestAt: string | null;
  createdAt: string;
  consumers: { adapterId: string; adapter: string; committed: number; lag: number; updatedAt: string }[];
}

type ChannelRow = {
  name: string;
  head: unknown;
  retention_ms: unknown;
  retention_bytes: unknown;
  created_at: unknown;
  messages: unknown;
  bytes: unknown;
  oldest_at: unknown;
  newest_at: unknown;
  consumers: Array<{ adapter_id: string; adapter: string; committed: unknown; updated_at: unknown }> | string | null;
};

const CHANNEL_SELECT = `
  SELECT c.name, c.head, c.retention_ms, c.retention_bytes, c.created_at,
         s.messages, s.bytes, s.oldest_at, s.newest_at,
         (SELECT coalesce(json_agg(json_build_object('adapter_id', k.adapter_id, 'adapter', a.name,
                                                     'committed', k.committed_offset, 'updated_at', k.updated_at)
                                   ORDER BY a.name), '[]'::json)
            FROM channel_consumers k JOIN adapters a ON a.id = k.adapter_id WHERE k.channel = c.name) AS consumers
    FROM channels c
    LEFT JOIN LATERAL (SELECT count(*) AS messages, coalesce(sum(size_bytes), 0) AS bytes,
                              min(appended_at) AS oldest_at, max(appended_at) AS newest_at
                         FROM channel_messages m WHERE m.channel = c.name) s ON true`;

function channelRecord(row: ChannelRow): ChannelRecord {
  const head = toInt(row.head);
  // PGlite hands json back parsed, pg as parsed too; a string only if a driver setting changes.
  const consumers = typeof row.consumers === 'string' ? (JSON.parse(row.consumers) as Exclude<ChannelRow['consumers'], string>) : row.consumers;
  return {
    name: row.name,
    head,
    retentionMs: row.retention_ms === null ? null : toInt(row.retention_ms),
    retentionBytes: row.retention_bytes === null ? null : toInt(row.retention_bytes),
    messages: toInt(row.messages ?? 0),
    bytes: toInt(row.bytes ?? 0),
    oldestAt: row.oldest_at === null ? null : toIso(row.oldest_at),
    newestAt: row.newest_at === null ? null : toIso(row.newest_at),
    createdAt: toIso(row.created_at),
    consumers: (consumers ?? []).map((k) => ({
      adapterId: k.adapter_id,
      adapter: k.adapter,
      committed: toInt(k.committed),
      lag: lagOf(head, toInt(k.committed)),
      updatedAt: toIso(k.updated_at),
    })),
  };
}

/** Every channel with its size, age span and consumers; channel counts stay small (one per route). */
export async function listChannels(db: Queryable): Promise<ChannelRecord[]> {
  const { rows } = await db.query<ChannelRow>(`${CHANNEL_SELECT} ORDER BY c.name`);
  return rows.map(channelRecord);
}

export async function findChannel(db: Queryable, name: string): Promise<ChannelRecord | undefined> {
  const { rows } = await db.query<ChannelRow>(`${CHANNEL_SELECT} WHERE c.name = $1`, [name]);
  return rows[0] && channelRecord(rows[0]);
}

/** Sets the retention of an existing channel; false when there is no such channel. */
export async function setRetention(db: Queryable, name: string, retentionMs: number | null, retentionBytes: number | null): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE channels SET retention_ms = $2, retention_bytes = $3 WHERE name = $1', [name, retentionMs, retentionBytes]);
  return (rowCount ?? 0) > 0;
}

export interface StoredChannelMessage {
  offset: number;
  appendedAt: string;
  originAdapterId: string;
  originAdapter: string | null;
  originSession: string;
  originSeq: number;
  receivedAt: string;
  headers: Record<string, string>;
  bodyKind: 'fix' | 'json';
  body: Buffer;
  sizeBytes: number;
}

/** Messages after `after` (oldest first), or the newest `limit` when `after` is undefined. */
export async function listChannelMessages(db: Queryable, channel: string, options: { after?: number; limit: number }): Promise<StoredChannelMessage[]> {
  const newest = options.after === undefined;
  const { rows } = await db.query<{
    msg_offset: unknown;
    appended_at: unknown;
    origin_adapter_id: string;
    origin_adapter: string | null;
    origin_session: string;
    origin_seq: unknown;
    received_at: unknown;
    headers: Record<string, string> | string;
    body_kind: 'fix' | 'json';
    body: Uint8Array;
    size_bytes: number;
  }>(
    `SELECT m.msg_offset, m.appended_at, m.origin_adapter_id, a.name AS origin_adapter, m.origin_session, m.origin_seq,
            m.received_at, m.headers, m.body_kind, m.body, m.size_bytes
       FROM channel_messages m LEFT JOIN adapters a ON a.id = m.origin_adapter_id
      WHERE m.channel = $1 AND ($2::bigint IS NULL OR m.msg_offset > $2)
      ORDER BY m.msg_offset ${newest ? 'DESC' : 'ASC'} LIMIT $3`,
    [channel, options.after ?? null, options.limit],
  );
  const messages = rows.map((r) => ({
    offset: toInt(r.msg_offset),
    appendedAt: toIso(r.appended_at),
    originAdapterId: r.origin_adapter_id,
    originAdapter: r.origin_adapter,
    originSession: r.origin_session,
    originSeq: toInt(r.origin_seq),
    receivedAt: toIso(r.received_at),
    headers: typeof r.headers === 'string' ? (JSON.parse(r.headers) as Record<string, string>) : r.headers,
    bodyKind: r.body_kind,
    body: Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength),
    sizeBytes: r.size_bytes,
  }));
  return newest ? messages.reverse() : messages;
}

export interface PipelineUse {
  adapter: string;
  routes: string[];
  deadLetterChannel: string | null;
}

/** Which adapters' pipelines deliver to which channels, read from their current specs. */
export async function pipelineUses(db: Queryable): Promise<PipelineUse[]> {
  const { rows } = await db.query<{ name: string; routes: string[] | null; dead_letter: string | null }>(
    `SELECT a.name,
            (SELECT array_agg(DISTINCT r->>'channel') FROM jsonb_array_elements(coalesce(a.spec->'pipeline'->'routes', '[]'::jsonb)) r) AS routes,
            a.spec->'pipeline'->>'deadLetterChannel' AS dead_letter
       FROM adapters a WHERE a.spec ? 'pipeline' ORDER BY a.name`,
  );
  return rows.map((r) => ({ adapter: r.name, routes: r.routes ?? [], deadLetterChannel: r.dead_letter }));
}
