-- The customer's brake: a paused hired agent takes no new entry (no run is reserved for one, so no order that adds
-- risk is drafted as approvable or executed) until resumed; exits and cancels still run, so it can be flattened.
ALTER TABLE hired_agents ADD COLUMN paused_at timestamptz;
ALTER TABLE hired_agents ADD COLUMN paused_reason text;
ALTER TABLE hired_agents ADD COLUMN paused_by text;
