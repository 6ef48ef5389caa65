package funds

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ErrSettingChanged is returned by SwapSetting when the setting is not what the caller last read:
// someone else changed it in between, or (expecting none) it exists already.
var ErrSettingChanged = errors.New("the setting was changed meanwhile")

// SwapSetting stores value under key only if the key now holds old (or, with old nil, does not
// exist), checked and written in one audited transaction. A record that may be made once — a piece's
// date correction — is kept this way: two tries at once cannot both pass the check.
func (v *Vault) SwapSetting(ctx context.Context, key string, old *string, value, actor string) error {
	if key == contactReceiptKey {
		return fmt.Errorf("swap setting %s: use RecordContact", key)
	}
	err := v.writeTx(ctx, func(tx *sql.Tx) error {
		var now string
		err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&now)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if old != nil {
				return ErrSettingChanged
			}
		case err != nil:
			return err
		case old == nil || *old != now:
			return ErrSettingChanged
		}
		return v.setSettingTx(ctx, tx, key, value, actor)
	})
	if err != nil {
		return fmt.Errorf("swap setting %s: %w", key, err)
	}
	return nil
}
