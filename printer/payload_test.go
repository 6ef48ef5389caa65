package printer

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIndiciumBodyFormat(t *testing.T) {
	got, err := IndiciumBody(sampleIndicium())
	require.NoError(t, err)
	want := "504d" + "02" + "01" + "2661" + // PM, v2, specimen, Nov 25 2026 = day 9825 = 0x2661
		"8c06" + "2a" + "8eab1c" + "b2d920" + // 780, 42, 464270, 535730 as uvarints
		"06" + hex.EncodeToString([]byte("letter")) +
		"08" + hex.EncodeToString([]byte("PM123456")) +
		"0d" + hex.EncodeToString([]byte("SendPro P1000")) +
		"07" + hex.EncodeToString([]byte("IN-0042")) +
		"05" + hex.EncodeToString([]byte("06926"))
	assert.Equal(t, want, hex.EncodeToString(got))

	p, err := IndiciumPayload(sampleIndicium())
	require.NoError(t, err)
	assert.Equal(t, append(got, sampleIndicium().Signature...), p)
}

func TestIndiciumPayloadRoundTrip(t *testing.T) {
	cases := map[string]func(*Indicium){
		"sample":          func(*Indicium) {},
		"not simulation":  func(i *Indicium) { i.Simulation = false },
		"mills postage":   func(i *Indicium) { i.Postage = 406 },
		"zero postage":    func(i *Indicium) { i.Postage = 0; i.Piece = 0; i.Used = 0 },
		"empty optionals": func(i *Indicium) { i.MailClass, i.IndiciaNumber, i.Model = "", "", "" },
		"destination":     func(i *Indicium) { i.DestinationZIP = "10001-0001" },
		"any text": func(i *Indicium) {
			i.MailClass = "Priority | Mail «t»"
			i.MeterSerial = "PM 12/34"
			i.OriginZIP = "06926-1234"
		},
		"large registers": func(i *Indicium) { i.Available, i.Used, i.Piece = 1<<62, 1<<61, 1<<40 },
		"last date":       func(i *Indicium) { i.MailingDate = payloadEpoch.AddDate(0, 0, 0xffff) },
		"test print":      func(i *Indicium) { i.Kind, i.Postage, i.Piece, i.MailClass = KindTest, 0, 0, "" },
		"date correction": func(i *Indicium) { i.Kind, i.Postage, i.MailClass = KindDateCorrection, 0, "" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			ind := sampleIndicium()
			mutate(&ind)
			ind = sign(t, ind, testMeterKey)
			p, err := IndiciumPayload(ind)
			require.NoError(t, err)
			back, err := ParseIndiciumPayload(p)
			require.NoError(t, err)
			assert.Equal(t, ind, back)
			assert.True(t, VerifyIndicium(testMeterKey.Public().(ed25519.PublicKey), back))
		})
	}
}

// The signature covers every field: change any one after signing and it no longer verifies.
func TestIndiciumSignatureCoversEveryField(t *testing.T) {
	pub := testMeterKey.Public().(ed25519.PublicKey)
	cases := map[string]func(*Indicium){
		"date":        func(i *Indicium) { i.MailingDate = i.MailingDate.AddDate(0, 0, 1) },
		"postage":     func(i *Indicium) { i.Postage = 7800 },
		"class":       func(i *Indicium) { i.MailClass = "flat" },
		"serial":      func(i *Indicium) { i.MeterSerial = "PM123457" },
		"model":       func(i *Indicium) { i.Model = "SendPro P3000" },
		"indicia":     func(i *Indicium) { i.IndiciaNumber = "IN-0043" },
		"origin":      func(i *Indicium) { i.OriginZIP = "10001" },
		"destination": func(i *Indicium) { i.DestinationZIP = "10001" },
		"piece":       func(i *Indicium) { i.Piece = 41 },
		"used":        func(i *Indicium) { i.Used = 1 },
		"available":   func(i *Indicium) { i.Available = 1 },
		"specimen":    func(i *Indicium) { i.Simulation = false },
		"kind":        func(i *Indicium) { i.Kind, i.Postage = KindTest, 0 },
	}
	require.True(t, VerifyIndicium(pub, sampleIndicium()))
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			ind := sampleIndicium()
			mutate(&ind)
			assert.False(t, VerifyIndicium(pub, ind))
		})
	}
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, ed25519.SeedSize))
	assert.False(t, VerifyIndicium(other.Public().(ed25519.PublicKey), sampleIndicium()), "another meter's key")
}

