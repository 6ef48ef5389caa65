package meter

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PIN length limits: a PIN is 4 to 8 digits; a supervisor's at least 6.
const (
	MinPINLength           = 4
	MinSupervisorPINLength = 6
	MaxPINLength           = 8
)

// PepperLength is the length of UsersOptions.Pepper.
const PepperLength = 32

// PepperPurpose is the purpose the pepper is derived for from the device key (funds.Keys.MAC). It must
// never change: every PIN hash made with the pepper would stop verifying.
const PepperPurpose = "PIN pepper"

// MinPINLengthFor is the fewest digits a PIN of a user with role r has.
func MinPINLengthFor(r Role) int {
	if r == RoleSupervisor {
		return MinSupervisorPINLength
	}
	return MinPINLength
}

// PINTooShortError refuses a PIN shorter than the user's role allows (a supervisor's PIN has at
// least MinSupervisorPINLength digits). It matches ErrInvalidPIN.
type PINTooShortError struct {
	Role    Role
	Min     int
	Entered int
}

func (e *PINTooShortError) Error() string {
	return fmt.Sprintf("invalid PIN: a %s's PIN has at least %d digits (%d entered)", e.Role, e.Min, e.Entered)
}

// Is makes errors.Is(err, ErrInvalidPIN) true.
func (e *PINTooShortError) Is(target error) bool { return target == ErrInvalidPIN }

// ValidatePINFor checks pin as ValidatePIN does and that it is long enough for role r. It does no
// hashing, so a screen may call it to refuse a short PIN early; the core calls it again.
func ValidatePINFor(r Role, pin string) error {
	if err := ValidatePIN(pin); err != nil {
		return err
	}
	if min := MinPINLengthFor(r); len(pin) < min {
		return &PINTooShortError{Role: r, Min: min, Entered: len(pin)}
	}
	return nil
}

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

// pepperParam marks a peppered hash in its parameters: the argon2id input was
// HMAC-SHA256(pepper, PIN), not the PIN.
const pepperParam = "pepper=hmac-sha256"

// ErrNoPepper is a peppered PIN hash met by a meter that was not given its pepper: no PIN can match
// it. It is a fault of the meter's set-up, not a wrong PIN, and is never counted as one.
var ErrNoPepper = errors.New("stored PIN hash is peppered but this meter has no pepper (device key missing)")

// pinInput is what argon2id hashes: the PIN itself, or HMAC-SHA256(pepper, PIN) with a pepper.
func pinInput(pin string, pepper []byte) []byte {
	if pepper == nil {
		return []byte(pin)
	}
	mac := hmac.New(sha256.New, pepper)
	mac.Write([]byte(pin))
	return mac.Sum(nil)
}

// hashPIN returns the PHC-style encoding
// $argon2id$v=19$m=<KiB>,t=<iterations>,p=<threads>[,pepper=hmac-sha256]$<salt>$<key> (unpadded
// standard base64). With a pepper the hash says so, and only the same pepper verifies it.
func hashPIN(pin string, p pinParams, pepper []byte) (string, error) {
	salt := make([]byte, p.saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash PIN: read random salt: %w", err)
	}
	key := argon2.IDKey(pinInput(pin, pepper), salt, p.time, p.memory, p.threads, p.keyLen)
	params := fmt.Sprintf("m=%d,t=%d,p=%d", p.memory, p.time, p.threads)
	if pepper != nil {
		params += "," + pepperParam
	}
	return fmt.Sprintf("$argon2id$v=%d$%s$%s$%s",
		argon2.Version, params, pinB64.EncodeToString(salt), pinB64.EncodeToString(key)), nil
}

// pinHashPeppered reports whether an encoded hash was made with a pepper.
func pinHashPeppered(encoded string) bool {
	parts := strings.Split(encoded, "$")
	return len(parts) == 6 && strings.HasSuffix(parts[3], ","+pepperParam)
}

// verifyPIN reports whether pin matches the encoded hash, using the parameters recorded in it. A
// peppered hash is verified with pepper (ErrNoPepper without one); an unpeppered hash with the bare
// PIN whether or not the meter has a pepper, so hashes made before it had one still verify.
func verifyPIN(pin, encoded string, pepper []byte) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errors.New("stored PIN hash is not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("stored PIN hash has unsupported argon2 version %q", parts[2])
	}
	params, peppered := strings.CutSuffix(parts[3], ","+pepperParam)
	var m, t, p uint32
	if n, err := fmt.Sscanf(params, "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || n != 3 ||
		params != fmt.Sprintf("m=%d,t=%d,p=%d", m, t, p) {
		return false, fmt.Errorf("stored PIN hash has unreadable parameters %q", parts[3])
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
	if !peppered {
		pepper = nil
	} else if pepper == nil {
		return false, ErrNoPepper
	}
	got := argon2.IDKey(pinInput(pin, pepper), salt, t, m, uint8(p), uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}
