package scale

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
)

// The NCI protocol (AWTX SCP-01), as docs/scales.md describes it: the host sends one letter and CR;
// the scale answers <LF>weight+unit<CR><LF>status bytes<CR><ETX> to W, <LF>status<CR><ETX> to S and
// Z, and <LF>?<CR><ETX> to anything it does not know.
const (
	etx      = 0x03
	maxFrame = 64 // longer than any answer: a line that never ends is noise
)

// NCI commands.
var (
	cmdWeight = []byte("W\r")
	cmdStatus = []byte("S\r")
	cmdZero   = []byte("Z\r")
)

// Status is the NCI status bytes, decoded.
type Status struct {
	Motion, AtZero, UnderCapacity, OverCapacity     bool
	RAMError, EEPROMError, ROMError, BadCalibration bool
}

// errGarbled is wrapped by every error about bytes that are not an NCI answer.
var errGarbled = errors.New("not an NCI answer")

// parseStatus decodes two or three status bytes. Bits 4 and 5 are always 1 and bit 7 is parity, so a
// byte without 0x30 is noise, not a status.
func parseStatus(b []byte) (Status, error) {
	if len(b) < 2 || len(b) > 3 {
		return Status{}, fmt.Errorf("%w: %d status bytes %q", errGarbled, len(b), b)
	}
	for i, c := range b {
		c &= 0x7f
		if c&0x30 != 0x30 || i == 0 && c&0x40 != 0 {
			return Status{}, fmt.Errorf("%w: status byte %d is %#02x", errGarbled, i+1, b[i])
		}
	}
	b1, b2 := b[0]&0x7f, b[1]&0x7f
	return Status{
		Motion: b1&0x01 != 0, AtZero: b1&0x02 != 0, RAMError: b1&0x04 != 0, EEPROMError: b1&0x08 != 0,
		UnderCapacity: b2&0x01 != 0, OverCapacity: b2&0x02 != 0, ROMError: b2&0x04 != 0, BadCalibration: b2&0x08 != 0,
	}, nil
}

// State is the one state the status stands for, the most serious first.
func (s Status) State() State {
	switch {
	case s.RAMError || s.ROMError || s.EEPROMError:
		return Fault
	case s.BadCalibration:
		return NeedsZero
	case s.OverCapacity:
		return OverCapacity
	case s.UnderCapacity:
		return UnderZero
	case s.Motion:
		return Motion
	case s.AtZero:
		return AtZero
	}
	return Stable
}

// lbOz is the pounds-and-ounces weight line: "2lb 3.5oz".
var lbOz = regexp.MustCompile(`^(-?\d+)\s*lb\s+(\d+(?:\.\d+)?)\s*oz$`)

// splitFrame returns the lines of an answer: the bytes from its first LF up to its ETX, without the
// LF/CR delimiters.
func splitFrame(frame []byte) ([][]byte, error) {
	start := bytes.IndexByte(frame, '\n')
	end := bytes.LastIndexByte(frame, etx)
	if start < 0 || end < start {
		return nil, fmt.Errorf("%w: %q", errGarbled, frame)
	}
	var lines [][]byte
	for _, l := range bytes.Split(frame[start:end], []byte("\r")) {
		l = bytes.TrimPrefix(l, []byte("\n"))
		if len(l) > 0 {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("%w: empty answer", errGarbled)
	}
	if len(lines) == 1 && string(lines[0]) == "?" {
		return nil, fmt.Errorf("%w: the scale did not recognise the command", errGarbled)
	}
	return lines, nil
}

// ParseNCI reads one answer to W (a weight line and the status) or to S or Z (the status only; the
// reading then has no weight).
func ParseNCI(frame []byte) (Reading, error) {
	lines, err := splitFrame(frame)
	if err != nil {
		return Reading{}, err
	}
	if len(lines) > 2 {
		return Reading{}, fmt.Errorf("%w: %d lines", errGarbled, len(lines))
	}
	st, err := parseStatus(lines[len(lines)-1])
	if err != nil {
		return Reading{}, err
	}
	r := Reading{State: st.State()}
	if len(lines) == 1 {
		return r, nil
	}
	if err := r.parseWeight(string(lines[0])); err != nil && r.State == Stable {
		// Over or under capacity and motion may show dashes or blanks instead of digits; a stable
		// reading must have a weight.
		return Reading{}, err
	}
	return r, nil
}

// parseWeight reads "0001.25lb", "  -0.10 kg" or "2lb 3.5oz" into r.
func (r *Reading) parseWeight(line string) error {
	line = strings.TrimSpace(line)
	r.Value = line
	if m := lbOz.FindStringSubmatch(line); m != nil {
		lb, _ := new(big.Rat).SetString(m[1])
		oz, _ := new(big.Rat).SetString(m[2])
		lbT, err := toTenths(lb, Pound)
		if err != nil {
			return err
		}
		ozT, err := toTenths(oz, Ounce)
		if err != nil {
			return err
		}
		r.Weight, r.Unit = lbT+ozT, Ounce
		return nil
	}
	i := strings.LastIndexAny(line, "0123456789.") + 1
	if i == 0 {
		return fmt.Errorf("%w: weight line %q has no digits", errGarbled, line)
	}
	unit, err := ParseUnit(line[i:])
	if err != nil {
		return fmt.Errorf("%w: %v", errGarbled, err)
	}
	num := strings.ReplaceAll(line[:i], " ", "")
	v, ok := new(big.Rat).SetString(num)
	if !ok || strings.ContainsAny(num, "eE/") {
		return fmt.Errorf("%w: weight %q", errGarbled, num)
	}
	w, err := toTenths(v, unit)
	if err != nil {
		return fmt.Errorf("%w: %v", errGarbled, err)
	}
	r.Value, r.Weight, r.Unit = num, w, unit
	return nil
}
