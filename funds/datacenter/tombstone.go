package datacenter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A void of a refill id the Data Center has never seen leaves a permanent tombstone, so that a late
// reserve of that id can never create a hold. A meter makes one only when a refill request may have
// been lost and the clerk cancels, a handful a day at worst; MaxTombstonesPerWindow bounds how many a
// meter can make within TombstoneWindow, so no meter (or stolen meter key) can fill the database.
const (
	MaxTombstonesPerWindow = 100
	TombstoneWindow        = 24 * time.Hour
)

// ErrTooManyVoids is wrapped when a meter has made MaxTombstonesPerWindow tombstones within
// TombstoneWindow; the HTTP server answers 429 with CodeTooManyVoids.
var ErrTooManyVoids = errors.New("too many voids of refills the Data Center never received")

// checkTombstoneQuota returns an error wrapping ErrTooManyVoids if meter serial may make no more
// tombstones now.
func checkTombstoneQuota(ctx context.Context, tx *sql.Tx, serial string, now time.Time) error {
	since := now.Add(-TombstoneWindow)
	// created is RFC 3339 text with trimmed fractions, which sorts exactly only between whole seconds:
	// the query takes a second more, and the times are compared here.
	rows, err := tx.QueryContext(ctx, `SELECT created FROM refill WHERE meter_serial = ? AND tombstone = 1 AND created >= ?`,
		serial, fmtTime(since.Truncate(time.Second).Add(-time.Second)))
	if err != nil {
		return fmt.Errorf("count tombstones of meter %q: %w", serial, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var created sql.NullString
		if err := rows.Scan(&created); err != nil {
			return fmt.Errorf("count tombstones of meter %q: %w", serial, err)
		}
		t, err := parseTime("created", created)
		if err != nil {
			return err
		}
		if t.After(since) {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count tombstones of meter %q: %w", serial, err)
	}
	if n >= MaxTombstonesPerWindow {
		return fmt.Errorf("meter %s has voided %d refills the Data Center never received within %v, the most it accepts; "+
			"check the meter's network connection and contact customer service: %w", serial, n, TombstoneWindow, ErrTooManyVoids)
	}
	return nil
}
