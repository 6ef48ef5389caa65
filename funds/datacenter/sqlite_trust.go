package datacenter

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"postmeter/funds"
)

// trustSchema (version 3) replaces each meter's HMAC secret by its Ed25519 public key, which the meter
// makes itself and sends once with a one-time enrollment token (stored hashed, expiring); keeps the
// nonces of the signature window; keeps the highest report of each meter (registers and audit head) so
// a rolled-back vault is caught; and marks a meter suspect, with an event log, when a report fails.
const trustSchema = `
ALTER TABLE meter DROP COLUMN secret;
ALTER TABLE meter ADD COLUMN public_key BLOB CHECK(public_key IS NULL OR length(public_key) = 32);
ALTER TABLE meter ADD COLUMN token_hash BLOB CHECK(token_hash IS NULL OR length(token_hash) = 32);
ALTER TABLE meter ADD COLUMN token_expires TEXT;
ALTER TABLE meter ADD COLUMN suspect TEXT;
ALTER TABLE meter ADD COLUMN high_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meter ADD COLUMN high_pieces INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meter ADD COLUMN high_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meter ADD COLUMN high_head TEXT NOT NULL DEFAULT '';
ALTER TABLE meter ADD COLUMN last_report_ms INTEGER NOT NULL DEFAULT 0;
CREATE TABLE nonce(
  serial     TEXT NOT NULL,
  nonce      TEXT NOT NULL,
  expires_ms INTEGER NOT NULL,
  PRIMARY KEY(serial, nonce)
) STRICT, WITHOUT ROWID;
CREATE INDEX nonce_expiry ON nonce(expires_ms);
CREATE TABLE meter_event(
  seq    INTEGER PRIMARY KEY,
  serial TEXT NOT NULL REFERENCES meter(serial),
  at     TEXT NOT NULL,
  kind   TEXT NOT NULL,
  detail TEXT NOT NULL
) STRICT;
CREATE TRIGGER meter_event_no_update BEFORE UPDATE ON meter_event BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER meter_event_no_delete BEFORE DELETE ON meter_event BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
`

// EnrollmentTTL is how long an enrollment token may be used.
const EnrollmentTTL = 7 * 24 * time.Hour

// MeterKey implements Store.MeterKey.
func (s *SQLiteStore) MeterKey(ctx context.Context, serial string) (ed25519.PublicKey, error) {
	var key []byte
	err := s.db.QueryRowContext(ctx, `SELECT public_key FROM meter WHERE serial = ?`, serial).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("meter %q: %w", serial, ErrUnknownMeter)
	}
	if err != nil {
		return nil, fmt.Errorf("read key of meter %q: %w", serial, err)
	}
	if key == nil {
		return nil, fmt.Errorf("meter %q: %w", serial, ErrNotEnrolled)
	}
	return ed25519.PublicKey(key), nil
}

// useNonce stores a request's nonce in the request's own transaction (no extra commit), until the
// request's time plus the signature window, after which its signature is stale anyway; a nonce seen
// before is ErrReplayed. Each call also drops a few expired nonces, so the table holds about one window's
// worth without a cleaner of its own.
func (s *SQLiteStore) useNonce(ctx context.Context, tx *sql.Tx, req Request, now time.Time) error {
	if req.Nonce == "" || s.weak.noNonceMemory {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM nonce WHERE (serial, nonce) IN
		(SELECT serial, nonce FROM nonce WHERE expires_ms < ? LIMIT 8)`, now.UnixMilli()); err != nil {
		return fmt.Errorf("drop expired nonces: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO nonce(serial, nonce, expires_ms) VALUES(?, ?, ?) ON CONFLICT DO NOTHING`,
		req.Serial, req.Nonce, req.At.Add(funds.SignatureWindow).UnixMilli())
	if err != nil {
		return fmt.Errorf("store nonce: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return ErrReplayed
	}
	return nil
}

// IssueEnrollmentToken implements Store.IssueEnrollmentToken.
func (s *SQLiteStore) IssueEnrollmentToken(ctx context.Context, serial string, ttl time.Duration) (string, error) {
	token, hash := newToken()
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, `UPDATE meter SET token_hash = ?, token_expires = ? WHERE serial = ?`,
			hash, fmtTime(now.Add(ttl)), serial)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("meter %q: %w", serial, ErrUnknownMeter)
		}
		return addEvent(ctx, tx, serial, now, "token-issued", "enrollment token valid until "+fmtTime(now.Add(ttl)))
	})
	if err != nil {
		return "", fmt.Errorf("enrollment token for meter %s: %w", serial, err)
	}
	return token, nil
}

