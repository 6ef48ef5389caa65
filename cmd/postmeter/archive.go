package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"postmeter/funds"
)

// runPublicKey is `postmeter public-key -data DIR`: the meter's Ed25519 public key in hex, which signs
// its indicia and its archive files, for an auditor to verify them with (docs/archive.md). It reads the
// key folder and never makes a key.
func runPublicKey(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("postmeter public-key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", defaultDataDir(), "data folder of the meter: its keys are in keys/")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "postmeter public-key: unexpected arguments %q\n", fs.Args())
		return 2
	}
	dir := filepath.Join(*dataDir, "keys")
	if _, err := os.Stat(dir); err != nil {
		fmt.Fprintf(stderr, "postmeter public-key: %v\n", err)
		return 1
	}
	keys, err := funds.OpenFileKeys(dir)
	if err != nil {
		fmt.Fprintf(stderr, "postmeter public-key: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, hex.EncodeToString(keys.Public()))
	return 0
}

// runVerifyArchive is `postmeter verify-archive -key KEY FILE...`: each archive file verified with the
// meter's public key alone (hex, or a file holding it), the files in the order of their entries joined
// to each other, and with -data the newest joined to the meter's live vault. Exit status 0: verified; 1:
// a discrepancy or an error; 2: usage.
func runVerifyArchive(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("postmeter verify-archive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyArg := fs.String("key", "", "the meter's public key: 64 hex digits, or a file holding them (postmeter public-key)")
	dataDir := fs.String("data", "", "optional: the meter's data folder, to check each file against the live vault's records")
	serial := fs.String("serial", "", "with -data: the meter's serial (default: the trainer's)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 || *keyArg == "" {
		fmt.Fprintln(stderr, "usage: postmeter verify-archive -key KEY [-data DIR] FILE...")
		return 2
	}
	pub, err := readPublicKey(*keyArg)
	if err != nil {
		fmt.Fprintf(stderr, "postmeter verify-archive: %v\n", err)
		return 2
	}
	var sums []funds.ArchiveSummary
	for _, file := range fs.Args() {
		s, err := funds.VerifyArchiveFile(file, pub)
		if code := reportArchive(stdout, stderr, file, err); code != 0 {
			return code
		}
		fmt.Fprintf(stdout, "%s: verified: period %s, entries %d..%d, pieces %d..%d (%d, %s), %d indicium signatures, sha256 %s\n",
			file, s.Header.Period, s.Header.FirstSeq, s.Header.LastSeq, s.Header.FirstPiece, s.Header.LastPiece, s.End.Pieces,
			funds.Amount(s.End.PieceSumMills).MillsString(), s.End.Signatures, s.SHA256)
		sums = append(sums, s)
	}
	if code := reportArchive(stdout, stderr, "the files", funds.ArchivesJoin(sums)); code != 0 {
		return code
	}
	if len(sums) > 1 {
		fmt.Fprintf(stdout, "the %d files follow one another\n", len(sums))
	}
	if *dataDir == "" {
		return 0
	}
	return joinLive(*dataDir, *serial, sums, fs.Args(), stdout, stderr)
}

// joinLive checks each verified file against the vault in dataDir.
func joinLive(dataDir, serial string, sums []funds.ArchiveSummary, files []string, stdout, stderr io.Writer) int {
	keys, err := funds.OpenFileKeys(filepath.Join(dataDir, "keys"))
	if err != nil {
		fmt.Fprintf(stderr, "postmeter verify-archive: %v\n", err)
		return 1
	}
	if serial == "" {
		if serial, err = trainerSerial(dataDir); err != nil {
			fmt.Fprintf(stderr, "postmeter verify-archive: no -serial given and %v\n", err)
			return 2
		}
	}
	for i, s := range sums {
		if s.Header.Serial != serial {
			fmt.Fprintf(stdout, "%s: NOT VERIFIED: the file is of meter %q, the vault of %q\n", files[i], s.Header.Serial, serial)
			return 1
		}
		j, err := funds.VerifyArchiveJoins(context.Background(), filepath.Join(dataDir, "meter.db"), keys, s)
		var ve *funds.VerifyError
		if errors.As(err, &ve) && i < len(sums)-1 && strings.Contains(ve.Detail, "itself archived") {
			fmt.Fprintf(stdout, "%s: recorded in the next file\n", files[i])
			continue
		}
		if code := reportArchive(stdout, stderr, files[i], err); code != 0 {
			return code
		}
		switch {
		case j.Restored:
			fmt.Fprintf(stdout, "%s: recorded by the vault; its rows were restored since\n", files[i])
		case j.Active:
			fmt.Fprintf(stdout, "%s: recorded by the vault, whose live history continues from it\n", files[i])
		default:
			fmt.Fprintf(stdout, "%s: recorded by the vault\n", files[i])
		}
	}
	return 0
}

func reportArchive(stdout, stderr io.Writer, what string, err error) int {
	var ve *funds.VerifyError
	switch {
	case errors.As(err, &ve):
		fmt.Fprintf(stdout, "%s: NOT VERIFIED: check %q failed: %s\n", what, ve.Check, ve.Detail)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "postmeter verify-archive: %v\n", err)
		return 1
	}
	return 0
}

// readPublicKey takes 64 hex digits, or the name of a file holding them.
func readPublicKey(arg string) (ed25519.PublicKey, error) {
	text := arg
	if _, err := hex.DecodeString(arg); err != nil || len(arg) != 2*ed25519.PublicKeySize {
		data, err := os.ReadFile(arg)
		if err != nil {
			return nil, fmt.Errorf("-key: neither 64 hex digits nor a readable file: %w", err)
		}
		text = strings.TrimSpace(string(data))
	}
	b, err := hex.DecodeString(text)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("-key: want %d bytes in hex", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}
