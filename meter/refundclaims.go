package meter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"postmeter/funds"
	"postmeter/printer/when"
)

// Refund claims (docs/refunds.md): spoiled pieces grouped for PS Form 3533, printed, and followed from
// open to submitted to refunded or refused; the applicant printed on them; Home's deadline warning.
// The ledger itself is refunds.go.

// CreateClaim groups the pieces seqs into an open claim: each must be on the ledger, in no live claim
// and within its deadline. The claim's reason is the pieces' causes in the clerk's words.
func (m *Meter) CreateClaim(ctx context.Context, s *Session, seqs []int64) (funds.Claim, error) {
	if err := m.require(s, RightRefundClaims); err != nil {
		return funds.Claim{}, err
	}
	if len(seqs) == 0 {
		return funds.Claim{}, refused(MsgRefundNoPieces, funds.ErrClaimEmpty)
	}
	today := m.today()
	var causes []string
	for _, seq := range seqs {
		sp, ok, err := m.cfg.Vault.SpoiledPiece(ctx, seq)
		if err != nil {
			return funds.Claim{}, err
		}
		if !ok {
			return funds.Claim{}, refused(MsgRefundNotSpoiled, funds.ErrPieceNotSpoiled, seq)
		}
		l, err := m.ledgerLine(sp, today)
		if err != nil {
			return funds.Claim{}, err
		}
		if l.Expired() {
			return funds.Claim{}, refused(MsgRefundPastDeadline, ErrPastDeadline, seq, when.Date(l.Deadline))
		}
		if l.Claim != 0 {
			return funds.Claim{}, refused(MsgRefundClaimed, funds.ErrPieceClaimed, seq, l.Claim)
		}
		cause := l.Cause.Label()
		if l.Misprinted {
			cause += " (" + strings.ToLower(l.Reason) + ")"
		}
		if !slices.Contains(causes, cause) {
			causes = append(causes, cause)
		}
	}
	c, err := m.cfg.Vault.CreateClaim(ctx, seqs, strings.Join(causes, "; "), s.User().Name)
	if errors.Is(err, funds.ErrPieceClaimed) { // claimed by another screen between the check and the write
		return funds.Claim{}, refused(MsgRefundClaimedRace, err)
	}
	return c, err
}

// Claims reads page index of the claims, newest first.
func (m *Meter) Claims(ctx context.Context, s *Session, index int) (Page[funds.Claim], error) {
	if err := m.active(s); err != nil {
		return Page[funds.Claim]{}, err
	}
	_, total, err := m.cfg.Vault.Claims(ctx, 0, 0)
	if err != nil {
		return Page[funds.Claim]{}, err
	}
	offset, pages, index := pageOf(index, total)
	list, total, err := m.cfg.Vault.Claims(ctx, offset, LedgerPageSize)
	if err != nil {
		return Page[funds.Claim]{}, err
	}
	return Page[funds.Claim]{Lines: list, Index: index, Pages: pages, Total: total}, nil
}

// ClaimView is a claim with its pieces' dates.
type ClaimView struct {
	funds.Claim
	Lines    []LedgerLine
	Deadline time.Time // the nearest of its pieces' deadlines
}

// Claim reads claim id.
func (m *Meter) Claim(ctx context.Context, s *Session, id int64) (ClaimView, error) {
	if err := m.active(s); err != nil {
		return ClaimView{}, err
	}
	return m.claimView(ctx, id)
}

func (m *Meter) claimView(ctx context.Context, id int64) (ClaimView, error) {
	c, err := m.cfg.Vault.Claim(ctx, id)
	if errors.Is(err, funds.ErrNoSuchClaim) {
		return ClaimView{}, refused(MsgRefundNoClaim, err, id)
	}
	if err != nil {
		return ClaimView{}, err
	}
	v := ClaimView{Claim: c}
	today := m.today()
	for _, p := range c.Pieces {
		sp, ok, err := m.cfg.Vault.SpoiledPiece(ctx, p.Seq)
		if err != nil {
			return ClaimView{}, err
		}
		if !ok { // a claimed piece is always on the ledger: its rows are never deleted or changed back
			return ClaimView{}, fmt.Errorf("claim %d: piece %d is not on the ledger", id, p.Seq)
		}
		l, err := m.ledgerLine(sp, today)
		if err != nil {
			return ClaimView{}, err
		}
		if v.Deadline.IsZero() || l.Deadline.Before(v.Deadline) {
			v.Deadline = l.Deadline
		}
		v.Lines = append(v.Lines, l)
	}
	return v, nil
}

// SetClaimState moves claim id on: open → submitted (handed in at the post office), submitted →
// refunded or refused (the post office's answer).
func (m *Meter) SetClaimState(ctx context.Context, s *Session, id int64, state string) error {
	if err := m.require(s, RightRefundClaims); err != nil {
		return err
	}
	err := m.cfg.Vault.SetClaimState(ctx, id, state, s.User().Name)
	switch {
	case errors.Is(err, funds.ErrNoSuchClaim):
		return refused(MsgRefundNoClaim, err, id)
	case errors.Is(err, funds.ErrClaimState):
		c, cerr := m.cfg.Vault.Claim(ctx, id)
		if cerr != nil {
			return errors.Join(err, cerr)
		}
		return refused(MsgRefundClaimState, err, id, ClaimStateLabel(c.State), ClaimStateLabel(state))
	}
	return err
}

