package meter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The model profile decides what the meter does, not only what Meter Information says: the weighing
// methods Run Mail may use, tape, how many account codes the meter keeps, and how long the print
// engine takes per piece. The checks are here, in the core, so a screen that offered too much would
// still be refused.

// WeighingMethod is how a piece's weight reaches the rating.
type WeighingMethod string

// Weighing methods (DOMAIN.md §1.3: Key in Postage, Attached Scale, W-O-W; differential weighing an
// option of the guides).
const (
	WeighKeyed        WeighingMethod = "keyed"        // keyed in on the keypad (every meter); "" is the same
	WeighScale        WeighingMethod = "scale"        // the piece on the attached scale's platform (Weigh)
	WeighOnTheWay     WeighingMethod = "wow"          // weighed in the feeder as it passes: read at each piece
	WeighDifferential WeighingMethod = "differential" // the stack on the scale; each piece's weight is what left it
)

// ErrNotOnModel is wrapped when a job or a setting asks for something the meter's model has not.
var ErrNotOnModel = errors.New("not on this meter model")

// NotOnModelError names what the model lacks.
type NotOnModelError struct {
	Model string
	What  string // "tape", "differential weighing"
	Do    string // the catalogue entry that says what to do instead
}

func (e *NotOnModelError) Error() string { return fmt.Sprintf("the %s has no %s", e.Model, e.What) }
func (e *NotOnModelError) Unwrap() error { return ErrNotOnModel }

// ErrTakeOnePiece is differential weighing when the stack on the scale did not get lighter.
var ErrTakeOnePiece = errors.New("differential weighing: the stack on the scale is no lighter")

// WeighingMethods are the ways this meter may weigh, in the order Run Mail offers them: keyed in
// always; the scale, weigh-on-the-way and differential weighing only where the model has them and a
// scale is attached.
func (m *Meter) WeighingMethods() []WeighingMethod {
	out := []WeighingMethod{WeighKeyed}
	if m.cfg.Scale == nil || !m.cfg.Model.AttachedScale {
		return out
	}
	out = append(out, WeighScale)
	if m.cfg.Model.WeighOnTheWay {
		out = append(out, WeighOnTheWay)
	}
	if m.cfg.Model.DifferentialWeighing {
		out = append(out, WeighDifferential)
	}
	return out
}

// Label is the method's name on a screen.
func (w WeighingMethod) Label() string {
	switch w {
	case WeighScale:
		return FeatureAttachedScale.Label()
	case WeighOnTheWay:
		return FeatureWeighOnTheWay.Label()
	case WeighDifferential:
		return FeatureDifferentialWeighing.Label()
	}
	return "Keyed-in weight"
}

// checkWeighing refuses a weighing method the model (or a meter without a scale) does not offer.
func (m *Meter) checkWeighing(w WeighingMethod) error {
	if w == "" || slices.Contains(m.WeighingMethods(), w) {
		return nil
	}
	what := map[WeighingMethod]string{WeighScale: "an attached scale", WeighOnTheWay: FeatureWeighOnTheWay.Label(),
		WeighDifferential: "differential weighing"}[w]
	if what == "" {
		what = fmt.Sprintf("the weighing method %q", string(w))
	}
	return &NotOnModelError{Model: m.cfg.Model.Name, What: what, Do: string(MsgNotOnModelWeigh)}
}

// pieceWeight is the weight a piece of the job is rated at: the job's for keyed-in and scale weights;
// read from the scale now for weigh-on-the-way; for differential weighing, what the stack lost since the
// last piece (StartDifferential read the first stack). It returns the stack weight to keep once the
// piece is printed (0 for other methods).
func (m *Meter) pieceWeight(ctx context.Context, job Job) (w, stack Weight, err error) {
	if err := m.checkWeighing(job.Weighing); err != nil {
		return 0, 0, err
	}
	if job.KeyedPostage > 0 {
		return job.Weight, 0, nil
	}
	switch job.Weighing {
	case WeighOnTheWay:
		w, err := m.cfg.Scale.Weight(ctx)
		return w, 0, err
	case WeighDifferential:
		now, err := m.cfg.Scale.Weight(ctx)
		if err != nil {
			return 0, 0, err
		}
		m.mu.Lock()
		base := m.diffStack
		m.mu.Unlock()
		if now >= base {
			return 0, 0, ErrTakeOnePiece
		}
		return base - now, now, nil
	}
	return job.Weight, 0, nil
}

// StartDifferential reads the stack on the scale that differential weighing counts down from; each
// printed piece then costs what the stack lost.
func (m *Meter) StartDifferential(ctx context.Context) (Weight, error) {
	if err := m.checkWeighing(WeighDifferential); err != nil {
		return 0, err
	}
	w, err := m.cfg.Scale.Weight(ctx)
	if err != nil {
		return 0, err
	}
	m.mu.Lock()
	m.diffStack = w
	m.mu.Unlock()
	return w, nil
}

// keepStack notes the stack left after a piece weighed differentially.
func (m *Meter) keepStack(job Job, stack Weight) {
	if job.Weighing == WeighDifferential {
		m.mu.Lock()
		m.diffStack = stack
		m.mu.Unlock()
	}
}

// HasTape reports whether the model has a tape dispenser (Run Mail's and the reports' Tape).
func (m *Meter) HasTape() bool { return m.cfg.Model.Tape }

// checkMedium refuses tape on a model without it.
func (m *Meter) checkMedium(medium Medium) error {
	if medium == MediumTape && !m.cfg.Model.Tape {
		return &NotOnModelError{Model: m.cfg.Model.Name, What: "tape", Do: string(MsgNotOnModelTape)}
	}
	return nil
}

// PieceTime is how long the model's print engine takes per piece at its rated speed: a 120 letters a
// minute engine, half a second.
func (mo Model) PieceTime() time.Duration {
	if mo.SpeedLPM <= 0 {
		return 0
	}
	return time.Minute / time.Duration(mo.SpeedLPM)
}
