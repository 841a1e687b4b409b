-- Message counters: per adapter and minute, how many messages its pods received, sent and rejected.
-- Pods report what they counted since their last report together with their status, which the
-- orchestrator accepts only from the live lease holder at its epoch; each report adds to the minutes
-- it names. A day is kept: older rows of an adapter are pruned whenever it reports.

CREATE TABLE message_counters (
  adapter_id     uuid NOT NULL REFERENCES adapters (id) ON DELETE CASCADE,
  -- Start of the minute on the clock of the pod that counted.
  minute         timestamptz NOT NULL CHECK (minute = date_trunc('minute', minute)),
  in_count       bigint NOT NULL DEFAULT 0 CHECK (in_count >= 0),
  out_count      bigint NOT NULL DEFAULT 0 CHECK (out_count >= 0),
  rejected_count bigint NOT NULL DEFAULT 0 CHECK (rejected_count >= 0),
  PRIMARY KEY (adapter_id, minute)
);
