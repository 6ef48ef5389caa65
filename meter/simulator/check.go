package simulator

import (
	"context"
	"errors"
	"fmt"
)

// CheckSettled checks the meter and the Data Center agree and hold no open refill: the vault's audit
// verifies, the Data Center's invariants hold, no amount is reserved, every posted refill is in the
// meter's control register and only those, and the meter has no refill open. Tests and the trainer's
// lessons call it when nothing should be under way.
func (s *Simulator) CheckSettled(ctx context.Context) error {
	if err := s.Vault.Verify(ctx); err != nil {
		return err
	}
	if err := s.Store.CheckInvariants(ctx); err != nil {
		return err
	}
	regs, err := s.Meter.Registers(ctx)
	if err != nil {
		return err
	}
	acct, err := s.Store.Account(ctx, DemoAccount)
	if err != nil {
		return err
	}
	open, err := s.Vault.OpenRefills(ctx)
	if err != nil {
		return err
	}
	var errs []error
	if acct.Reserved != 0 {
		errs = append(errs, fmt.Errorf("the Data Center still holds %s reserved", acct.Reserved))
	}
	if acct.Posted != regs.Control {
		errs = append(errs, fmt.Errorf("the Data Center posted %s, the meter's control register is %s", acct.Posted, regs.Control))
	}
	if len(open) > 0 {
		errs = append(errs, fmt.Errorf("the meter has %d open refills", len(open)))
	}
	return errors.Join(errs...)
}
