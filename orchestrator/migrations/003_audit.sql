-- The audit trail: append-only and hash-chained. Each record's hash covers the previous record's hash
-- and its own payload text, so changing, removing or reordering any record breaks the chain from there on.

CREATE TABLE audit_records (
  id         bigserial PRIMARY KEY,
  -- The canonical JSON the hash covers, kept as text so its bytes never change (jsonb would reorder).
  payload    text NOT NULL,
  prev_hash  text NOT NULL,
  hash       text NOT NULL UNIQUE,
  -- Copies of payload fields for searching; the payload is the record.
  at         timestamptz NOT NULL,
  actor      text NOT NULL,
  actor_name text NOT NULL,
  action     text NOT NULL,
  target     text NOT NULL
);
CREATE INDEX audit_records_actor ON audit_records (actor, id DESC);
CREATE INDEX audit_records_actor_name ON audit_records (actor_name, id DESC);
CREATE INDEX audit_records_target ON audit_records (target, id DESC);

CREATE FUNCTION crosswire_audit_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit records are append-only: % is not allowed', TG_OP USING ERRCODE = 'CW002';
END $$;

CREATE TRIGGER audit_records_no_update BEFORE UPDATE OR DELETE ON audit_records
  FOR EACH ROW EXECUTE FUNCTION crosswire_audit_is_append_only();
CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
  FOR EACH STATEMENT EXECUTE FUNCTION crosswire_audit_is_append_only();

-- Roles other than the owner may add records but never change them; deployments run the orchestrator
-- as such a role (the installer owns the schema).
REVOKE UPDATE, DELETE, TRUNCATE ON audit_records FROM PUBLIC;
