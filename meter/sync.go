package meter

import (
	"context"
	"time"

	"postmeter/funds"
)

// SyncView is what the Sync screen shows of the meter's contact with the Data Center: when it last
// reached it, when it will contact it on its own, when the warning and the lock come without a
// contact, what it sends at each contact (the registers and the head of its audit trail), and the
// rate tables it holds.
type SyncView struct {
	Profile     InspectionProfile
	Status      InspectionStatus
	NextContact time.Time // the meter contacts the Data Center on its own from here
	WarnAt      time.Time
	LastUpload  time.Time // the last Upload (by a clerk or the meter itself); zero if none
	Report      funds.Report
	Rates       []RateTableInfo
}

// Sync reads the Sync screen's figures; nothing goes to the Data Center.
func (m *Meter) Sync(ctx context.Context) (SyncView, error) {
	st, err := m.Inspection(ctx)
	if err != nil {
		return SyncView{}, err
	}
	rep, err := m.cfg.Vault.Report(ctx)
	if err != nil {
		return SyncView{}, err
	}
	p := m.cfg.Inspection
	v := SyncView{Profile: p, Status: st, NextContact: st.LastContact.Add(p.ContactEvery),
		WarnAt: st.LastContact.Add(p.WarnAfter), Report: rep, Rates: m.RatesView()}
	if s, ok, err := m.cfg.Vault.Setting(ctx, keyPostalInfo); err != nil {
		return SyncView{}, err
	} else if ok {
		if v.LastUpload, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return SyncView{}, err
		}
		v.LastUpload = v.LastUpload.In(m.Now().Location())
	}
	return v, nil
}

// CheckRecords verifies the vault's whole history now (the check that also runs after each start, in
// the background): every piece, refill and setting against the keyed audit trail and the registers.
// The meter prints meanwhile; if the check finds a change, the vault refuses every write from then on
// and the error says so (Explain: call for service).
func (m *Meter) CheckRecords(ctx context.Context, s *Session) (time.Duration, error) {
	if err := m.active(s); err != nil {
		return 0, err
	}
	c := m.cfg.Vault.StartFullCheck()
	if err := c.Wait(ctx); err != nil {
		c.Cancel()
		return 0, err
	}
	return c.Took(), nil
}
