-- CP's audit log: the portal core's hash chain (@delta/audit-chain, createPortalAudit('cp')), the same mechanism as
-- PP's pp_audit and Plant's audit_log. CP starts chained, so every column of the chain is required from row one.
CREATE TABLE cp_audit (
  id bigserial PRIMARY KEY,
  seq bigint NOT NULL CONSTRAINT cp_audit_seq_key UNIQUE CHECK (seq > 0),
  record_id uuid NOT NULL CONSTRAINT cp_audit_record_id_key UNIQUE,
  correlation_id text NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  target text,
  customer_id text,
  outcome text NOT NULL CHECK (outcome IN ('allowed', 'denied', 'failed')),
  reason text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  prev_hash text NOT NULL,
  hash text NOT NULL CONSTRAINT cp_audit_hash_key UNIQUE
);
CREATE INDEX cp_audit_correlation ON cp_audit (correlation_id);
CREATE INDEX cp_audit_customer ON cp_audit (customer_id, seq);
CREATE INDEX cp_audit_created ON cp_audit (created_at);

CREATE FUNCTION cp_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'cp_audit is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER cp_audit_append_only BEFORE UPDATE OR DELETE ON cp_audit
  FOR EACH ROW EXECUTE FUNCTION cp_audit_append_only();
CREATE TRIGGER cp_audit_no_truncate BEFORE TRUNCATE ON cp_audit
  FOR EACH STATEMENT EXECUTE FUNCTION cp_audit_append_only();

-- Seq 1 links to the genesis hash; seq n > 1 needs record n - 1 and its hash (see PP's 0002_pp_audit_chain).
CREATE FUNCTION cp_audit_check_link() RETURNS trigger AS $$
DECLARE
  expected text;
BEGIN
  IF NEW.seq = 1 THEN
    IF NEW.prev_hash IS DISTINCT FROM repeat('0', 64) THEN
      RAISE EXCEPTION 'cp_audit chain link broken: record 1 must link to the genesis hash'
        USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'cp_audit_chain_link';
    END IF;
    RETURN NEW;
  END IF;
  SELECT hash INTO expected FROM cp_audit WHERE seq = NEW.seq - 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'cp_audit chain link broken: record % has no predecessor % (a gap)', NEW.seq, NEW.seq - 1
      USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'cp_audit_chain_link';
  END IF;
  IF NEW.prev_hash IS DISTINCT FROM expected THEN
    RAISE EXCEPTION 'cp_audit chain link broken: prev_hash of record % is not the hash of record %', NEW.seq,
      NEW.seq - 1
      USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'cp_audit_chain_link';
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql VOLATILE;

CREATE TRIGGER cp_audit_chain_link BEFORE INSERT ON cp_audit
  FOR EACH ROW EXECUTE FUNCTION cp_audit_check_link();
