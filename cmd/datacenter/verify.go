package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg" // scans come as JPEG as often as PNG
	_ "image/png"
	"os"
	"time"

	"postmeter/funds/datacenter"
	"postmeter/printer"
	"postmeter/printer/scan"
)

// exitRefused is verify-indicium's status when at least one indicium was refused or unreadable.
const exitRefused = 3

// cmdVerifyIndicium reads the indicium in each picture, checks its signature with the meter's
// registered key and its registers against the meter's reports (docs/indicia.md), and prints one
// line per picture. Every piece whose signature checks is kept in the Data Center's database
// (verified_piece), so a copy is refused in a later run too; -remember=false checks without keeping
// anything, for re-reading pieces already verified.
func cmdVerifyIndicium(ctx context.Context, e *env, args []string) int {
	f := newFlags(e, "verify-indicium")
	remember := f.Bool("remember", true, "keep each piece verified in the database, so a copy is refused in a later run too")
	f.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: datacenter verify-indicium [-db FILE] [-remember=false] IMAGE…   (PNG or JPEG, a print or a scan)")
		f.PrintDefaults()
	}
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if f.NArg() == 0 {
		f.Usage()
		return exitUsage
	}
	status := exitOK
	st := withStore(ctx, e, *f.db, func(st datacenter.Store) error {
		v := &datacenter.IndiciumVerifier{Store: st, Now: time.Now}
		if *remember {
			// The SQLite store keeps verified pieces; a store that does not (PostgreSQL, so far) still
			// catches a copy within this run, and says so.
			if pm, ok := st.(datacenter.PieceMemory); ok {
				v.Pieces = pm
			} else {
				fmt.Fprintln(e.stderr, "datacenter verify-indicium: this database does not keep verified pieces; a copy is caught only within this run")
			}
		}
		for _, path := range f.Args() {
			verdict, err := verifyFile(ctx, v, path)
			if err != nil {
				return err
			}
			if verdict.Valid() {
				fmt.Fprintf(e.stdout, "%s: valid: %s\n", path, verdict.Reason)
				continue
			}
			status = exitRefused
			fmt.Fprintf(e.stdout, "%s: refused (%s): %s\n", path, verdict.Refused, verdict.Reason)
		}
		return nil
	})
	if st != exitOK {
		return st
	}
	return status
}

// verifyFile reads one picture and checks the indicium in it. A picture that cannot be read as an
// indicium is a verdict (unreadable), not an error; the store failing is an error.
func verifyFile(ctx context.Context, v *datacenter.IndiciumVerifier, path string) (datacenter.Verdict, error) {
	unreadable := func(format string, args ...any) (datacenter.Verdict, error) {
		return datacenter.Verdict{Refused: datacenter.RefusedUnreadable, Reason: fmt.Sprintf(format, args...)}, nil
	}
	file, err := os.Open(path)
	if err != nil {
		return unreadable("The picture cannot be opened: %v.", err)
	}
	img, _, err := image.Decode(file)
	file.Close()
	if err != nil {
		return unreadable("The file is not a PNG or JPEG picture: %v.", err)
	}
	payload, err := scan.ReadDataMatrix(img)
	if err != nil {
		return unreadable("No Data Matrix could be read in the picture.")
	}
	ind, err := printer.ParseIndiciumPayload(payload)
	if err != nil {
		return unreadable("The Data Matrix is not a postmeter indicium (%v).", err)
	}
	body, err := printer.IndiciumBody(ind)
	if err != nil {
		return unreadable("The Data Matrix is not a postmeter indicium (%v).", err)
	}
	if ind.Kind != printer.KindPostage {
		return zeroValue(ctx, v.Store, ind)
	}
	return v.Check(ctx, datacenter.IndiciumClaim{Serial: ind.MeterSerial, MailingDate: ind.MailingDate,
		Postage: ind.Postage, Piece: ind.Piece, Used: ind.Used, Available: ind.Available,
		Specimen: ind.Simulation, Body: body, Signature: ind.Signature})
}

// refusedNoValue is the verdict on a test print or a date correction: signed by the meter, perhaps,
// but no postage either way, so never valid as postage.
const refusedNoValue = "no-value"

// zeroValue says what a test print or a date correction is, and whether the meter's key signed it.
func zeroValue(ctx context.Context, st datacenter.Store, ind printer.Indicium) (datacenter.Verdict, error) {
	pub, err := st.MeterKey(ctx, ind.MeterSerial)
	if errors.Is(err, datacenter.ErrUnknownMeter) || errors.Is(err, datacenter.ErrNotEnrolled) {
		return datacenter.Verdict{Refused: datacenter.RefusedUnknownMeter,
			Reason: fmt.Sprintf("No enrolled meter has serial %q.", ind.MeterSerial)}, nil
	}
	if err != nil {
		return datacenter.Verdict{}, err
	}
	if !printer.VerifyIndicium(pub, ind) {
		return datacenter.Verdict{Refused: datacenter.RefusedSignature,
			Reason: fmt.Sprintf("The signature does not match meter %s's registered key.", ind.MeterSerial)}, nil
	}
	what := fmt.Sprintf("A test print of meter %s, signed by its key: it carries no postage.", ind.MeterSerial)
	if ind.Kind == printer.KindDateCorrection {
		what = fmt.Sprintf("A date correction of piece %d of meter %s to %s, signed by its key: it carries no postage; the piece's own indicium pays.",
			ind.Piece, ind.MeterSerial, ind.MailingDate.Format(time.DateOnly))
	}
	return datacenter.Verdict{Refused: refusedNoValue, Reason: what}, nil
}
