-- The approval ledger (rule 2): one row per approval, bound to the hash of the exact intent, single use.
-- "expired" is never stored: it is `state = 'pending' AND expires_at <= now`, so it cannot lag behind the clock.
CREATE TABLE approvals (
  approval_id text PRIMARY KEY CHECK (approval_id ~ '^apr_[a-z2-7]{26}$'),
  issuer text NOT NULL CHECK (issuer IN ('pp', 'cp')),
  customer_id text NOT NULL CHECK (char_length(customer_id) BETWEEN 1 AND 128),
  hired_agent_id text NOT NULL CHECK (char_length(hired_agent_id) BETWEEN 1 AND 128),
  agent_id text NOT NULL CHECK (char_length(agent_id) BETWEEN 1 AND 128),
  -- The vault's credential_ref, which is also the exchange_account_id.
  credential_ref text NOT NULL CHECK (char_length(credential_ref) BETWEEN 1 AND 128),
  intent_hash text NOT NULL CHECK (intent_hash ~ '^[A-Za-z0-9:_-]{16,128}$'),
  -- What the approver saw (coin, side, action, units, order type, limit price); display only, the hash binds.
  intent_summary jsonb NOT NULL CHECK (jsonb_typeof(intent_summary) = 'object'),
  approver_id text NOT NULL CHECK (char_length(approver_id) BETWEEN 1 AND 128),
  approver_kind text NOT NULL CHECK (approver_kind IN ('ops', 'customer')),
  -- The customer's consent as recorded by ops (channel, reference, note); required for ops-minted approvals.
  evidence jsonb CHECK (evidence IS NULL OR jsonb_typeof(evidence) = 'object'),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'consumed', 'revoked')),
  consumed_at timestamptz,
  consumed_by text,
  revoked_at timestamptz,
  revoked_by text,
  CONSTRAINT approvals_expiry_after_creation CHECK (expires_at > created_at),
  CONSTRAINT approvals_issuer_matches_approver CHECK ((issuer = 'pp') = (approver_kind = 'ops')),
  CONSTRAINT approvals_ops_need_evidence CHECK (approver_kind <> 'ops' OR evidence IS NOT NULL),
  CONSTRAINT approvals_consumed_fields CHECK (
    (state = 'consumed') = (consumed_at IS NOT NULL AND consumed_by IS NOT NULL)
  ),
  CONSTRAINT approvals_revoked_fields CHECK ((state = 'revoked') = (revoked_at IS NOT NULL AND revoked_by IS NOT NULL))
);

CREATE INDEX approvals_customer_created_idx ON approvals (customer_id, created_at DESC, approval_id DESC);
CREATE INDEX approvals_created_idx ON approvals (created_at DESC, approval_id DESC);
