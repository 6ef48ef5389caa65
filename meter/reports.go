package meter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"postmeter/funds"
	"postmeter/printer/when"
)

// Destination is where a receipt or report is printed.
type Destination string

// Receipt and report destinations.
const (
	OnEnvelope Destination = "envelope" // place an envelope on the feed deck, then Start
	OnTape     Destination = "tape"
	OnDocument Destination = "document" // the attached printer: "Print on document"
)

// MeterInfo is the Meter Information tab.
type MeterInfo struct {
	Identity Identity
	Model    Model
	Limits   Limits
}

// Info reads the Meter Information tab.
func (m *Meter) Info(ctx context.Context) (MeterInfo, error) {
	l, err := m.Limits(ctx)
	return MeterInfo{Identity: m.cfg.Identity, Model: m.cfg.Model, Limits: l}, err
}

// RefillReceipt is the receipt of the last refill (SendPro P user guide fields).
func (m *Meter) RefillReceipt(ctx context.Context, s *Session) (Document, error) {
	if err := m.require(s, RightRefillReceipts); err != nil {
		return Document{}, err
	}
	c, ok, err := m.LastCompletion(ctx)
	if err != nil {
		return Document{}, err
	}
	if !ok {
		return Document{}, errors.New("no refill yet: there is no receipt to print")
	}
	doc := Document{Title: "Refill Receipt", Fields: []Field{
		{"Refill date", when.DateTime(c.At)},
		{"Refill performed by", c.By},
		{"Postage in meter before refill", c.Before.String()},
		{"Refill amount", c.Added.String()},
		{"Postage in meter after refill", c.After.String()},
	}}
	if c.Automatic {
		doc.Fields = append(doc.Fields, Field{"Automatic refill", "Yes, started by the meter"})
	}
	if c.Account != nil {
		doc.Fields = append(doc.Fields,
			Field{"Prepaid balance", funds.Amount(c.Account.PrepaidMills).String()},
			Field{"Credit line available", funds.Amount(c.Account.CreditAvailableMills).String()})
	}
	doc.Fields = append(doc.Fields,
		Field{"Account number", m.cfg.Identity.AccountNumber},
		Field{"Meter number", m.cfg.Identity.Serial},
		Field{"Printed", when.DateTime(m.Now())})
	return doc, nil
}

// FundsReport is the funds report, with registers in mills as the device prints them.
func (m *Meter) FundsReport(ctx context.Context, s *Session) (Document, error) {
	if err := m.require(s, RightFundsReport); err != nil {
		return Document{}, err
	}
	regs, err := m.Registers(ctx)
	if err != nil {
		return Document{}, err
	}
	spoiledN, spoiledV, err := m.cfg.Vault.SpoiledTotal(ctx)
	if err != nil {
		return Document{}, err
	}
	return Document{Title: "Funds Report", Fields: []Field{
		{"Available", regs.Available.MillsString()},
		{"Used", regs.Used.MillsString()},
		{"Control sum", regs.Control.MillsString()},
		{"Total pieces", strconv.FormatInt(regs.Pieces, 10)},
		{"Batch count", strconv.FormatInt(regs.BatchCount, 10)},
		{"Batch value", regs.BatchValue.MillsString()},
		{"Spoiled pieces", fmt.Sprintf("%d (%s)", spoiledN, spoiledV.MillsString())},
		{"Account number", m.cfg.Identity.AccountNumber},
		{"Indicia number", m.cfg.Identity.IndiciaNumber},
		{"Meter number", m.cfg.Identity.Serial},
		{"Printed", when.DateTime(m.Now())},
	}}, nil
}

// RefillLine is one row of the Last 5 Refills tab.
type RefillLine struct {
	At        time.Time
	Amount    funds.Amount
	User      string
	Automatic bool // an auto-refill: User is the catalogue's name for it
}

// LastRefills lists the newest refills that reached the meter, newest first, at most n.
func (m *Meter) LastRefills(ctx context.Context, n int) ([]RefillLine, error) {
	all, err := m.cfg.Vault.Refills(ctx, -1)
	if err != nil {
		return nil, err
	}
	auto, err := m.cfg.Vault.AutoRefillDays(ctx)
	if err != nil {
		return nil, err
	}
	var out []RefillLine
	for _, r := range all {
		if r.State != funds.RefillApplied && r.State != funds.RefillConfirmed {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, r.Updated)
		if err != nil {
			return nil, fmt.Errorf("refill %s time %q: %w", r.ID, r.Updated, err)
		}
		line := RefillLine{At: at.In(m.Now().Location()), Amount: r.Amount, User: r.Actor}
		if _, line.Automatic = auto[r.ID]; line.Automatic {
			line.User = Words(MsgAutoRefillBy)
		}
		out = append(out, line)
		if len(out) == n {
			break
		}
	}
	return out, nil
}

// LastRefillsReport is the refill summary: the last five refills.
func (m *Meter) LastRefillsReport(ctx context.Context, s *Session) (Document, error) {
	if err := m.require(s, RightRefillReceipts); err != nil {
		return Document{}, err
	}
	lines, err := m.LastRefills(ctx, 5)
	if err != nil {
		return Document{}, err
	}
	doc := Document{Title: "Last 5 Refills"}
	for _, l := range lines {
		doc.Fields = append(doc.Fields, Field{when.DateTime(l.At), l.Amount.String() + " " + l.User})
	}
	doc.Fields = append(doc.Fields, Field{"Account number", m.cfg.Identity.AccountNumber},
		Field{"Meter number", m.cfg.Identity.Serial}, Field{"Printed", when.DateTime(m.Now())})
	return doc, nil
}

// PrintRefillReceipt prints the last refill's receipt where the clerk chose.
func (m *Meter) PrintRefillReceipt(ctx context.Context, s *Session, dest Destination) error {
	doc, err := m.RefillReceipt(ctx, s)
	if err != nil {
		return err
	}
	return m.printDocument(ctx, doc, dest)
}

// PrintFundsReport prints the funds report where the clerk chose.
func (m *Meter) PrintFundsReport(ctx context.Context, s *Session, dest Destination) error {
	doc, err := m.FundsReport(ctx, s)
	if err != nil {
		return err
	}
	return m.printDocument(ctx, doc, dest)
}

// printDocument prints without debiting anything, so the inspection lock does not apply.
func (m *Meter) printDocument(ctx context.Context, doc Document, dest Destination) error {
	if err := m.destinationReady(ctx, dest); err != nil {
		return fmt.Errorf("print %s: %w", doc.Title, err)
	}
	if dest == OnDocument {
		return m.cfg.Printer.PrintDocument(ctx, doc)
	}
	return m.cfg.Engine.PrintDocument(ctx, doc, Medium(dest))
}

// PrintLastRefills prints the summary of the last five refills.
func (m *Meter) PrintLastRefills(ctx context.Context, s *Session, dest Destination) error {
	doc, err := m.LastRefillsReport(ctx, s)
	if err != nil {
		return err
	}
	return m.printDocument(ctx, doc, dest)
}