func TestIndiciumPayloadDateIsCalendarDate(t *testing.T) {
	ind := sampleIndicium()
	ind.MailingDate = time.Date(2026, 11, 25, 23, 30, 0, 0, time.FixedZone("EST", -5*3600))
	p, err := IndiciumPayload(sign(t, ind, testMeterKey))
	require.NoError(t, err)
	back, err := ParseIndiciumPayload(p)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), back.MailingDate)
}

func TestIndiciumPayloadRejectsInvalidIndicium(t *testing.T) {
	cases := map[string]func(*Indicium){
		"no date":          func(i *Indicium) { i.MailingDate = time.Time{} },
		"before 2000":      func(i *Indicium) { i.MailingDate = payloadEpoch.AddDate(0, 0, -1) },
		"after 2179":       func(i *Indicium) { i.MailingDate = payloadEpoch.AddDate(0, 0, 0x10000) },
		"negative postage": func(i *Indicium) { i.Postage = -1 },
		"negative used":    func(i *Indicium) { i.Used = -1 },
		"negative piece":   func(i *Indicium) { i.Piece = -1 },
		"no serial":        func(i *Indicium) { i.MeterSerial = " " },
		"no zip":           func(i *Indicium) { i.OriginZIP = "" },
		"long model":       func(i *Indicium) { i.Model = strings.Repeat("M", MaxTextField+1) },
		"unsigned":         func(i *Indicium) { i.Signature = nil },
		"short signature":  func(i *Indicium) { i.Signature = i.Signature[:10] },
		"test with value":  func(i *Indicium) { i.Kind = KindTest },
		"dated with value": func(i *Indicium) { i.Kind = KindDateCorrection },
		"unknown kind":     func(i *Indicium) { i.Kind, i.Postage = "refund", 0 },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			ind := sampleIndicium()
			mutate(&ind)
			_, err := IndiciumPayload(ind)
			assert.Error(t, err)
			_, err = RenderIndicium(ind, Envelope)
			assert.Error(t, err)
		})
	}
}

func TestParseIndiciumPayloadRejects(t *testing.T) {
	good, err := IndiciumPayload(sampleIndicium())
	require.NoError(t, err)
	body := len(good) - SignatureSize
	with := func(f func(p []byte) []byte) []byte { return f(bytes.Clone(good)) }
	cases := map[string][]byte{
		"empty":          nil,
		"only signature": good[body:],
		"wrong magic":    with(func(p []byte) []byte { p[0] = 'X'; return p }),
		"wrong version":  with(func(p []byte) []byte { p[2] = 1; return p }),
		"unknown flag":   with(func(p []byte) []byte { p[3] |= 0x80; return p }),
		"flag, no dest":  with(func(p []byte) []byte { p[3] |= flagDestination; return p }),
		"two zero kinds": with(func(p []byte) []byte { p[3] |= flagTest | flagDateCorrection; return p }),
		"test, postage":  with(func(p []byte) []byte { p[3] |= flagTest; return p }),
		"truncated":      append(bytes.Clone(good[:body-3]), good[body:]...),
		"extra byte":     append(append(bytes.Clone(good[:body]), 0), good[body:]...),
		"overlong varint": append(append(append(bytes.Clone(good[:6]), 0x8c, 0x86, 0x00), good[8:body]...),
			good[body:]...),
		"text past end": with(func(p []byte) []byte { p[body-6] = 200; return p }),
		"text too long": append(append(bytes.Clone(good[:body-6]), append([]byte{25}, bytes.Repeat([]byte{'1'}, 25)...)...),
			good[body:]...),
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseIndiciumPayload(p)
			assert.ErrorIs(t, err, ErrBadPayload)
		})
	}
}

func FuzzParseIndiciumPayload(f *testing.F) {
	good, err := IndiciumPayload(sampleIndicium())
	require.NoError(f, err)
	f.Add(good)
	f.Fuzz(func(t *testing.T, p []byte) {
		ind, err := ParseIndiciumPayload(p)
		if err != nil {
			return
		}
		again, err := IndiciumPayload(ind)
		require.NoError(t, err)
		assert.Equal(t, p, again, "an accepted payload must be canonical")
	})
}
