package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"time"

	"postmeter/funds/datacenter"
)

func publicKey(f flags) (string, error) {
	kp, err := f.keyPath()
	if err != nil {
		return "", err
	}
	key, err := datacenter.LoadOrCreateKey(kp)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(key.Public().(ed25519.PublicKey)), nil
}

// printEnrollment shows what the meter's installer needs: the one-time token and the Data Center key
// to pin. The token is stored hashed and never shown again.
func printEnrollment(e *env, f flags, serial, account, token string) error {
	pub, err := publicKey(f)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "serial:               %s\n", serial)
	if account != "" {
		fmt.Fprintf(e.stdout, "account:              %s\n", account)
	}
	fmt.Fprintf(e.stdout, "enrollment token:     %s\n", token)
	fmt.Fprintf(e.stdout, "data center key:      %s\n", pub)
	fmt.Fprintf(e.stdout, "Put both in the meter's kiosk.json (enrollment_token, data_center_key); the token works once, within %v, and is not shown again.\n",
		datacenter.EnrollmentTTL)
	return nil
}

func cmdEnrollToken(ctx context.Context, e *env, args []string) int {
	f := newFlags(e, "enroll-token")
	serial := f.String("serial", "", "meter serial `number`")
	ttl := f.Duration("ttl", datacenter.EnrollmentTTL, "how long the token may be used")
	if st := f.parse(e, args); st >= 0 {
		return st
	}
	if st := required(e, f, "serial"); st >= 0 {
		return st
	}
	if st := needKey(e, f); st >= 0 {
		return st
	}
	return withStore(ctx, e, *f.db, func(st datacenter.Store) error {
		token, err := st.IssueEnrollmentToken(ctx, *serial, *ttl)
		if err != nil {
			return err
		}
		return printEnrollment(e, f, *serial, "", token)
	})
}

func cmdClearSuspect(ctx context.Context, e *env, args []string) int {
	f := newFlags(e, "clear-suspect")
	serial := f.String("serial", "", "meter serial `number`")
	note := f.String("note", "", "what the review found (kept in the meter's events)")
	if st := f.parse(e, args); st >= 0 {
		return st
	}
	if st := required(e, f, "serial", "note"); st >= 0 {
		return st
	}
	return withStore(ctx, e, *f.db, func(st datacenter.Store) error {
		if err := st.ClearSuspect(ctx, *serial, *note); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "meter %s cleared; its next report becomes the reference\n", *serial)
		return nil
	})
}

func cmdEvents(ctx context.Context, e *env, args []string) int {
	f := newFlags(e, "events")
	serial := f.String("serial", "", "one meter's `serial` (all meters if empty)")
	if st := f.parse(e, args); st >= 0 {
		return st
	}
	return withStore(ctx, e, *f.db, func(st datacenter.Store) error {
		events, err := st.MeterEvents(ctx, *serial)
		if err != nil {
			return err
		}
		for _, ev := range events {
			fmt.Fprintf(e.stdout, "%s  %-10s %-12s %s\n", ev.At.UTC().Format(time.RFC3339), ev.Serial, ev.Kind, ev.Detail)
		}
		return nil
	})
}

func cmdPublicKey(ctx context.Context, e *env, args []string) int {
	f := newFlags(e, "public-key")
	if st := f.parse(e, args); st >= 0 {
		return st
	}
	pub, err := publicKey(f)
	if err != nil {
		return fail(e, err)
	}
	fmt.Fprintln(e.stdout, pub)
	return exitOK
}

// reportSuspects lists suspect meters after `check`; any suspect meter makes check fail, so a cron job
// or a monitor notices.
func reportSuspects(ctx context.Context, e *env, st datacenter.Store) error {
	suspects, err := st.Suspects(ctx)
	if err != nil {
		return err
	}
	for _, m := range suspects {
		fmt.Fprintf(e.stdout, "suspect meter %s (account %s): %s\n", m.Serial, m.Account, m.Suspect)
	}
	if len(suspects) > 0 {
		return fmt.Errorf("%d suspect meter(s): review each (datacenter events -serial …), then clear-suspect", len(suspects))
	}
	fmt.Fprintln(e.stdout, "no suspect meters")
	return nil
}
