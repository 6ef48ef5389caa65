package datacenter

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"postmeter/funds"
)

// The meters' keys, nonces and reports on the PostgreSQL store (sqlite_trust.go says why each exists).

// MeterKey implements Store.MeterKey.
func (s *PostgresStore) MeterKey(ctx context.Context, serial string) (ed25519.PublicKey, error) {
	var key []byte
	err := s.pool.QueryRow(ctx, `SELECT public_key FROM meter WHERE serial = $1`, serial).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) {
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

// useNonce stores the request's nonce in its transaction; a nonce seen before is ErrReplayed. The
// caller holds the meter's row lock. It also drops a few expired nonces of any meter, skipping rows
// another transaction is dropping, so cleaners never wait on each other.
func (s *PostgresStore) useNonce(ctx context.Context, tx pgx.Tx, req Request) error {
	if req.Nonce == "" || s.weak.noNonceMemory {
		return nil
	}
	// One statement, one round trip: the cleaning and the insert.
	tag, err := tx.Exec(ctx, `WITH expired AS (DELETE FROM nonce WHERE ctid IN
			(SELECT ctid FROM nonce WHERE expires_ms < $4 LIMIT 8 FOR UPDATE SKIP LOCKED))
		INSERT INTO nonce(serial, nonce, expires_ms) VALUES($1, $2, $3) ON CONFLICT DO NOTHING`,
		req.Serial, req.Nonce, req.At.Add(funds.SignatureWindow).UnixMilli(), s.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("store nonce: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return ErrReplayed
	}
	return nil
}

// IssueEnrollmentToken implements Store.IssueEnrollmentToken.
func (s *PostgresStore) IssueEnrollmentToken(ctx context.Context, serial string, ttl time.Duration) (string, error) {
	token, hash := newToken()
	err := s.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		tag, err := tx.Exec(ctx, `UPDATE meter SET token_hash = $1, token_expires = $2 WHERE serial = $3`,
			hash, now.Add(ttl), serial)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("meter %q: %w", serial, ErrUnknownMeter)
		}
		return pgAddEvent(ctx, tx, serial, now, "token-issued", "enrollment token valid until "+fmtTime(now.Add(ttl)))
	})
	if err != nil {
		return "", fmt.Errorf("enrollment token for meter %s: %w", serial, err)
	}
	return token, nil
}

// Enroll implements Store.Enroll (see SQLiteStore.Enroll).
func (s *PostgresStore) Enroll(ctx context.Context, serial, token string, key ed25519.PublicKey) error {
	if len(key) != ed25519.PublicKeySize {
		return invalidf("public_key must be %d bytes of hex", ed25519.PublicKeySize)
	}
	return s.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		var hash []byte
		var expires *time.Time
		err := tx.QueryRow(ctx, `SELECT token_hash, token_expires FROM meter WHERE serial = $1 FOR UPDATE`, serial).
			Scan(&hash, &expires)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrBadToken
		}
		if err != nil {
			return err
		}
		got := sha256.Sum256([]byte(token))
		if hash == nil || expires == nil || subtle.ConstantTimeCompare(hash, got[:]) != 1 || !now.Before(*expires) {
			return ErrBadToken
		}
		if _, err := tx.Exec(ctx, `UPDATE meter SET public_key = $1, token_hash = NULL, token_expires = NULL
			WHERE serial = $2`, []byte(key), serial); err != nil {
			return err
		}
		return pgAddEvent(ctx, tx, serial, now, "enrolled", "public key "+hex.EncodeToString(key))
	})
}

// checkReport is SQLiteStore.checkReport on PostgreSQL: st is what the meter's row said, read under
// its lock by reportTx. Keeping the report also records the contact (last_contact), so the request's
// work needs no statement of its own for that.
func (s *PostgresStore) checkReport(ctx context.Context, tx pgx.Tx, serial string, rep funds.Report, reportAt, now time.Time, st reportState) error {
	if err := validateReport(rep); err != nil {
		return err
	}
	if st.suspect {
		return ErrMeterSuspect
	}
	if reportAt.UnixMilli() < st.lastReportMs {
		return ErrStaleReport
	}
	r := rep.Registers
	mills := func(m int64) string { return funds.Amount(m).MillsString() }
	var reason string
	switch {
	case r.UsedMills < st.highUsed:
		reason = fmt.Sprintf("used register went down from %s to %s", mills(st.highUsed), mills(r.UsedMills))
	case r.Pieces < st.highPcs:
		reason = fmt.Sprintf("piece count went down from %d to %d", st.highPcs, r.Pieces)
	case rep.AuditSeq < st.highSeq:
		reason = fmt.Sprintf("audit sequence went down from %d to %d", st.highSeq, rep.AuditSeq)
	case rep.AuditSeq == st.highSeq && rep.AuditHead != st.highHead:
		reason = fmt.Sprintf("audit entry %d changed: head %s, earlier %s", st.highSeq, rep.AuditHead, st.highHead)
	case r.ControlMills < st.posted:
		reason = fmt.Sprintf("control %s is below the %s posted to this meter", mills(r.ControlMills), mills(st.posted))
	case r.ControlMills > st.posted+st.reserved:
		reason = fmt.Sprintf("control %s is above the %s posted and %s reserved for this meter: postage this Data Center never granted",
			mills(r.ControlMills), mills(st.posted), mills(st.reserved))
	}
	if reason != "" && !s.weak.trustReports {
		return &suspectError{reason}
	}
	_, err := tx.Exec(ctx, `UPDATE meter SET high_used = GREATEST(high_used, $1), high_pieces = GREATEST(high_pieces, $2),
		high_head = CASE WHEN $3 >= high_seq THEN $4 ELSE high_head END, high_seq = GREATEST(high_seq, $3),
		last_report_ms = $5, last_contact = $7 WHERE serial = $6`, r.UsedMills, r.Pieces, rep.AuditSeq, rep.AuditHead,
		reportAt.UnixMilli(), serial, now)
	return err
}

