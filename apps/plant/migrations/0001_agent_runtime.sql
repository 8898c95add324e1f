-- Hired agents: one per customer and reference agent, with the non-secret AgentSetup and run counters used to
-- enforce the agent's trial and budget.
CREATE TABLE hired_agents (
  hired_agent_id uuid PRIMARY KEY,
  customer_id text NOT NULL,
  agent_id text NOT NULL,
  plan text NOT NULL CHECK (plan IN ('trial', 'paid')),
  setup jsonb NOT NULL,
  setup_version integer NOT NULL DEFAULT 1,
  runs_used integer NOT NULL DEFAULT 0,
  -- UTC day (YYYY-MM-DD) the budget counter belongs to; text avoids driver time-zone conversions.
  budget_day text,
  budget_day_runs integer NOT NULL DEFAULT 0,
  hired_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (customer_id, agent_id)
);

CREATE TABLE usage_events (
  seq bigserial PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  event_type text NOT NULL,
  correlation_id text NOT NULL,
  customer_id text NOT NULL,
  agent_id text NOT NULL,
  hired_agent_id uuid,
  action text,
  outcome text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  occurred_at timestamptz NOT NULL
);
CREATE INDEX usage_events_customer ON usage_events (customer_id, seq);
CREATE INDEX usage_events_correlation ON usage_events (correlation_id);

-- The audit log: append-only and hash-chained. seq is assigned by the appender under an advisory lock
-- (head + 1), so the primary key also refuses a forked chain.
CREATE TABLE audit_log (
  seq bigint PRIMARY KEY CHECK (seq > 0),
  record_id uuid NOT NULL UNIQUE,
  kind text NOT NULL,
  correlation_id text NOT NULL,
  decision_id uuid UNIQUE,
  customer_id text,
  agent_id text,
  hired_agent_id uuid,
  stage text,
  action text,
  outcome text,
  reason text,
  details jsonb NOT NULL,
  recorded_at timestamptz NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL UNIQUE
);
CREATE INDEX audit_log_correlation ON audit_log (correlation_id);
CREATE INDEX audit_log_denials ON audit_log (kind, outcome, seq);

CREATE FUNCTION reject_append_only_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION reject_append_only_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change();
CREATE TRIGGER usage_events_append_only BEFORE UPDATE OR DELETE ON usage_events
  FOR EACH ROW EXECUTE FUNCTION reject_append_only_change();
