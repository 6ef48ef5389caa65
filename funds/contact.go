package funds

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// contactReceiptKey is the setting that keeps the newest contact receipt: the Data Center's signed answer
// to a balance inquiry, a postal-info upload, a refill or the enrollment. The meter's inspection clock
// runs from its time only, never from the meter's own clock, so nobody can postpone an inspection by
// editing a timestamp: a receipt without the Data Center's signature does not count.
const contactReceiptKey = "contact_receipt"

// RecordContact checks receipt (signed by the pinned Data Center key, for this meter, with a time) and
// stores it, audited like any setting, if it is later than the one stored. It returns the time of the
// newest contact on record afterwards.
func (v *Vault) RecordContact(ctx context.Context, receipt SignedAnswer, actor string) (time.Time, error) {
	at, err := receipt.ContactTime(v.keys, v.serial)
	if err != nil {
		return time.Time{}, fmt.Errorf("record contact: %w", err)
	}
	value, err := json.Marshal(receipt)
	if err != nil {
		return time.Time{}, fmt.Errorf("record contact: encode: %w", err)
	}
	newest := at
	err = v.writeTx(ctx, func(tx *sql.Tx) error {
		var stored string
		err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, contactReceiptKey).Scan(&stored)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			prev, err := v.checkReceipt(stored)
			if err != nil {
				return err // Verify would refuse the vault: never paper over it with a new receipt
			}
			if !at.After(prev) {
				slog.Debug("contact receipt not newer than the stored one; kept the stored one", "receipt", at, "stored", prev)
				newest = prev
				return nil
			}
		}
		return v.setSettingTx(ctx, tx, contactReceiptKey, string(value), actor)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("record contact: %w", err)
	}
	return newest, nil
}

// LastContact is the time of the newest stored contact receipt, verified again; ok is false before the
// first contact. A stored receipt that does not verify is an error, never a contact.
func (v *Vault) LastContact(ctx context.Context) (t time.Time, ok bool, err error) {
	stored, ok, err := v.Setting(ctx, contactReceiptKey)
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	t, err = v.checkReceipt(stored)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("last contact: %w", err)
	}
	return t, true, nil
}

// checkReceipt reads a stored receipt and checks it as when it was received (once per distinct value:
// the same bytes verified before verify again).
func (v *Vault) checkReceipt(stored string) (time.Time, error) {
	v.receipt.Lock()
	defer v.receipt.Unlock()
	if stored == v.receipt.value {
		return v.receipt.at, nil
	}
	var receipt SignedAnswer
	if err := json.Unmarshal([]byte(stored), &receipt); err != nil {
		return time.Time{}, fmt.Errorf("%w: stored contact receipt unreadable: %v", ErrBadAnswer, err)
	}
	t, err := receipt.ContactTime(v.keys, v.serial)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored contact receipt: %w", err)
	}
	v.receipt.value, v.receipt.at = stored, t
	return t, nil
}
