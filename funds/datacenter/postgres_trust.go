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

// reported runs fn, a transaction that checks a report, and marks the meter suspect if the report failed.
func (s *PostgresStore) reported(ctx context.Context, serial string, fn func() error) error {
	return markSuspect(s.log, serial, fn(), func(reason string) error {
		return s.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
			if _, err := tx.Exec(ctx, `UPDATE meter SET suspect = $1 WHERE serial = $2 AND suspect IS NULL`, reason, serial); err != nil {
				return err
			}
			return pgAddEvent(ctx, tx, serial, now, "suspect", reason)
		})
	})
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
