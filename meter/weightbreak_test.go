package meter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A piece records its class with the whole ounces it was charged for; the report reads them back.
func TestRecordedClassCarriesTheWeightBreak(t *testing.T) {
	for _, c := range []struct {
		w    Weight
		want string
		oz   int
	}{{10, "letter@1", 1}, {11, "letter@2", 2}, {35, "letter@4", 4}, {0, "letter", 0}} {
		got := recordedClass("letter", c.w)
		assert.Equal(t, c.want, got)
		class, oz := SplitRecordedClass(got)
		assert.Equal(t, ClassLetter, class)
		assert.Equal(t, c.oz, oz)
	}
	class, oz := SplitRecordedClass("key-in")
	assert.Equal(t, MailClass("key-in"), class)
	assert.Zero(t, oz)
	assert.Equal(t, "First-Class letter, up to 2 oz", RecordedClassLabel("letter@2"))

	r := newRig(t)
	r.fund(dollars(20))
	_, err := r.m.PrintPiece(r.ctx, r.oper, Job{Class: ClassLetter, Weight: 15}, MediumTape)
	require.NoError(t, err)
	_, err = r.m.PrintPiece(r.ctx, r.oper, Job{KeyedPostage: 512 * 10}, MediumTape)
	require.NoError(t, err)
	pieces, err := r.vault.Pieces(r.ctx, "", 2)
	require.NoError(t, err)
	assert.Equal(t, "key-in", pieces[0].Info.MailClass, "keyed-in postage has no weight break")
	assert.Equal(t, "letter@2", pieces[1].Info.MailClass)
	r.consistent()
}