// ClaimStateLabel is a claim state in the clerk's words.
func ClaimStateLabel(state string) string { return Words(MessageID("refund.state." + state)) }

// keyRefundApplicant is the setting naming who applies for refunds (the meter's licensee).
const keyRefundApplicant = "refund_applicant"

// RefundApplicant is the name printed as the applicant on claims: the setting, else the meter's name.
func (m *Meter) RefundApplicant(ctx context.Context) (string, error) {
	v, ok, err := m.cfg.Vault.Setting(ctx, keyRefundApplicant)
	if err != nil || ok && v != "" {
		return v, err
	}
	return m.cfg.Identity.Name, nil
}

// SetRefundApplicant names the applicant printed on claims (the company that holds the meter).
func (m *Meter) SetRefundApplicant(ctx context.Context, s *Session, name string) error {
	if err := m.require(s, RightRefundClaims); err != nil {
		return err
	}
	return m.cfg.Vault.SetSetting(ctx, keyRefundApplicant, strings.TrimSpace(name), s.User().Name)
}

// ClaimDocument is claim id as printed: what PS Form 3533 asks of a metered-postage refund.
func (m *Meter) ClaimDocument(ctx context.Context, s *Session, id int64) (Document, error) {
	if err := m.require(s, RightRefundClaims); err != nil {
		return Document{}, err
	}
	v, err := m.claimView(ctx, id)
	if err != nil {
		return Document{}, err
	}
	applicant, err := m.RefundApplicant(ctx)
	if err != nil {
		return Document{}, err
	}
	if applicant == "" {
		applicant = Words(MsgRefundNoApplicant)
	}
	id0 := m.cfg.Identity
	doc := Document{Title: "Refund Claim", Fields: []Field{
		{"Claim number", strconv.FormatInt(v.ID, 10)},
		{"Form", "PS Form 3533, unused meter indicia"},
		{"Applicant", applicant},
		{"Postage account", id0.AccountNumber},
		{"Meter model", m.cfg.Model.Name},
		{"Meter serial number (PSD)", id0.Serial},
		{"Indicia number", id0.IndiciaNumber},
		{"Origin ZIP", id0.OriginZIP},
		{"Reason", v.Reason},
	}}
	for _, l := range v.Lines {
		doc.Fields = append(doc.Fields, Field{fmt.Sprintf("Piece %d, dated %s", l.Seq, when.Date(l.Mailed)), l.Amount.MillsString()})
	}
	for _, g := range groupByValue(v.Lines) {
		doc.Fields = append(doc.Fields, Field{fmt.Sprintf("%d x %s", g.n, g.each.MillsString()), g.value.MillsString()})
	}
	doc.Fields = append(doc.Fields,
		Field{"Number of pieces", strconv.Itoa(len(v.Lines))},
		Field{"Total postage value", v.Total.MillsString()},
		Field{"Submit by", when.Date(v.Deadline)},
		Field{"Claim state", ClaimStateLabel(v.State)},
		Field{"Made by", v.CreatedBy},
		Field{"Printed", when.DateTime(m.Now())})
	return doc, nil
}

type valueGroup struct {
	n           int
	each, value funds.Amount
}

// groupByValue lists the pieces by postage value, lowest first, as the form asks.
func groupByValue(lines []LedgerLine) []valueGroup {
	var out []valueGroup
	for _, l := range lines {
		i := slices.IndexFunc(out, func(g valueGroup) bool { return g.each == l.Amount })
		if i < 0 {
			out = append(out, valueGroup{each: l.Amount})
			i = len(out) - 1
		}
		out[i].n++
		out[i].value += l.Amount // a claim's total fits: the vault summed it with overflow checks
	}
	slices.SortFunc(out, func(a, b valueGroup) int { return int(a.each - b.each) })
	return out
}

// PrintClaim prints claim id where the clerk chose, as reports are printed.
func (m *Meter) PrintClaim(ctx context.Context, s *Session, id int64, dest Destination) error {
	doc, err := m.ClaimDocument(ctx, s, id)
	if err != nil {
		return err
	}
	return m.printDocument(ctx, doc, dest)
}

// refundWarning is Home's warning when an unclaimed piece's deadline is RefundWarnDays or fewer away:
// the postage at stake and the nearest deadline.
func (m *Meter) refundWarning(ctx context.Context) (*Warning, error) {
	lines, err := m.claimable(ctx)
	if err != nil {
		return nil, err
	}
	var due funds.Amount
	var first time.Time
	for _, l := range lines {
		if l.DaysLeft > RefundWarnDays {
			continue
		}
		due += l.Amount
		if first.IsZero() || l.Deadline.Before(first) {
			first = l.Deadline
		}
	}
	if first.IsZero() {
		return nil, nil
	}
	return &Warning{Kind: WarnRefundDeadline, Title: Words(MsgRefundDeadlineTitle),
		Message: Words(MsgRefundDeadline, due, when.Date(first)), Action: ActionRefundLedger}, nil
}

// WarnRefundDeadline is the Home warning that spoiled postage must be claimed soon.
const WarnRefundDeadline WarningKind = "refund-deadline"

// ActionRefundLedger opens the refund ledger.
const ActionRefundLedger = MsgActionRefundLedger
