package meter

import (
	"errors"

	"postmeter/funds"
)

// ErrNoRefillPending is Try again or Cancel asked of a refill that is no longer waiting for the clerk
// (it was finished or settled meanwhile).
var ErrNoRefillPending = errors.New("no refill is waiting for the Data Center")

// StageView is how the progress screen shows a refill's stage: what is happening, what it means for
// the clerk, how far along it is, and whether Cancel is still possible.
type StageView struct {
	Text      string
	Note      string
	Done      float64 // 0..1
	CanCancel bool    // false once the credit is being applied: nothing can be cancelled after that
}

// RefillStage describes a refill stage for the progress screen. Up to the Data Center's answer the
// clerk may cancel and nothing is added; from the credit on, the postage is in the meter.
func RefillStage(s funds.Stage) StageView {
	before := Words(MsgStageWaitNote)
	switch s {
	case funds.StageConnecting:
		return StageView{Text: Words(MsgStageConnecting), Note: before, Done: 0.25, CanCancel: true}
	case funds.StageReserving:
		return StageView{Text: Words(MsgStageReserving), Note: before, Done: 0.5, CanCancel: true}
	case funds.StageAdding:
		return StageView{Text: Words(MsgStageAdding), Done: 0.75, Note: Words(MsgStageAddingNote)}
	case funds.StageConfirming:
		return StageView{Text: Words(MsgStageConfirming), Done: 1, Note: Words(MsgStageConfirmingNote)}
	}
	return StageView{Text: Words(MsgStageOther), Note: before, CanCancel: true}
}

// Percent is the progress figure beside the bar.
func (v StageView) Percent() string { return Words(MsgStagePercent, int(v.Done*100+0.5)) }

// Note is the completion notice's sentence: the postage is in the meter, and whether the Data Center
// still has to be told (which the meter does by itself; the clerk has nothing to do).
func (c Completion) Note() string {
	if c.Confirmed {
		return Words(MsgCompletionConfirmed)
	}
	return Words(MsgCompletionOwed)
}
