package datacenter

import (
	"github.com/google/uuid"

	"postmeter/funds"
)

// MaxSerialLen bounds a meter serial number.
const MaxSerialLen = 32

// MaxAuditHeadLen bounds the audit head a meter uploads (a hex SHA-256 is 64 characters).
const MaxAuditHeadLen = 128

// ValidateAccountNumber checks a postage account number: exactly 8 digits.
func ValidateAccountNumber(number string) error {
	if len(number) != 8 || !allDigits(number) {
		return invalidf("account number %q is not valid; a postage account number is exactly 8 digits, e.g. 12345678", number)
	}
	return nil
}

// ValidateSerial checks a meter serial number: 1 to 32 letters, digits or hyphens, starting with a letter or
// digit (e.g. PM123456).
func ValidateSerial(serial string) error {
	ok := len(serial) >= 1 && len(serial) <= MaxSerialLen && serial[0] != '-'
	for i := 0; ok && i < len(serial); i++ {
		c := serial[i]
		ok = c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-'
	}
	if !ok {
		return invalidf("meter serial %q is not valid; use 1 to %d letters, digits or hyphens, e.g. PM123456", serial, MaxSerialLen)
	}
	return nil
}

// ValidateRefillID checks a refill id: a non-nil UUID in canonical form (36 lowercase characters), so one
// refill can never be stored under two spellings.
func ValidateRefillID(id string) error {
	u, err := uuid.Parse(id)
	if err != nil || u.String() != id || u == uuid.Nil {
		return invalidf("refill id %q is not valid; expected a UUID in canonical lowercase form, e.g. 01907c2e-5c1a-7d3e-9f00-6b2c1d4e5f60", id)
	}
	return nil
}

// MaxRegisterMills bounds each register a meter reports: $1,000,000,000,000.000, about 9,000 times below
// the int64 limit, so sums of readings (available + used, posted + reserved) never overflow.
const MaxRegisterMills = 1_000_000_000_000_000

// MaxPieces bounds the piece count a meter reports.
const MaxPieces = 1_000_000_000_000

// ValidateRegisters checks register readings a meter reports, wherever it reports them: none negative,
// none above MaxRegisterMills (MaxPieces), and available + used = control, the PSD's own invariant. A
// genuine meter always passes; readings that fail are refused with a message naming the register.
func ValidateRegisters(r funds.RegisterReadings) error {
	return validateRegisters("registers", r)
}

func validateRegisters(field string, r funds.RegisterReadings) error {
	for _, reg := range []struct {
		name string
		v    int64
	}{{"available_mills", r.AvailableMills}, {"used_mills", r.UsedMills}, {"control_mills", r.ControlMills}} {
		switch {
		case reg.v < 0:
			return invalidf("%s.%s is %d; registers are never negative", field, reg.name, reg.v)
		case reg.v > MaxRegisterMills:
			return invalidf("%s.%s is %d; registers are at most %d mills ($1,000,000,000,000.000), so these "+
				"readings cannot come from a meter", field, reg.name, reg.v, int64(MaxRegisterMills))
		}
	}
	switch {
	case r.Pieces < 0:
		return invalidf("%s.pieces is %d; the piece count is never negative", field, r.Pieces)
	case r.Pieces > MaxPieces:
		return invalidf("%s.pieces is %d; the piece count is at most %d, so these readings cannot come from a meter",
			field, r.Pieces, int64(MaxPieces))
	case r.AvailableMills+r.UsedMills != r.ControlMills: // bounded above: no overflow
		return invalidf("%s: available_mills %d + used_mills %d is %d, not control_mills %d; a meter's registers "+
			"always add up, so send the readings exactly as the meter's registers hold them",
			field, r.AvailableMills, r.UsedMills, r.AvailableMills+r.UsedMills, r.ControlMills)
	}
	return nil
}

func validatePostalInfo(info funds.PostalInfo) error {
	if err := validateRegisters("registers", info.Registers); err != nil {
		return err
	}
	if len(info.AuditHead) > MaxAuditHeadLen {
		return invalidf("audit_head is %d characters; at most %d are expected (a hex SHA-256 is 64)", len(info.AuditHead), MaxAuditHeadLen)
	}
	if info.AuditSeq < 0 {
		return invalidf("audit_seq is %d; audit sequence numbers are never negative", info.AuditSeq)
	}
	return nil
}

func validateRefillAmount(amount funds.Amount) error {
	if amount <= 0 {
		return invalidf("amount_mills is %d; a refill amount must be a positive whole number of mills, e.g. 125000 for $125.00", amount.Mills())
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