func newToken() (token string, hash []byte) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	token = hex.EncodeToString(b)
	h := sha256.Sum256([]byte(token))
	return token, h[:]
}

// Enroll implements Store.Enroll: the token is checked in constant time, used once, and must not have
// expired; any failure is the same ErrBadToken, so a caller learns nothing about serials or tokens.
func (s *SQLiteStore) Enroll(ctx context.Context, serial, token string, key ed25519.PublicKey) error {
	if len(key) != ed25519.PublicKeySize {
		return invalidf("public_key must be %d bytes of hex", ed25519.PublicKeySize)
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		var hash []byte
		var expires sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT token_hash, token_expires FROM meter WHERE serial = ?`, serial).
			Scan(&hash, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrBadToken
		}
		if err != nil {
			return err
		}
		got := sha256.Sum256([]byte(token))
		until, perr := parseTime("meter.token_expires", expires)
		if hash == nil || perr != nil || subtle.ConstantTimeCompare(hash, got[:]) != 1 || !now.Before(until) {
			return ErrBadToken
		}
		if _, err := tx.ExecContext(ctx, `UPDATE meter SET public_key = ?, token_hash = NULL, token_expires = NULL
			WHERE serial = ?`, []byte(key), serial); err != nil {
			return err
		}
		return addEvent(ctx, tx, serial, now, "enrolled", "public key "+hex.EncodeToString(key))
	})
}

func addEvent(ctx context.Context, q queryer, serial string, now time.Time, kind, detail string) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO meter_event(serial, at, kind, detail) VALUES(?, ?, ?, ?)`,
		serial, fmtTime(now), kind, detail); err != nil {
		return fmt.Errorf("record %s event of meter %q: %w", kind, serial, err)
	}
	return nil
}

// suspectError is a report that failed a check; the caller marks the meter suspect after its
// transaction rolled back, then refuses the request with ErrMeterSuspect.
type suspectError struct{ reason string }

func (e *suspectError) Error() string { return "meter report failed a check: " + e.reason }

// checkReport compares a meter's report with what the Data Center knows (judgeReport), inside the
// request's transaction, and keeps it as the newest.
func (s *SQLiteStore) checkReport(ctx context.Context, tx *sql.Tx, serial string, rep funds.Report, reportAt time.Time) error {
	if err := validateReport(rep); err != nil {
		return err
	}
	var suspect sql.NullString
	var highUsed, highPieces, highSeq, lastMs int64
	var highHead string
	if err := tx.QueryRowContext(ctx, `SELECT suspect, high_used, high_pieces, high_seq, high_head, last_report_ms
		FROM meter WHERE serial = ?`, serial).Scan(&suspect, &highUsed, &highPieces, &highSeq, &highHead, &lastMs); err != nil {
		return fmt.Errorf("read meter %q: %w", serial, err)
	}
	if suspect.Valid {
		return ErrMeterSuspect // before reading its ledger: a suspect meter's report is not read
	}
	var posted, reserved int64
	if err := tx.QueryRowContext(ctx, `SELECT posted, reserved FROM meter_ledger WHERE serial = ?`, serial).
		Scan(&posted, &reserved); err != nil {
		return fmt.Errorf("read the ledger of meter %q: %w", serial, err)
	}
	st := reportState{suspect: suspect.Valid, highUsed: highUsed, highPcs: highPieces, highSeq: highSeq,
		highHead: highHead, lastReportMs: lastMs, posted: posted, reserved: reserved}
	if err := judgeReport(st, rep, reportAt, s.weak.trustReports); err != nil {
		return err
	}
	// Keep the highest values seen (a report that passed never lowers them; MAX matters only when the
	// harness plants trust in every report).
	r := rep.Registers
	_, err := tx.ExecContext(ctx, `UPDATE meter SET high_used = MAX(high_used, ?), high_pieces = MAX(high_pieces, ?),
		high_head = CASE WHEN ? >= high_seq THEN ? ELSE high_head END, high_seq = MAX(high_seq, ?),
		last_report_ms = ? WHERE serial = ?`, r.UsedMills, r.Pieces, rep.AuditSeq, rep.AuditHead, rep.AuditSeq,
		reportAt.UnixMilli(), serial)
	return err
}

