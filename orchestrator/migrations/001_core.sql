-- Crosswire core schema: configuration, revisions, leases, pods, events, actions, artifacts.
-- Runs unchanged on PostgreSQL 15+ and on PGlite.

CREATE TABLE plugins (
  type          text PRIMARY KEY,
  title         text NOT NULL,
  description   text NOT NULL,
  version       text NOT NULL,
  direction     text NOT NULL CHECK (direction IN ('inbound', 'outbound', 'bidirectional')),
  exclusive     boolean NOT NULL,
  config_schema jsonb NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE adapters (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name            text NOT NULL UNIQUE,
  enabled         boolean NOT NULL DEFAULT false,
  -- When the admin state last became enabled: measures how long an adapter has waited for a pod.
  enabled_at      timestamptz,
  -- Set once the "no pod has claimed it" warning was emitted, so replicas emit it once.
  claim_warned_at timestamptz,
  revision        integer NOT NULL CHECK (revision >= 1),
  mode            text NOT NULL CHECK (mode IN ('single', 'active_passive', 'scale_out')),
  connector_type  text NOT NULL REFERENCES plugins (type),
  -- The whole spec as the latest revision has it, secrets encrypted.
  spec            jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX adapters_connector_type ON adapters (connector_type);
CREATE INDEX adapters_enabled ON adapters (enabled) WHERE enabled;

CREATE TABLE adapter_revisions (
  adapter_id uuid NOT NULL REFERENCES adapters (id) ON DELETE CASCADE,
  revision   integer NOT NULL,
  spec       jsonb NOT NULL,
  author     text NOT NULL,
  message    text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (adapter_id, revision)
);

CREATE TABLE pods (
  id                text PRIMARY KEY,
  version           text NOT NULL,
  capacity          integer NOT NULL,
  connector_types   text[] NOT NULL,
  subject           text NOT NULL,
  draining          boolean NOT NULL DEFAULT false,
  registered_at     timestamptz NOT NULL DEFAULT now(),
  last_heartbeat_at timestamptz NOT NULL DEFAULT now()
);

-- One row per (adapter, slot). The epoch only grows: every grant adds one, so a write stamped with an
-- older epoch is provably from a fenced-out holder. Times come from the database clock only.
CREATE TABLE leases (
  adapter_id  uuid NOT NULL REFERENCES adapters (id) ON DELETE CASCADE,
  slot        integer NOT NULL CHECK (slot >= 0),
  holder_pod  text,
  epoch       bigint NOT NULL DEFAULT 0,
  expires_at  timestamptz,
  granted_at  timestamptz,
  renewed_at  timestamptz,
  state       text NOT NULL DEFAULT 'Claiming' CHECK (state IN ('Claiming', 'Active', 'Error')),
  reason      text,
  PRIMARY KEY (adapter_id, slot)
);
-- A pod holds at most one slot of an adapter: scale_out spreads instances over distinct pods.
CREATE UNIQUE INDEX leases_one_slot_per_pod ON leases (adapter_id, holder_pod) WHERE holder_pod IS NOT NULL;
CREATE INDEX leases_holder ON leases (holder_pod) WHERE holder_pod IS NOT NULL;

CREATE TABLE events (
  id         bigserial PRIMARY KEY,
  adapter_id uuid NOT NULL REFERENCES adapters (id) ON DELETE CASCADE,
  at         timestamptz NOT NULL DEFAULT now(),
  level      text NOT NULL CHECK (level IN ('debug', 'info', 'warning', 'error')),
  category   text NOT NULL CHECK (category IN ('connection', 'action', 'system', 'message')),
  message    text NOT NULL,
  details    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_adapter ON events (adapter_id, id DESC);

CREATE TABLE adapter_actions (
  id           bigserial PRIMARY KEY,
  adapter_id   uuid NOT NULL REFERENCES adapters (id) ON DELETE CASCADE,
  kind         text NOT NULL,
  params       jsonb NOT NULL DEFAULT '{}',
  requested_by text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  delivered_to text,
  delivered_at timestamptz,
  completed_at timestamptz,
  outcome      text NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'delivered', 'succeeded', 'failed')),
  detail       text
);
CREATE INDEX adapter_actions_open ON adapter_actions (adapter_id) WHERE completed_at IS NULL;

CREATE TABLE artifacts (
  name         text NOT NULL,
  version      integer NOT NULL CHECK (version >= 1),
  sha256       text NOT NULL,
  size         integer NOT NULL,
  content_type text NOT NULL,
  content      bytea NOT NULL,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, version)
);

-- Which artifacts an adapter's current spec names, kept in step with every write of the spec.
CREATE TABLE adapter_artifact_refs (
  adapter_id    uuid NOT NULL REFERENCES adapters (id) ON DELETE CASCADE,
  artifact_name text NOT NULL,
  PRIMARY KEY (adapter_id, artifact_name)
);
CREATE INDEX adapter_artifact_refs_by_artifact ON adapter_artifact_refs (artifact_name);
