-- Status reports are numbered per lease, so a report the pod sends again after losing the answer is
-- recognised and its events and message counts are not recorded twice. Kept on the lease row, which
-- a report locks anyway; the epoch says which lease the number belongs to, so a new holder starts
-- over at 1 without a reset at claim time. Expand-only: older pods send no number and are unaffected.
ALTER TABLE leases
  ADD COLUMN report_epoch bigint NOT NULL DEFAULT 0,
  ADD COLUMN report_seq   bigint NOT NULL DEFAULT 0 CHECK (report_seq >= 0);
