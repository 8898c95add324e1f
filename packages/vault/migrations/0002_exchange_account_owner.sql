-- The exchange's own id of the account behind a key (Delta's user id, from the read-only key check). One exchange
-- account belongs to exactly one active credential, so to one customer: two customers sharing an account would
-- see each other's positions, and each one's limits would mean nothing. Rotation may not move a credential to
-- another exchange account (approvals minted for the old one would trade on the new one).
ALTER TABLE exchange_credentials
  ADD COLUMN exchange_user_id text CHECK (exchange_user_id ~ '^[0-9]{1,20}$');
CREATE UNIQUE INDEX exchange_credentials_one_owner
  ON exchange_credentials (environment, exchange_user_id)
  WHERE state = 'active' AND exchange_user_id IS NOT NULL;
