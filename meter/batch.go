package meter

import (
	"context"
	"fmt"

	"postmeter/funds"
	"postmeter/printer/when"
)

// BatchSummary is an ended batch: its pieces and postage, and by account code.
type BatchSummary struct {
	funds.BatchSummary
	Names map[string]string // account code ID → its name when the batch ended
}

// Batch is the batch so far: the meter's batch counters and each account code's, with the codes' names.
func (m *Meter) Batch(ctx context.Context, s *Session) (BatchSummary, error) {
	if err := m.active(s); err != nil {
		return BatchSummary{}, err
	}
	accounts, err := m.accounts(ctx)
	if err != nil {
		return BatchSummary{}, err
	}
	fs, err := m.cfg.Vault.Batch(ctx)
	if err != nil {
		return BatchSummary{}, err
	}
	return named(fs, accounts), nil
}

// named gives a batch its codes' names as they are now.
func named(fs funds.BatchSummary, accounts accountsConfig) BatchSummary {
	sum := BatchSummary{BatchSummary: fs, Names: map[string]string{}}
	for _, a := range accounts.Accounts {
		sum.Names[a.ID] = a.Name
	}
	return sum
}

// Of is the batch's pieces and postage charged to code ("" for none).
func (b BatchSummary) Of(code string) (pieces int64, postage funds.Amount) {
	for _, t := range b.ByAccount {
		if t.AccountCode == code {
			return t.Pieces, t.Postage
		}
	}
	return 0, 0
}

// EndBatch ends the batch and prints its summary on dest: the batch registers start again from zero
// (the other registers never do), the vault's audit trail records the batch, and only then is the
// summary printed. The print engine is checked first, so a summary is not lost to an engine that was
// not ready; a print that fails after the batch ended returns the summary with the device's error.
func (m *Meter) EndBatch(ctx context.Context, s *Session, dest Destination) (BatchSummary, error) {
	if err := m.active(s); err != nil {
		return BatchSummary{}, err
	}
	if err := m.destinationReady(ctx, dest); err != nil {
		return BatchSummary{}, err
	}
	accounts, err := m.accounts(ctx)
	if err != nil {
		return BatchSummary{}, err
	}
	fs, err := m.cfg.Vault.EndBatch(ctx, s.User().Name)
	if err != nil {
		return BatchSummary{}, err
	}
	defer m.archiveAfterBatch(ctx) // after the summary: the clerk's document first
	sum := named(fs, accounts)
	doc := Document{Title: "Batch Summary", Fields: []Field{
		{"Batch pieces", fmt.Sprint(sum.Count)},
		{"Batch postage", sum.Value.MillsString()},
	}}
	for _, t := range sum.ByAccount {
		name := sum.Names[t.AccountCode]
		switch {
		case t.AccountCode == "":
			name = "No account code"
		case name == "":
			name = t.AccountCode
		}
		doc.Fields = append(doc.Fields, Field{name, fmt.Sprintf("%d pieces, %s", t.Pieces, t.Postage.MillsString())})
	}
	doc.Fields = append(doc.Fields, Field{"Ended by", s.User().Name},
		Field{"Meter number", m.cfg.Identity.Serial}, Field{"Printed", when.DateTime(m.Now())})
	return sum, m.printDocument(ctx, doc, dest)
}

// destinationReady checks that a document can be printed on dest now: the model has the medium,
// the engine is ready for it, or there is an attached printer. End batch asks it before ending the
// batch; every document print asks it again (printDocument).
func (m *Meter) destinationReady(ctx context.Context, dest Destination) error {
	switch dest {
	case OnEnvelope, OnTape:
		medium := Medium(dest)
		if err := m.checkMedium(medium); err != nil {
			return err
		}
		return EngineReady(m.engineStatus(ctx), medium)
	case OnDocument:
		if m.cfg.Printer == nil {
			return &DeviceError{"attached printer", ErrNoPrinter, "Print on an envelope or tape instead."}
		}
		return nil
	}
	return fmt.Errorf("unknown destination %q", dest)
}
