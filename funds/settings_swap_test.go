package funds

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Of many tries at once to make a once-only record, exactly one passes; the record is audited and
// the vault still verifies.
func TestSwapSettingLetsOneOfManyTriesThrough(t *testing.T) {
	ctx := context.Background()
	v, _ := openTestVault(t)
	const tries = 20
	var wg sync.WaitGroup
	errs := make([]error, tries)
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = v.SwapSetting(ctx, "once", nil, "made", "clerk")
		}()
	}
	wg.Wait()
	passed := 0
	for _, err := range errs {
		if err == nil {
			passed++
		} else {
			assert.ErrorIs(t, err, ErrSettingChanged)
		}
	}
	assert.Equal(t, 1, passed)

	old := "made"
	require.NoError(t, v.SwapSetting(ctx, "once", &old, "changed", "clerk"), "from what it holds")
	assert.ErrorIs(t, v.SwapSetting(ctx, "once", &old, "again", "clerk"), ErrSettingChanged, "from what it held before")
	got, _, err := v.Setting(ctx, "once")
	require.NoError(t, err)
	assert.Equal(t, "changed", got)
	log, err := v.AuditLog(ctx, 0, 100)
	require.NoError(t, err)
	n := 0
	for _, e := range log {
		if e.Kind == "setting" && (e.Body == "once=made" || e.Body == "once=changed") {
			n++
		}
	}
	assert.Equal(t, 2, n, "each change audited once")
	require.NoError(t, v.Verify(ctx))
}

func TestPieceAt(t *testing.T) {
	ctx := context.Background()
	v, _ := openTestVault(t)
	fill(t, v, 10*Dollar)
	p, err := v.Debit(ctx, 780*Mill, PieceInfo{MailClass: "letter", MailingDate: "2026-12-02", Actor: "sue"})
	require.NoError(t, err)
	got, err := v.PieceBySeq(ctx, p.Seq)
	require.NoError(t, err)
	assert.Equal(t, p.Amount, got.Amount)
	assert.Equal(t, "2026-12-02", got.Info.MailingDate)
	_, err = v.PieceBySeq(ctx, p.Seq+1)
	assert.ErrorIs(t, err, ErrNoSuchPiece)
}
