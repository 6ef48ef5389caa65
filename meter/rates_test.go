package meter

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

func mustAmount(t *testing.T, s string) funds.Amount {
	t.Helper()
	a, err := funds.ParseAmount(s)
	require.NoError(t, err)
	return a
}

func loadTables(t *testing.T) []RateTable {
	t.Helper()
	tables, err := LoadRateTables()
	require.NoError(t, err)
	return tables
}

func tableOn(t *testing.T, date string) RateTable {
	t.Helper()
	day, err := time.Parse(time.DateOnly, date)
	require.NoError(t, err)
	tab, err := RateTableFor(loadTables(t), day)
	require.NoError(t, err)
	return tab
}

func TestParseWeight(t *testing.T) {
	tests := []struct {
		in      string
		want    Weight
		wantErr string // substring of the error; "" means no error
	}{
		{"1.3", 13, ""},
		{"1.3 oz", 13, ""},
		{" 1.3OZ ", 13, ""},
		{"2", 20, ""},
		{"2 oz", 20, ""},
		{"0.5", 5, ""},
		{".5", 5, ""},
		{"0", 0, ""},
		{"3.5", 35, ""},
		{"13", 130, ""},
		{"1.30", 13, ""},
		{"1120", MaxMailWeight, ""},
		{"", 0, "no weight given"},
		{"oz", 0, "no weight given"},
		{"abc", 0, "not a number"},
		{"1.3 lb", 0, "not a number"},
		{"1,3", 0, "not a number"},
		{"+1", 0, "not a number"},
		{"1.2.3", 0, "not a number"},
		{".", 0, "no digits"},
		{"1.", 0, "a digit must follow"},
		{"-1", 0, "cannot be negative"},
		{"-0.1 oz", 0, "cannot be negative"},
		{"1.25", 0, "too many decimals"},
		{"1.05", 0, "too many decimals"},
		{"1120.1", 0, "70 lb"},
		{"99999999999999999999999", 0, "70 lb"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseWeight(tt.in)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidWeight)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Contains(t, err.Error(), tt.in, "the error quotes the input")
		})
	}
}

func TestWeightString(t *testing.T) {
	tests := []struct {
		w    Weight
		want string
	}{
		{13, "1.3 oz"}, {20, "2 oz"}, {35, "3.5 oz"}, {5, "0.5 oz"}, {0, "0 oz"}, {-13, "-1.3 oz"}, {130, "13 oz"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.w.String())
		if tt.w >= 0 {
			back, err := ParseWeight(tt.w.String())
			require.NoError(t, err)
			assert.Equal(t, tt.w, back, "String and ParseWeight round-trip")
		}
	}
}

func TestMailClassLabel(t *testing.T) {
	assert.Equal(t, "First-Class letter", ClassLetter.Label())
	assert.Equal(t, "Large envelope (flat)", ClassFlat.Label())
	assert.Equal(t, "Postcard", ClassPostcard.Label())
	assert.Equal(t, "parcel", MailClass("parcel").Label())
}

func TestLoadRateTablesValidates(t *testing.T) {
	tables := loadTables(t)
	require.Len(t, tables, 3)
	for i, tab := range tables {
		t.Run(tab.File, func(t *testing.T) {
			assert.Equal(t, "rates-"+tab.Effective.Format(time.DateOnly)+".json", tab.File)
			assert.NotEmpty(t, tab.Source)
			if i == 0 {
				// Before Jul 13, 2025 only letters and postcards could be sourced.
				assert.Equal(t, []MailClass{ClassLetter, ClassPostcard}, tab.Classes())
			} else {
				assert.Equal(t, []MailClass{ClassLetter, ClassFlat, ClassPostcard}, tab.Classes())
			}
			if i > 0 {
				assert.True(t, tab.Effective.After(tables[i-1].Effective), "oldest first")
			}
			for _, c := range tab.Classes() {
				steps := tab.Steps(c)
				require.NotEmpty(t, steps)
				for j, st := range steps {
					assert.Positive(t, int64(st.Price))
					assert.Zero(t, st.Price%funds.Cent, "whole cents")
					if j > 0 {
						assert.Greater(t, st.NotOver, steps[j-1].NotOver)
						assert.GreaterOrEqual(t, st.Price, steps[j-1].Price)
					}
				}
				assert.LessOrEqual(t, steps[len(steps)-1].NotOver, tab.MaxWeight(c))
			}
		})
	}
	assert.True(t, tables[0].Verified(ClassLetter), "2024: official prices only")
	assert.False(t, tables[1].Verified(ClassLetter), "the 2025 surcharge is secondary-only, so the letter class lists it")
	assert.True(t, tables[1].Verified(ClassPostcard))
	assert.False(t, tables[1].Unverified)
	assert.True(t, tables[2].Unverified, "the 2026 table is flagged unverified")
	assert.Contains(t, tables[2].String(), "unverified")
	assert.Equal(t, "USPS prices effective 13 Jul 2025", tables[1].String())
}

