-- PP's audit log becomes a hash chain, the same mechanism as Plant's audit_log (@delta/audit-chain): every record
-- has a place (seq), links to its predecessor's hash and is hashed over all its columns, so /api/audit/verify can
-- name the first altered, removed or mislinked record. Rows written before this migration keep NULL chain columns
-- (their content was never hashed, so there is nothing to check); from now on the database refuses any row that
-- is not chained, and verify reports an unchained row written after the chain began.
ALTER TABLE pp_audit
  ADD COLUMN seq bigint CONSTRAINT pp_audit_seq_key UNIQUE CHECK (seq > 0),
  ADD COLUMN record_id uuid CONSTRAINT pp_audit_record_id_key UNIQUE,
  ADD COLUMN customer_id text,
  ADD COLUMN prev_hash text,
  ADD COLUMN hash text CONSTRAINT pp_audit_hash_key UNIQUE;

CREATE INDEX pp_audit_customer ON pp_audit (customer_id, seq);
CREATE INDEX pp_audit_created ON pp_audit (created_at);

-- The chain's links, enforced by the database (as Plant's migration 0004 does for audit_log): seq 1 links to the
-- genesis hash (64 zeros); seq n > 1 needs record n - 1 to exist and prev_hash to equal its hash. PP appends whole
-- batches in one multi-row INSERT: a row-level BEFORE trigger of a VOLATILE function sees the rows inserted before
-- it by the same statement, so each row of a batch is checked against the one before it.
CREATE FUNCTION pp_audit_check_link() RETURNS trigger AS $$
DECLARE
  expected text;
BEGIN
  IF NEW.seq IS NULL OR NEW.record_id IS NULL OR NEW.prev_hash IS NULL OR NEW.hash IS NULL THEN
    RAISE EXCEPTION 'pp_audit chain link broken: every new record must be chained (seq, record_id, prev_hash, hash)'
      USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'pp_audit_unchained';
  END IF;
  IF NEW.seq = 1 THEN
    IF NEW.prev_hash IS DISTINCT FROM repeat('0', 64) THEN
      RAISE EXCEPTION 'pp_audit chain link broken: record 1 must link to the genesis hash'
        USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'pp_audit_chain_link';
    END IF;
    RETURN NEW;
  END IF;
  SELECT hash INTO expected FROM pp_audit WHERE seq = NEW.seq - 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'pp_audit chain link broken: record % has no predecessor % (a gap)', NEW.seq, NEW.seq - 1
      USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'pp_audit_chain_link';
  END IF;
  IF NEW.prev_hash IS DISTINCT FROM expected THEN
    RAISE EXCEPTION 'pp_audit chain link broken: prev_hash of record % is not the hash of record %', NEW.seq,
      NEW.seq - 1
      USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'pp_audit_chain_link';
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql VOLATILE;

CREATE TRIGGER pp_audit_chain_link BEFORE INSERT ON pp_audit
  FOR EACH ROW EXECUTE FUNCTION pp_audit_check_link();

-- 0001 refused UPDATE and DELETE; TRUNCATE is a statement of its own.
CREATE TRIGGER pp_audit_no_truncate BEFORE TRUNCATE ON pp_audit
  FOR EACH STATEMENT EXECUTE FUNCTION pp_audit_append_only();
