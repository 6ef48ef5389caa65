package printer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"postmeter/funds"
)

const (
	payloadMagic   = "PMI"
	payloadVersion = "v1"
)

var payloadKeys = []string{"date", "postage", "class", "serial", "ind", "zip", "piece", "asc", "desc", "sim"}

// ErrBadPayload is wrapped by every ParseIndiciumPayload error.
var ErrBadPayload = errors.New("not a postmeter indicium payload")

// IndiciumPayload encodes ind as the text the indicium's Data Matrix carries (format version 1): one
// line of printable ASCII, the magic word PMI, the version, then ten key=value fields, all separated
// by "|", always in this order:
//
//	PMI|v1|date=20261125|postage=780|class=FIRST-CLASS%20MAIL|serial=PM123456|ind=IN0042|zip=06926|piece=42|asc=464270|desc=535730|sim=1
//
//	date     mailing date, YYYYMMDD
//	postage  postage in mills (780 = $0.78), decimal digits, no sign
//	class    mail class, escaped text, may be empty
//	serial   meter serial, escaped text
//	ind      indicia number, escaped text, may be empty
//	zip      origin ZIP, escaped text
//	piece    piece count after the debit, decimal
//	asc      ascending register (Used) after the debit, in mills
//	desc     descending register (Available) after the debit, in mills
//	sim      1 if printed by the trainer simulator, 0 otherwise
//
// Escaped text keeps A–Z, a–z, 0–9 and "-._~" and writes every other byte as %XX (upper-case hex,
// UTF-8 bytes), so the payload is pure ASCII without "|" inside values. The payload is not signed:
// it is a simulation, not an IMI indicium.
func IndiciumPayload(ind Indicium) (string, error) {
	if err := validateIndicium(ind); err != nil {
		return "", err
	}
	sim := "0"
	if ind.Simulation {
		sim = "1"
	}
	values := []string{
		ind.MailingDate.Format("20060102"),
		strconv.FormatInt(ind.Postage.Mills(), 10),
		escape(ind.MailClass),
		escape(ind.MeterSerial),
		escape(ind.IndiciaNumber),
		escape(ind.OriginZIP),
		strconv.FormatInt(ind.Piece, 10),
		strconv.FormatInt(ind.Used.Mills(), 10),
		strconv.FormatInt(ind.Available.Mills(), 10),
		sim,
	}
	var b strings.Builder
	b.WriteString(payloadMagic + "|" + payloadVersion)
	for i, k := range payloadKeys {
		b.WriteString("|" + k + "=" + values[i])
	}
	return b.String(), nil
}

func validateIndicium(ind Indicium) error {
	switch {
	case ind.MailingDate.IsZero():
		return errors.New("indicium: no mailing date")
	case ind.MailingDate.Year() < 1000 || ind.MailingDate.Year() > 9999:
		return fmt.Errorf("indicium: mailing date %s out of range", ind.MailingDate.Format(time.DateOnly))
	case ind.Postage < 0:
		return fmt.Errorf("indicium: negative postage %d mills", ind.Postage.Mills())
	case ind.Available < 0 || ind.Used < 0:
		return fmt.Errorf("indicium: negative register (available %d, used %d mills)",
			ind.Available.Mills(), ind.Used.Mills())
	case ind.Piece < 0:
		return fmt.Errorf("indicium: negative piece count %d", ind.Piece)
	case strings.TrimSpace(ind.MeterSerial) == "":
		return errors.New("indicium: no meter serial")
	case strings.TrimSpace(ind.OriginZIP) == "":
		return errors.New("indicium: no origin ZIP")
	}
	return nil
}

// ParseIndiciumPayload decodes a payload made by IndiciumPayload. MailingDate comes back as midnight
// UTC of the encoded date. It accepts exactly the canonical form: the fields in order, no extras,
// canonical numbers and escapes.
func ParseIndiciumPayload(payload string) (Indicium, error) {
	bad := func(format string, args ...any) (Indicium, error) {
		return Indicium{}, fmt.Errorf("%w: %s", ErrBadPayload, fmt.Sprintf(format, args...))
	}
	parts := strings.Split(payload, "|")
	if len(parts) != 2+len(payloadKeys) || parts[0] != payloadMagic {
		return bad("want %q and %d fields separated by |", payloadMagic, 1+len(payloadKeys))
	}
	if parts[1] != payloadVersion {
		return bad("version %q, this reader knows %q", parts[1], payloadVersion)
	}
	v := make(map[string]string, len(payloadKeys))
	for i, k := range payloadKeys {
		key, val, ok := strings.Cut(parts[2+i], "=")
		if !ok || key != k {
			return bad("field %d is %q, want %s=…", i+1, parts[2+i], k)
		}
		v[k] = val
	}
	var ind Indicium
	var err error
	if ind.MailingDate, err = time.Parse("20060102", v["date"]); err != nil || len(v["date"]) != 8 {
		return bad("date %q is not YYYYMMDD", v["date"])
	}
	var postage, used, avail int64
	for _, n := range []struct {
		key string
		dst *int64
	}{{"postage", &postage}, {"piece", &ind.Piece}, {"asc", &used}, {"desc", &avail}} {
		if *n.dst, err = parseCount(v[n.key]); err != nil {
			return bad("%s: %v", n.key, err)
		}
	}
	ind.Postage, ind.Used, ind.Available = funds.Amount(postage), funds.Amount(used), funds.Amount(avail)
	for _, t := range []struct {
		key string
		dst *string
	}{{"class", &ind.MailClass}, {"serial", &ind.MeterSerial}, {"ind", &ind.IndiciaNumber}, {"zip", &ind.OriginZIP}} {
		if *t.dst, err = unescape(v[t.key]); err != nil {
			return bad("%s: %v", t.key, err)
		}
	}
	switch v["sim"] {
	case "1":
		ind.Simulation = true
	case "0":
	default:
		return bad("sim=%q, want 0 or 1", v["sim"])
	}
	if err := validateIndicium(ind); err != nil {
		return bad("%v", err)
	}
	return ind, nil
}

// parseCount reads a canonical non-negative decimal: digits only, no sign, no leading zeros.
func parseCount(s string) (int64, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a canonical non-negative number", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	return n, nil
}

func unreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		if c != '%' || i+2 >= len(s) {
			return "", fmt.Errorf("byte %q at %d must be escaped", c, i)
		}
		n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("bad escape %q at %d", s[i:i+3], i)
		}
		b.WriteByte(byte(n))
		i += 2
	}
	out := b.String()
	if escape(out) != s {
		return "", fmt.Errorf("%q is not canonically escaped", s)
	}
	return out, nil
}
