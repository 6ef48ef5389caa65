package meter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"postmeter/funds"
	"postmeter/printer/when"
)

// MaxDateAdvanceDays is how far ahead a mailing date may be set (inferred; real meters allow a few
// days to a month). It never passes the inspection lock date either.
const MaxDateAdvanceDays = 7

// Job is one Run Mail job: what every piece of the batch is printed with.
type Job struct {
	Class        MailClass
	Weight       Weight
	KeyedPostage funds.Amount // "Key in Postage": when set, printed instead of the rate table's price
	AccountCode  string       // cost centre charged, "" if none
	DateAdvance  int          // days after today; 0 is today, never negative
	// DestinationZIP, when keyed in (5 digits, or ZIP+4 as 12345-6789), is carried in the indicium.
	DestinationZIP string
	// Weighing is how the weight is had ("" or WeighKeyed: Weight as keyed in or weighed); the core
	// refuses a method the model has not (WeighingMethods).
	Weighing WeighingMethod
}

// Date errors.
var (
	ErrBackdated       = errors.New("a mailing date cannot be in the past")
	ErrDateTooFar      = fmt.Errorf("a mailing date can be advanced at most %d days", MaxDateAdvanceDays)
	ErrUnknownAccount  = errors.New("unknown account code")
	ErrNoPostage       = errors.New("no postage: choose a class and weight, or key in postage")
	ErrPostageTooLarge = errors.New("keyed-in postage is above the $99.99 a piece may carry")
	ErrDestinationZIP  = errors.New("a destination ZIP is 5 digits or ZIP+4 (12345-6789)")
	ErrUnverifiedRates = errors.New("the rate table in force is unverified and this meter does not rate from unverified tables")
)

// maxPiecePostage bounds Key in Postage; a meter refuses absurd values (inferred limit).
const maxPiecePostage = 99_990 * funds.Mill

