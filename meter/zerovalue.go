package meter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"postmeter/funds"
	"postmeter/printer"
)

// Zero-value impressions: a test print (to check print quality) and a date correction (the new date for
// a piece that missed its mailing day, printed on the piece or on tape stuck beside its indicium). Neither
// moves money: the registers are not touched. Both are signed with the meter's key like postage, so a
// verifier tells them from forgeries, and both print on their face what they are (printer.TestMark,
// printer.DateCorrectionMark). Each is recorded in the vault's audited settings before it prints: the
// keyed audit chain covers those rows, so a record edited in the file is found like any other.

// Where the records are kept. A date correction's record is its own setting, written with
// funds.Vault.SwapSetting, so two tries at once cannot both correct one piece.
const (
	keyTestPrints           = "test_prints"      // how many test prints: one audited change a print
	keyDateCorrectionPrefix = "date_correction:" // + the piece number → a dateCorrectionRecord
)

// Date correction refusals (in a *DateCorrectionError).
var (
	ErrPieceNotFound    = errors.New("no such piece in this meter's records")
	ErrPieceNotPrinted  = errors.New("the piece was not printed")
	ErrAlreadyCorrected = errors.New("the piece's date was corrected already")
	ErrNothingToCorrect = errors.New("the piece is dated today or later")
)

// DateCorrectionError refuses a date correction and names the piece (and the date that matters) so the
// clerk's message can.
type DateCorrectionError struct {
	Kind  error
	Piece int64
	Date  time.Time // the piece's date (ErrNothingToCorrect) or the correction's (ErrAlreadyCorrected)
}

func (e *DateCorrectionError) Error() string {
	return fmt.Sprintf("date correction of piece %d: %v", e.Piece, e.Kind)
}

func (e *DateCorrectionError) Unwrap() error { return e.Kind }

// DateCorrection is one piece's date correction: the piece, the date it carries and its new date.
type DateCorrection struct {
	Piece       funds.Piece
	PrintedDate time.Time
	NewDate     time.Time
}

// A date correction's record moves printing → printed, or printing → failed when the engine refused it;
// only a failed one may be tried again. One left at printing (the meter stopped while it printed) counts
// as made: like a piece, it is never printed twice on a guess.
type dateCorrectionRecord struct {
	Date  string `json:"date"` // YYYY-MM-DD
	State string `json:"state"`
}

const (
	correctionPrinting = "printing"
	correctionPrinted  = "printed"
	correctionFailed   = "failed"
)

// PrintTest prints a test impression marked TEST — NO POSTAGE VALUE with today's date: nothing is
// debited. It needs a ready engine, as a piece does, but no funds and no inspection.
func (m *Meter) PrintTest(ctx context.Context, s *Session, medium Medium) error {
	if err := m.active(s); err != nil {
		return err
	}
	if err := m.readyFor(ctx, medium); err != nil {
		return err
	}
	regs, err := m.Registers(ctx)
	if err != nil {
		return err
	}
	m.zeroMu.Lock()
	n, err := m.count(ctx, keyTestPrints)
	if err == nil {
		err = m.cfg.Vault.SetSetting(ctx, keyTestPrints, strconv.FormatInt(n+1, 10), s.User().Name)
	}
	m.zeroMu.Unlock()
	if err != nil {
		return err
	}
	ind := m.zeroValue(printer.KindTest, m.today(), 0, regs)
	return m.printZeroValue(ctx, &ind, medium)
}

// TestPrints is how many test prints this meter has made.
func (m *Meter) TestPrints(ctx context.Context) (int64, error) { return m.count(ctx, keyTestPrints) }

// DateCorrectionFor says what a date correction of piece seq would print, or why there can be none.
func (m *Meter) DateCorrectionFor(ctx context.Context, s *Session, seq int64) (DateCorrection, error) {
	if err := m.active(s); err != nil {
		return DateCorrection{}, err
	}
	dc, _, _, err := m.dateCorrection(ctx, seq)
	return dc, err
}

