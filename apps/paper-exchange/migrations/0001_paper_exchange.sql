-- The paper exchange's own state: accounts (USD wallet), API keys, per-product leverage, orders, fills,
-- positions and the last mark price of each product (so a restart continues where it stopped).

CREATE TABLE px_accounts (
  id bigserial PRIMARY KEY,
  email text NOT NULL,
  balance numeric NOT NULL DEFAULT 0,
  commission_paid numeric NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE px_api_keys (
  api_key text PRIMARY KEY,
  api_secret text NOT NULL,
  account_id bigint NOT NULL REFERENCES px_accounts (id),
  can_trade boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE px_leverage (
  account_id bigint NOT NULL REFERENCES px_accounts (id),
  product_id integer NOT NULL,
  leverage numeric NOT NULL,
  PRIMARY KEY (account_id, product_id)
);

CREATE TABLE px_orders (
  id bigserial PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES px_accounts (id),
  product_id integer NOT NULL,
  client_order_id text,
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  order_type text NOT NULL CHECK (order_type IN ('limit_order', 'market_order')),
  size integer NOT NULL CHECK (size > 0),
  unfilled_size integer NOT NULL CHECK (unfilled_size >= 0),
  limit_price numeric,
  time_in_force text NOT NULL,
  post_only boolean NOT NULL DEFAULT false,
  reduce_only boolean NOT NULL DEFAULT false,
  state text NOT NULL CHECK (state IN ('open', 'pending', 'closed', 'cancelled')),
  average_fill_price numeric,
  paid_commission numeric NOT NULL DEFAULT 0,
  leverage numeric NOT NULL,
  cancellation_reason text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- The exchange-side guarantee behind exactly-once placement: one client id per account.
  CONSTRAINT px_orders_client_order_id_unique UNIQUE (account_id, client_order_id)
);
CREATE INDEX px_orders_open ON px_orders (product_id, state) WHERE state = 'open';
CREATE INDEX px_orders_account ON px_orders (account_id, id);

CREATE TABLE px_fills (
  id bigserial PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES px_orders (id),
  account_id bigint NOT NULL REFERENCES px_accounts (id),
  product_id integer NOT NULL,
  side text NOT NULL,
  size integer NOT NULL,
  price numeric NOT NULL,
  role text NOT NULL CHECK (role IN ('taker', 'maker')),
  commission numeric NOT NULL,
  realized_pnl numeric NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX px_fills_account ON px_fills (account_id, id);

CREATE TABLE px_positions (
  account_id bigint NOT NULL REFERENCES px_accounts (id),
  product_id integer NOT NULL,
  size integer NOT NULL DEFAULT 0,
  entry_price numeric,
  realized_pnl numeric NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (account_id, product_id)
);

CREATE TABLE px_marks (
  product_id integer PRIMARY KEY,
  mark_price numeric NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
