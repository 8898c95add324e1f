-- Issue 14: a market that moves (history, spot, candles), funding and liquidation, the order types a customer
-- uses (stop, bracket, edit), the wallet ledger, and the dead-man switch.

-- The spot index beside the mark (mark = spot plus a small basis).
ALTER TABLE px_marks ADD COLUMN spot_price numeric;

-- Synthetic history is regenerated at start from these descriptions (seed, span, anchor price); no bars stored.
CREATE TABLE px_market_segments (
  product_id integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('backfill', 'gap')),
  start_sec bigint NOT NULL,
  minutes integer NOT NULL CHECK (minutes > 0),
  anchor_price numeric NOT NULL,
  seed bigint NOT NULL,
  PRIMARY KEY (product_id, start_sec)
);

-- Live 1-minute bars observed since the history's anchor (mark, trade, spot).
CREATE TABLE px_candles (
  product_id integer NOT NULL,
  series text NOT NULL CHECK (series IN ('mark', 'trade', 'spot')),
  t bigint NOT NULL,
  o numeric NOT NULL,
  h numeric NOT NULL,
  l numeric NOT NULL,
  c numeric NOT NULL,
  v numeric NOT NULL DEFAULT 0,
  PRIMARY KEY (product_id, series, t)
);

-- Stop orders wait in state 'pending' until their trigger; bracket legs are reduce-only stop orders of a group.
ALTER TABLE px_orders
  ADD COLUMN stop_order_type text CHECK (stop_order_type IN ('stop_loss_order', 'take_profit_order')),
  ADD COLUMN stop_price numeric,
  ADD COLUMN stop_trigger_method text CHECK (stop_trigger_method IN ('mark_price', 'last_traded_price', 'spot_price')),
  ADD COLUMN bracket_stop_loss_price numeric,
  ADD COLUMN bracket_stop_loss_limit_price numeric,
  ADD COLUMN bracket_take_profit_price numeric,
  ADD COLUMN bracket_take_profit_limit_price numeric,
  ADD COLUMN bracket_stop_trigger_method text,
  ADD COLUMN bracket_order boolean NOT NULL DEFAULT false,
  ADD COLUMN bracket_group bigint,
  ADD COLUMN source text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'bracket', 'liquidation'));
CREATE INDEX px_orders_pending ON px_orders (product_id, state) WHERE state = 'pending';
CREATE INDEX px_orders_history ON px_orders (account_id, updated_at, id);

ALTER TABLE px_fills
  ADD COLUMN fill_type text NOT NULL DEFAULT 'normal' CHECK (fill_type IN ('normal', 'liquidation'));

ALTER TABLE px_positions ADD COLUMN realized_funding numeric NOT NULL DEFAULT 0;

-- The wallet ledger: every change of an account's balance, with the balance after it (Delta's transaction log).
CREATE TABLE px_transactions (
  id bigserial PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES px_accounts (id),
  product_id integer,
  transaction_type text NOT NULL,
  amount numeric NOT NULL,
  balance numeric NOT NULL,
  meta_data jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX px_transactions_account ON px_transactions (account_id, id);

-- Dead-man switch: heartbeats a client must acknowledge within their TTL, and the cancel-after timer.
CREATE TABLE px_heartbeats (
  account_id bigint NOT NULL REFERENCES px_accounts (id),
  heartbeat_id text NOT NULL,
  impact text NOT NULL,
  scope jsonb NOT NULL,
  config jsonb NOT NULL,
  ttl_ms bigint NOT NULL DEFAULT 0,
  last_ack timestamptz,
  expires_at timestamptz,
  fired_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, heartbeat_id)
);

CREATE TABLE px_cancel_after (
  account_id bigint PRIMARY KEY REFERENCES px_accounts (id),
  expires_at timestamptz NOT NULL
);
