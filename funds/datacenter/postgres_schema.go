package datacenter

// pgMigrations are the PostgreSQL store's schema versions, applied in order in one transaction each;
// schema_version holds how many have been applied. Never edit one that has shipped: add another.
//
// Version 1 is the SQLite store's schema at its version 4 (sqlite.go, sqlite_trust.go, rates.go) in
// PostgreSQL's words: money in bigint mills (no float), the account invariant as a CHECK, refill rows
// that are permanent and change at most once, deposits and events append-only, the account ledger kept
// by triggers from the rows, nonces and report checks for the meters' signed requests.
var pgMigrations = []string{
	`
CREATE TABLE account(
  number       text PRIMARY KEY CHECK(number ~ '^[0-9]{8}$'),
  deposits     bigint NOT NULL CHECK(deposits >= 0),
  prepaid      bigint NOT NULL CHECK(prepaid >= 0),
  credit_limit bigint NOT NULL CHECK(credit_limit >= 0),
  credit_used  bigint NOT NULL CHECK(credit_used >= 0 AND credit_used <= credit_limit),
  reserved     bigint NOT NULL CHECK(reserved >= 0),
  posted       bigint NOT NULL CHECK(posted >= 0),
  locked       boolean NOT NULL,
  created      timestamptz NOT NULL,
  CHECK(deposits + credit_used = prepaid + reserved + posted)
);

CREATE TABLE deposit(
  seq            bigserial PRIMARY KEY,
  account_number text NOT NULL REFERENCES account(number),
  amount         bigint NOT NULL CHECK(amount > 0),
  at             timestamptz NOT NULL
);
CREATE INDEX deposit_account ON deposit(account_number);

CREATE TABLE meter(
  serial           text PRIMARY KEY CHECK(length(serial) BETWEEN 1 AND 32),
  account_number   text NOT NULL REFERENCES account(number),
  public_key       bytea CHECK(public_key IS NULL OR length(public_key) = 32),
  token_hash       bytea CHECK(token_hash IS NULL OR length(token_hash) = 32),
  token_expires    timestamptz,
  suspect          text,
  high_used        bigint NOT NULL DEFAULT 0,
  high_pieces      bigint NOT NULL DEFAULT 0,
  high_seq         bigint NOT NULL DEFAULT 0,
  high_head        text NOT NULL DEFAULT '',
  last_report_ms   bigint NOT NULL DEFAULT 0,
  min_refill       bigint NOT NULL CHECK(min_refill > 0),
  max_refill       bigint NOT NULL CHECK(max_refill >= min_refill),
  created          timestamptz NOT NULL,
  last_contact     timestamptz,
  postal_at        timestamptz,
  postal_available bigint,
  postal_used      bigint,
  postal_control   bigint,
  postal_pieces    bigint,
  audit_head       text,
  audit_seq        bigint
);

CREATE TABLE refill(
  id              text PRIMARY KEY CHECK(length(id) = 36),
  meter_serial    text NOT NULL REFERENCES meter(serial),
  account_number  text NOT NULL REFERENCES account(number),
  amount          bigint NOT NULL,
  state           text NOT NULL CHECK(state IN ('reserved', 'declined', 'posted', 'voided')),
  tombstone       boolean NOT NULL,
  from_prepaid    bigint NOT NULL CHECK(from_prepaid >= 0),
  from_credit     bigint NOT NULL CHECK(from_credit >= 0),
  decline_code    text,
  decline_message text,
  decline_min     bigint,
  decline_max     bigint,
  reg_available   bigint,
  reg_used        bigint,
  reg_control     bigint,
  reg_pieces      bigint,
  created         timestamptz NOT NULL,
  resolved        timestamptz,
  CHECK(amount > 0 OR (tombstone AND amount = 0)),
  CHECK(NOT tombstone OR (state = 'voided' AND amount = 0)),
  CHECK((state = 'declined') = (decline_code IS NOT NULL)),
  CHECK(CASE WHEN state = 'declined' OR tombstone THEN from_prepaid = 0 AND from_credit = 0
             ELSE from_prepaid + from_credit = amount END),
  CHECK((state = 'reserved') = (resolved IS NULL))
);
CREATE INDEX refill_account ON refill(account_number, state);
CREATE INDEX refill_meter ON refill(meter_serial, tombstone);

CREATE TABLE account_ledger(
  account_number text PRIMARY KEY REFERENCES account(number),
  reserved       bigint NOT NULL DEFAULT 0,
  posted         bigint NOT NULL DEFAULT 0,
  credit_held    bigint NOT NULL DEFAULT 0,
  deposits       bigint NOT NULL DEFAULT 0
);

CREATE TABLE nonce(
  serial     text NOT NULL,
  nonce      text NOT NULL,
  expires_ms bigint NOT NULL,
  PRIMARY KEY(serial, nonce)
);
CREATE INDEX nonce_expiry ON nonce(expires_ms);

CREATE TABLE meter_event(
  seq    bigserial PRIMARY KEY,
  serial text NOT NULL REFERENCES meter(serial),
  at     timestamptz NOT NULL,
  kind   text NOT NULL,
  detail text NOT NULL
);
CREATE INDEX meter_event_serial ON meter_event(serial);

CREATE TABLE rate_table(
  effective text PRIMARY KEY CHECK(length(effective) = 10),
  body      bytea NOT NULL,
  signature bytea NOT NULL CHECK(length(signature) = 64),
  published timestamptz NOT NULL
);

CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$;
CREATE TRIGGER deposit_append_only BEFORE UPDATE OR DELETE ON deposit
  FOR EACH ROW EXECUTE FUNCTION refuse('deposits are append-only');
CREATE TRIGGER meter_event_append_only BEFORE UPDATE OR DELETE ON meter_event
  FOR EACH ROW EXECUTE FUNCTION refuse('events are append-only');
CREATE TRIGGER refill_no_delete BEFORE DELETE ON refill
  FOR EACH ROW EXECUTE FUNCTION refuse('refills are permanent');
CREATE TRIGGER refill_final BEFORE UPDATE ON refill
  FOR EACH ROW WHEN (OLD.state <> 'reserved') EXECUTE FUNCTION refuse('a resolved refill never changes');
CREATE TRIGGER refill_transition BEFORE UPDATE ON refill
  FOR EACH ROW WHEN (NEW.state NOT IN ('posted', 'voided') OR NEW.id <> OLD.id OR NEW.amount <> OLD.amount
    OR NEW.meter_serial <> OLD.meter_serial OR NEW.account_number <> OLD.account_number
    OR NEW.from_prepaid <> OLD.from_prepaid OR NEW.from_credit <> OLD.from_credit OR NEW.tombstone <> OLD.tombstone)
  EXECUTE FUNCTION refuse('a reserved refill only moves to posted or voided');
-- TRUNCATE skips row triggers: refuse it on the money tables too.
CREATE TRIGGER money_no_truncate BEFORE TRUNCATE ON refill
  FOR EACH STATEMENT EXECUTE FUNCTION refuse('refills are permanent');
CREATE TRIGGER deposit_no_truncate BEFORE TRUNCATE ON deposit
  FOR EACH STATEMENT EXECUTE FUNCTION refuse('deposits are append-only');

-- The ledger: each account's sums of its refill and deposit rows, kept by the database as the rows are
-- written, apart from the code that updates the account (assertAccount compares them).
CREATE FUNCTION ledger_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO account_ledger(account_number) VALUES (NEW.number); RETURN NULL; END $$;
CREATE TRIGGER ledger_account AFTER INSERT ON account FOR EACH ROW EXECUTE FUNCTION ledger_account();

CREATE FUNCTION ledger_deposit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE account_ledger SET deposits = deposits + NEW.amount WHERE account_number = NEW.account_number;
  RETURN NULL;
END $$;
CREATE TRIGGER ledger_deposit AFTER INSERT ON deposit FOR EACH ROW EXECUTE FUNCTION ledger_deposit();

CREATE FUNCTION ledger_refill() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  o_res bigint := 0; o_post bigint := 0; o_cred bigint := 0;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    o_res  := CASE WHEN OLD.state = 'reserved' THEN OLD.amount ELSE 0 END;
    o_post := CASE WHEN OLD.state = 'posted' THEN OLD.amount ELSE 0 END;
    o_cred := CASE WHEN OLD.state IN ('reserved', 'posted') THEN OLD.from_credit ELSE 0 END;
  END IF;
  UPDATE account_ledger SET
    reserved    = reserved + CASE WHEN NEW.state = 'reserved' THEN NEW.amount ELSE 0 END - o_res,
    posted      = posted + CASE WHEN NEW.state = 'posted' THEN NEW.amount ELSE 0 END - o_post,
    credit_held = credit_held + CASE WHEN NEW.state IN ('reserved', 'posted') THEN NEW.from_credit ELSE 0 END - o_cred
  WHERE account_number = NEW.account_number;
  RETURN NULL;
END $$;
CREATE TRIGGER ledger_refill AFTER INSERT OR UPDATE OF state ON refill FOR EACH ROW EXECUTE FUNCTION ledger_refill();
`,
	// Version 2: a refill's move from reserved to posted or voided becomes a heap-only (HOT) update, which
	// writes no index entry: the account index no longer holds the state (no query needs it there: the
	// account's refills are read whole, the invariant check reads every row), and the tables a refill
	// updates leave room in each page for the new row versions. Measured with pg_stat_statements under the
	// fleet load, the move was the second-costliest statement of a refill.
	`
DROP INDEX refill_account;
CREATE INDEX refill_account ON refill(account_number);
ALTER TABLE refill SET (fillfactor = 80);
ALTER TABLE account SET (fillfactor = 70);
ALTER TABLE meter SET (fillfactor = 70);
`,
	// Version 3: the database refuses to go on with an account whose figures disagree with its ledger
	// (pgPutAccountCheckedSQL calls this on the row it wrote), so a request's COMMIT can be sent with its
	// writes instead of after Go has read them back (postgres_pipeline.go). PM001 is ErrInvariant.
	`
CREATE FUNCTION account_agrees_with_ledger(n text, res bigint, post bigint, cred bigint, dep bigint)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE l account_ledger;
BEGIN
  SELECT * INTO l FROM account_ledger WHERE account_number = n;
  IF NOT FOUND OR l.reserved <> res OR l.posted <> post OR l.credit_held <> cred OR l.deposits <> dep THEN
    RAISE EXCEPTION 'account % disagrees with its ledger', n USING ERRCODE = 'PM001';
  END IF;
  RETURN true;
END $$;
`,
	// Version 4: each meter's posted and reserved refills summed by the database as the rows are written,
	// as the account ledger is, so the check of a meter's report (judgeReport) reads one row instead of
	// summing every refill the meter ever had: a request's cost no longer grows with the meter's history.
	`
CREATE TABLE meter_ledger(
  serial   text PRIMARY KEY REFERENCES meter(serial),
  reserved bigint NOT NULL DEFAULT 0,
  posted   bigint NOT NULL DEFAULT 0
);
INSERT INTO meter_ledger(serial, reserved, posted)
  SELECT m.serial,
    COALESCE(SUM(r.amount) FILTER (WHERE r.state = 'reserved'), 0),
    COALESCE(SUM(r.amount) FILTER (WHERE r.state = 'posted'), 0)
  FROM meter m LEFT JOIN refill r ON r.meter_serial = m.serial GROUP BY m.serial;

CREATE FUNCTION ledger_meter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO meter_ledger(serial) VALUES (NEW.serial); RETURN NULL; END $$;
CREATE TRIGGER ledger_meter AFTER INSERT ON meter FOR EACH ROW EXECUTE FUNCTION ledger_meter();

CREATE OR REPLACE FUNCTION ledger_refill() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  o_res bigint := 0; o_post bigint := 0; o_cred bigint := 0;
  d_res bigint; d_post bigint;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    o_res  := CASE WHEN OLD.state = 'reserved' THEN OLD.amount ELSE 0 END;
    o_post := CASE WHEN OLD.state = 'posted' THEN OLD.amount ELSE 0 END;
    o_cred := CASE WHEN OLD.state IN ('reserved', 'posted') THEN OLD.from_credit ELSE 0 END;
  END IF;
  d_res  := CASE WHEN NEW.state = 'reserved' THEN NEW.amount ELSE 0 END - o_res;
  d_post := CASE WHEN NEW.state = 'posted' THEN NEW.amount ELSE 0 END - o_post;
  UPDATE account_ledger SET
    reserved    = reserved + d_res,
    posted      = posted + d_post,
    credit_held = credit_held + CASE WHEN NEW.state IN ('reserved', 'posted') THEN NEW.from_credit ELSE 0 END - o_cred
  WHERE account_number = NEW.account_number;
  IF d_res <> 0 OR d_post <> 0 THEN
    UPDATE meter_ledger SET reserved = reserved + d_res, posted = posted + d_post WHERE serial = NEW.meter_serial;
  END IF;
  RETURN NULL;
END $$;
`,
	// Version 5: the same rules, checked for half the cost. PostgreSQL 15 rebuilds every CHECK
	// constraint and trigger WHEN clause of a table from its stored text for each INSERT or UPDATE
	// statement; under the fleet load that was a sixth of the server's time (docs/postgres-checks.md).
	// A PL/pgSQL function is compiled once per connection and keeps its expressions, so each table's
	// CHECK constraints become one CHECK that calls a function holding all of them, word for word, and
	// the two WHEN triggers on a refill's move one trigger that tests the same conditions. The database
	// still refuses a row that breaks any of them, whoever writes it. Running it again changes nothing
	// (a test brings a database back to version 3 by hand and migrates it again).
	`
-- Version 1's constraints, by the names PostgreSQL gave them (a CHECK on a column that names another
-- column is named after the table); each comes back below, inside its table's function.
ALTER TABLE account DROP CONSTRAINT IF EXISTS account_number_check,
  DROP CONSTRAINT IF EXISTS account_deposits_check, DROP CONSTRAINT IF EXISTS account_prepaid_check,
  DROP CONSTRAINT IF EXISTS account_credit_limit_check, DROP CONSTRAINT IF EXISTS account_check,
  DROP CONSTRAINT IF EXISTS account_reserved_check, DROP CONSTRAINT IF EXISTS account_posted_check,
  DROP CONSTRAINT IF EXISTS account_check1, DROP CONSTRAINT IF EXISTS account_rules;
ALTER TABLE meter DROP CONSTRAINT IF EXISTS meter_serial_check,
  DROP CONSTRAINT IF EXISTS meter_public_key_check, DROP CONSTRAINT IF EXISTS meter_token_hash_check,
  DROP CONSTRAINT IF EXISTS meter_min_refill_check, DROP CONSTRAINT IF EXISTS meter_check,
  DROP CONSTRAINT IF EXISTS meter_rules;
ALTER TABLE refill DROP CONSTRAINT IF EXISTS refill_id_check, DROP CONSTRAINT IF EXISTS refill_state_check,
  DROP CONSTRAINT IF EXISTS refill_from_prepaid_check, DROP CONSTRAINT IF EXISTS refill_from_credit_check,
  DROP CONSTRAINT IF EXISTS refill_check, DROP CONSTRAINT IF EXISTS refill_check1,
  DROP CONSTRAINT IF EXISTS refill_check2, DROP CONSTRAINT IF EXISTS refill_check3,
  DROP CONSTRAINT IF EXISTS refill_check4, DROP CONSTRAINT IF EXISTS refill_rules;

CREATE OR REPLACE FUNCTION account_rules(number text, deposits bigint, prepaid bigint, credit_limit bigint,
  credit_used bigint, reserved bigint, posted bigint) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN number ~ '^[0-9]{8}$' AND deposits >= 0 AND prepaid >= 0 AND credit_limit >= 0
    AND credit_used >= 0 AND credit_used <= credit_limit AND reserved >= 0 AND posted >= 0
    AND deposits + credit_used = prepaid + reserved + posted;
END $$;
ALTER TABLE account ADD CONSTRAINT account_rules
  CHECK(account_rules(number, deposits, prepaid, credit_limit, credit_used, reserved, posted));

CREATE OR REPLACE FUNCTION meter_rules(serial text, public_key bytea, token_hash bytea, min_refill bigint,
  max_refill bigint) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN length(serial) BETWEEN 1 AND 32 AND (public_key IS NULL OR length(public_key) = 32)
    AND (token_hash IS NULL OR length(token_hash) = 32) AND min_refill > 0 AND max_refill >= min_refill;
END $$;
ALTER TABLE meter ADD CONSTRAINT meter_rules
  CHECK(meter_rules(serial, public_key, token_hash, min_refill, max_refill));

CREATE OR REPLACE FUNCTION refill_rules(id text, amount bigint, state text, tombstone boolean, from_prepaid bigint,
  from_credit bigint, decline_code text, resolved timestamptz) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN length(id) = 36 AND state IN ('reserved', 'declined', 'posted', 'voided')
    AND from_prepaid >= 0 AND from_credit >= 0
    AND (amount > 0 OR (tombstone AND amount = 0))
    AND (NOT tombstone OR (state = 'voided' AND amount = 0))
    AND ((state = 'declined') = (decline_code IS NOT NULL))
    AND (CASE WHEN state = 'declined' OR tombstone THEN from_prepaid = 0 AND from_credit = 0
              ELSE from_prepaid + from_credit = amount END)
    AND ((state = 'reserved') = (resolved IS NULL));
END $$;
ALTER TABLE refill ADD CONSTRAINT refill_rules
  CHECK(refill_rules(id, amount, state, tombstone, from_prepaid, from_credit, decline_code, resolved));

CREATE OR REPLACE FUNCTION refill_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.state <> 'reserved' THEN
    RAISE EXCEPTION 'a resolved refill never changes';
  END IF;
  IF NEW.state NOT IN ('posted', 'voided') OR NEW.id <> OLD.id OR NEW.amount <> OLD.amount
    OR NEW.meter_serial <> OLD.meter_serial OR NEW.account_number <> OLD.account_number
    OR NEW.from_prepaid <> OLD.from_prepaid OR NEW.from_credit <> OLD.from_credit
    OR NEW.tombstone <> OLD.tombstone THEN
    RAISE EXCEPTION 'a reserved refill only moves to posted or voided';
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS refill_final ON refill;
DROP TRIGGER IF EXISTS refill_transition ON refill;
DROP TRIGGER IF EXISTS refill_move ON refill;
CREATE TRIGGER refill_move BEFORE UPDATE ON refill FOR EACH ROW EXECUTE FUNCTION refill_move();
`,
}
