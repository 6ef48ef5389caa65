package funds

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// Setting reads a meter setting stored beside the registers; ok is false if it was never set.
func (v *Vault) Setting(ctx context.Context, key string) (value string, ok bool, err error) {
	err = v.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read setting %s: %w", key, err)
	}
	return value, true, nil
}

// SetSetting stores a meter setting and audits who changed it.
func (v *Vault) SetSetting(ctx context.Context, key, value, actor string) error {
	if key == contactReceiptKey {
		// Only a checked receipt may be stored there; an unchecked one would make Verify refuse the vault.
		return fmt.Errorf("set setting %s: use RecordContact", key)
	}
	err := v.writeTx(ctx, func(tx *sql.Tx) error { return v.setSettingTx(ctx, tx, key, value, actor) })
	if err != nil {
		return fmt.Errorf("set setting %s: %w", key, err)
	}
	return nil
}

// setSettingTx stores and audits a setting inside the caller's transaction. The audit body keeps long
// values by digest only; the touched digest covers the whole value.
func (v *Vault) setSettingTx(ctx context.Context, tx *sql.Tx, key, value, actor string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES(?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return err
	}
	regs, err := readRegisters(ctx, tx)
	if err != nil {
		return err
	}
	var touched touchList
	touched.setting(key, value)
	return v.appendAudit(ctx, tx, actor, "setting", auditSettingBody(key, value), regs, touched)
}

// SpoilUnconfirmedPieces marks every piece still committed (debited, print never confirmed, e.g. after
// a power cut) as spoiled. Called at start-up: such pieces are never reprinted automatically.
func (v *Vault) SpoilUnconfirmedPieces(ctx context.Context, reason string) (int, error) {
	list, err := v.Pieces(ctx, PieceCommitted, -1)
	if err != nil {
		return 0, err
	}
	for _, p := range list {
		if err := v.MarkSpoiled(ctx, p.Seq, reason, "system"); err != nil {
			return 0, err
		}
	}
	return len(list), nil
}

// auditSettingBody records short values as they are and long ones (such as the users list with its PIN
// hashes) by digest only, so the append-only log never keeps secrets it could not later forget.
func auditSettingBody(key, value string) string {
	if len(value) <= 64 {
		return key + "=" + value
	}
	sum := sha256.Sum256([]byte(value))
	return key + " sha256:" + hex.EncodeToString(sum[:8])
}