// PrintDateCorrection prints piece seq's date correction: no postage, today's date, the piece's number.
// A piece is corrected once; the record is made before the print, and a print the engine refused may be
// tried again.
func (m *Meter) PrintDateCorrection(ctx context.Context, s *Session, seq int64, medium Medium) (DateCorrection, error) {
	if err := m.active(s); err != nil {
		return DateCorrection{}, err
	}
	insp, err := m.Inspection(ctx)
	if err != nil {
		return DateCorrection{}, err
	}
	if insp.State == InspectionRequired { // it dates mail, as postage does
		return DateCorrection{}, &InspectionLockError{Status: insp}
	}
	if err := m.readyFor(ctx, medium); err != nil {
		return DateCorrection{}, err
	}
	dc, old, have, err := m.dateCorrection(ctx, seq)
	if err != nil {
		return dc, err
	}
	key := keyDateCorrectionPrefix + strconv.FormatInt(seq, 10)
	var prev *string
	if have {
		prev = &old
	}
	printing, err := recordJSON(dc.NewDate, correctionPrinting)
	if err == nil {
		err = m.cfg.Vault.SwapSetting(ctx, key, prev, printing, s.User().Name)
	}
	if errors.Is(err, funds.ErrSettingChanged) { // another try got there first
		return dc, &DateCorrectionError{Kind: ErrAlreadyCorrected, Piece: seq, Date: dc.NewDate}
	}
	if err != nil {
		return dc, err
	}
	regs, err := m.Registers(ctx)
	if err != nil {
		return dc, err
	}
	ind := m.zeroValue(printer.KindDateCorrection, dc.NewDate, seq, regs)
	state := correctionPrinted
	perr := m.printZeroValue(ctx, &ind, medium)
	if perr != nil {
		state = correctionFailed
	}
	next, err := recordJSON(dc.NewDate, state)
	if err == nil {
		// The record must follow the print even if the request was cancelled meanwhile.
		err = m.cfg.Vault.SwapSetting(context.WithoutCancel(ctx), key, &printing, next, s.User().Name)
	}
	return dc, errors.Join(perr, err)
}

// dateCorrection checks that piece seq may have its date corrected today, and returns its record's
// stored value if a failed try left one.
func (m *Meter) dateCorrection(ctx context.Context, seq int64) (dc DateCorrection, old string, have bool, err error) {
	refuse := func(kind error, date time.Time) (DateCorrection, string, bool, error) {
		return dc, "", false, &DateCorrectionError{Kind: kind, Piece: seq, Date: date}
	}
	p, err := m.cfg.Vault.PieceBySeq(ctx, seq)
	if errors.Is(err, funds.ErrNoSuchPiece) {
		return refuse(ErrPieceNotFound, time.Time{})
	}
	if err != nil {
		return dc, "", false, err
	}
	printed, err := time.ParseInLocation(time.DateOnly, p.Info.MailingDate, m.Now().Location())
	if err != nil {
		return dc, "", false, fmt.Errorf("piece %d: mailing date %q: %w", seq, p.Info.MailingDate, err)
	}
	dc = DateCorrection{Piece: p, PrintedDate: printed, NewDate: m.today()}
	if p.State != funds.PiecePrinted {
		return refuse(ErrPieceNotPrinted, printed)
	}
	if !printed.Before(dc.NewDate) {
		return refuse(ErrNothingToCorrect, printed)
	}
	old, have, err = m.cfg.Vault.Setting(ctx, keyDateCorrectionPrefix+strconv.FormatInt(seq, 10))
	if err != nil || !have {
		return dc, "", false, err
	}
	var rec dateCorrectionRecord
	if err := json.Unmarshal([]byte(old), &rec); err != nil {
		return dc, "", false, fmt.Errorf("date correction of piece %d: %w", seq, err)
	}
	if rec.State != correctionFailed {
		at, _ := time.ParseInLocation(time.DateOnly, rec.Date, m.Now().Location())
		return refuse(ErrAlreadyCorrected, at)
	}
	return dc, old, true, nil
}

func recordJSON(date time.Time, state string) (string, error) {
	b, err := json.Marshal(dateCorrectionRecord{Date: date.Format(time.DateOnly), State: state})
	return string(b), err
}

// readyFor checks the medium on this model and the engine's sensors.
func (m *Meter) readyFor(ctx context.Context, medium Medium) error {
	if err := m.checkMedium(medium); err != nil {
		return err
	}
	return EngineReady(m.engineStatus(ctx), medium)
}

// zeroValue is an impression of kind with no postage: piece is the corrected piece, 0 for a test.
func (m *Meter) zeroValue(kind printer.Kind, date time.Time, piece int64, regs funds.Registers) Indicium {
	return Indicium{Kind: kind, MailingDate: date, MeterSerial: m.cfg.Identity.Serial, Model: m.cfg.Model.Name,
		IndiciaNumber: m.cfg.Identity.IndiciaNumber, OriginZIP: m.cfg.Identity.OriginZIP, Piece: piece,
		Registers: regs, Simulation: true}
}

// printZeroValue signs a zero-value impression and prints it. The vault signs what it is given; that
// the body carries no postage is checked here (printer.IndiciumBody refuses a zero-value kind with any).
func (m *Meter) printZeroValue(ctx context.Context, ind *Indicium, medium Medium) error {
	if ind.Postage != 0 || ind.Kind == printer.KindPostage {
		panic("meter: a zero-value impression with postage") // a bug here would print unpaid postage
	}
	body, err := printer.IndiciumBody(toPrinterIndicium(*ind))
	if err != nil {
		return fmt.Errorf("sign %s: %w", ind.Kind, err)
	}
	ind.Signature = m.cfg.Vault.SignIndicium(body)
	return m.cfg.Engine.PrintIndicium(ctx, *ind, medium)
}

// count reads a counter kept in the settings (0 when never set).
func (m *Meter) count(ctx context.Context, key string) (int64, error) {
	v, ok, err := m.cfg.Vault.Setting(ctx, key)
	if err != nil || !ok {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}
