package simulator

import (
	"context"

	"postmeter/funds"
)

// AccountFigures are what the trainer's panel shows of the demo postage account at the embedded Data
// Center. The panel reads and changes the account only through the simulator's methods, so the screens'
// packages never import the Data Center.
type AccountFigures struct {
	Number          string
	Prepaid         funds.Amount
	CreditLimit     funds.Amount
	CreditAvailable funds.Amount
	Locked          bool
}

// Account reads the demo account. It touches the Data Center's database: never on the UI goroutine.
func (s *Simulator) Account(ctx context.Context) (AccountFigures, error) {
	a, err := s.Store.Account(ctx, DemoAccount)
	if err != nil {
		return AccountFigures{}, err
	}
	return AccountFigures{Number: a.Number, Prepaid: a.Prepaid, CreditLimit: a.CreditLimit,
		CreditAvailable: a.CreditAvailable(), Locked: a.Locked}, nil
}

// Deposit pays amount into the demo account, as the customer's payment would.
func (s *Simulator) Deposit(ctx context.Context, amount funds.Amount) error {
	return s.Store.Deposit(ctx, DemoAccount, amount)
}

// SetCreditLimit sets the demo account's credit line.
func (s *Simulator) SetCreditLimit(ctx context.Context, limit funds.Amount) error {
	return s.Store.SetCreditLimit(ctx, DemoAccount, limit)
}

// SetLocked locks or unlocks the demo account: a locked account's refills are declined.
func (s *Simulator) SetLocked(ctx context.Context, locked bool) error {
	return s.Store.SetLocked(ctx, DemoAccount, locked)
}
