-- Every request the gateway refuses (bad service token, principal not allowed, credential material, rate limit).
-- Never holds key material: paths have secret-looking query values replaced and details name fields, not values.
CREATE TABLE gateway_audit (
  seq bigserial PRIMARY KEY,
  correlation_id text NOT NULL,
  issuer text,
  principal text,
  method text NOT NULL,
  path text NOT NULL,
  reason text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX gateway_audit_correlation_id_idx ON gateway_audit (correlation_id);
CREATE INDEX gateway_audit_created_at_idx ON gateway_audit (created_at);

-- Append-only: an audit trail that can be edited proves nothing.
CREATE FUNCTION gateway_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'gateway_audit is append-only';
END;
$$;

CREATE TRIGGER gateway_audit_no_update_delete
  BEFORE UPDATE OR DELETE ON gateway_audit
  FOR EACH ROW EXECUTE FUNCTION gateway_audit_append_only();
