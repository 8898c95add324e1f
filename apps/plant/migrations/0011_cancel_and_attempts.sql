-- A resting order can be cancelled, as a trade action of its own (drafted, approved, executed once).
ALTER TABLE executions DROP CONSTRAINT executions_action_check;
ALTER TABLE executions ADD CONSTRAINT executions_action_check
  CHECK (action IN ('place_order', 'close_position', 'cancel_order'));

-- An execution announced just before its approval is consumed at the portal. The request that wrote it holds it
-- (lease) until it records the execution itself, in the same statement that resolves this row. A row still
-- 'consuming' after its lease ran out belongs to a request that died (or gave up) around the consumption: the
-- reconciler asks the portal whether the approval was consumed by it, and if so records the execution as
-- rejected / consumed_not_executed — nothing can have been sent, the execution record precedes every send.
CREATE TABLE execution_attempts (
  execution_id uuid PRIMARY KEY,
  approval_id text NOT NULL,
  customer_id text NOT NULL,
  hired_agent_id uuid NOT NULL,
  agent_id text NOT NULL,
  credential_ref text NOT NULL,
  intent_hash text NOT NULL,
  action text NOT NULL CHECK (action IN ('place_order', 'close_position', 'cancel_order')),
  product_id integer NOT NULL,
  product_symbol text NOT NULL,
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  order_request jsonb NOT NULL,
  correlation_id text NOT NULL,
  state text NOT NULL DEFAULT 'consuming' CHECK (state IN ('consuming', 'resolved')),
  -- executed · not_consumed (the portal refused, or never consumed it) · consumed_elsewhere (another request
  -- consumed it) · consumed_not_executed (this request consumed it and died before recording the execution)
  outcome text CHECK (outcome IN ('executed', 'not_consumed', 'consumed_elsewhere', 'consumed_not_executed')),
  lease_owner text NOT NULL,
  lease_until timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  CHECK ((state = 'resolved') = (outcome IS NOT NULL))
);
CREATE INDEX execution_attempts_open ON execution_attempts (lease_until) WHERE state = 'consuming';
CREATE INDEX execution_attempts_approval ON execution_attempts (approval_id);
