package funds

import (
	"context"
	"encoding/json"
	"time"
)

// Temporary until the vault branch lands (it has the real ones).

func (v *Vault) RecordContact(ctx context.Context, receipt SignedAnswer, actor string) (time.Time, error) {
	b, _ := json.Marshal(receipt)
	return time.Time{}, v.SetSetting(ctx, "contact_receipt", string(b), actor)
}

func (v *Vault) LastContact(ctx context.Context) (time.Time, bool, error) {
	s, ok, err := v.Setting(ctx, "contact_receipt")
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	var a SignedAnswer
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return time.Time{}, false, err
	}
	var body struct {
		Time time.Time `json:"time"`
	}
	err = json.Unmarshal(a.Body, &body)
	return body.Time, err == nil, err
}

func (v *Vault) Report(ctx context.Context) (Report, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	regs, err := readRegisters(ctx, v.db)
	if err != nil {
		return Report{}, err
	}
	seq, head, err := v.AuditHead(ctx)
	return Report{Registers: regs.Readings(), AuditSeq: seq, AuditHead: head}, err
}
