-- The role mapping edited in the portal: which Crosswire roles a value of the roles claim (an IdP
-- group or role name) grants. While no row exists in role_mapping_state, AUTH_ROLE_MAP from the
-- environment is the mapping; the first save through the API stores one, and from then on the stored
-- mapping is the mapping (docs/operations.md, "Role mapping").
--
-- One version for the whole mapping: it is edited as one table with If-Match, and replicas poll the
-- version to notice a change made through another replica.
CREATE TABLE role_mapping_state (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version    integer NOT NULL CHECK (version >= 1),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_by text NOT NULL
);

-- `pod` is never granted here: adapter pods get it from their own credential (or AUTH_ROLE_MAP), so
-- no one can give a person's group the pod role through the API.
CREATE TABLE role_mappings (
  claim_value text PRIMARY KEY CHECK (length(claim_value) BETWEEN 1 AND 256 AND claim_value <> 'pod'),
  roles       text[] NOT NULL CHECK (
    cardinality(roles) >= 1 AND roles <@ ARRAY['viewer', 'operator', 'engineer', 'admin']::text[]
  )
);
