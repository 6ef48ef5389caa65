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
	before := "Please wait. If the connection fails, nothing is added and you can try again or cancel."
	switch s {
	case funds.StageConnecting:
		return StageView{Text: "Connecting to the Data Center…", Note: before, Done: 0.25, CanCancel: true}
	case funds.StageReserving:
		return StageView{Text: "The Data Center is checking your account…", Note: before, Done: 0.5, CanCancel: true}
	case funds.StageAdding:
		return StageView{Text: "Adding postage to the meter…", Done: 0.75,
			Note: "The Data Center approved the refill and the postage is being added to the meter. Please wait."}
	case funds.StageConfirming:
		return StageView{Text: "Confirming with the Data Center…", Done: 1,
			Note: "The postage is in the meter. The meter is telling the Data Center; please wait."}
	}
	return StageView{Text: "Please wait…", Note: before, CanCancel: true}
}

// Note is the completion notice's sentence: the postage is in the meter, and whether the Data Center
// still has to be told (which the meter does by itself; the clerk has nothing to do).
func (c Completion) Note() string {
	if c.Confirmed {
		return "The postage was added to your meter."
	}
	return "The postage was added to your meter and you can use it now. The meter tells the Data Center " +
		"at its next connection; there is nothing else to do."
}
