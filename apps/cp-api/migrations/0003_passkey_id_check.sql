-- 0002's check on credential ids used a regular-expression repetition above PostgreSQL's limit (255), which fails
-- at the first insert: the length is checked on its own.
ALTER TABLE cp_passkeys DROP CONSTRAINT cp_passkeys_credential_id_check;
ALTER TABLE cp_passkeys ADD CONSTRAINT cp_passkeys_credential_id_check
  CHECK (credential_id ~ '^[A-Za-z0-9_-]+$' AND length(credential_id) BETWEEN 16 AND 1366);
