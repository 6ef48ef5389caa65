package meter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"postmeter/funds"
	"postmeter/printer/when"
)

// The spoiled-mail refund ledger (docs/refunds.md). Every piece debited and not usable as postage is
// on it: a print that failed (runmail.go), a print never confirmed before a stop (Open), and a printed
// piece the clerk marks misprinted on its mailing date. The post office refunds such postage on PS Form
// 3533 within 60 days of the date in the indicium; the clerk groups pieces into a claim, prints the
// claim with what the form asks, hands it in with the pieces and records the outcome. The vault keeps
// the rows (funds/refunds.go); the dates and the rights are decided here, by the meter's clock.

// RefundDeadlineDays is how long after the date in its indicium a piece may be claimed (DMM 604.9.3).
const RefundDeadlineDays = 60

// RefundWarnDays is how close to its deadline an unclaimed piece puts a warning on Home.
const RefundWarnDays = 7

// LedgerPageSize is how many lines one page of the ledger, the claims or the pieces to mark holds:
// what fits the smallest screen (1024×600) with rows as high as a button, so a list pages instead of
// scrolling.
const LedgerPageSize = 4

// SpoilCause is why a piece is on the ledger.
type SpoilCause string

// The causes.
const (
	CauseFailed      SpoilCause = "failed"      // the print failed (jam, engine stopped)
	CauseUnconfirmed SpoilCause = "unconfirmed" // the meter stopped before the print was confirmed
	CauseMisprinted  SpoilCause = "misprinted"  // printed, then marked misprinted by the clerk
)

// Label is the cause in the clerk's words.
func (c SpoilCause) Label() string { return Words(MessageID("refund.cause." + string(c))) }

// unconfirmedNote is the spoil note Open writes for a print never confirmed.
const unconfirmedNote = "the meter stopped before the print was confirmed"

// MisprintReason is what was wrong with a printed piece, chosen from a list (no typing on the meter).
type MisprintReason string

// The reasons the clerk can give, after the examples the post office accepts.
const (
	ReasonIllegible   MisprintReason = "illegible"    // smudged, partial or unreadable indicium
	ReasonWrongAmount MisprintReason = "wrong-amount" // too much or too little postage
	ReasonWrongDate   MisprintReason = "wrong-date"
	ReasonWrongPiece  MisprintReason = "wrong-piece" // printed on the wrong envelope, side or label
)

// MisprintReasons lists the reasons in the order the screen offers them.
func MisprintReasons() []MisprintReason {
	return []MisprintReason{ReasonIllegible, ReasonWrongAmount, ReasonWrongDate, ReasonWrongPiece}
}

// Label is the reason in the clerk's words; it is also what the vault keeps.
func (r MisprintReason) Label() string { return Words(MessageID("refund.reason." + string(r))) }

func (r MisprintReason) valid() bool { return slices.Contains(MisprintReasons(), r) }

// LedgerLine is one spoiled piece with its dates.
type LedgerLine struct {
	funds.SpoiledPiece
	Cause    SpoilCause
	Mailed   time.Time // the date in the indicium, midnight on the meter's clock
	Deadline time.Time // the last day it may be claimed
	DaysLeft int       // days from today to the deadline; negative once it has passed
}

// Expired tells whether the line's deadline has passed.
func (l LedgerLine) Expired() bool { return l.DaysLeft < 0 }

// Page is one page of a list: its lines, which page it is (from 0) and how many there are.
type Page[T any] struct {
	Lines []T
	Index int
	Pages int
	Total int
}

// RefundError is a refund-ledger action refused, with the catalogue's words for it.
type RefundError struct {
	Body MessageID
	Args []any
	Err  error
}

func (e *RefundError) Error() string {
	return fmt.Sprintf("refund ledger: %s: %v", e.Body, e.Err)
}

func (e *RefundError) Unwrap() error { return e.Err }

func refused(body MessageID, err error, args ...any) error {
	return &RefundError{Body: body, Args: args, Err: err}
}

// ErrMarkDayOver is a misprint marked after the end of the piece's mailing date.
var ErrMarkDayOver = errors.New("a misprint is marked on the piece's mailing date")

// ErrPastDeadline is a piece claimed after its deadline.
var ErrPastDeadline = errors.New("the piece is past its refund deadline")

// explainRefund is Explain for the refund ledger's refusals.
func explainRefund(err error) (Message, bool) {
	var r *RefundError
	if !errors.As(err, &r) {
		return Message{}, false
	}
	return msg(MsgRefundTitle, r.Body, []MessageID{ActionOK}, r.Args...), true
}

// today is midnight of the meter clock's date.
func (m *Meter) today() time.Time {
	now := m.Now()
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
}

