-- The FIX session store adapter pods write to, fenced by lease epoch in the database itself: a row
-- stamped with an epoch that is not the live lease of its (adapter, slot) is refused, whoever sends it.

CREATE FUNCTION crosswire_assert_live_lease(p_adapter uuid, p_slot integer, p_epoch bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  -- FOR SHARE holds off a concurrent claim of this slot until the write commits, so no claim can
  -- slip in between this check and the write it guards.
  PERFORM 1 FROM leases
    WHERE adapter_id = p_adapter AND slot = p_slot AND epoch = p_epoch
      AND holder_pod IS NOT NULL AND expires_at > clock_timestamp()
    FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'lease epoch % of adapter % slot % is not live: this writer was fenced out', p_epoch, p_adapter, p_slot
      USING ERRCODE = 'CW001', HINT = 'stop the session without sending anything';
  END IF;
END $$;

CREATE FUNCTION crosswire_fenced_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM crosswire_assert_live_lease(NEW.adapter_id, NEW.slot, NEW.epoch);
  RETURN NEW;
END $$;

CREATE TABLE fix_sessions (
  adapter_id      uuid NOT NULL REFERENCES adapters (id) ON DELETE CASCADE,
  -- BeginString:SenderCompID->TargetCompID, as the session layer names it.
  session_key     text NOT NULL,
  slot            integer NOT NULL,
  epoch           bigint NOT NULL,
  next_sender_seq integer NOT NULL CHECK (next_sender_seq >= 1),
  next_target_seq integer NOT NULL CHECK (next_target_seq >= 1),
  creation_time   timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (adapter_id, session_key)
);
CREATE TRIGGER fix_sessions_fenced BEFORE INSERT OR UPDATE ON fix_sessions
  FOR EACH ROW EXECUTE FUNCTION crosswire_fenced_write();

CREATE TABLE fix_messages (
  adapter_id  uuid NOT NULL,
  session_key text NOT NULL,
  seq         integer NOT NULL,
  slot        integer NOT NULL,
  epoch       bigint NOT NULL,
  message     bytea NOT NULL,
  PRIMARY KEY (adapter_id, session_key, seq),
  FOREIGN KEY (adapter_id, session_key) REFERENCES fix_sessions (adapter_id, session_key) ON DELETE CASCADE
);
CREATE TRIGGER fix_messages_fenced BEFORE INSERT OR UPDATE ON fix_messages
  FOR EACH ROW EXECUTE FUNCTION crosswire_fenced_write();
