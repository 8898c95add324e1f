-- The ids (jti) of tokens this service has accepted, each kept until shortly after the token expires: a second
-- use of the same token is refused by every instance sharing the database. See src/replay-cache.ts.
CREATE TABLE used_token_ids (
  jti text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);

CREATE INDEX used_token_ids_expires_at ON used_token_ids (expires_at);