// Before Jul 13, 2025: metered letters 69¢ and 28¢ an ounce more (USPS's notice of the 2025 change), postcards
// 56¢; flats have no table, and the meter says so instead of pricing them.
func TestPostageBeforeJuly2025(t *testing.T) {
	tab := tableOn(t, "2024-07-14")
	for _, tt := range []struct {
		class MailClass
		w     Weight
		want  string
	}{
		{ClassLetter, 10, "0.69"}, {ClassLetter, 11, "0.97"}, {ClassLetter, 30, "1.25"}, {ClassLetter, 35, "1.53"},
		{ClassPostcard, 10, "0.56"},
	} {
		got, err := tab.Postage(tt.class, tt.w)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got.String()[1:], "%s %s", tt.class, tt.w)
	}
	_, err := tab.Postage(ClassFlat, 20)
	assert.ErrorIs(t, err, ErrUnknownClass)
	var over *OverweightError
	_, err = tab.Postage(ClassLetter, 36)
	require.ErrorAs(t, err, &over)
	assert.Equal(t, MailClass(""), over.Next, "no flats table to move the piece to: key in the postage")
}

func TestPostage2025(t *testing.T) {
	tab := tableOn(t, "2025-07-13")
	tests := []struct {
		class MailClass
		w     Weight
		want  string
	}{
		{ClassLetter, 1, "0.74"},
		{ClassLetter, 10, "0.74"},
		{ClassLetter, 11, "1.03"}, // 1.1 oz pays the 2 oz price
		{ClassLetter, 20, "1.03"},
		{ClassLetter, 21, "1.32"},
		{ClassLetter, 30, "1.32"},
		{ClassLetter, 31, "1.61"},
		{ClassLetter, 35, "1.61"}, // the maximum
		{ClassFlat, 10, "1.63"},
		{ClassFlat, 11, "1.90"},
		{ClassFlat, 40, "2.44"},
		{ClassFlat, 41, "2.72"},
		{ClassFlat, 91, "4.14"},
		{ClassFlat, 129, "5.04"},
		{ClassFlat, 130, "5.04"}, // the maximum
		{ClassPostcard, 1, "0.61"},
		{ClassPostcard, 10, "0.61"}, // the maximum
	}
	for _, tt := range tests {
		t.Run(string(tt.class)+"/"+tt.w.String(), func(t *testing.T) {
			got, err := tab.Postage(tt.class, tt.w)
			require.NoError(t, err)
			assert.Equal(t, mustAmount(t, tt.want), got, "got %s", got)
		})
	}
	assert.Equal(t, mustAmount(t, "0.49"), tab.NonmachinableSurcharge(ClassLetter))
	assert.Zero(t, tab.NonmachinableSurcharge(ClassPostcard))
	assert.Equal(t, mustAmount(t, "0.78"), tab.Steps(ClassLetter)[0].Stamped, "stamped price kept for comparison")
}

func TestPostageOverweight(t *testing.T) {
	tab := tableOn(t, "2025-07-13")
	tests := []struct {
		class   MailClass
		w       Weight
		max     Weight
		next    MailClass
		message string
	}{
		{ClassLetter, 36, 35, ClassFlat, "A First-Class letter can weigh at most 3.5 oz (this piece: 3.6 oz); use Large envelope (flat)"},
		{ClassFlat, 131, 130, "", "A large envelope (flat) can weigh at most 13 oz (this piece: 13.1 oz); send it as Priority Mail and key in the postage"},
		{ClassPostcard, 11, 10, ClassLetter, "A postcard can weigh at most 1 oz (this piece: 1.1 oz); use First-Class letter"},
	}
	for _, tt := range tests {
		t.Run(string(tt.class), func(t *testing.T) {
			assert.Equal(t, tt.max, tab.MaxWeight(tt.class))
			_, err := tab.Postage(tt.class, tt.w)
			var ow *OverweightError
			require.ErrorAs(t, err, &ow)
			assert.Equal(t, tt.class, ow.Class)
			assert.Equal(t, tt.max, ow.Max)
			assert.Equal(t, tt.w, ow.Weight)
			assert.Equal(t, tt.next, ow.Next)
			assert.Equal(t, tt.message, err.Error())
		})
	}
}