// reportTx runs fn in one transaction after the steps every reporting request shares: the meter, its
// nonce, its report checked (checkReport). A report that fails marks the meter suspect (reported).
func (s *SQLiteStore) reportTx(ctx context.Context, req Request, rep funds.Report, fn func(tx *sql.Tx, now time.Time, m meterRow) error) error {
	return s.reported(ctx, req.Serial, func() error {
		return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
			m, err := getMeter(ctx, tx, req.Serial)
			if err != nil {
				return err
			}
			if err := checkSigningKey(m, req); err != nil {
				return err
			}
			if err := s.useNonce(ctx, tx, req, now); err != nil {
				return err
			}
			if err := s.checkReport(ctx, tx, req.Serial, rep, req.At); err != nil {
				return err
			}
			return fn(tx, now, m)
		})
	})
}

// reported runs fn, a transaction that checks a report, and marks the meter suspect if the report failed.
func (s *SQLiteStore) reported(ctx context.Context, serial string, fn func() error) error {
	return markSuspect(s.log, serial, fn(), func(reason string) error {
		return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
			if _, err := tx.ExecContext(ctx, `UPDATE meter SET suspect = ? WHERE serial = ? AND suspect IS NULL`, reason, serial); err != nil {
				return err
			}
			return addEvent(ctx, tx, serial, now, "suspect", reason)
		})
	})
}

// ClearSuspect implements Store.ClearSuspect. The meter's highest report is forgotten too: the next
// report becomes the new reference, and the refill checks (posted <= control <= posted + reserved) still apply.
func (s *SQLiteStore) ClearSuspect(ctx context.Context, serial, note string) error {
	if note == "" {
		return invalidf("say why the meter is cleared (what the review found)")
	}
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, `UPDATE meter SET suspect = NULL, high_used = 0, high_pieces = 0, high_seq = 0,
			high_head = '', last_report_ms = 0 WHERE serial = ?`, serial)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("meter %q: %w", serial, ErrUnknownMeter)
		}
		return addEvent(ctx, tx, serial, now, "cleared", note)
	})
	if err != nil {
		return fmt.Errorf("clear meter %s: %w", serial, err)
	}
	s.log.Warn("meter cleared by an administrator", "meter", serial, "note", note)
	return nil
}

// MeterEvents implements Store.MeterEvents.
func (s *SQLiteStore) MeterEvents(ctx context.Context, serial string) ([]MeterEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT serial, at, kind, detail FROM meter_event
		WHERE ? = '' OR serial = ? ORDER BY seq`, serial, serial)
	if err != nil {
		return nil, fmt.Errorf("read meter events: %w", err)
	}
	defer rows.Close()
	var out []MeterEvent
	for rows.Next() {
		var e MeterEvent
		var at sql.NullString
		if err := rows.Scan(&e.Serial, &at, &e.Kind, &e.Detail); err != nil {
			return nil, fmt.Errorf("read meter events: %w", err)
		}
		if e.At, err = parseTime("meter_event.at", at); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Suspects implements Store.Suspects.
func (s *SQLiteStore) Suspects(ctx context.Context) ([]Meter, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT serial FROM meter WHERE suspect IS NOT NULL ORDER BY serial`)
	if err != nil {
		return nil, fmt.Errorf("list suspect meters: %w", err)
	}
	var serials []string
	for rows.Next() {
		var serial string
		if err := rows.Scan(&serial); err != nil {
			rows.Close()
			return nil, err
		}
		serials = append(serials, serial)
	}
	rows.Close()
	out := make([]Meter, 0, len(serials))
	for _, serial := range serials {
		m, err := s.Meter(ctx, serial)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// validateReport refuses a report no genuine meter sends: negative or inconsistent registers, no audit
// entry, a head that is not a hex SHA-256.
func validateReport(rep funds.Report) error {
	if err := validatePostalInfo(rep); err != nil {
		return err
	}
	if rep.AuditSeq < 1 {
		return invalidf("audit_seq is %d; a meter's audit log starts at 1", rep.AuditSeq)
	}
	if h, err := hex.DecodeString(rep.AuditHead); err != nil || len(h) != sha256.Size {
		return invalidf("audit_head must be %d hex digits", 2*sha256.Size)
	}
	return nil
}
