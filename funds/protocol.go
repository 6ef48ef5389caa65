package funds

import (
	"time"
)

// This file is the wire contract between a meter and the Data Center (DESIGN.md, Refill protocol).
// Both sides import it, so the JSON shapes and the request signature are defined exactly once.
//
//	PUT  /v1/meters/{serial}/refills/{id}        ReserveRequest  -> RefillAnswer   (reserve, idempotent by id)
//	GET  /v1/meters/{serial}/refills/{id}                        -> RefillAnswer   (404 if unknown)
//	POST /v1/meters/{serial}/refills/{id}/post                   -> RefillAnswer   (reserved -> posted)
//	POST /v1/meters/{serial}/refills/{id}/void                   -> RefillAnswer   (reserved -> voided, or tombstone)
//	POST /v1/meters/{serial}/account             Report          -> AccountBalance (counts as an inspection)
//	POST /v1/meters/{serial}/postal-info         PostalInfo      -> PostalInfoReceipt (counts as an inspection)
//	POST /v1/meters/{serial}/enroll              EnrollRequest   -> EnrollAnswer (the only unsigned request)
//
// Every error is a non-2xx status with an ErrorBody. Requests are signed by the meter's Ed25519 key and
// every answer by the Data Center's (signing.go).

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
	CodeUnauthorized   = "unauthorized"    // 401: unknown meter, not enrolled, or a bad signature: one code, so serials cannot be enumerated
	CodeStaleRequest   = "stale_request"   // 401: timestamp outside the five-minute window
	CodeReplayed       = "replayed"        // 401: this nonce was already used
	CodeMeterSuspect   = "meter_suspect"   // 403: the meter's registers failed a check; refills refused until cleared
	CodeStaleReport    = "stale_report"    // 409: the report is older than one already received; send a fresh one
	CodeBadToken       = "bad_token"       // 403: enrollment token unknown, used or expired
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

// Report is what a meter tells the Data Center about itself on every contact: its registers and the head
// of its audit chain. The Data Center checks each report against the refills it granted and the reports
// before it (used, pieces and audit seq never go down; posted <= control <= posted + reserved).
type Report struct {
	Registers RegisterReadings `json:"registers"`
	AuditSeq  int64            `json:"audit_seq"`
	AuditHead string           `json:"audit_head"` // hex
}

// ReserveRequest is the body of PUT …/refills/{id}.
type ReserveRequest struct {
	AmountMills int64  `json:"amount_mills"`
	Report      Report `json:"report"`
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
	Serial      string          `json:"serial"`
	Time        time.Time       `json:"time"` // the Data Center's clock
	ID          string          `json:"id"`
	State       string          `json:"state"`
	AmountMills int64           `json:"amount_mills"`
	Decline     *Decline        `json:"decline,omitempty"`
	Account     *AccountBalance `json:"account,omitempty"`
	// Proof is the signed answer this value was read from (not part of the wire form).
	Proof SignedAnswer `json:"-"`
}

// AccountBalance is the customer's postage account as a meter may see it.
type AccountBalance struct {
	Serial               string    `json:"serial"`
	Time                 time.Time `json:"time"` // the Data Center's clock
	AccountNumber        string    `json:"account_number"`
	PrepaidMills         int64     `json:"prepaid_mills"`
	CreditLimitMills     int64     `json:"credit_limit_mills"`
	CreditUsedMills      int64     `json:"credit_used_mills"`
	CreditAvailableMills int64     `json:"credit_available_mills"`
	Locked               bool      `json:"locked"`
	MinRefillMills       int64     `json:"min_refill_mills"`
	MaxRefillMills       int64     `json:"max_refill_mills"`
	// Proof is the signed answer this value was read from (not part of the wire form).
	Proof SignedAnswer `json:"-"`
}

// PostalInfo is the upload of postal information (registers and audit head), an inspection.
// Its audit seq must be higher than that of every upload before it.
type PostalInfo = Report

// PostalInfoReceipt acknowledges an upload.
type PostalInfoReceipt struct {
	Serial   string    `json:"serial"`
	Time     time.Time `json:"time"` // the Data Center's clock
	AuditSeq int64     `json:"audit_seq"`
	// Proof is the signed answer this value was read from (not part of the wire form).
	Proof SignedAnswer `json:"-"`
}

// EnrollRequest is the body of POST …/enroll: the one-time token printed by `datacenter register-meter`
// and the meter's new public key.
type EnrollRequest struct {
	Token     string `json:"token"`
	PublicKey string `json:"public_key"` // hex Ed25519
}

// EnrollAnswer tells an enrolled meter the Data Center's public key, which it pins.
type EnrollAnswer struct {
	Serial        string    `json:"serial"`
	Time          time.Time `json:"time"`
	DataCenterKey string    `json:"data_center_key"` // hex Ed25519
}

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}
