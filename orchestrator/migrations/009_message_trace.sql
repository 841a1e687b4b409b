-- Message trace: an operator turns on, for a bounded time, a live trace of an adapter's messages in
-- and out. The deadline lives on the adapter row; every heartbeat answer tells the holding pod whether
-- it is still in the future, so tracing stops by itself when it passes (or at once when cleared).
-- The traced messages themselves are events (category `message`), masked by the pod before they are sent.
ALTER TABLE adapters
  ADD COLUMN trace_until      timestamptz,
  ADD COLUMN trace_started_by text;
