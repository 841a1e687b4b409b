-- Channels: named, durable, ordered logs between adapters, with one committed offset per consuming
-- adapter. Pods write here directly, so every write that changes shared state carries the writer's
-- lease (adapter, slot, epoch) and is judged by the database (crosswire_assert_live_lease, migration 002).
-- See docs/message-flow.md.

CREATE TABLE channels (
  name            text PRIMARY KEY CHECK (name ~ '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' AND length(name) <= 63),
  -- The last offset handed out (0 = none yet). Appenders take this row's lock to number their
  -- messages, so offsets become visible in order: a reader that sees offset n already sees every
  -- offset below n. A consumer reading "after my committed offset" therefore never skips a message.
  head            bigint NOT NULL DEFAULT 0 CHECK (head >= 0),
  -- Retention: messages older than this, or beyond this many bytes counted from the head, may be
  -- deleted, but never one a consumer has not committed yet. NULL keeps without limit.
  retention_ms    bigint CHECK (retention_ms > 0),
  retention_bytes bigint CHECK (retention_bytes > 0),
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Stamps a message with the lease of the pod that appended it. NULL origin_epoch marks a write by
-- the control plane (a dead-letter replay), which holds no lease.
CREATE FUNCTION crosswire_fenced_append() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.origin_epoch IS NOT NULL THEN
    PERFORM crosswire_assert_live_lease(NEW.origin_adapter_id, NEW.origin_slot, NEW.origin_epoch);
  END IF;
  RETURN NEW;
END $$;

CREATE TABLE channel_messages (
  channel           text NOT NULL REFERENCES channels (name) ON DELETE CASCADE,
  msg_offset        bigint NOT NULL CHECK (msg_offset >= 1),
  -- clock_timestamp() after the channel row is locked: non-decreasing along the offsets.
  appended_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- Where the message came from. The origin session names one run of sequence numbers (for FIX the
  -- session key and the session's creation time, so a sequence reset starts a new origin session).
  origin_adapter_id uuid NOT NULL,
  origin_session    text NOT NULL,
  origin_seq        bigint NOT NULL,
  origin_slot       integer,
  origin_epoch      bigint,
  received_at       timestamptz NOT NULL,
  headers           jsonb NOT NULL DEFAULT '{}',
  -- 'fix': tag=value<SOH> fields, latin1; 'json': UTF-8 JSON text, kept byte for byte.
  body_kind         text NOT NULL CHECK (body_kind IN ('fix', 'json')),
  body              bytea NOT NULL,
  size_bytes        integer NOT NULL CHECK (size_bytes >= 0),
  PRIMARY KEY (channel, msg_offset),
  CHECK ((origin_slot IS NULL) = (origin_epoch IS NULL)),
  -- Appending the same origin message to a channel twice is a no-op: appends are idempotent.
  CONSTRAINT channel_messages_once UNIQUE (channel, origin_adapter_id, origin_session, origin_seq)
);
CREATE TRIGGER channel_messages_fenced BEFORE INSERT OR UPDATE ON channel_messages
  FOR EACH ROW EXECUTE FUNCTION crosswire_fenced_append();

-- One committed offset per (channel, consuming adapter): the consumer has processed every message up
-- to and including it. Every insert and update is fenced, so a stale holder can never move it.
CREATE TABLE channel_consumers (
  channel          text NOT NULL REFERENCES channels (name) ON DELETE CASCADE,
  adapter_id       uuid NOT NULL REFERENCES adapters (id) ON DELETE CASCADE,
  slot             integer NOT NULL,
  epoch            bigint NOT NULL,
  committed_offset bigint NOT NULL DEFAULT 0 CHECK (committed_offset >= 0),
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (channel, adapter_id)
);
CREATE TRIGGER channel_consumers_fenced BEFORE INSERT OR UPDATE ON channel_consumers
  FOR EACH ROW EXECUTE FUNCTION crosswire_fenced_write();
CREATE INDEX channel_consumers_by_adapter ON channel_consumers (adapter_id);

-- Aborts the whole statement when a compare-and-set inside it did not hold, so a multi-part write
-- (offset + outbound FIX message, inbound sequence + append) lands completely or not at all.
CREATE FUNCTION crosswire_channel_expect(p_ok boolean, p_code text, p_what text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT coalesce(p_ok, false) THEN
    RAISE EXCEPTION '%', p_what USING ERRCODE = p_code;
  END IF;
  RETURN true;
END $$;
