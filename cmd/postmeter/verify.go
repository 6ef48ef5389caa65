package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"postmeter/funds"
)

// runVerify is `postmeter verify -data DIR`: the full verification of the meter's vault (every audit
// entry from the first, every checkpoint, every row, grant and summary), read-only, with the meter's
// keys in DIR/keys (docs/history.md). Exit status 0: verified; 1: a discrepancy or an error; 2: usage.
func runVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("postmeter verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", defaultDataDir(), "data folder of the meter: meter.db, and its keys in keys/")
	serial := fs.String("serial", "", "the meter's serial (default: the trainer's, from meter-credentials.json in the data folder)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "postmeter verify: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *serial == "" {
		s, err := trainerSerial(*dataDir)
		if err != nil {
			fmt.Fprintf(stderr, "postmeter verify: no -serial given and %v\n", err)
			return 2
		}
		*serial = s
	}
	vault := filepath.Join(*dataDir, "meter.db")
	if _, err := os.Stat(vault); err != nil {
		fmt.Fprintf(stderr, "postmeter verify: %v\n", err)
		return 1
	}
	keys, err := funds.OpenFileKeys(filepath.Join(*dataDir, "keys"))
	if err != nil {
		fmt.Fprintf(stderr, "postmeter verify: %v\n", err)
		return 1
	}
	fc, err := funds.VerifyFile(context.Background(), vault, keys, *serial)
	var ve *funds.VerifyError
	switch {
	case errors.As(err, &ve):
		fmt.Fprintf(stdout, "%s: NOT VERIFIED: check %q failed: %s\n", vault, ve.Check, ve.Detail)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "postmeter verify: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: verified: %d pieces, %d audit entries (%d checkpoints, the newest entry %d), available %s, used %s, control %s; %.1f s\n",
		vault, fc.Registers.Pieces, fc.AuditEntries, fc.Checkpoints, fc.NewestSealed,
		fc.Registers.Available.MillsString(), fc.Registers.Used.MillsString(), fc.Registers.Control.MillsString(), fc.Took.Seconds())
	return 0
}

// trainerSerial reads the serial the trainer keeps beside its vault.
func trainerSerial(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "meter-credentials.json"))
	if err != nil {
		return "", err
	}
	var c struct{ Serial string }
	if err := json.Unmarshal(data, &c); err != nil || c.Serial == "" {
		return "", fmt.Errorf("%s names no serial", filepath.Join(dir, "meter-credentials.json"))
	}
	return c.Serial, nil
}
