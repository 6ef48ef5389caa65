package meter

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PIN length limits: a PIN is 4 to 8 digits.
const (
	MinPINLength = 4
	MaxPINLength = 8
)

// ErrInvalidPIN is wrapped by every PIN format error; the message says what is wrong (never the PIN).
var ErrInvalidPIN = errors.New("invalid PIN")

// ValidatePIN checks that pin is 4 to 8 digits. The error message never repeats the PIN.
func ValidatePIN(pin string) error {
	if pin == "" {
		return fmt.Errorf("%w: enter a PIN of %d to %d digits", ErrInvalidPIN, MinPINLength, MaxPINLength)
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return fmt.Errorf("%w: a PIN contains digits 0-9 only", ErrInvalidPIN)
		}
	}
	switch n := len(pin); {
	case n < MinPINLength:
		return fmt.Errorf("%w: a PIN has at least %d digits (%d entered)", ErrInvalidPIN, MinPINLength, n)
	case n > MaxPINLength:
		return fmt.Errorf("%w: a PIN has at most %d digits (%d entered)", ErrInvalidPIN, MaxPINLength, n)
	}
	return nil
}

// pinParams are the argon2id cost parameters used for new PIN hashes.
type pinParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
	keyLen  uint32
	saltLen int
}

// defaultPINParams are one of OWASP's equally strong argon2id settings (Password Storage Cheat Sheet:
// m=19 MiB t=2, m=12 MiB t=3, m=9 MiB t=4, m=7 MiB t=5, each p=1): the meter takes the one with the
// least memory and more passes, since a kiosk has little RAM to spare for a moment at each sign-in.
// 32-byte key, 16-byte salt. Hashes record their parameters, so older ones still verify.
var defaultPINParams = pinParams{memory: 7 * 1024, time: 5, threads: 1, keyLen: 32, saltLen: 16}

// Sanity limits for parameters read back from the store, so a damaged record cannot make a
// sign-in allocate gigabytes or spin for minutes.
const (
	pinMaxMemory  = 1 << 20 // 1 GiB in KiB
	pinMaxTime    = 16
	pinMaxThreads = 64
)

var pinB64 = base64.RawStdEncoding

// hashPIN returns the PHC-style encoding
// $argon2id$v=19$m=<KiB>,t=<iterations>,p=<threads>$<salt>$<key> (unpadded standard base64).
func hashPIN(pin string, p pinParams) (string, error) {
	salt := make([]byte, p.saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash PIN: read random salt: %w", err)
	}
	key := argon2.IDKey([]byte(pin), salt, p.time, p.memory, p.threads, p.keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, pinB64.EncodeToString(salt), pinB64.EncodeToString(key)), nil
}

// verifyPIN reports whether pin matches the encoded hash, using the parameters recorded in it.
func verifyPIN(pin, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errors.New("stored PIN hash is not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("stored PIN hash has unsupported argon2 version %q", parts[2])
	}
	var m, t, p uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, fmt.Errorf("stored PIN hash has unreadable parameters: %w", err)
	}
	if m == 0 || m > pinMaxMemory || t == 0 || t > pinMaxTime || p == 0 || p > pinMaxThreads || m < 8*p {
		return false, fmt.Errorf("stored PIN hash has out-of-range parameters m=%d,t=%d,p=%d", m, t, p)
	}
	salt, err := pinB64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false, errors.New("stored PIN hash has a bad salt")
	}
	key, err := pinB64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return false, errors.New("stored PIN hash has a bad key")
	}
	got := argon2.IDKey([]byte(pin), salt, t, m, uint8(p), uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}