func TestPostageErrors(t *testing.T) {
	tab := tableOn(t, "2025-07-13")
	for _, w := range []Weight{0, -1} {
		_, err := tab.Postage(ClassLetter, w)
		assert.ErrorIs(t, err, ErrInvalidWeight, "weight %s", w)
		assert.Contains(t, err.Error(), "more than 0 oz")
	}
	_, err := tab.Postage("parcel", 10)
	assert.ErrorIs(t, err, ErrUnknownClass)
	assert.Contains(t, err.Error(), `"parcel"`)
	assert.Contains(t, err.Error(), "letter, flat, postcard")
	assert.Zero(t, tab.MaxWeight("parcel"))
	assert.Nil(t, tab.Steps("parcel"))
	assert.False(t, tab.Verified("parcel"))

	_, err = RateTable{}.Postage(ClassLetter, 10)
	assert.ErrorIs(t, err, ErrUnknownClass, "an empty table rates nothing")
}

func TestPostage2026Unverified(t *testing.T) {
	tab := tableOn(t, "2026-11-25")
	assert.Equal(t, "2026-07-12", tab.Effective.Format(time.DateOnly))
	for _, c := range tab.Classes() {
		assert.False(t, tab.Verified(c), "class %s", c)
	}
	got, err := tab.Postage(ClassLetter, 10)
	require.NoError(t, err)
	assert.Equal(t, mustAmount(t, "0.78"), got, "metered, not the 82¢ stamp")
	got, err = tab.Postage(ClassPostcard, 10)
	require.NoError(t, err)
	assert.Equal(t, mustAmount(t, "0.65"), got)
	got, err = tab.Postage(ClassFlat, 10)
	require.NoError(t, err)
	assert.Equal(t, mustAmount(t, "1.69"), got)

	// Flats above 1 oz are not reported for 2026: an honest error, not a guess and not "overweight".
	assert.Equal(t, Weight(130), tab.MaxWeight(ClassFlat))
	_, err = tab.Postage(ClassFlat, 11)
	require.ErrorIs(t, err, ErrPriceUnknown)
	var ow *OverweightError
	assert.False(t, errors.As(err, &ow))
	assert.Contains(t, err.Error(), "key in the postage")
	_, err = tab.Postage(ClassFlat, 131)
	assert.ErrorAs(t, err, &ow)
}

func TestRateTableFor(t *testing.T) {
	tables := loadTables(t)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EST", -5*3600)
	}
	tests := []struct {
		name string
		day  time.Time
		want string // effective date of the chosen table; "" means an error
	}{
		{"day before the oldest table", time.Date(2024, 7, 13, 23, 59, 0, 0, time.UTC), ""},
		{"oldest effective day", time.Date(2024, 7, 14, 0, 0, 0, 0, time.UTC), "2024-07-14"},
		{"no change in January 2025", time.Date(2025, 1, 20, 0, 0, 0, 0, time.UTC), "2024-07-14"},
		{"day before the 2025 table", time.Date(2025, 7, 12, 23, 59, 0, 0, time.UTC), "2024-07-14"},
		{"2025 effective day", time.Date(2025, 7, 13, 0, 0, 0, 0, time.UTC), "2025-07-13"},
		{"day after", time.Date(2025, 7, 14, 0, 0, 0, 0, time.UTC), "2025-07-13"},
		{"no change in January 2026", time.Date(2026, 1, 18, 12, 0, 0, 0, time.UTC), "2025-07-13"},
		{"day before the 2026 table", time.Date(2026, 7, 11, 23, 59, 0, 0, time.UTC), "2025-07-13"},
		{"2026 effective day", time.Date(2026, 7, 12, 0, 0, 0, 0, time.UTC), "2026-07-12"},
		{"day after 2026", time.Date(2026, 7, 13, 0, 0, 0, 0, time.UTC), "2026-07-12"},
		// 11 Jul 2026, 22:00 in New York is already 12 Jul in UTC: the meter's own calendar day counts.
		{"local date, not UTC", time.Date(2026, 7, 11, 22, 0, 0, 0, ny), "2025-07-13"},
		{"local effective day late evening", time.Date(2026, 7, 12, 23, 30, 0, 0, ny), "2026-07-12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RateTableFor(tables, tt.day)
			if tt.want == "" {
				require.ErrorIs(t, err, ErrNoRateTable)
				assert.Contains(t, err.Error(), "2024-07-14", "names the oldest table's date")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Effective.Format(time.DateOnly))
		})
	}

	reversed := []RateTable{tables[2], tables[1], tables[0]}
	got, err := RateTableFor(reversed, time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	assert.Equal(t, "2026-07-12", got.Effective.Format(time.DateOnly), "order of the slice does not matter")

	_, err = RateTableFor(nil, time.Now())
	assert.ErrorIs(t, err, ErrNoRateTable)
}

