package meter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

// Presets are managed with their own right; a preset sets up the job; it keeps the class, not the
// price, so a new rate table reprices it; a keyed-in one is never the default.
func TestPresetsSetUpTheJobAndRepriceThemselves(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(30))
	sales, err := r.m.AddAccount(r.ctx, r.super, "Sales")
	require.NoError(t, err)
	letters := Preset{Name: "Sales letters", Class: ClassLetter, AccountCode: sales, Medium: MediumEnvelope}

	_, err = r.m.SavePreset(r.ctx, r.oper, letters)
	assert.ErrorIs(t, err, ErrNoRights, "an operator without the right saves no preset")
	id, err := r.m.SavePreset(r.ctx, r.super, letters)
	require.NoError(t, err)
	_, err = r.m.SavePreset(r.ctx, r.super, Preset{Name: "sales LETTERS", Class: ClassPostcard, Medium: MediumTape})
	assert.ErrorIs(t, err, ErrPresetNameTaken)
	keyed, err := r.m.SavePreset(r.ctx, r.super, Preset{Name: "Parcel", KeyedPostage: 512 * funds.Cent, Medium: MediumTape})
	require.NoError(t, err)
	assert.ErrorIs(t, r.m.SetDefaultPreset(r.ctx, r.super, keyed), ErrKeyedPresetDefault)
	require.NoError(t, r.m.SetDefaultPreset(r.ctx, r.super, id))

	job, medium, err := r.m.ApplyPreset(r.ctx, r.oper, id, Job{Class: ClassPostcard, Weight: 10, DateAdvance: 1})
	require.NoError(t, err)
	assert.Equal(t, MediumEnvelope, medium)
	assert.Equal(t, ClassLetter, job.Class)
	assert.Equal(t, sales, job.AccountCode)
	assert.Equal(t, Weight(10), job.Weight, "the weight stays")
	assert.Equal(t, 1, job.DateAdvance, "the date stays")
	today, err := r.m.Postage(r.ctx, job)
	require.NoError(t, err)
	res, err := r.m.PrintPiece(r.ctx, r.oper, job, medium)
	require.NoError(t, err)
	assert.Equal(t, today, res.Piece.Amount)
	assert.Equal(t, sales, res.Piece.Info.AccountCode)

	// A new rate table from the Data Center, in force from the day after tomorrow: the same preset
	// prices that day's mail from it.
	require.NoError(t, r.store.PublishRates(r.ctx, r.dcKey, "2026-11-27", dcTable("2026-11-27", "0.85")))
	_, err = r.m.GetBalance(r.ctx, r.super)
	require.NoError(t, err)
	later, _, err := r.m.ApplyPreset(r.ctx, r.oper, id, Job{Weight: 10, DateAdvance: 2})
	require.NoError(t, err)
	p, err := r.m.Postage(r.ctx, later)
	require.NoError(t, err)
	assert.Equal(t, 85*funds.Cent, p, "repriced by the new table")
	assert.NotEqual(t, today, p)

	// A disabled code makes the preset refuse, rather than print with half of it.
	require.NoError(t, r.m.SetAccountDisabled(r.ctx, r.super, sales, true))
	_, _, err = r.m.ApplyPreset(r.ctx, r.oper, id, Job{Weight: 10})
	assert.ErrorIs(t, err, ErrAccountDisabled)

	require.NoError(t, r.m.DeletePreset(r.ctx, r.super, id))
	list, err := r.m.Presets(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, "", list.Default, "deleting the default leaves none")
	require.Len(t, list.List, 1)
	assert.Equal(t, "Parcel", list.List[0].Name)
	for i := range MaxPresets - 1 {
		_, err = r.m.SavePreset(r.ctx, r.super, Preset{Name: "Job " + string(rune('A'+i)), Class: ClassLetter, Medium: MediumTape})
		require.NoError(t, err)
	}
	_, err = r.m.SavePreset(r.ctx, r.super, Preset{Name: "One too many", Class: ClassLetter, Medium: MediumTape})
	assert.ErrorIs(t, err, ErrTooManyPresets)
	assert.Equal(t, MsgPresetTooMany, Explain(err).ID)
	r.consistent()
}
