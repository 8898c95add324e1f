-- The customer directory: Plant owns customer_ids; the portals map their logins to them. Ids are 'cus_' + 26
-- Crockford base32 characters (128 random bits) so they are unguessable and cannot be enumerated.
CREATE TABLE customers (
  customer_id text PRIMARY KEY,
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  -- Optional; stored lowercased so uniqueness is case-insensitive (NULLs do not collide).
  email text UNIQUE CHECK (email = lower(email)),
  created_at timestamptz NOT NULL,
  -- The principal label of whoever created it, e.g. ops:usr_1(admin).
  created_by text NOT NULL
);
CREATE INDEX customers_created ON customers (created_at, customer_id);

-- A hire must name a customer in the directory. NOT VALID: enforced for every new or changed row, without
-- failing the migration on hires made before the directory existed.
ALTER TABLE hired_agents
  ADD CONSTRAINT hired_agents_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (customer_id) NOT VALID;
