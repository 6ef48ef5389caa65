package datacenter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"postmeter/funds"
	"postmeter/printer/when"
)

// This file is the Data Center's half of the open indicium verifier (docs/indicia.md): given what an
// indicium's Data Matrix says, it checks the meter's signature with the key the meter enrolled, and
// whether the piece fits what the meter has reported. Reading the symbol and its format belong to
// the printer packages; cmd/datacenter's verify-indicium puts the two together.

// IndiciumClaim is what one indicium says, as read from its Data Matrix.
type IndiciumClaim struct {
	Serial      string
	MailingDate time.Time // the calendar date, midnight UTC
	Postage     funds.Amount
	Piece       int64
	Used        funds.Amount // ascending register after this piece
	Available   funds.Amount // descending register after this piece
	Specimen    bool         // printed by a trainer simulator
	Body        []byte       // the signed bytes (printer.IndiciumBody)
	Signature   []byte
}

// Why an indicium is refused.
const (
	RefusedUnknownMeter = "unknown-meter" // no enrolled meter has this serial
	RefusedSignature    = "bad-signature" // altered after printing, or not signed by this meter's key
	RefusedRegisters    = "registers"     // the piece does not fit the meter's reports or grants
	RefusedDate         = "date"          // dated where the meter could not have dated it
	RefusedDuplicate    = "duplicate"     // the same piece was seen before, in this run or (Pieces) an earlier one
	RefusedUnreadable   = "unreadable"    // no symbol, or not a postmeter indicium (set by the caller)
	verdictValid        = ""              // Verdict.Refused of a valid piece
	defaultPiecesPerMin = 300             // the fastest model's rated speed (meter/data/models.json)
	maxDateAdvance      = 30 * 24 * time.Hour
)

// Verdict is the verifier's answer for one indicium.
type Verdict struct {
	Refused string // "" when the piece is valid, else one of the Refused… codes
	Reason  string // what was found, in a sentence
}

// Valid reports whether the piece passed every check.
func (v Verdict) Valid() bool { return v.Refused == verdictValid }

// IndiciumVerifier checks indicia against one Data Center's store. It remembers the pieces it has
// seen, so a batch of pictures with the same piece twice (a copy) is caught.
type IndiciumVerifier struct {
	Store Store
	Now   func() time.Time
	// PiecesPerMinute bounds how many pieces a meter can have printed since its last report; 0 means
	// 300, the rated speed of the fastest model.
	PiecesPerMinute int64
	// Pieces, if set, keeps every piece whose signature checked, so a copy is caught in a later run
	// too (the SQLite store's verified_piece table); without it only within this verifier's life.
	Pieces PieceMemory

	seen map[pieceKey][]byte // the payload first seen for each piece
}

type pieceKey struct {
	serial string
	piece  int64
}

