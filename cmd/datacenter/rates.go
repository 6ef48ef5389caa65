package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"postmeter/funds/datacenter"
	"postmeter/meter"
	"postmeter/printer/when"
)

// cmdPublishRates checks a rate table file as a meter would read it, signs it with the Data Center's
// key and stores it; meters download it at their next contact and switch to it on its effective date.
func cmdPublishRates(ctx context.Context, e *env, args []string) int {
	f := newFlags(e, "publish-rates")
	f.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: datacenter publish-rates [-db FILE] TABLE.json   (the format of meter/data/rates-*.json)")
		f.PrintDefaults()
	}
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if f.NArg() != 1 {
		f.Usage()
		return exitUsage
	}
	data, err := os.ReadFile(f.Arg(0))
	if err != nil {
		return fail(e, err)
	}
	table, err := meter.ParseRateTable(filepath.Base(f.Arg(0)), data)
	if err != nil {
		fmt.Fprintf(e.stderr, "publish-rates: %v\n", err)
		return exitUsage
	}
	kp, err := f.keyPath()
	if err != nil {
		return fail(e, err)
	}
	key, err := datacenter.LoadOrCreateKey(kp)
	if err != nil {
		return fail(e, err)
	}
	effective := table.Effective.Format(time.DateOnly)
	return withStore(ctx, e, *f.db, func(st datacenter.Store) error {
		rp, ok := st.(datacenter.RatePublisher)
		if !ok {
			return fmt.Errorf("this Data Center store keeps no rate tables")
		}
		if err := rp.PublishRates(ctx, key, effective, data); err != nil {
			return err
		}
		note := ""
		if table.Unverified {
			note = " (marked unverified)"
		}
		fmt.Fprintf(e.stdout, "rate table effective %s published%s: meters install it at their next contact\n",
			when.Date(table.Effective), note)
		return nil
	})
}
