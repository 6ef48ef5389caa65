package printer

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"postmeter/funds"
)

// PayloadVersion is the format of the indicium's Data Matrix that this package writes and reads.
const PayloadVersion = 2

// SignatureSize is the length of the meter's signature at the end of every payload (Ed25519).
const SignatureSize = ed25519.SignatureSize

// MaxTextField is the longest text field (class, serial, model, indicia number, ZIPs) a payload
// carries, in bytes: it bounds the symbol so the indicium always fits on tape.
const MaxTextField = 24

// payloadEpoch is day 0 of the payload's date field.
var payloadEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	flagSpecimen       = 1 << 0 // printed by the trainer simulator: a specimen, never postage
	flagDestination    = 1 << 1 // a destination ZIP follows the origin ZIP
	flagTest           = 1 << 2 // a test print: no postage value
	flagDateCorrection = 1 << 3 // a date correction of the piece it names: no postage value
	knownFlags         = flagSpecimen | flagDestination | flagTest | flagDateCorrection
)

// ErrBadPayload is wrapped by every ParseIndiciumPayload error.
var ErrBadPayload = errors.New("not a postmeter indicium payload")

// ErrUnsigned is wrapped by IndiciumPayload and RenderIndicium for an indicium without a signature:
// the meter never prints postage it has not signed.
var ErrUnsigned = errors.New("indicium is not signed")

// IndiciumBody encodes what the meter signs for one indicium: every field of ind except the signature,
// in payload format version 2, a compact binary record modelled on what an IMI indicium carries:
//
//	offset  size     field
//	0       2        "PM"
//	2       1        version (2)
//	3       1        flags: 1 specimen (simulation), 2 destination ZIP present, 4 test print,
//	                 8 date correction (4 and 8 carry postage 0 and never both)
//	4       2        mailing date, days since Jan 1, 2000 (big-endian)
//	6       uvarint  postage in mills
//	        uvarint  piece count after the debit
//	        uvarint  ascending register (Used) after the debit, in mills
//	        uvarint  descending register (Available) after the debit, in mills
//	        text     mail class (may be empty)
//	        text     meter serial
//	        text     meter model
//	        text     indicia number (may be empty)
//	        text     origin ZIP
//	        text     destination ZIP, only with flag 2
//
// A text is one length byte (at most MaxTextField) and that many bytes of UTF-8; uvarints are Go's
// encoding/binary unsigned varints, minimal. The payload in the Data Matrix is this body followed by
// the 64-byte Ed25519 signature of funds.IndiciumMessage(body) by the meter's key (IndiciumPayload).
func IndiciumBody(ind Indicium) ([]byte, error) {
	if err := validateIndicium(ind); err != nil {
		return nil, err
	}
	flags := byte(0)
	if ind.Simulation {
		flags |= flagSpecimen
	}
	if ind.DestinationZIP != "" {
		flags |= flagDestination
	}
	switch ind.Kind {
	case KindTest:
		flags |= flagTest
	case KindDateCorrection:
		flags |= flagDateCorrection
	}
	days := ind.calendarDate().Sub(payloadEpoch) / (24 * time.Hour)
	b := []byte{'P', 'M', PayloadVersion, flags}
	b = binary.BigEndian.AppendUint16(b, uint16(days))
	for _, n := range []int64{ind.Postage.Mills(), ind.Piece, ind.Used.Mills(), ind.Available.Mills()} {
		b = binary.AppendUvarint(b, uint64(n))
	}
	texts := []string{ind.MailClass, ind.MeterSerial, ind.Model, ind.IndiciaNumber, ind.OriginZIP}
	if ind.DestinationZIP != "" {
		texts = append(texts, ind.DestinationZIP)
	}
	for _, s := range texts {
		b = append(append(b, byte(len(s))), s...)
	}
	return b, nil
}

// IndiciumPayload is what the indicium's Data Matrix carries: IndiciumBody(ind) and ind.Signature.
func IndiciumPayload(ind Indicium) ([]byte, error) {
	if len(ind.Signature) != SignatureSize {
		return nil, fmt.Errorf("indicium: %w (%d signature bytes, want %d)", ErrUnsigned, len(ind.Signature), SignatureSize)
	}
	body, err := IndiciumBody(ind)
	if err != nil {
		return nil, err
	}
	return append(body, ind.Signature...), nil
}