// Check gives the verdict on one indicium.
func (v *IndiciumVerifier) Check(ctx context.Context, c IndiciumClaim) (Verdict, error) {
	refuse := func(code, format string, args ...any) (Verdict, error) {
		return Verdict{Refused: code, Reason: fmt.Sprintf(format, args...)}, nil
	}
	pub, err := v.Store.MeterKey(ctx, c.Serial)
	if errors.Is(err, ErrUnknownMeter) || errors.Is(err, ErrNotEnrolled) {
		return refuse(RefusedUnknownMeter, "No enrolled meter has serial %q.", c.Serial)
	}
	if err != nil {
		return Verdict{}, err
	}
	if !funds.VerifyIndicium(pub, c.Body, c.Signature) {
		return refuse(RefusedSignature, "The signature does not match meter %s's registered key: the indicium was altered after printing, or another key signed it.", c.Serial)
	}
	// From here on the meter's key made this indicium: what is left is whether the meter (or whoever
	// holds its key) could have printed it.
	payload := append(bytes.Clone(c.Body), c.Signature...)
	key := pieceKey{c.Serial, c.Piece}
	if first, ok := v.seen[key]; ok {
		if bytes.Equal(first, payload) {
			return refuse(RefusedDuplicate, "Piece %d of meter %s was already seen: this is a copy of the same indicium.", c.Piece, c.Serial)
		}
		return refuse(RefusedDuplicate, "Piece %d of meter %s was already seen with other data: one meter key signed two different pieces under one number.", c.Piece, c.Serial)
	}
	if v.seen == nil {
		v.seen = map[pieceKey][]byte{}
	}
	v.seen[key] = payload
	if v.Pieces != nil {
		before, err := v.Pieces.RememberPiece(ctx, c.Serial, c.Piece, PieceDigest(c.Body, c.Signature))
		if err != nil {
			return Verdict{}, err
		}
		if before.Before && before.Same {
			return refuse(RefusedDuplicate, "Piece %d of meter %s was already verified on %s: this is a copy of the same indicium.",
				c.Piece, c.Serial, stamp(before.At))
		}
		if before.Before {
			return refuse(RefusedDuplicate, "Piece %d of meter %s was already verified on %s with other data: one meter key signed two different pieces under one number.",
				c.Piece, c.Serial, stamp(before.At))
		}
	}

	m, err := v.Store.Meter(ctx, c.Serial)
	if err != nil {
		return Verdict{}, err
	}
	acct, err := v.Store.Account(ctx, m.Account)
	if err != nil {
		return Verdict{}, err
	}
	var granted funds.Amount // every refill this meter may have applied: posted and still reserved
	for _, r := range acct.Refills {
		if r.Meter == c.Serial && (r.State == funds.DCPosted || r.State == funds.DCReserved) {
			granted += r.Amount
		}
	}
	now := v.Now()
	since := m.LastReport
	if since.IsZero() {
		since = m.Created
	}
	rate := v.PiecesPerMinute
	if rate <= 0 {
		rate = defaultPiecesPerMin
	}
	reportDay := time.Date(since.Year(), since.Month(), since.Day(), 0, 0, 0, 0, time.UTC)
	switch {
	case c.Piece < 1 || c.Used < c.Postage:
		return refuse(RefusedRegisters, "Piece %d shows %s used, less than its own postage of %s.", c.Piece, c.Used.MillsString(), c.Postage.MillsString())
	case c.Used+c.Available > granted:
		return refuse(RefusedRegisters, "Its registers add up to %s, more than the %s ever granted to meter %s.",
			(c.Used + c.Available).MillsString(), granted.MillsString(), c.Serial)
	case c.Piece <= m.HighPieces && c.Used > m.HighUsed:
		return refuse(RefusedRegisters, "Piece %d was printed before the meter's report of %s (%d pieces, %s used), yet shows %s used.",
			c.Piece, stamp(since), m.HighPieces, m.HighUsed.MillsString(), c.Used.MillsString())
	case c.Piece > m.HighPieces && c.Used-c.Postage < m.HighUsed:
		return refuse(RefusedRegisters, "Piece %d comes after the meter's report of %s (%s used), yet shows only %s used before it.",
			c.Piece, stamp(since), m.HighUsed.MillsString(), (c.Used - c.Postage).MillsString())
	case c.Piece > m.HighPieces && c.Piece-m.HighPieces > rate*int64(max(now.Sub(since), 0)/time.Minute+1):
		return refuse(RefusedRegisters, "Piece %d is %d pieces past the meter's report of %s: more than it could print since at %d a minute.",
			c.Piece, c.Piece-m.HighPieces, stamp(since), rate)
	case c.Piece > m.HighPieces && c.MailingDate.Before(reportDay.AddDate(0, 0, -1)):
		return refuse(RefusedDate, "Piece %d was printed after the meter's report of %s, yet is dated %s: a meter cannot backdate.",
			c.Piece, day(since), day(c.MailingDate))
	case c.MailingDate.After(now.Add(maxDateAdvance)):
		return refuse(RefusedDate, "Dated %s, more than 30 days ahead.", day(c.MailingDate))
	}
	what := "Postage"
	if c.Specimen {
		what = "A specimen (printed by a trainer, not postage)"
	}
	return Verdict{Reason: fmt.Sprintf("%s signed by meter %s, piece %d of %s, consistent with its report of %s.",
		what, c.Serial, c.Piece, c.Postage.MillsString(), stamp(since))}, nil
}

// stamp and day write the Data Center's times in the one date style (printer/when), in UTC.
func stamp(t time.Time) string { return when.DateTime(t.UTC()) + " UTC" }
func day(t time.Time) string   { return when.Date(t.UTC()) }
