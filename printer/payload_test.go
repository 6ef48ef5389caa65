package printer

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIndiciumPayloadFormat(t *testing.T) {
	got, err := IndiciumPayload(sampleIndicium())
	require.NoError(t, err)
	assert.Equal(t, "PMI|v1|date=20261125|postage=780|class=First-Class%20Mail|serial=PM123456|ind=IN-0042|"+
		"zip=06926|piece=42|asc=464270|desc=535730|sim=1", got)
}

func TestIndiciumPayloadRoundTrip(t *testing.T) {
	cases := map[string]func(*Indicium){
		"sample":          func(*Indicium) {},
		"not simulation":  func(i *Indicium) { i.Simulation = false },
		"mills postage":   func(i *Indicium) { i.Postage = 406 },
		"zero postage":    func(i *Indicium) { i.Postage = 0; i.Piece = 0; i.Used = 0 },
		"empty optionals": func(i *Indicium) { i.MailClass, i.IndiciaNumber = "", "" },
		"escaped text": func(i *Indicium) {
			i.MailClass = "Priority | Mail = 100% «test»"
			i.MeterSerial = "PM 12/34"
			i.OriginZIP = "06926-1234"
		},
		"large registers": func(i *Indicium) { i.Available, i.Used, i.Piece = 1<<62, 1<<61, 1<<40 },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			ind := sampleIndicium()
			mutate(&ind)
			p, err := IndiciumPayload(ind)
			require.NoError(t, err)
			for _, c := range []byte(p) {
				assert.True(t, c >= 0x21 && c < 0x7f, "payload byte %q is not printable ASCII", c)
			}
			back, err := ParseIndiciumPayload(p)
			require.NoError(t, err)
			assert.Equal(t, ind, back)
		})
	}
}

func TestIndiciumPayloadDateIsCalendarDate(t *testing.T) {
	ind := sampleIndicium()
	ind.MailingDate = time.Date(2026, 11, 25, 23, 30, 0, 0, time.FixedZone("EST", -5*3600))
	p, err := IndiciumPayload(ind)
	require.NoError(t, err)
	assert.Contains(t, p, "|date=20261125|")
	back, err := ParseIndiciumPayload(p)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), back.MailingDate)
}

func TestIndiciumPayloadRejectsInvalidIndicium(t *testing.T) {
	cases := map[string]func(*Indicium){
		"no date":          func(i *Indicium) { i.MailingDate = time.Time{} },
		"negative postage": func(i *Indicium) { i.Postage = -1 },
		"negative used":    func(i *Indicium) { i.Used = -1 },
		"negative piece":   func(i *Indicium) { i.Piece = -1 },
		"no serial":        func(i *Indicium) { i.MeterSerial = " " },
		"no zip":           func(i *Indicium) { i.OriginZIP = "" },
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
	cases := map[string]string{
		"empty":            "",
		"wrong magic":      strings.Replace(good, "PMI|", "XXX|", 1),
		"wrong version":    strings.Replace(good, "|v1|", "|v2|", 1),
		"missing field":    strings.Replace(good, "|sim=1", "", 1),
		"extra field":      good + "|x=1",
		"reordered":        strings.Replace(good, "asc=464270|desc=535730", "desc=535730|asc=464270", 1),
		"bad date":         strings.Replace(good, "date=20261125", "date=20261325", 1),
		"short date":       strings.Replace(good, "date=20261125", "date=2026112", 1),
		"signed postage":   strings.Replace(good, "postage=780", "postage=+780", 1),
		"negative postage": strings.Replace(good, "postage=780", "postage=-780", 1),
		"leading zero":     strings.Replace(good, "piece=42", "piece=042", 1),
		"overflow":         strings.Replace(good, "asc=464270", "asc=99999999999999999999", 1),
		"bad sim":          strings.Replace(good, "sim=1", "sim=yes", 1),
		"raw space":        strings.Replace(good, "First-Class%20Mail", "First-Class Mail", 1),
		"lower-case hex":   strings.Replace(good, "First-Class%20Mail", "First%2dClass", 1),
		"needless escape":  strings.Replace(good, "First-Class%20Mail", "First%2DClass", 1),
		"truncated escape": strings.Replace(good, "First-Class%20Mail", "First%2", 1),
		"empty serial":     strings.Replace(good, "serial=PM123456", "serial=", 1),
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
	f.Add("PMI|v1|date=20000101|postage=0|class=|serial=A|ind=|zip=1|piece=0|asc=0|desc=0|sim=0")
	f.Fuzz(func(t *testing.T, p string) {
		ind, err := ParseIndiciumPayload(p)
		if err != nil {
			return
		}
		again, err := IndiciumPayload(ind)
		require.NoError(t, err)
		assert.Equal(t, p, again, "an accepted payload must be canonical")
	})
}
