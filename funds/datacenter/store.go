package datacenter

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"postmeter/funds"
)

// Store keeps accounts, meters and refills: SQLiteStore and PostgresStore implement it.
//
// Every method that changes money runs as one transaction, checks the changed account's invariant before it
// commits, and leaves nothing changed when it returns an error. Errors wrap the sentinel errors below so
// that callers (the HTTP server, the CLI) can tell a refused request from a failure.
type Store interface {
	// MeterKey returns the meter's enrolled public key, or an error wrapping ErrUnknownMeter or ErrNotEnrolled.
	MeterKey(ctx context.Context, serial string) (ed25519.PublicKey, error)
	// Enroll sets the meter's public key if token is its unexpired, unused enrollment token (ErrBadToken).
	Enroll(ctx context.Context, serial, token string, key ed25519.PublicKey) error
	// IssueEnrollmentToken gives a registered meter a new one-time token (stored hashed), e.g. to re-enroll.
	IssueEnrollmentToken(ctx context.Context, serial string, ttl time.Duration) (string, error)
	// ClearSuspect lets a suspect meter refill again after an administrator's review (note says what it found).
	ClearSuspect(ctx context.Context, serial, note string) error
	// Suspects lists the meters marked suspect; MeterEvents a meter's (or every meter's, serial "") events.
	Suspects(ctx context.Context) ([]Meter, error)
	MeterEvents(ctx context.Context, serial string) ([]MeterEvent, error)

	// The meter's requests. Each takes the Request it came in (the meter, its nonce and signed time): the
	// nonce is stored in the same transaction as the request's work, and a nonce seen before is refused
	// with ErrReplayed, so a replayed request changes nothing. A request that fails stores no nonce.
	//
	// Reserve, Balance and UploadPostalInfo check the meter's report first (checkReport): a suspect meter
	// gets ErrMeterSuspect, a report older than the newest ErrStaleReport, and a report that fails a check
	// marks the meter suspect.
	//
	// Reserve holds amount on the meter's account, or records a decline, under the refill id; the same id
	// again returns the stored answer (ErrAmountConflict if the amount differs, ErrRefillIDTaken if another
	// meter owns the id). A voided tombstone answers voided.
	Reserve(ctx context.Context, req Request, id string, amount funds.Amount, rep funds.Report) (funds.RefillAnswer, error)
	// Post moves a reserved refill to posted; posted answers again. ErrRefillVoided, ErrRefillDeclined,
	// ErrUnknownRefill otherwise.
	Post(ctx context.Context, req Request, id string) (funds.RefillAnswer, error)
	// Void releases a reserved refill exactly as drawn; voided and declined answer again; an unknown id
	// becomes a voided tombstone. ErrRefillPosted for a posted refill.
	Void(ctx context.Context, req Request, id string) (funds.RefillAnswer, error)
	// Refill returns the stored answer for the id, or ErrUnknownRefill. It changes nothing but the nonce.
	Refill(ctx context.Context, req Request, id string) (funds.RefillAnswer, error)
	// Balance returns the meter's account as the meter may see it and records the contact.
	Balance(ctx context.Context, req Request, rep funds.Report) (funds.AccountBalance, error)
	// UploadPostalInfo stores the meter's registers and audit head and records the contact; its audit seq
	// must be above the last upload's.
	UploadPostalInfo(ctx context.Context, req Request, info funds.PostalInfo) (funds.PostalInfoReceipt, error)

	// CreateAccount opens an empty account (ErrExists if the number is taken).
	CreateAccount(ctx context.Context, number string, creditLimit funds.Amount) error
	// Deposit adds a payment to the account's prepaid balance and deposits total.
	Deposit(ctx context.Context, number string, amount funds.Amount) error
	// SetCreditLimit changes the credit line; it cannot go below the credit already used.
	SetCreditLimit(ctx context.Context, number string, limit funds.Amount) error
	// SetLocked locks (no refills) or unlocks the account.
	SetLocked(ctx context.Context, number string, locked bool) error
	// RegisterMeter registers a meter drawing on the account and returns its one-time enrollment token
	// (valid EnrollmentTTL), which is never shown again.
	RegisterMeter(ctx context.Context, serial, account string, minRefill, maxRefill funds.Amount) (token string, err error)
	// Account returns the account's figures and all its refills (oldest first).
	Account(ctx context.Context, number string) (Account, error)
	// Accounts returns every account's figures (Refills left nil), ordered by number.
	Accounts(ctx context.Context) ([]Account, error)
	// Meter returns a registered meter.
	Meter(ctx context.Context, serial string) (Meter, error)
	// Refills returns every refill of every account (oldest first), for cross-database checks.
	Refills(ctx context.Context) ([]Refill, error)
	// CheckInvariants verifies every account against its refill and deposit rows and returns the first
	// violation, wrapping ErrInvariant and naming the account and the figures.
	CheckInvariants(ctx context.Context) error

	Close() error
}