// goodRateFile is a minimal valid table; badRate edits it.
const goodRateFile = `{
  "effective": "2030-01-05",
  "source": "test",
  "classes": [
    {"class": "letter", "max_oz": "3.5", "nonmachinable_surcharge": "0.49", "steps": [
      {"not_over_oz": "1", "price": "0.74", "stamped": "0.78"},
      {"not_over_oz": "3.5", "price": "1.61"}
    ]},
    {"class": "postcard", "max_oz": "1", "steps": [{"not_over_oz": "1", "price": "0.61"}]}
  ]
}`

func TestParseRateTableRejects(t *testing.T) {
	_, err := parseRateTable("rates-2030-01-05.json", []byte(goodRateFile))
	require.NoError(t, err, "the base file is valid")

	tests := []struct {
		name    string
		old     string // replaced in goodRateFile by new
		new     string
		file    string // file name; default rates-2030-01-05.json
		wantErr []string
	}{
		{"not JSON", goodRateFile, "{", "", []string{"not valid JSON"}},
		{"trailing data", goodRateFile, goodRateFile + "{}", "", []string{"extra data"}},
		{"unknown field", `"source": "test",`, `"source": "test", "sorce": "x",`, "", []string{"sorce"}},
		{"price as a float", `"price": "0.61"`, `"price": 0.61`, "", []string{"not valid JSON"}},
		{"missing effective", `"effective": "2030-01-05",`, ``, "", []string{"effective: missing"}},
		{"bad date", `"2030-01-05"`, `"5 Jan 2030"`, "", []string{"effective", "YYYY-MM-DD"}},
		{"date differs from file name", goodRateFile, goodRateFile, "rates-2030-01-06.json", []string{"effective", "2030-01-06"}},
		{"missing source", `"source": "test",`, ``, "", []string{"source: missing"}},
		{"unknown class", `"class": "postcard"`, `"class": "parcel"`, "", []string{"classes[1] (parcel).class", "not a known class"}},
		{"missing class", `"class": "postcard", `, ``, "", []string{"classes[1].class: missing"}},
		{"duplicate class", `"class": "postcard"`, `"class": "letter"`, "", []string{"classes[1] (letter).class", "twice"}},
		{"bad max", `"max_oz": "3.5"`, `"max_oz": "3.55"`, "", []string{"classes[0] (letter).max_oz"}},
		{"zero max", `"max_oz": "1"`, `"max_oz": "0"`, "", []string{"classes[1] (postcard).max_oz"}},
		{"no steps", `"steps": [{"not_over_oz": "1", "price": "0.61"}]`, `"steps": []`, "", []string{"classes[1] (postcard).steps: missing"}},
		{"steps not ascending", `"not_over_oz": "3.5"`, `"not_over_oz": "1"`, "", []string{"steps[1].not_over_oz", "ascend"}},
		{"step above max", `"max_oz": "1"`, `"max_oz": "0.5"`, "", []string{"classes[1] (postcard).steps[0].not_over_oz", "above the class maximum"}},
		{"steps short of max", `"max_oz": "3.5"`, `"max_oz": "4"`, "", []string{"classes[0] (letter).steps", "incomplete"}},
		{"incomplete but full", `"max_oz": "1",`, `"max_oz": "1", "incomplete": true,`, "", []string{"classes[1] (postcard).incomplete"}},
		{"bad step weight", `"not_over_oz": "1", "price": "0.74"`, `"not_over_oz": "one", "price": "0.74"`, "", []string{"steps[0].not_over_oz", `"one"`}},
		{"missing price", `"price": "0.61"`, `"price": ""`, "", []string{"classes[1] (postcard).steps[0].price: missing"}},
		{"bad price", `"price": "0.61"`, `"price": "61c"`, "", []string{"steps[0].price", "61c"}},
		{"zero price", `"price": "0.61"`, `"price": "0.00"`, "", []string{"steps[0].price", "more than $0.00"}},
		{"tenth-cent price", `"price": "0.61"`, `"price": "0.615"`, "", []string{"steps[0].price", "whole cents"}},
		{"negative price", `"price": "0.61"`, `"price": "-0.61"`, "", []string{"steps[0].price", "negative"}},
		{"cheaper heavier step", `"price": "1.61"`, `"price": "0.70"`, "", []string{"classes[0] (letter).steps[1].price", "less than"}},
		{"stamped below metered", `"stamped": "0.78"`, `"stamped": "0.70"`, "", []string{"steps[0].stamped", "swapped"}},
		{"bad surcharge", `"0.49"`, `"0.495"`, "", []string{"classes[0] (letter).nonmachinable_surcharge", "whole cents"}},
		{"bad unverified field", `"max_oz": "1",`, `"max_oz": "1", "unverified": ["colour"],`, "", []string{"classes[1] (postcard).unverified", `"colour"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Contains(t, goodRateFile, tt.old, "test edit must apply")
			data := strings.Replace(goodRateFile, tt.old, tt.new, 1)
			file := tt.file
			if file == "" {
				file = "rates-2030-01-05.json"
			}
			_, err := parseRateTable(file, []byte(data))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "rate table "+file, "the error names the file")
			for _, want := range tt.wantErr {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestParseRateTableNoClasses(t *testing.T) {
	_, err := parseRateTable("x.json", []byte(`{"effective": "2030-01-05", "source": "s", "classes": []}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "rate table x.json: classes: missing")
}

// A meter not allowed to rate from an unverified table (a kiosk without the setting) refuses to price a
// piece on a date such a table is in force, and says so; keyed-in postage still prints. Before that
// table takes effect it rates as usual.
func TestUnverifiedRatesRefusedUnlessAllowed(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(20))
	r.m.cfg.AllowUnverifiedRates = false
	job := Job{Class: ClassLetter, Weight: 10}
	tab, err := r.m.RateTableOn(r.ctx, job)
	require.NoError(t, err)
	assert.True(t, tab.Unverified, "Nov 25, 2026: the Jul 12, 2026 table")
	_, err = r.m.Postage(r.ctx, job)
	require.ErrorIs(t, err, ErrUnverifiedRates)
	assert.Equal(t, MsgUnverifiedRatesOff, Explain(err).ID)
	_, err = r.m.PrintPiece(r.ctx, r.super, job, MediumEnvelope)
	require.ErrorIs(t, err, ErrUnverifiedRates)
	res, err := r.m.PrintPiece(r.ctx, r.super, Job{KeyedPostage: 78 * funds.Cent}, MediumEnvelope)
	require.NoError(t, err, "keyed-in postage still prints")
	assert.Equal(t, funds.Amount(780), res.Piece.Amount)

	p, err := r.m.postageOn(job, time.Date(2026, 7, 11, 0, 0, 0, 0, time.Local))
	require.NoError(t, err, "the verified 2025 table is in force on Jul 11, 2026")
	assert.Equal(t, 74*funds.Cent, p)
	r.m.cfg.AllowUnverifiedRates = true
	p, err = r.m.Postage(r.ctx, job)
	require.NoError(t, err)
	assert.Equal(t, 78*funds.Cent, p)
}

// A mailing date with no table in force, and a class the table in force lacks, are said plainly.
func TestNoRateTableSaysSo(t *testing.T) {
	r := newRig(t)
	_, err := r.m.postageOn(Job{Class: ClassLetter, Weight: 10}, time.Date(2024, 7, 13, 0, 0, 0, 0, time.Local))
	require.ErrorIs(t, err, ErrNoRateTable)
	assert.Equal(t, MsgNoRateTable, Explain(err).ID)
	p, err := r.m.postageOn(Job{Class: ClassLetter, Weight: 10}, time.Date(2025, 1, 20, 0, 0, 0, 0, time.Local))
	require.NoError(t, err)
	assert.Equal(t, 69*funds.Cent, p)
	_, err = r.m.postageOn(Job{Class: ClassFlat, Weight: 20}, time.Date(2025, 1, 20, 0, 0, 0, 0, time.Local))
	require.ErrorIs(t, err, ErrUnknownClass)
	assert.Equal(t, MsgClassNotInTable, Explain(err).ID)
	_, err = r.m.Postage(r.ctx, Job{Class: ClassFlat, Weight: 20})
	require.ErrorIs(t, err, ErrPriceUnknown, "the 2026 table has only the 1 oz flat price")
	assert.Equal(t, MsgPriceUnknown, Explain(err).ID)
}
