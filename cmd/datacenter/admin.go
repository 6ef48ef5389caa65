package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

func cmdCreateAccount(ctx context.Context, e *env, args []string) int {
	f := newFlags(e, "create-account")
	number := f.String("number", "", "8-digit postage account `number`")
	var limit amountFlag
	f.Var(&limit, "credit-limit", "credit line in `dollars`, e.g. 500.00 (default 0)")
	if st := f.parse(e, args); st >= 0 {
		return st
	}
	if st := required(e, f, "number"); st >= 0 {
		return st
	}
	return withStore(ctx, e, *f.db, func(st datacenter.Store) error {
		if err := st.CreateAccount(ctx, *number, limit.v); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "account %s created, credit limit %s\n", *number, limit.v.Exact())
		return nil
	})
}

func cmdDeposit(ctx context.Context, e *env, args []string) int {
	f := newFlags(e, "deposit")
	number := f.String("number", "", "8-digit postage account `number`")
	var amount amountFlag
	f.Var(&amount, "amount", "amount in `dollars`, e.g. 1000.00")
	if st := f.parse(e, args); st >= 0 {
		return st
	}
	if st := required(e, f, "number", "amount"); st >= 0 {
		return st
	}
	return withStore(ctx, e, *f.db, func(st datacenter.Store) error {
		if err := st.Deposit(ctx, *number, amount.v); err != nil {
			return err
		}
		a, err := st.Account(ctx, *number)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "deposited %s to account %s; prepaid balance %s\n", amount.v.Exact(), *number, a.Prepaid.Exact())
		return nil
	})
}

func cmdLock(locked bool) func(ctx context.Context, e *env, args []string) int {
	name, done := "unlock", "unlocked"
	if locked {
		name, done = "lock", "locked"
	}
	return func(ctx context.Context, e *env, args []string) int {
		f := newFlags(e, name)
		number := f.String("number", "", "8-digit postage account `number`")
		if st := f.parse(e, args); st >= 0 {
			return st
		}
		if st := required(e, f, "number"); st >= 0 {
			return st
		}
		return withStore(ctx, e, *f.db, func(st datacenter.Store) error {
			if err := st.SetLocked(ctx, *number, locked); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "account %s %s\n", *number, done)
			return nil
		})
	}
}

func cmdSetCreditLimit(ctx context.Context, e *env, args []string) int {
	f := newFlags(e, "set-credit-limit")
	number := f.String("number", "", "8-digit postage account `number`")
	var limit amountFlag
	f.Var(&limit, "credit-limit", "credit line in `dollars`, e.g. 500.00")
	if st := f.parse(e, args); st >= 0 {
		return st
	}
	if st := required(e, f, "number", "credit-limit"); st >= 0 {
		return st
	}
	return withStore(ctx, e, *f.db, func(st datacenter.Store) error {
		if err := st.SetCreditLimit(ctx, *number, limit.v); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "account %s credit limit %s\n", *number, limit.v.Exact())
		return nil
	})
}

func cmdRegisterMeter(ctx context.Context, e *env, args []string) int {
	f := newFlags(e, "register-meter")
	serial := f.String("serial", "", "meter serial `number`, e.g. PM123456")
	account := f.String("account", "", "8-digit postage account `number` the meter draws on")
	var minRefill, maxRefill amountFlag
	f.Var(&minRefill, "min", "minimum refill in `dollars`, e.g. 10.00")
	f.Var(&maxRefill, "max", "maximum refill in `dollars`, e.g. 5000.00")
	if st := f.parse(e, args); st >= 0 {
		return st
	}
	if st := required(e, f, "serial", "account", "min", "max"); st >= 0 {
		return st
	}
	if st := needKey(e, f); st >= 0 {
		return st
	}
	return withStore(ctx, e, *f.db, func(st datacenter.Store) error {
		token, err := st.RegisterMeter(ctx, *serial, *account, minRefill.v, maxRefill.v)
		if err != nil {
			return err
		}
		return printEnrollment(e, f, *serial, *account, token)
	})
}

