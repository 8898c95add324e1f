-- Whether a second order may carry a client_order_id already used on the account is now the exchange's setting
-- (PaperExchange.uniqueClientOrderIds, enforced under the account lock in placeOrder), not a constraint: the
-- platform must stay exactly-once on an exchange that does not refuse a duplicate client order id, and the fault
-- tests run the exchange in that mode too.
ALTER TABLE px_orders DROP CONSTRAINT px_orders_client_order_id_unique;
CREATE INDEX px_orders_client_order_id ON px_orders (account_id, client_order_id, id);
