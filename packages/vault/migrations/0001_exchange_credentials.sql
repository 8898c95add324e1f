-- Exchange credentials under envelope encryption. The secret is only in `ciphertext` (AES-256-GCM under a
-- per-credential data key); the data key only in `wrapped_key` (AES-256-GCM under master key
-- `master_key_version`). Revoking crypto-shreds: every encrypted column is cleared, so a revoked key can never
-- be opened again, even by someone holding the master key.
CREATE TABLE exchange_credentials (
  credential_ref text PRIMARY KEY CHECK (credential_ref ~ '^cred_(pp|cp)_[a-z2-7]{26}$'),
  -- Same value as credential_ref (one id for one set of keys; rotation keeps it). A column of its own so the
  -- two names the spec uses stay queryable, and so they could diverge later by migration.
  exchange_account_id text NOT NULL UNIQUE CHECK (exchange_account_id = credential_ref),
  customer_id text NOT NULL CHECK (char_length(customer_id) BETWEEN 1 AND 128),
  label text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 100),
  environment text NOT NULL CHECK (environment IN ('india', 'india-testnet', 'paper')),
  key_last4 text NOT NULL CHECK (char_length(key_last4) = 4),
  ciphertext bytea,
  iv bytea CHECK (octet_length(iv) = 12),
  tag bytea CHECK (octet_length(tag) = 16),
  wrapped_key bytea CHECK (octet_length(wrapped_key) = 32),
  wrap_iv bytea CHECK (octet_length(wrap_iv) = 12),
  wrap_tag bytea CHECK (octet_length(wrap_tag) = 16),
  master_key_version text CHECK (master_key_version ~ '^v[1-9][0-9]{0,8}$'),
  state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'revoked')),
  -- What the exchange said the key may do at the last read-only check, e.g. ["read", "trade"].
  verified_permissions jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(verified_permissions) = 'array'),
  created_at timestamptz NOT NULL DEFAULT now(),
  rotated_at timestamptz,
  revoked_at timestamptz,
  last_verified_at timestamptz,
  CONSTRAINT exchange_credentials_active_has_material CHECK (
    state <> 'active' OR (
      ciphertext IS NOT NULL AND iv IS NOT NULL AND tag IS NOT NULL AND wrapped_key IS NOT NULL
      AND wrap_iv IS NOT NULL AND wrap_tag IS NOT NULL AND master_key_version IS NOT NULL
    )
  ),
  CONSTRAINT exchange_credentials_revoked_is_shredded CHECK (
    state <> 'revoked' OR (
      revoked_at IS NOT NULL AND ciphertext IS NULL AND iv IS NULL AND tag IS NULL AND wrapped_key IS NULL
      AND wrap_iv IS NULL AND wrap_tag IS NULL AND master_key_version IS NULL
    )
  )
);

CREATE INDEX exchange_credentials_customer_idx ON exchange_credentials (customer_id, created_at DESC);
-- The re-wrap command looks for active rows not under the current master version.
CREATE INDEX exchange_credentials_master_version_idx ON exchange_credentials (master_key_version)
  WHERE state = 'active';
