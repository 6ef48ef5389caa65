package meter

import (
	"context"
	"errors"

	"postmeter/funds"
)

// A meter whose registers the Data Center refused (funds.CodeMeterSuspect: they went down, forked, or
// hold postage the Data Center never granted) stops printing and refilling until service has looked at
// it: the Data Center refuses it too, and an administrator clears it there. The mark is an audited
// setting, so removing it from the file is found by the vault's Verify.

// ErrMeterSuspect is returned for every print and refill of a suspect meter.
var ErrMeterSuspect = errors.New("the Data Center found this meter's registers do not match its records")

// noteRefusal marks the meter suspect when the Data Center said so.
func (m *Meter) noteRefusal(ctx context.Context, err error) {
	var api *funds.APIError
	if !errors.As(err, &api) || api.Code != funds.CodeMeterSuspect {
		return
	}
	m.log.Error("the Data Center refused this meter's registers: printing and refills stopped", "reason", api.Message)
	if already, _ := m.Suspect(ctx); already {
		return
	}
	if serr := m.cfg.Vault.SetSetting(ctx, keySuspect, m.Now().UTC().Format("2006-01-02T15:04:05Z"), "system"); serr != nil {
		m.log.Error("could not keep the suspect mark", "err", serr)
	}
}

// Suspect reports whether the Data Center has refused this meter's registers.
func (m *Meter) Suspect(ctx context.Context) (bool, error) {
	v, ok, err := m.cfg.Vault.Setting(ctx, keySuspect)
	return ok && v != "", err
}

// clearSuspect lifts the mark once the Data Center accepts the meter's report again (an administrator
// cleared it after review).
func (m *Meter) clearSuspect(ctx context.Context) {
	if suspect, err := m.Suspect(ctx); err != nil || !suspect {
		return
	}
	if err := m.cfg.Vault.SetSetting(ctx, keySuspect, "", "system"); err != nil {
		m.log.Error("could not lift the suspect mark", "err", err)
		return
	}
	m.log.Warn("the Data Center accepts this meter's registers again: printing and refills resume")
}

// checkNotSuspect refuses an action of a suspect meter.
func (m *Meter) checkNotSuspect(ctx context.Context) error {
	suspect, err := m.Suspect(ctx)
	if err != nil {
		return err
	}
	if suspect {
		return ErrMeterSuspect
	}
	return nil
}