// reportTx runs fn in one transaction after the meter's row is locked, its nonce stored and its report
// checked and kept (which records the contact); a report that fails marks the meter suspect (reported).
func (s *PostgresStore) reportTx(ctx context.Context, req Request, rep funds.Report, fn func(tx pgx.Tx, now time.Time, m meterRow) error) error {
	return s.reported(ctx, req.Serial, func() error {
		return s.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
			var st reportState
			m, err := pgMeterReport(ctx, tx, req.Serial, true, &st)
			if err != nil {
				return err
			}
			if err := s.useNonce(ctx, tx, req); err != nil {
				return err
			}
			if err := s.checkReport(ctx, tx, req.Serial, rep, req.At, now, st); err != nil {
				return err
			}
			return fn(tx, now, m)
		})
	})
}

func (s *PostgresStore) reported(ctx context.Context, serial string, fn func() error) error {
	err := fn()
	var se *suspectError
	if !errors.As(err, &se) {
		return err
	}
	if merr := s.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		if _, err := tx.Exec(ctx, `UPDATE meter SET suspect = $1 WHERE serial = $2 AND suspect IS NULL`, se.reason, serial); err != nil {
			return err
		}
		return pgAddEvent(ctx, tx, serial, now, "suspect", se.reason)
	}); merr != nil {
		return errors.Join(err, merr)
	}
	s.log.Error("meter marked suspect: refills refused until an administrator clears it", "meter", serial, "reason", se.reason)
	return fmt.Errorf("%w: %s", ErrMeterSuspect, se.reason)
}

// ClearSuspect implements Store.ClearSuspect (see SQLiteStore.ClearSuspect).
func (s *PostgresStore) ClearSuspect(ctx context.Context, serial, note string) error {
	if note == "" {
		return invalidf("say why the meter is cleared (what the review found)")
	}
	err := s.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		tag, err := tx.Exec(ctx, `UPDATE meter SET suspect = NULL, high_used = 0, high_pieces = 0, high_seq = 0,
			high_head = '', last_report_ms = 0 WHERE serial = $1`, serial)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("meter %q: %w", serial, ErrUnknownMeter)
		}
		return pgAddEvent(ctx, tx, serial, now, "cleared", note)
	})
	if err != nil {
		return fmt.Errorf("clear meter %s: %w", serial, err)
	}
	s.log.Warn("meter cleared by an administrator", "meter", serial, "note", note)
	return nil
}

// MeterEvents implements Store.MeterEvents.
func (s *PostgresStore) MeterEvents(ctx context.Context, serial string) ([]MeterEvent, error) {
	rows, err := s.pool.Query(ctx, `SELECT serial, at, kind, detail FROM meter_event
		WHERE $1 = '' OR serial = $1 ORDER BY seq`, serial)
	if err != nil {
		return nil, fmt.Errorf("read meter events: %w", err)
	}
	defer rows.Close()
	var out []MeterEvent
	for rows.Next() {
		var e MeterEvent
		if err := rows.Scan(&e.Serial, &e.At, &e.Kind, &e.Detail); err != nil {
			return nil, fmt.Errorf("read meter events: %w", err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// Suspects implements Store.Suspects.
func (s *PostgresStore) Suspects(ctx context.Context) ([]Meter, error) {
	rows, err := s.pool.Query(ctx, `SELECT serial FROM meter WHERE suspect IS NOT NULL ORDER BY serial`)
	if err != nil {
		return nil, fmt.Errorf("list suspect meters: %w", err)
	}
	serials, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list suspect meters: %w", err)
	}
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
