-- One row per approved trade action, written BEFORE the order is sent. approval_id and client_order_id are
-- unique: one approval can never place two orders, on any number of Plant instances.
CREATE TABLE executions (
  execution_id uuid PRIMARY KEY,
  approval_id text NOT NULL UNIQUE,
  client_order_id text NOT NULL UNIQUE CHECK (length(client_order_id) <= 32),
  customer_id text NOT NULL,
  hired_agent_id uuid NOT NULL,
  agent_id text NOT NULL,
  credential_ref text NOT NULL,
  intent_hash text NOT NULL,
  action text NOT NULL CHECK (action IN ('place_order', 'close_position')),
  product_id integer NOT NULL,
  product_symbol text NOT NULL,
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  -- Contracts actually requested (an exit is clamped to the open position, never more than approved).
  size integer CHECK (size > 0),
  order_request jsonb NOT NULL,
  -- pending: recorded, not sent · submitted: being sent · open/filled/cancelled: the exchange's answer ·
  -- rejected: the exchange (or a pre-send check) refused · unknown: sent, outcome not yet known.
  state text NOT NULL CHECK (state IN ('pending', 'submitted', 'open', 'filled', 'cancelled', 'rejected', 'unknown')),
  reason text,
  exchange_order_id text,
  exchange_state text,
  filled_size integer,
  average_fill_price text,
  fees text,
  correlation_id text NOT NULL,
  -- A reconciler instance holds the row while it settles it (several Plants may run).
  lease_until timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX executions_unsettled ON executions (state, updated_at) WHERE state IN ('pending', 'submitted', 'unknown');
CREATE INDEX executions_customer ON executions (customer_id, created_at);
