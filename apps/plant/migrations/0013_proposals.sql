-- Proposed trades: a draft in the customer's inbox until approved (executed with that approval), rejected (with a
-- reason) or left to expire. 'expired' is never stored: an open proposal past expires_at reads as expired.
CREATE TABLE proposals (
  proposal_id uuid PRIMARY KEY,
  customer_id text NOT NULL,
  hired_agent_id uuid NOT NULL REFERENCES hired_agents (hired_agent_id),
  agent_id text NOT NULL,
  source text NOT NULL CHECK (source IN ('customer', 'ops', 'strategy')),
  state text NOT NULL CHECK (state IN ('open', 'approved', 'rejected')),
  run jsonb NOT NULL,
  plan jsonb NOT NULL,
  note text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  quoted_at timestamptz NOT NULL DEFAULT now(),
  ttl_s integer NOT NULL CHECK (ttl_s BETWEEN 60 AND 86400),
  expires_at timestamptz NOT NULL,
  decided_at timestamptz,
  decided_by text,
  reject_reason text,
  approval_id text UNIQUE,
  execution jsonb,
  CHECK ((state = 'rejected') = (reject_reason IS NOT NULL)),
  CHECK ((state = 'approved') = (approval_id IS NOT NULL))
);
CREATE INDEX proposals_customer ON proposals (customer_id, created_at DESC);
