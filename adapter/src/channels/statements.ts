/**
 * The channel store's statements. Each write is one statement, so it lands completely or not at all;
 * every one asserts the writer's lease first (`crosswire_assert_live_lease`, migration 002), and
 * `crosswire_channel_expect` (migration 005) aborts the statement when a compare-and-set inside it
 * did not hold after another part already ran.
 */

/**
 * The PostgreSQL notification channel an append notifies, with the channel name as payload, when it
 * adds messages: consumers wake at once instead of polling (the notification follows the commit).
 */
export const APPENDED_NOTIFICATION = 'crosswire_channel_appended';

export interface AppendRow {
  inserted: unknown;
  advanced: unknown;
  next_target_seq: unknown;
}

/**
 * One statement for both appends. Offsets come from each channel's `head`, taken under the channel
 * row's lock in name order (no deadlock between appenders to several channels), so they become
 * visible in order. Messages already present (same origin) are skipped before numbering; two writers
 * racing with the same message can leave a gap, never a duplicate.
 */
function appendSql(withSeq: boolean): string {
  const gate = withSeq ? 'AND EXISTS (SELECT 1 FROM advanced)' : '';
  return `
WITH live AS MATERIALIZED (SELECT crosswire_assert_live_lease($1, $2, $3) AS ok),
${
  withSeq
    ? `advanced AS (
  UPDATE fix_sessions SET next_target_seq = $7 + 1, slot = $2, epoch = $3, updated_at = now()
   WHERE adapter_id = $1 AND session_key = $5 AND next_target_seq = $6 AND EXISTS (SELECT 1 FROM live)
  RETURNING 1),`
    : ''
}
input AS (
  SELECT DISTINCT ON (x.channel, x.session, x.seq) x.*
    FROM jsonb_to_recordset($4::jsonb) AS x(i int, channel text, session text, seq bigint, received_at timestamptz, headers jsonb, kind text, body text)
   ORDER BY x.channel, x.session, x.seq, x.i),
fresh AS (
  SELECT i.*, row_number() OVER (PARTITION BY i.channel ORDER BY i.i) AS n
    FROM input i
   WHERE NOT EXISTS (SELECT 1 FROM channel_messages m
                      WHERE m.channel = i.channel AND m.origin_adapter_id = $1 AND m.origin_session = i.session AND m.origin_seq = i.seq)
     ${gate}),
counts AS (SELECT channel, count(*) AS n FROM fresh GROUP BY channel),
locked AS (SELECT c.name FROM channels c WHERE c.name IN (SELECT channel FROM counts) AND EXISTS (SELECT 1 FROM live) ORDER BY c.name FOR UPDATE),
heads AS (
  UPDATE channels c SET head = c.head + k.n FROM counts k
   WHERE c.name = k.channel AND c.name IN (SELECT name FROM locked)
  RETURNING c.name, c.head - k.n AS base),
inserted AS (
  INSERT INTO channel_messages (channel, msg_offset, origin_adapter_id, origin_session, origin_seq, origin_slot, origin_epoch,
                                received_at, headers, body_kind, body, size_bytes)
  SELECT f.channel, h.base + f.n, $1, f.session, f.seq, $2, $3, f.received_at, f.headers, f.kind, decode(f.body, 'base64'),
         octet_length(decode(f.body, 'base64')) + octet_length(f.headers::text)
    FROM fresh f JOIN heads h ON h.name = f.channel
  ON CONFLICT ON CONSTRAINT channel_messages_once DO NOTHING
  RETURNING channel, msg_offset, origin_session, origin_seq)
SELECT (SELECT count(*) FROM live) AS live,
       crosswire_channel_expect((SELECT count(*) FROM heads) = (SELECT count(*) FROM counts), 'CW004',
         'no such channel: ' || coalesce((SELECT string_agg(channel, ', ') FROM counts WHERE channel NOT IN (SELECT name FROM heads)), '?')) AS known,
       (SELECT coalesce(jsonb_agg(jsonb_build_array(channel, msg_offset, origin_session, origin_seq) ORDER BY channel, msg_offset), '[]'::jsonb) FROM inserted)::text AS inserted,
       (SELECT count(pg_notify('${APPENDED_NOTIFICATION}', name)) FROM heads) AS notified,
       ${withSeq ? '(SELECT count(*) FROM advanced)' : '0'} AS advanced,
       ${withSeq ? '(SELECT next_target_seq FROM fix_sessions WHERE adapter_id = $1 AND session_key = $5)' : 'NULL::integer'} AS next_target_seq`;
}

export const APPEND_SQL = appendSql(false);
export const APPEND_WITH_SEQ_SQL = appendSql(true);

const COMMIT_CTE = `
live AS MATERIALIZED (SELECT crosswire_assert_live_lease($1, $2, $3) AS ok),
moved AS (
  UPDATE channel_consumers SET committed_offset = $6, slot = $2, epoch = $3, updated_at = clock_timestamp()
   WHERE channel = $4 AND adapter_id = $1 AND committed_offset = $5 AND $6 > $5
     AND $6 <= (SELECT head FROM channels WHERE name = $4) AND EXISTS (SELECT 1 FROM live)
  RETURNING 1)`;

export const COMMIT_SQL = `
WITH ${COMMIT_CTE}
SELECT crosswire_channel_expect(EXISTS (SELECT 1 FROM moved), 'CW003',
         'the committed offset of ' || $4 || ' is no longer ' || $5 || ', or ' || $6 || ' is past the head') AS moved`;

export const COMMIT_WITH_OUTBOUND_SQL = `
WITH ${COMMIT_CTE},
advanced AS (
  UPDATE fix_sessions SET next_sender_seq = $9, slot = $2, epoch = $3, updated_at = now()
   WHERE adapter_id = $1 AND session_key = $7 AND next_sender_seq = $8 AND EXISTS (SELECT 1 FROM moved)
  RETURNING 1),
stored AS (
  INSERT INTO fix_messages (adapter_id, session_key, seq, slot, epoch, message)
  SELECT $1, $7, x.seq, $2, $3, decode(x.body, 'base64')
    FROM jsonb_to_recordset($10::jsonb) AS x(seq integer, body text)
   WHERE EXISTS (SELECT 1 FROM advanced)
  ON CONFLICT (adapter_id, session_key, seq) DO UPDATE SET message = EXCLUDED.message, slot = $2, epoch = $3
  RETURNING 1)
SELECT crosswire_channel_expect(EXISTS (SELECT 1 FROM moved), 'CW003',
         'the committed offset of ' || $4 || ' is no longer ' || $5 || ', or ' || $6 || ' is past the head') AS moved,
       crosswire_channel_expect(EXISTS (SELECT 1 FROM advanced), 'CW003',
         'the next sender sequence number of ' || $7 || ' is not ' || $8) AS advanced,
       (SELECT count(*) FROM stored) AS stored`;
