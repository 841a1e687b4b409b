-- Browser sessions of the portal's backend-for-frontend (portal/src/bff). The cookie value never
-- reaches the database: rows are keyed by its SHA-256. Tokens are sealed (AES-256-GCM) by the portal
-- before they are stored. A session ends when it is idle too long, reaches its maximum age, or the
-- user logs out (the row is deleted, so a replayed cookie finds nothing).
CREATE TABLE portal_sessions (
  id_hash            text PRIMARY KEY,
  subject            text NOT NULL,
  name               text NOT NULL,
  tokens             text NOT NULL,
  access_expires_at  timestamptz NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_seen_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at         timestamptz NOT NULL
);
CREATE INDEX portal_sessions_expires_at ON portal_sessions (expires_at);
CREATE INDEX portal_sessions_subject ON portal_sessions (subject);

-- A login in progress: the browser holds a cookie naming the row; the callback consumes it once.
CREATE TABLE portal_login_states (
  id_hash        text PRIMARY KEY,
  state          text NOT NULL,
  nonce          text NOT NULL,
  code_verifier  text NOT NULL,
  return_to      text NOT NULL,
  expires_at     timestamptz NOT NULL
);
CREATE INDEX portal_login_states_expires_at ON portal_login_states (expires_at);
