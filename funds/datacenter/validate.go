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

func validateRegisters(field string, r funds.RegisterReadings) error {
	switch {
	case r.AvailableMills < 0:
		return invalidf("%s.available_mills is %d; registers are never negative", field, r.AvailableMills)
	case r.UsedMills < 0:
		return invalidf("%s.used_mills is %d; registers are never negative", field, r.UsedMills)
	case r.ControlMills < 0:
		return invalidf("%s.control_mills is %d; registers are never negative", field, r.ControlMills)
	case r.Pieces < 0:
		return invalidf("%s.pieces is %d; the piece count is never negative", field, r.Pieces)
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
