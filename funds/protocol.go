package funds

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// This file is the wire contract between a meter and the Data Center (DESIGN.md, Refill protocol).
// Both sides import it, so the JSON shapes and the request signature are defined exactly once.
//
//	PUT  /v1/meters/{serial}/refills/{id}        ReserveRequest  -> RefillAnswer   (reserve, idempotent by id)
//	GET  /v1/meters/{serial}/refills/{id}                        -> RefillAnswer   (404 if unknown)
//	POST /v1/meters/{serial}/refills/{id}/post                   -> RefillAnswer   (reserved -> posted)
//	POST /v1/meters/{serial}/refills/{id}/void                   -> RefillAnswer   (reserved -> voided, or tombstone)
//	GET  /v1/meters/{serial}/account                             -> AccountBalance (counts as an inspection)
//	POST /v1/meters/{serial}/postal-info         PostalInfo      -> PostalInfoReceipt (counts as an inspection)
//
// Every error is a non-2xx status with an ErrorBody.

// Data Center refill states.
const (
	DCReserved = "reserved"
	DCDeclined = "declined"
	DCPosted   = "posted"
	DCVoided   = "voided"
)

// Decline and error codes, in RefillAnswer.Decline.Code and ErrorBody.Error.Code.
const (
	CodeShortOfFunds   = "short_of_funds"  // decline: the account cannot cover the amount; MaxMills says what can
	CodeOutOfLimits    = "out_of_limits"   // decline: below the meter's minimum or above its maximum refill
	CodeAccountLocked  = "account_locked"  // decline: the account is locked (e.g. a returned payment)
	CodeUnknownMeter   = "unknown_meter"   // 401: no such meter serial
	CodeBadSignature   = "bad_signature"   // 401: the HMAC does not match
	CodeStaleRequest   = "stale_request"   // 401: timestamp outside the five-minute window
	CodeSerialMismatch = "serial_mismatch" // 403: the path serial is not the signing meter's
	CodeAmountConflict = "amount_conflict" // 409: same refill id, another amount
	CodeRefillVoided   = "refill_voided"   // 409: post of a voided refill
	CodeRefillPosted   = "refill_posted"   // 409: void of a posted refill
	CodeRefillDeclined = "refill_declined" // 409: post of a declined refill
	CodeUnknownRefill  = "unknown_refill"  // 404: post or get of an id never reserved
	CodeBadRequest     = "bad_request"     // 400: malformed JSON, wrong types, bad amounts, bad ids
	CodeBodyTooLarge   = "body_too_large"  // 413
	CodeInternal       = "internal"        // 500
)

// RegisterReadings are the meter's registers as reported to the Data Center with each reserve.
type RegisterReadings struct {
	AvailableMills int64 `json:"available_mills"`
	UsedMills      int64 `json:"used_mills"`
	ControlMills   int64 `json:"control_mills"`
	Pieces         int64 `json:"pieces"`
}

// ReserveRequest is the body of PUT …/refills/{id}.
type ReserveRequest struct {
	AmountMills int64            `json:"amount_mills"`
	Registers   RegisterReadings `json:"registers"`
}

// Decline explains a declined refill.
type Decline struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// MaxMills is the most that could be refilled now (short of funds) or the limit broken (out of limits).
	MaxMills int64 `json:"max_mills,omitempty"`
	MinMills int64 `json:"min_mills,omitempty"`
}

// RefillAnswer is the Data Center's stored answer about one refill id.
type RefillAnswer struct {
	ID          string          `json:"id"`
	State       string          `json:"state"`
	AmountMills int64           `json:"amount_mills"`
	Decline     *Decline        `json:"decline,omitempty"`
	Account     *AccountBalance `json:"account,omitempty"`
}

// AccountBalance is the customer's postage account as a meter may see it.
type AccountBalance struct {
	AccountNumber        string `json:"account_number"`
	PrepaidMills         int64  `json:"prepaid_mills"`
	CreditLimitMills     int64  `json:"credit_limit_mills"`
	CreditUsedMills      int64  `json:"credit_used_mills"`
	CreditAvailableMills int64  `json:"credit_available_mills"`
	Locked               bool   `json:"locked"`
	MinRefillMills       int64  `json:"min_refill_mills"`
	MaxRefillMills       int64  `json:"max_refill_mills"`
}

// PostalInfo is the upload of postal information (registers and audit head), an inspection.
type PostalInfo struct {
	Registers RegisterReadings `json:"registers"`
	AuditHead string           `json:"audit_head"`
	AuditSeq  int64            `json:"audit_seq"`
}

// PostalInfoReceipt acknowledges an upload.
type PostalInfoReceipt struct {
	ReceivedAt time.Time `json:"received_at"`
}

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Authentication headers. A meter signs each request with its per-meter secret.
const (
	HeaderSerial    = "X-Meter-Serial"
	HeaderTimestamp = "X-Meter-Timestamp" // Unix seconds
	HeaderSignature = "X-Meter-Signature" // hex HMAC-SHA256
)

// SignatureWindow is how far a request's timestamp may be from the Data Center's clock.
const SignatureWindow = 5 * time.Minute

// MaxRequestBody bounds every request body the Data Center reads.
const MaxRequestBody = 64 << 10

// Sign computes the request signature: HMAC-SHA256 keyed by the meter's secret over the method, the path,
// the timestamp and the SHA-256 of the body, one per line.
func Sign(secret []byte, method, path string, timestamp time.Time, body []byte) string {
	bodyHash := sha256.Sum256(body)
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "%s\n%s\n%d\n%s", method, path, timestamp.Unix(), hex.EncodeToString(bodyHash[:]))
	return hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks a signature in constant time and the timestamp against now.
// It returns CodeStaleRequest or CodeBadSignature as the reason when it refuses.
func VerifySignature(secret []byte, method, path, timestamp, signature string, body []byte, now time.Time) (ok bool, code string) {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false, CodeStaleRequest
	}
	ts := time.Unix(sec, 0)
	if d := now.Sub(ts); d > SignatureWindow || d < -SignatureWindow {
		return false, CodeStaleRequest
	}
	want := Sign(secret, method, path, ts, body)
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return false, CodeBadSignature
	}
	return true, ""
}
