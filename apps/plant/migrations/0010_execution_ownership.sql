-- One owner of an execution at a time. The request path that records an execution holds its lease (and renews it
-- while it works); the reconciler may act only on a row whose lease has run out, and takes the lease first. Every
-- verdict is an UPDATE conditioned on the writer still owning the row, so the request path and a reconciler (on
-- this or another instance) can never both decide an execution.
ALTER TABLE executions ADD COLUMN lease_owner text;
-- When the order was (first) handed to the exchange: the start of the reconciliation horizon.
ALTER TABLE executions ADD COLUMN sent_at timestamptz;
-- Set when the reconciler found at the exchange an order the platform had recorded as unknown.
ALTER TABLE executions ADD COLUMN discovered_late_at timestamptz;
UPDATE executions SET sent_at = updated_at WHERE state IN ('submitted', 'unknown') AND sent_at IS NULL;