func cmdShowAccount(ctx context.Context, e *env, args []string) int {
	f := newFlags(e, "show-account")
	number := f.String("number", "", "8-digit postage account `number`")
	if st := f.parse(e, args); st >= 0 {
		return st
	}
	if st := required(e, f, "number"); st >= 0 {
		return st
	}
	return withStore(ctx, e, *f.db, func(st datacenter.Store) error {
		a, err := st.Account(ctx, *number)
		if err != nil {
			return err
		}
		printAccount(e, a)
		return nil
	})
}

func printAccount(e *env, a datacenter.Account) {
	locked := "no"
	if a.Locked {
		locked = "yes"
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(e.stdout, "Account %s (locked: %s)\n", a.Number, locked)
	for _, row := range []struct {
		label string
		v     funds.Amount
	}{
		{"Deposits", a.Deposits}, {"Prepaid", a.Prepaid}, {"Credit limit", a.CreditLimit},
		{"Credit used", a.CreditUsed}, {"Credit available", a.CreditAvailable()},
		{"Reserved", a.Reserved}, {"Posted", a.Posted},
	} {
		fmt.Fprintf(tw, "  %s:\t%s\t\n", row.label, row.v.Exact())
	}
	tw.Flush()
	if len(a.Refills) == 0 {
		fmt.Fprintln(e.stdout, "\nNo refills.")
		return
	}
	fmt.Fprintf(e.stdout, "\nRefills (%d):\n", len(a.Refills))
	tw = tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tMETER\tAMOUNT\tSTATE\tPREPAID\tCREDIT\tCREATED\tRESOLVED\t")
	for _, r := range a.Refills {
		state := r.State
		if r.Tombstone {
			state += " (tombstone)"
		}
		if r.Decline != nil {
			state += " (" + r.Decline.Code + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.ID, r.Meter, r.Amount.Exact(), state, r.FromPrepaid.Exact(),
			r.FromCredit.Exact(), stamp(r.Created), stamp(r.Resolved))
	}
	tw.Flush()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func cmdCheck(ctx context.Context, e *env, args []string) int {
	f := newFlags(e, "check")
	if st := f.parse(e, args); st >= 0 {
		return st
	}
	return withStore(ctx, e, *f.db, func(st datacenter.Store) error {
		if err := st.CheckInvariants(ctx); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "all accounts balance")
		return reportSuspects(ctx, e, st)
	})
}

// Demo account and meter, as the trainer seeds them.
const (
	demoAccount = "12345678"
	demoSerial  = "PM123456"
)

func cmdDemo(ctx context.Context, e *env, args []string) int {
	f := newFlags(e, "demo")
	if st := f.parse(e, args); st >= 0 {
		return st
	}
	if st := needKey(e, f); st >= 0 {
		return st
	}
	return withStore(ctx, e, *f.db, func(st datacenter.Store) error {
		err := st.CreateAccount(ctx, demoAccount, 500*funds.Dollar)
		switch {
		case err == nil:
			if err := st.Deposit(ctx, demoAccount, 1000*funds.Dollar); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "demo account %s created with %s prepaid and a %s credit line\n",
				demoAccount, 1000*funds.Dollar, 500*funds.Dollar)
		case errors.Is(err, datacenter.ErrExists):
			fmt.Fprintf(e.stdout, "demo account %s already exists\n", demoAccount)
		default:
			return err
		}
		token, err := st.RegisterMeter(ctx, demoSerial, demoAccount, 10*funds.Dollar, 5000*funds.Dollar)
		switch {
		case err == nil:
			return printEnrollment(e, f, demoSerial, demoAccount, token)
		case errors.Is(err, datacenter.ErrExists):
			fmt.Fprintf(e.stdout, "demo meter %s already registered; `datacenter enroll-token -serial %s` gives it a new enrollment token\n", demoSerial, demoSerial)
		default:
			return err
		}
		return nil
	})
}
