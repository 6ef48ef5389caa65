package funds

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// FileCheck is what VerifyFile found in a vault that verified.
type FileCheck struct {
	Registers    Registers
	AuditEntries int64
	Checkpoints  int64
	NewestSealed int64 // the newest checkpoint's entry, 0 if none
	Took         time.Duration
}

// VerifyFile runs the full verification (Verify's rules, from the first entry) on the vault file at
// path, read-only: the file is never changed, so it can be checked beside a running meter, or on a copy,
// by an auditor who holds the meter's keys (`postmeter verify`). A discrepancy is a *VerifyError.
func VerifyFile(ctx context.Context, path string, keys Keys, serial string) (FileCheck, error) {
	var fc FileCheck
	start := time.Now()
	db, err := sql.Open("sqlite", readOnlyDSN(path))
	if err != nil {
		return fc, fmt.Errorf("verify %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var format int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&format); err != nil {
		return fc, fmt.Errorf("verify %s: %w", path, err)
	}
	if format != vaultFormat {
		return fc, fmt.Errorf("verify %s: vault format %d, this postmeter verifies format %d (the meter migrates a vault when it opens it)",
			path, format, vaultFormat)
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fc, fmt.Errorf("verify %s: %w", path, err)
	}
	defer tx.Rollback()
	v := &Vault{keys: keys, serial: serial}
	if _, err := v.verifyFull(ctx, tx, -1); err != nil {
		return fc, err
	}
	if fc.Registers, err = readRegisters(ctx, tx); err != nil {
		return fc, fmt.Errorf("verify %s: %w", path, err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT MAX(seq), SUM(kind = ?), COALESCE(MAX(CASE WHEN kind = ? THEN seq END), 0)
		FROM audit`, checkpointKind, checkpointKind).Scan(&fc.AuditEntries, &fc.Checkpoints, &fc.NewestSealed); err != nil {
		return fc, fmt.Errorf("verify %s: %w", path, err)
	}
	fc.Took = time.Since(start)
	return fc, nil
}
