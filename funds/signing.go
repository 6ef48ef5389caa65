package funds

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// This file is how the two ends prove who they are (docs/security.md). A meter signs every request with
// its Ed25519 key over the method, the path, its timestamp, a fresh nonce and the body's hash; the Data
// Center remembers each nonce for the signature window and refuses a repeat. The Data Center signs every
// answer with its own Ed25519 key over the meter's serial, the request's nonce, the status and the body's
// hash; the body names the serial, the refill id, the amount, the state and the Data Center's time. The
// meter believes an answer only when it verifies against the key it pinned at enrollment and matches
// what it asked.

// Request and answer headers.
const (
	HeaderSerial    = "X-Meter-Serial"
	HeaderTimestamp = "X-Meter-Timestamp" // Unix milliseconds
	HeaderNonce     = "X-Meter-Nonce"     // 32 hex digits, fresh for every request
	HeaderSignature = "X-Meter-Signature" // hex Ed25519 by the meter key
	HeaderAnswerSig = "X-DC-Signature"    // hex Ed25519 by the Data Center key, on every answer
)

// SignatureWindow is how far a request's timestamp may be from the Data Center's clock; the Data Center
// keeps each nonce at least this long.
const SignatureWindow = 5 * time.Minute

// MaxRequestBody bounds every request body the Data Center reads.
const MaxRequestBody = 64 << 10

// NewNonce returns 16 random bytes in hex.
func NewNonce() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // never returns an error on Linux
	}
	return hex.EncodeToString(b)
}

// ValidNonce reports whether n has the form NewNonce makes.
func ValidNonce(n string) bool {
	if len(n) != 32 {
		return false
	}
	_, err := hex.DecodeString(n)
	return err == nil
}

// RequestMessage is what a meter signs for one request.
func RequestMessage(method, path string, timestampMs int64, nonce string, body []byte) []byte {
	h := sha256.Sum256(body)
	return fmt.Appendf(nil, "postmeter-request-v2\n%s\n%s\n%d\n%s\n%s", method, path, timestampMs, nonce, hex.EncodeToString(h[:]))
}

// VerifyRequest checks a meter's request signature with its registered public key and the timestamp
// against now. It returns CodeStaleRequest or CodeUnauthorized when it refuses.
func VerifyRequest(pub ed25519.PublicKey, method, path, timestamp, nonce, signature string, body []byte, now time.Time) (ok bool, code string) {
	ms, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || !ValidNonce(nonce) {
		return false, CodeUnauthorized
	}
	if d := now.Sub(time.UnixMilli(ms)); d > SignatureWindow || d < -SignatureWindow {
		return false, CodeStaleRequest
	}
	sig, err := hex.DecodeString(signature)
	if err != nil || !VerifyEd25519(pub, RequestMessage(method, path, ms, nonce, body), sig) {
		return false, CodeUnauthorized
	}
	return true, ""
}

// SignedAnswer is one answer of the Data Center exactly as it was signed. The meter keeps the answers
// that moved money (grants) or counted as a contact, so anyone holding the Data Center's public key can
// check them again later.
type SignedAnswer struct {
	Serial    string `json:"serial"`
	Nonce     string `json:"nonce"`
	Status    int    `json:"status"`
	Body      []byte `json:"body"`
	Signature []byte `json:"signature"`
}

// AnswerMessage is what the Data Center signs for one answer.
func AnswerMessage(serial, nonce string, status int, body []byte) []byte {
	h := sha256.Sum256(body)
	return fmt.Appendf(nil, "postmeter-answer-v2\n%s\n%s\n%d\n%s", serial, nonce, status, hex.EncodeToString(h[:]))
}

// Message is the signed message of a.
func (a SignedAnswer) Message() []byte { return AnswerMessage(a.Serial, a.Nonce, a.Status, a.Body) }

// ErrBadAnswer is wrapped by every answer the meter does not believe: unsigned, signed by another key, or
// not about what it asked.
var ErrBadAnswer = errors.New("answer not signed by the pinned Data Center key or not about this request")

// Check verifies a's signature with keys' pinned Data Center key and that it is a 2xx answer to serial.
func (a SignedAnswer) Check(keys Keys, serial string) error {
	if a.Serial != serial {
		return fmt.Errorf("%w: answer for meter %q, this is %q", ErrBadAnswer, a.Serial, serial)
	}
	if a.Status < 200 || a.Status > 299 {
		return fmt.Errorf("%w: status %d", ErrBadAnswer, a.Status)
	}
	if !keys.VerifyDataCenter(a.Message(), a.Signature) {
		return fmt.Errorf("%w: bad signature", ErrBadAnswer)
	}
	return nil
}

// Grant is a checked refill answer: signed, for this meter, and about this refill and amount.
func (a SignedAnswer) Grant(keys Keys, serial, id string, amount Amount) (RefillAnswer, error) {
	var ans RefillAnswer
	if err := a.Check(keys, serial); err != nil {
		return ans, err
	}
	if err := json.Unmarshal(a.Body, &ans); err != nil {
		return ans, fmt.Errorf("%w: %v", ErrBadAnswer, err)
	}
	if ans.Serial != serial || ans.ID != id || ans.AmountMills != amount.Mills() {
		return ans, fmt.Errorf("%w: answer is for meter %q refill %s of %s, asked meter %q refill %s of %s",
			ErrBadAnswer, ans.Serial, ans.ID, Amount(ans.AmountMills).MillsString(), serial, id, amount.MillsString())
	}
	return ans, nil
}

// ContactTime is the Data Center's time in a checked contact receipt (a balance inquiry, a postal-info
// upload, a refill answer or an enrollment): the only source of the meter's last contact.
func (a SignedAnswer) ContactTime(keys Keys, serial string) (time.Time, error) {
	if err := a.Check(keys, serial); err != nil {
		return time.Time{}, err
	}
	var body struct {
		Serial string    `json:"serial"`
		Time   time.Time `json:"time"`
	}
	if err := json.Unmarshal(a.Body, &body); err != nil || body.Serial != serial || body.Time.IsZero() {
		return time.Time{}, fmt.Errorf("%w: no time for meter %q in the answer", ErrBadAnswer, serial)
	}
	return body.Time, nil
}
