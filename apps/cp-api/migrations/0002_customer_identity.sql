-- Customer logins of CP: one customer (Plant's customer_id) may have several users; an e-mail signs in one user.
CREATE TABLE cp_users (
  user_id text PRIMARY KEY CHECK (user_id ~ '^cpu_[0-9a-f]{24}$'),
  customer_id text NOT NULL CHECK (customer_id ~ '^cus_[0-9a-hjkmnp-tv-z]{26}$'),
  email text NOT NULL CONSTRAINT cp_users_email_key UNIQUE CHECK (email = lower(email) AND length(email) <= 254),
  password_hash text NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cp_users_customer ON cp_users (customer_id);

-- Invites PP signed (a JWT with a jti): a jti is used once. The primary key makes two signups racing on one invite
-- end with one user (the other's transaction fails on the key and rolls its user back).
CREATE TABLE cp_invites_used (
  jti uuid PRIMARY KEY,
  customer_id text NOT NULL,
  user_id text NOT NULL REFERENCES cp_users (user_id),
  used_at timestamptz NOT NULL DEFAULT now()
);

-- WebAuthn credentials (passkeys): the public key and the signature counter; never a private key.
CREATE TABLE cp_passkeys (
  credential_id text PRIMARY KEY CHECK (credential_id ~ '^[A-Za-z0-9_-]{16,1366}$'),
  user_id text NOT NULL REFERENCES cp_users (user_id),
  public_key bytea NOT NULL,
  counter bigint NOT NULL DEFAULT 0 CHECK (counter >= 0),
  transports jsonb NOT NULL DEFAULT '[]'::jsonb,
  device_type text NOT NULL,
  backed_up boolean NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX cp_passkeys_user ON cp_passkeys (user_id);

-- TOTP seeds, envelope-encrypted by the portal's vault keyring (AES-256-GCM data key wrapped under the versioned
-- master key; the user and customer ids bound as AAD). last_used_step refuses a code's time step twice.
CREATE TABLE cp_totp (
  user_id text PRIMARY KEY REFERENCES cp_users (user_id),
  ciphertext bytea NOT NULL,
  iv bytea NOT NULL,
  tag bytea NOT NULL,
  wrapped_key bytea NOT NULL,
  wrap_iv bytea NOT NULL,
  wrap_tag bytea NOT NULL,
  master_key_version text NOT NULL,
  confirmed_at timestamptz,
  last_used_step bigint,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Server-side sessions: the cookie holds a random token, only its SHA-256 is stored. A session ends when revoked,
-- when idle longer than the idle timeout (last_seen_at) or at expires_at (absolute lifetime).
CREATE TABLE cp_sessions (
  session_id uuid PRIMARY KEY,
  token_hash text NOT NULL CONSTRAINT cp_sessions_token_hash_key UNIQUE,
  user_id text NOT NULL REFERENCES cp_users (user_id),
  customer_id text NOT NULL,
  auth_method text NOT NULL CHECK (auth_method IN ('signup', 'passkey', 'password+totp', 'password+passkey')),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_reason text,
  user_agent text,
  remote_address text
);
CREATE INDEX cp_sessions_user ON cp_sessions (user_id, created_at);

-- One-use server challenges: WebAuthn registration and login, the second factor after a password, and step-up
-- (whose WebAuthn challenge is SHA-256(intent_hash || nonce), bound to one intent hash).
CREATE TABLE cp_challenges (
  challenge_id uuid PRIMARY KEY,
  purpose text NOT NULL CHECK (purpose IN ('registration', 'login', 'second_factor', 'step_up')),
  user_id text REFERENCES cp_users (user_id),
  challenge text NOT NULL,
  intent_hash text CHECK (intent_hash ~ '^[0-9a-f]{64}$'),
  nonce text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  CHECK (purpose <> 'step_up' OR (user_id IS NOT NULL AND intent_hash IS NOT NULL AND nonce IS NOT NULL)),
  CHECK (purpose NOT IN ('registration', 'second_factor') OR user_id IS NOT NULL)
);
CREATE INDEX cp_challenges_expiry ON cp_challenges (expires_at);

-- Failed sign-in counters (rate-limiter-flexible's PostgreSQL store layout): per account and per address, shared
-- by every CP instance.
CREATE TABLE cp_login_throttle (
  key varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
