-- Ops users of the PP portal, their sessions and login attempts (for throttling and audit).
CREATE TABLE ops_users (
  user_id text PRIMARY KEY,
  username text NOT NULL UNIQUE CHECK (username = lower(username) AND length(username) BETWEEN 3 AND 64),
  display_name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
  password_hash text NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The cookie carries a random token; only its SHA-256 is stored, so a database leak does not leak sessions.
CREATE TABLE ops_sessions (
  token_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES ops_users (user_id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX ops_sessions_user ON ops_sessions (user_id);

CREATE TABLE login_attempts (
  id bigserial PRIMARY KEY,
  username text NOT NULL,
  remote_address text NOT NULL,
  succeeded boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_recent ON login_attempts (username, created_at);

-- What ops did and what PP refused, with the request's correlation id. Append-only.
CREATE TABLE pp_audit (
  id bigserial PRIMARY KEY,
  correlation_id text NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  target text,
  outcome text NOT NULL CHECK (outcome IN ('allowed', 'denied', 'failed')),
  reason text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pp_audit_correlation ON pp_audit (correlation_id);

CREATE FUNCTION pp_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'pp_audit is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER pp_audit_append_only BEFORE UPDATE OR DELETE ON pp_audit
  FOR EACH ROW EXECUTE FUNCTION pp_audit_append_only();