// calendarDate is the mailing date's calendar day (in its own location) as midnight UTC.
func (ind Indicium) calendarDate() time.Time {
	y, m, d := ind.MailingDate.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func validateIndicium(ind Indicium) error {
	day := ind.calendarDate()
	switch {
	case ind.MailingDate.IsZero():
		return errors.New("indicium: no mailing date")
	case day.Before(payloadEpoch) || day.Sub(payloadEpoch)/(24*time.Hour) > 0xffff:
		return fmt.Errorf("indicium: mailing date %s out of range", ind.MailingDate.Format(time.DateOnly))
	case ind.Postage < 0:
		return fmt.Errorf("indicium: negative postage %d mills", ind.Postage.Mills())
	case ind.Kind != KindPostage && ind.Kind != KindTest && ind.Kind != KindDateCorrection:
		return fmt.Errorf("indicium: unknown kind %q", ind.Kind)
	case ind.Kind != KindPostage && ind.Postage != 0:
		return fmt.Errorf("indicium: a %s carries no postage, not %d mills", ind.Kind, ind.Postage.Mills())
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
	for name, s := range map[string]string{"class": ind.MailClass, "serial": ind.MeterSerial, "model": ind.Model,
		"indicia number": ind.IndiciaNumber, "origin ZIP": ind.OriginZIP, "destination ZIP": ind.DestinationZIP} {
		if len(s) > MaxTextField {
			return fmt.Errorf("indicium: %s %q is longer than %d bytes", name, s, MaxTextField)
		}
	}
	return nil
}

// ParseIndiciumPayload decodes a payload made by IndiciumPayload, signature included; it does not check
// the signature (VerifyIndicium does). MailingDate comes back as midnight UTC. It accepts exactly the
// canonical form, so IndiciumPayload of the result gives back the same bytes.
func ParseIndiciumPayload(payload []byte) (Indicium, error) {
	bad := func(format string, args ...any) (Indicium, error) {
		return Indicium{}, fmt.Errorf("%w: %s", ErrBadPayload, fmt.Sprintf(format, args...))
	}
	if len(payload) < 6+SignatureSize || payload[0] != 'P' || payload[1] != 'M' {
		return bad("no PM header, or shorter than a header and a signature")
	}
	if payload[2] != PayloadVersion {
		return bad("version %d, this reader knows %d", payload[2], PayloadVersion)
	}
	flags := payload[3]
	if flags&^knownFlags != 0 {
		return bad("unknown flags %#x", flags)
	}
	body, sig := payload[:len(payload)-SignatureSize], payload[len(payload)-SignatureSize:]
	ind := Indicium{Simulation: flags&flagSpecimen != 0, Signature: bytes.Clone(sig)}
	switch {
	case flags&flagTest != 0 && flags&flagDateCorrection != 0:
		return bad("both test and date-correction flags")
	case flags&flagTest != 0:
		ind.Kind = KindTest
	case flags&flagDateCorrection != 0:
		ind.Kind = KindDateCorrection
	}
	ind.MailingDate = payloadEpoch.AddDate(0, 0, int(binary.BigEndian.Uint16(body[4:6])))
	rest := body[6:]
	var nums [4]int64
	for i := range nums {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > 1<<63-1 {
			return bad("number %d is not a varint", i+1)
		}
		nums[i], rest = int64(n), rest[k:]
	}
	ind.Postage, ind.Piece, ind.Used, ind.Available = funds.Amount(nums[0]), nums[1], funds.Amount(nums[2]), funds.Amount(nums[3])
	texts := []*string{&ind.MailClass, &ind.MeterSerial, &ind.Model, &ind.IndiciaNumber, &ind.OriginZIP}
	if flags&flagDestination != 0 {
		texts = append(texts, &ind.DestinationZIP)
	}
	for i, dst := range texts {
		if len(rest) == 0 || int(rest[0]) > len(rest)-1 {
			return bad("text %d runs past the end", i+1)
		}
		*dst, rest = string(rest[1:1+int(rest[0])]), rest[1+int(rest[0]):]
	}
	if len(rest) != 0 {
		return bad("%d bytes after the last field", len(rest))
	}
	again, err := IndiciumBody(ind)
	if err != nil {
		return bad("%v", err)
	}
	if !bytes.Equal(again, body) {
		return bad("not in canonical form")
	}
	return ind, nil
}

// VerifyIndicium checks the signature of a parsed indicium with the meter's public key.
func VerifyIndicium(pub ed25519.PublicKey, ind Indicium) bool {
	body, err := IndiciumBody(ind)
	return err == nil && funds.VerifyIndicium(pub, body, ind.Signature)
}