// ledgerLine adds the dates to a vault line.
func (m *Meter) ledgerLine(s funds.SpoiledPiece, today time.Time) (LedgerLine, error) {
	mailed, err := time.ParseInLocation(time.DateOnly, s.Info.MailingDate, today.Location())
	if err != nil {
		return LedgerLine{}, fmt.Errorf("piece %d mailing date %q: %w", s.Seq, s.Info.MailingDate, err)
	}
	l := LedgerLine{SpoiledPiece: s, Mailed: mailed, Deadline: mailed.AddDate(0, 0, RefundDeadlineDays)}
	l.DaysLeft = daysBetween(today, l.Deadline)
	switch {
	case s.Misprinted:
		l.Cause = CauseMisprinted
	case s.Note == unconfirmedNote:
		l.Cause = CauseUnconfirmed
	default:
		l.Cause = CauseFailed
	}
	return l, nil
}

// daysBetween counts calendar days from a to b (both midnights), whatever daylight saving does.
func daysBetween(a, b time.Time) int {
	ua := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	ub := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

func pageOf(index, total int) (offset, pages, clamped int) {
	pages = max(1, (total+LedgerPageSize-1)/LedgerPageSize)
	clamped = min(max(index, 0), pages-1)
	return clamped * LedgerPageSize, pages, clamped
}

// RefundLedger reads page index of the ledger, newest piece first. Every signed-in clerk may read it.
func (m *Meter) RefundLedger(ctx context.Context, s *Session, index int) (Page[LedgerLine], error) {
	if err := m.active(s); err != nil {
		return Page[LedgerLine]{}, err
	}
	_, total, err := m.cfg.Vault.SpoiledPieces(ctx, 0, 0)
	if err != nil {
		return Page[LedgerLine]{}, err
	}
	offset, pages, index := pageOf(index, total)
	list, total, err := m.cfg.Vault.SpoiledPieces(ctx, offset, LedgerPageSize)
	if err != nil {
		return Page[LedgerLine]{}, err
	}
	p := Page[LedgerLine]{Index: index, Pages: pages, Total: total}
	today := m.today()
	for _, sp := range list {
		l, err := m.ledgerLine(sp, today)
		if err != nil {
			return Page[LedgerLine]{}, err
		}
		p.Lines = append(p.Lines, l)
	}
	return p, nil
}

// Claimable lists the lines a new claim may take: in no live claim and within their deadline, oldest
// first (the nearest deadline first).
func (m *Meter) Claimable(ctx context.Context, s *Session) ([]LedgerLine, error) {
	if err := m.require(s, RightRefundClaims); err != nil {
		return nil, err
	}
	return m.claimable(ctx)
}

func (m *Meter) claimable(ctx context.Context) ([]LedgerLine, error) {
	list, err := m.cfg.Vault.UnclaimedSpoiled(ctx)
	if err != nil {
		return nil, err
	}
	today := m.today()
	var out []LedgerLine
	for _, sp := range list {
		l, err := m.ledgerLine(sp, today)
		if err != nil {
			return nil, err
		}
		if !l.Expired() {
			out = append(out, l)
		}
	}
	return out, nil
}

// Markable lists page index of the printed pieces a clerk may still mark misprinted: dated today or
// later by the meter's clock (a misprint is marked on its mailing date) and not marked yet, newest first.
func (m *Meter) Markable(ctx context.Context, s *Session, index int) (Page[funds.Piece], error) {
	if err := m.active(s); err != nil {
		return Page[funds.Piece]{}, err
	}
	from := m.today().Format(time.DateOnly)
	_, total, err := m.cfg.Vault.PrintedUnmarked(ctx, from, 0, 0)
	if err != nil {
		return Page[funds.Piece]{}, err
	}
	offset, pages, index := pageOf(index, total)
	list, total, err := m.cfg.Vault.PrintedUnmarked(ctx, from, offset, LedgerPageSize)
	if err != nil {
		return Page[funds.Piece]{}, err
	}
	return Page[funds.Piece]{Lines: list, Index: index, Pages: pages, Total: total}, nil
}

// MarkMisprinted records that printed piece seq came out unusable, for reason. Any signed-in clerk may
// mark one (it moves no money; a supervisor decides on the claim), but only until the end of its
// mailing date: after that the piece may have been mailed, and the mark could not be told from a claim
// for postage that was used.
func (m *Meter) MarkMisprinted(ctx context.Context, s *Session, seq int64, reason MisprintReason) error {
	if err := m.active(s); err != nil {
		return err
	}
	if !reason.valid() {
		return fmt.Errorf("mark piece %d misprinted: unknown reason %q", seq, reason)
	}
	p, err := m.cfg.Vault.PieceBySeq(ctx, seq)
	if errors.Is(err, funds.ErrNoSuchPiece) {
		return refused(MsgRefundNoPiece, err, seq)
	}
	if err != nil {
		return err
	}
	mailed, err := time.ParseInLocation(time.DateOnly, p.Info.MailingDate, m.Now().Location())
	if err != nil {
		return fmt.Errorf("piece %d mailing date %q: %w", seq, p.Info.MailingDate, err)
	}
	if m.today().After(mailed) {
		return refused(MsgRefundDayOver, ErrMarkDayOver, seq, when.Date(mailed))
	}
	err = m.cfg.Vault.MarkMisprinted(ctx, seq, reason.Label(), s.User().Name)
	if errors.Is(err, funds.ErrPieceNotPrinted) {
		return refused(MsgRefundNotPrinted, err, seq)
	}
	return err
}