// Account is a customer's postage account.
//
// Invariant: Deposits + CreditUsed == Prepaid + Reserved + Posted, Prepaid >= 0,
// 0 <= CreditUsed <= CreditLimit.
type Account struct {
	Number      string
	Deposits    funds.Amount // all payments ever received
	Prepaid     funds.Amount // prepaid balance not yet drawn
	CreditLimit funds.Amount
	CreditUsed  funds.Amount
	Reserved    funds.Amount // Σ amount of refills in state reserved
	Posted      funds.Amount // Σ amount of refills in state posted
	Locked      bool
	Created     time.Time
	Refills     []Refill // only filled by Store.Account
}

// CreditAvailable is the unused part of the credit line.
func (a Account) CreditAvailable() funds.Amount { return a.CreditLimit - a.CreditUsed }

// Meter is a registered postage meter.
type Meter struct {
	Serial       string
	PublicKey    ed25519.PublicKey // nil until the meter enrolled
	Suspect      string            // why the meter is suspect; empty if it is not
	HighUsed     funds.Amount      // the highest used register the meter reported: it never goes down
	HighPieces   int64             // the highest piece count it reported
	LastReport   time.Time         // the signed time of the meter's newest report; zero if none (or cleared since)
	Account      string
	MinRefill    funds.Amount
	MaxRefill    funds.Amount
	Created      time.Time
	LastContact  time.Time         // zero if the meter never connected
	PostalInfo   *funds.PostalInfo // the last upload, nil if none
	PostalInfoAt time.Time
}

// Refill is one stored refill row. Rows are permanent; only reserved ones ever change, once.
type Refill struct {
	ID          string
	Meter       string
	Account     string
	Amount      funds.Amount // 0 only for a tombstone
	State       string       // funds.DCReserved, DCDeclined, DCPosted or DCVoided
	Tombstone   bool         // voided before any reserve arrived
	FromPrepaid funds.Amount // how much of Amount was drawn from prepaid (0 for declines and tombstones)
	FromCredit  funds.Amount // how much from the credit line
	Decline     *funds.Decline
	Registers   *funds.RegisterReadings // as reported with the reserve; nil for tombstones
	Created     time.Time
	Resolved    time.Time // zero while reserved
}

// Errors wrapped by Store methods. The HTTP server maps each to a status and a funds.Code*.
var (
	ErrUnknownMeter   = errors.New("unknown meter")
	ErrUnknownAccount = errors.New("unknown account")
	ErrUnknownRefill  = errors.New("unknown refill id")
	ErrAmountConflict = errors.New("refill id already used with another amount")
	ErrRefillIDTaken  = errors.New("refill id already used by another meter")
	ErrRefillVoided   = errors.New("refill was voided and can never be posted")
	ErrRefillPosted   = errors.New("refill was posted and can no longer be voided")
	ErrRefillDeclined = errors.New("refill was declined; nothing was reserved to post")
	ErrInvalid        = errors.New("invalid input")
	ErrExists         = errors.New("already exists")
	ErrInvariant      = errors.New("data center invariant violated")
	ErrNotEnrolled    = errors.New("meter not enrolled")
	ErrReplayed       = errors.New("request nonce already used")
	ErrBadToken       = errors.New("enrollment token unknown, used or expired")
	ErrMeterSuspect   = errors.New("meter is suspect: refills refused until an administrator clears it")
	ErrStaleReport    = errors.New("report older than one already received")
)

// Request is who made a meter request: the signing meter, the request's nonce (empty for calls that do
// not come over the API, such as an administrator's tools and benchmarks) and its signed time, which
// orders the meter's reports.
//
// Key is the public key the request's signature was verified with (nil for calls that do not come over
// the API). The HTTP server keeps the meters' keys in memory so a request costs no read of its own for
// the key; a store refuses, in the request's transaction, a request whose Key is no longer the meter's
// enrolled key (ErrNotEnrolled), so a key kept from before a re-enrollment grants nothing.
type Request struct {
	Serial string
	Nonce  string
	At     time.Time
	Key    ed25519.PublicKey
}

// MeterEvent is a stored event of a meter: enrolled, token-issued, suspect, cleared.
type MeterEvent struct {
	Serial string
	At     time.Time
	Kind   string
	Detail string
}

// CodeRefillIDTaken is the 409 error code when a refill id belongs to another meter. funds/protocol.go has
// no code for it, so the Data Center adds this one.
const CodeRefillIDTaken = "refill_id_taken"

// invalidf returns an error wrapping ErrInvalid whose text says what was wrong and what is expected.
func invalidf(format string, args ...any) error {
	return &inputError{msg: fmt.Sprintf(format, args...)}
}

type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }
func (e *inputError) Unwrap() error { return ErrInvalid }
