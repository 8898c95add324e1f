-- The audit chain's links, enforced by the database: every new record must point at its true predecessor.
-- seq 1 links to the genesis hash (64 zeros); seq n > 1 needs record n - 1 to exist and prev_hash to equal its
-- hash. With the primary key on seq (no two records at one position) this makes a fork, a gap or a mislinked
-- record impossible, whatever a buggy, stale or concurrent writer sends. Plant appends whole batches in one
-- multi-row INSERT: a row-level BEFORE trigger of a VOLATILE function sees the rows inserted before it by the same
-- statement, so each row of a batch is checked against the one before it. A rejected row fails the whole
-- statement: nothing of the batch is stored. Records already stored are not re-checked (/audit/verify does that).
CREATE FUNCTION audit_log_check_link() RETURNS trigger AS $$
DECLARE
  expected text;
BEGIN
  IF NEW.seq = 1 THEN
    IF NEW.prev_hash IS DISTINCT FROM repeat('0', 64) THEN
      RAISE EXCEPTION 'audit_log chain link broken: record 1 must link to the genesis hash'
        USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'audit_log_chain_link';
    END IF;
    RETURN NEW;
  END IF;
  SELECT hash INTO expected FROM audit_log WHERE seq = NEW.seq - 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'audit_log chain link broken: record % has no predecessor % (a gap)', NEW.seq, NEW.seq - 1
      USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'audit_log_chain_link';
  END IF;
  IF NEW.prev_hash IS DISTINCT FROM expected THEN
    RAISE EXCEPTION 'audit_log chain link broken: prev_hash of record % is not the hash of record %', NEW.seq,
      NEW.seq - 1
      USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'audit_log_chain_link';
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql VOLATILE;

CREATE TRIGGER audit_log_chain_link BEFORE INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_check_link();
