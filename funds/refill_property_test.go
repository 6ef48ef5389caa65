package funds

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestRefillStateMachineProperty drives a real vault and an in-memory Data Center through random
// sequences of debits, refills, cancellations, lost requests, lost answers and restarts, and checks after
// every step that no invariant breaks; at the end a fault-free reconcile must leave both sides agreeing
// on every cent.
func TestRefillStateMachineProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		dir := t.TempDir()
		path := filepath.Join(dir, "meter.db")
		v, err := OpenVault(ctx, path, testVaultOptions(t, path))
		if err != nil {
			rt.Fatal(err)
		}
		defer func() { v.Close() }()
		dc := newFakeDC(Amount(rapid.Int64Range(0, 2000).Draw(rt, "prepaid_dollars")) * Dollar)
		r := &Refiller{Vault: v, DC: dc, Retry: RetryPolicy{Attempts: 2, Initial: time.Millisecond, Max: time.Millisecond},
			Sleep: func(ctx context.Context, _ time.Duration) error { return nil }}
		lossRate := rapid.IntRange(0, 60).Draw(rt, "loss_percent")
		dc.fault = func(op string) (bool, bool) {
			x := rapid.IntRange(0, 99).Draw(rt, "fault_"+op)
			return x < lossRate/2, x >= lossRate/2 && x < lossRate
		}
		var debited Amount

		rt.Repeat(map[string]func(*rapid.T){
			"debit": func(rt *rapid.T) {
				amount := Amount(rapid.Int64Range(1, 20_000).Draw(rt, "postage_mills"))
				before, _ := v.Registers(ctx)
				_, err := v.Debit(ctx, amount, PieceInfo{Actor: "prop"})
				var insufficient *InsufficientFundsError
				switch {
				case err == nil:
					debited += amount
				case errors.As(err, &insufficient):
					if amount <= before.Available {
						rt.Fatalf("debit %s refused with %s available", amount, before.Available)
					}
				default:
					rt.Fatal(err)
				}
			},
			"refill": func(rt *rapid.T) {
				amount := Amount(rapid.Int64Range(1, 600).Draw(rt, "refill_dollars")) * Dollar
				_, err := r.Refill(ctx, amount, "prop", nil)
				var declined *DeclinedError
				var pending *PendingRefillError
				if err != nil && !errors.As(err, &declined) && !errors.As(err, &pending) &&
					!errors.Is(err, ErrNoConnection) && !errors.Is(err, ErrRefillPending) {
					rt.Fatal(err)
				}
			},
			"abandon a pending refill": func(rt *rapid.T) {
				open, err := v.OpenRefills(ctx)
				if err != nil {
					rt.Fatal(err)
				}
				for _, ref := range open {
					if ref.State == RefillRequested {
						if err := r.Abandon(ctx, ref.ID); err != nil && !errors.Is(err, ErrNoConnection) {
							rt.Fatal(err)
						}
					}
				}
			},
			"resume a pending refill": func(rt *rapid.T) {
				open, _ := v.OpenRefills(ctx)
				for _, ref := range open {
					if ref.State == RefillRequested {
						_, _ = r.Resume(ctx, ref.ID, nil) // any outcome; invariants are checked below
					}
				}
			},
			"restart the meter": func(rt *rapid.T) {
				if err := v.Close(); err != nil {
					rt.Fatal(err)
				}
				v, err = OpenVault(ctx, path, testVaultOptions(t, path))
				if err != nil {
					rt.Fatal(err)
				}
				r.Vault = v
			},
			"": func(rt *rapid.T) {
				if err := v.Verify(ctx); err != nil {
					rt.Fatal(err)
				}
				regs, _ := v.Registers(ctx)
				if regs.Used != debited {
					rt.Fatalf("used %s, debited %s", regs.Used, debited)
				}
				if _, _, err := dc.check(); err != nil {
					rt.Fatal(err)
				}
			},
		})

		// Quiescence: the network heals, reconcile settles everything, and both sides agree.
		dc.fault = nil
		if err := r.Reconcile(ctx); err != nil {
			rt.Fatalf("reconcile without faults: %v", err)
		}
		open, _ := v.OpenRefills(ctx)
		if len(open) != 0 {
			rt.Fatalf("open refills after reconcile: %+v", open)
		}
		reserved, posted, err := dc.check()
		if err != nil {
			rt.Fatal(err)
		}
		if len(reserved) != 0 {
			rt.Fatalf("holds left at the Data Center: %v", reserved)
		}
		all, _ := v.Refills(ctx, -1)
		applied := map[string]Amount{}
		for _, ref := range all {
			if ref.State == RefillApplied || ref.State == RefillConfirmed {
				applied[ref.ID] = ref.Amount
			}
		}
		if len(applied) != len(posted) {
			rt.Fatalf("meter applied %v, Data Center posted %v", applied, posted)
		}
		for id, a := range applied {
			if posted[id] != a {
				rt.Fatalf("refill %s applied %s, posted %s", id, a, posted[id])
			}
		}
		regs, _ := v.Registers(ctx)
		if dc.deposits != dc.prepaid+regs.Control {
			rt.Fatalf("conservation: deposits %s != prepaid %s + meter control %s", dc.deposits, dc.prepaid, regs.Control)
		}
	})
}