// MailingDate is the date printed for the job.
func (m *Meter) MailingDate(ctx context.Context, job Job) (time.Time, error) {
	insp, err := m.Inspection(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return m.mailingDate(job, insp)
}

// mailingDate is MailingDate with the inspection clock already read.
func (m *Meter) mailingDate(job Job, insp InspectionStatus) (time.Time, error) {
	if job.DateAdvance < 0 {
		return time.Time{}, ErrBackdated
	}
	if job.DateAdvance > MaxDateAdvanceDays {
		return time.Time{}, ErrDateTooFar
	}
	now := m.Now()
	date := time.Date(now.Year(), now.Month(), now.Day()+job.DateAdvance, 0, 0, 0, 0, now.Location())
	if job.DateAdvance > 0 && !date.Before(insp.LockAt) {
		return time.Time{}, fmt.Errorf("%w: the date cannot pass the inspection deadline %s; connect to the Data Center first",
			ErrDateTooFar, when.Date(insp.LockAt))
	}
	return date, nil
}

// Postage is what one piece of the job costs, from the rate table in force on its mailing date.
func (m *Meter) Postage(ctx context.Context, job Job) (funds.Amount, error) {
	var date time.Time
	if job.KeyedPostage == 0 {
		var err error
		if date, err = m.MailingDate(ctx, job); err != nil {
			return 0, err
		}
	}
	return m.postageOn(job, date)
}

// postageOn prices one piece of the job mailed on date (unused for keyed-in postage).
func (m *Meter) postageOn(job Job, date time.Time) (funds.Amount, error) {
	if job.KeyedPostage < 0 {
		return 0, ErrNoPostage
	}
	if job.KeyedPostage > 0 {
		if job.KeyedPostage > maxPiecePostage {
			return 0, ErrPostageTooLarge
		}
		return job.KeyedPostage, nil
	}
	if job.Class == "" || job.Weight <= 0 {
		return 0, ErrNoPostage
	}
	table, err := RateTableFor(m.RateTables(), date)
	if err != nil {
		return 0, err
	}
	if table.Unverified && !m.cfg.AllowUnverifiedRates {
		return 0, fmt.Errorf("%w: %s", ErrUnverifiedRates, table)
	}
	return table.Postage(job.Class, job.Weight)
}

// RateTableOn is the rate table in force on the job's mailing date, for the screens to say which
// prices they show and whether those are verified.
func (m *Meter) RateTableOn(ctx context.Context, job Job) (RateTable, error) {
	date, err := m.MailingDate(ctx, job)
	if err != nil {
		return RateTable{}, err
	}
	return RateTableFor(m.RateTables(), date)
}

// UnverifiedRatesAllowed reports whether the meter rates from a table marked unverified (the trainer
// does, showing that it does; a kiosk only when its configuration says so).
func (m *Meter) UnverifiedRatesAllowed() bool { return m.cfg.AllowUnverifiedRates }

// Weigh reads the attached scale.
func (m *Meter) Weigh(ctx context.Context) (Weight, error) {
	if m.cfg.Scale == nil {
		return 0, errors.New("this meter has no scale: key in the weight")
	}
	return m.cfg.Scale.Weight(ctx)
}

// WarningKind names a warning.
type WarningKind string

// Warnings a screen shows.
const (
	WarnLowFunds      WarningKind = "low-funds"
	WarnInspection    WarningKind = "inspection"
	WarnInkLow        WarningKind = "ink-low"
	WarnRefillPending WarningKind = "refill-pending"
	WarnSuspect       WarningKind = "suspect" // the Data Center refused this meter's registers
)

// Warning is something the clerk should know, and the way to act on it.
type Warning struct {
	Kind    WarningKind
	Title   string
	Message string
	Action  MessageID // a button leading to the fix, "" if none (ActionAddPostage leads to the refill)
}

// Settings are the refill settings a supervisor can change.
type Settings struct {
	LowFundsWarning funds.Amount
	DefaultRefill   funds.Amount
}

// Settings reads the refill settings.
func (m *Meter) Settings(ctx context.Context) (Settings, error) {
	low, err := m.amountSetting(ctx, keyLowFunds, DefaultLowFundsWarning)
	if err != nil {
		return Settings{}, err
	}
	def, err := m.amountSetting(ctx, keyDefaultRefill, DefaultRefillAmount)
	return Settings{LowFundsWarning: low, DefaultRefill: def}, err
}

// SetLowFundsWarning sets "Warn when postage in meter is below".
func (m *Meter) SetLowFundsWarning(ctx context.Context, s *Session, a funds.Amount) error {
	if err := m.require(s, RightRefillSettings); err != nil {
		return err
	}
	if a < 0 {
		return errors.New("the low funds warning cannot be negative")
	}
	return m.setAmount(ctx, keyLowFunds, a, s.User().Name)
}

// SetDefaultRefill sets the default refill amount, which must be within the refill limits when known.
func (m *Meter) SetDefaultRefill(ctx context.Context, s *Session, a funds.Amount) error {
	if err := m.require(s, RightRefillSettings); err != nil {
		return err
	}
	if err := m.CheckRefillAmount(ctx, a); err != nil {
		return err
	}
	return m.setAmount(ctx, keyDefaultRefill, a, s.User().Name)
}

func (m *Meter) lowFundsWarning(available, threshold funds.Amount) Warning {
	return Warning{Kind: WarnLowFunds, Title: Words(MsgLowFundsTitle), Message: Words(MsgLowFunds, available, threshold),
		Action: ActionAddPostage}
}

// Warnings lists what the clerk should see now: low funds, inspection, ink, a pending refill.
func (m *Meter) Warnings(ctx context.Context) ([]Warning, error) {
	var out []Warning
	if suspect, err := m.Suspect(ctx); err != nil {
		return nil, err
	} else if suspect {
		msg := Explain(ErrMeterSuspect)
		out = append(out, Warning{Kind: WarnSuspect, Title: msg.Title, Message: msg.Text})
	}
	regs, err := m.Registers(ctx)
	if err != nil {
		return nil, err
	}
	set, err := m.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if regs.Available < set.LowFundsWarning {
		out = append(out, m.lowFundsWarning(regs.Available, set.LowFundsWarning))
	}
	insp, err := m.Inspection(ctx)
	if err != nil {
		return nil, err
	}
	if insp.ShowWarning {
		out = append(out, Warning{Kind: WarnInspection, Title: Words(MsgInspectionTitle), Message: insp.Message()})
	}
	if m.cfg.Engine.Status().Ink == InkLow {
		out = append(out, Warning{Kind: WarnInkLow, Title: Words(MsgInkLowTitle), Message: Words(MsgInkLow)})
	}
	pending, err := m.PendingRefill(ctx)
	if err != nil {
		return nil, err
	}
	if pending != nil {
		w := Warning{Kind: WarnRefillPending, Title: Words(MsgPendingTitle), Message: Words(MsgPendingWarning, pending.Amount),
			Action: ActionAddPostage}
		if pending.Actor == funds.AutoRefillActor {
			w.Message = m.autoPendingMessage(pending.Amount)
		}
		out = append(out, w)
	} else if w, err := m.autoRefillWarning(ctx); err != nil {
		return nil, err
	} else if w != nil {
		out = append(out, *w)
	}
	if w, err := m.refundWarning(ctx); err != nil { // refunds.go
		return nil, err
	} else if w != nil {
		out = append(out, *w)
	}
	return out, nil
}

// RunMailView is the Run Mail screen's data.
type RunMailView struct {
	PostageInMeter funds.Amount // the "Postage in meter" button, which opens Funds
	BatchCount     int64
	BatchValue     funds.Amount
	Warnings       []Warning // shown on entering: low funds among them
}

// EnterRunMail opens Run Mail: it returns the screen's figures and the warnings shown on entry.
func (m *Meter) EnterRunMail(ctx context.Context, s *Session) (RunMailView, error) {
	if err := m.active(s); err != nil {
		return RunMailView{}, err
	}
	regs, err := m.Registers(ctx)
	if err != nil {
		return RunMailView{}, err
	}
	warns, err := m.Warnings(ctx)
	if err != nil {
		return RunMailView{}, err
	}
	return RunMailView{PostageInMeter: regs.Available, BatchCount: regs.BatchCount, BatchValue: regs.BatchValue, Warnings: warns}, nil
}

// PrintResult is one printed piece and what the clerk should now be told.
type PrintResult struct {
	Piece    funds.Piece
	Weight   Weight    // the weight the piece was rated at (read at the piece for W-O-W and differential)
	Warnings []Warning // low funds if this print crossed the warning value; low ink
}

// PrintFailedError is a piece whose postage was debited but whose print failed: it is spoiled (kept
// for a refund request) and never reprinted automatically.
type PrintFailedError struct {
	Piece funds.Piece
	Err   error
}

func (e *PrintFailedError) Error() string {
	return fmt.Sprintf("piece %d (%s) did not print: %v. Its postage is recorded as spoiled for a refund request.",
		e.Piece.Seq, e.Piece.Amount, e.Err)
}
func (e *PrintFailedError) Unwrap() error { return e.Err }

// PrintPiece prints postage for one piece of the job on an envelope or tape: the engine must be ready
// and the inspection clock unlocked; the vault debits and commits; then the engine prints. Errors:
// *InspectionLockError, *DeviceError (nothing debited), *funds.InsufficientFundsError (nothing debited),
// *PrintFailedError (debited, spoiled).
func (m *Meter) PrintPiece(ctx context.Context, s *Session, job Job, medium Medium) (PrintResult, error) {
	if err := m.active(s); err != nil {
		return PrintResult{}, err
	}
	if err := m.checkNotSuspect(ctx); err != nil {
		return PrintResult{}, err
	}
	insp, err := m.Inspection(ctx)
	if err != nil {
		return PrintResult{}, err
	}
	if insp.State == InspectionRequired {
		return PrintResult{}, &InspectionLockError{Status: insp}
	}
	if err := m.checkMedium(medium); err != nil {
		return PrintResult{}, err
	}
	if err := EngineReady(m.engineStatus(ctx), medium); err != nil {
		return PrintResult{}, err
	}
	weight, stack, err := m.pieceWeight(ctx, job)
	if err != nil {
		return PrintResult{}, err
	}
	job.Weight = weight
	if err := m.checkAccountCode(ctx, s, job.AccountCode); err != nil {
		return PrintResult{}, err
	}
	if !validDestinationZIP(job.DestinationZIP) {
		return PrintResult{}, fmt.Errorf("%w: %q", ErrDestinationZIP, job.DestinationZIP)
	}
	// The inspection clock, read once above, also bounds the date: one read per piece.
	date, err := m.mailingDate(job, insp)
	if err != nil {
		return PrintResult{}, err
	}
	postage, err := m.postageOn(job, date)
	if err != nil {
		return PrintResult{}, err
	}
	set, err := m.Settings(ctx)
	if err != nil {
		return PrintResult{}, err
	}
	class := string(job.Class)
	if job.KeyedPostage > 0 {
		class = "key-in"
	}
	recorded := class // with its weight break when priced by weight (weightbreak.go)
	if job.KeyedPostage == 0 {
		recorded = recordedClass(class, job.Weight)
	}
	piece, err := m.cfg.Vault.Debit(ctx, postage, funds.PieceInfo{MailClass: recorded, AccountCode: job.AccountCode,
		MailingDate: date.Format(time.DateOnly), Actor: s.User().Name})
	var short *funds.InsufficientFundsError
	if errors.As(err, &short) {
		m.afterDebit(short.Available, set.LowFundsWarning) // an auto-refill may bring the postage
	}
	if err != nil {
		return PrintResult{}, err
	}
	m.afterDebit(piece.Registers.Available, set.LowFundsWarning)
	ind := Indicium{MailingDate: date, Postage: postage, MailClass: class, MeterSerial: m.cfg.Identity.Serial,
		Model: m.cfg.Model.Name, IndiciaNumber: m.cfg.Identity.IndiciaNumber, OriginZIP: m.cfg.Identity.OriginZIP,
		DestinationZIP: job.DestinationZIP, Piece: piece.Seq, Registers: piece.Registers, Simulation: true}
	perr := signIndicium(ctx, m.cfg.Vault, &ind)
	if perr == nil {
		perr = m.cfg.Engine.PrintIndicium(ctx, ind, medium)
	}
	if perr != nil {
		// Use a context that outlives a cancelled request: the spoil must be recorded.
		if serr := m.cfg.Vault.MarkSpoiled(context.WithoutCancel(ctx), piece.Seq, perr.Error(), s.User().Name); serr != nil {
			return PrintResult{}, errors.Join(&PrintFailedError{Piece: piece, Err: perr}, serr)
		}
		return PrintResult{}, &PrintFailedError{Piece: piece, Err: perr}
	}
	m.keepStack(job, stack) // printed: the next piece counts from the stack without it
	if err := m.cfg.Vault.MarkPrinted(ctx, piece.Seq); err != nil {
		return PrintResult{}, err
	}
	res := PrintResult{Piece: piece, Weight: job.Weight}
	before := piece.Registers.Available + postage
	if before >= set.LowFundsWarning && piece.Registers.Available < set.LowFundsWarning && !m.autoRefillOn(ctx) {
		res.Warnings = append(res.Warnings, m.lowFundsWarning(piece.Registers.Available, set.LowFundsWarning))
	}
	if m.cfg.Engine.Status().Ink == InkLow {
		res.Warnings = append(res.Warnings, Warning{Kind: WarnInkLow, Title: Words(MsgInkLowTitle), Message: Words(MsgInkLow)})
	}
	return res, nil
}

// ResetBatch starts a new batch count.
func (m *Meter) ResetBatch(ctx context.Context, s *Session) error {
	if err := m.active(s); err != nil {
		return err
	}
	return m.cfg.Vault.ResetBatch(ctx, s.User().Name)
}

// Classes are the mail classes of the rate table in force today.
func (m *Meter) Classes() []MailClass {
	t, err := RateTableFor(m.RateTables(), m.Now())
	if err != nil {
		return nil
	}
	return t.Classes()
}

// WeightFromTenths reads keypad digits as tenths of an ounce: "13" is 1.3 oz. Nothing keyed in is
// ErrNoWeight, more than MaxKeyedWeight is ErrWeightTooHeavy (both wrap ErrInvalidWeight).
func WeightFromTenths(digits string) (Weight, error) {
	var w Weight
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%w %q: digits only", ErrInvalidWeight, digits)
		}
		w = w*10 + Weight(r-'0')
		if w > MaxKeyedWeight {
			return 0, ErrWeightTooHeavy
		}
	}
	if w == 0 {
		return 0, ErrNoWeight
	}
	return w, nil
}

// validDestinationZIP accepts nothing (none keyed in), 5 digits, or ZIP+4 as 12345-6789.
func validDestinationZIP(zip string) bool {
	if zip == "" {
		return true
	}
	if len(zip) != 5 && (len(zip) != 10 || zip[5] != '-') {
		return false
	}
	for i, c := range zip {
		if i != 5 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
