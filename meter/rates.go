package meter

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"postmeter/funds"
)

// dataFiles holds the rate tables (data/rates-YYYY-MM-DD.json) and the model profiles (data/models.json).
//
//go:embed data/*.json
var dataFiles embed.FS

// Weight is the weight of a mailpiece in tenths of an ounce: 13 is 1.3 oz. Scales report to a tenth
// of an ounce and USPS prices step by whole ounces (3.5 oz for the last letter step), so tenths hold
// every reading and every step exactly, without floats.
type Weight int

// Weight units.
const (
	TenthOunce Weight = 1
	Ounce      Weight = 10
	// MaxMailWeight is 70 lb, the most any USPS mailpiece may weigh; ParseWeight refuses more.
	MaxMailWeight Weight = 70 * 16 * Ounce
)

// String formats a weight as a screen shows it: "1.3 oz", and whole ounces without a decimal: "2 oz".
func (w Weight) String() string {
	sign := ""
	u := int64(w)
	if u < 0 {
		sign, u = "-", -u
	}
	if u%10 == 0 {
		return fmt.Sprintf("%s%d oz", sign, u/10)
	}
	return fmt.Sprintf("%s%d.%d oz", sign, u/10, u%10)
}

// ErrInvalidWeight is wrapped by every error about a weight that cannot be used: unreadable text,
// a negative weight, or a zero weight where postage is rated.
var ErrInvalidWeight = errors.New("invalid weight")

// ParseWeight reads a weight in ounces as a person or a scale writes it: "1.3", "1.3 oz", "2", "2oz",
// "0.5", ".5". At most one decimal is significant ("1.30" is accepted, "1.25" is not: weights are
// counted in tenths of an ounce). Zero is a valid reading (an empty scale); negative weights, other
// units and weights above 70 lb are refused with an error wrapping ErrInvalidWeight.
func ParseWeight(s string) (Weight, error) {
	bad := func(reason string) (Weight, error) {
		return 0, fmt.Errorf("weight %q: %w: %s", s, ErrInvalidWeight, reason)
	}
	t := strings.TrimSpace(s)
	if len(t) >= 2 && strings.EqualFold(t[len(t)-2:], "oz") {
		t = strings.TrimSpace(t[:len(t)-2])
	}
	if t == "" {
		return bad("no weight given; enter ounces such as 1.3")
	}
	if strings.HasPrefix(t, "-") {
		return bad("a weight cannot be negative")
	}
	whole, frac, hasPoint := strings.Cut(t, ".")
	if whole == "" && frac == "" {
		return bad("no digits; enter ounces such as 1.3")
	}
	if hasPoint && frac == "" {
		return bad("a digit must follow the decimal point, as in 1.3")
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return bad("not a number of ounces; use digits and one decimal point, as in 1.3")
		}
	}
	if len(frac) > 1 && strings.Trim(frac[1:], "0") != "" {
		return bad("too many decimals; weights are read to a tenth of an ounce, as in 1.3")
	}
	var tenths int64
	for _, r := range whole {
		tenths = tenths*10 + int64(r-'0')*10
		if tenths > int64(MaxMailWeight) {
			return bad(fmt.Sprintf("heavier than %s (70 lb), the most any mailpiece may weigh", MaxMailWeight))
		}
	}
	if frac != "" {
		tenths += int64(frac[0] - '0')
	}
	if tenths > int64(MaxMailWeight) {
		return bad(fmt.Sprintf("heavier than %s (70 lb), the most any mailpiece may weigh", MaxMailWeight))
	}
	return Weight(tenths), nil
}

// MailClass is a USPS single-piece First-Class Mail price category the meter rates.
type MailClass string

// The mail classes of the rate tables.
const (
	ClassLetter   MailClass = "letter"
	ClassFlat     MailClass = "flat"
	ClassPostcard MailClass = "postcard"
)

// mailClassOrder is the order classes are offered on screen.
var mailClassOrder = []MailClass{ClassLetter, ClassFlat, ClassPostcard}

// Label is the class name a screen shows.
func (c MailClass) Label() string {
	switch c {
	case ClassLetter:
		return "First-Class letter"
	case ClassFlat:
		return "Large envelope (flat)"
	case ClassPostcard:
		return "Postcard"
	}
	return string(c)
}

// noun is the class name inside a sentence.
func (c MailClass) noun() string {
	switch c {
	case ClassFlat:
		return "large envelope (flat)"
	case ClassPostcard:
		return "postcard"
	}
	return c.Label()
}

// heavierClass is where a piece goes when it is too heavy for c (USPS: a letter over 3.5 oz pays flat
// prices, a card too heavy for card prices is a letter); "" means outside First-Class Mail.
func (c MailClass) heavierClass() MailClass {
	switch c {
	case ClassLetter:
		return ClassFlat
	case ClassPostcard:
		return ClassLetter
	}
	return ""
}

func knownClass(c MailClass) bool { return slices.Contains(mailClassOrder, c) }

// ErrUnknownClass is wrapped when a mail class is not in a rate table.
var ErrUnknownClass = errors.New("unknown mail class")

// ErrPriceUnknown is wrapped when a table says a class goes up to a weight but gives no price for it
// (an incomplete, unverified table). The clerk keys in the postage instead.
var ErrPriceUnknown = errors.New("no price known for this weight")

// ErrNoRateTable is wrapped when no rate table is in force on a mailing date.
var ErrNoRateTable = errors.New("no rate table in force")

// OverweightError says a piece is too heavy for its class and which class to use instead.
type OverweightError struct {
	Class  MailClass
	Max    Weight    // the heaviest piece the class takes
	Weight Weight    // the piece
	Next   MailClass // the class to use instead, "" when no class of the table takes it
}

func (e *OverweightError) Error() string {
	msg := fmt.Sprintf("A %s can weigh at most %s (this piece: %s)", e.Class.noun(), e.Max, e.Weight)
	switch {
	case e.Next != "":
		return msg + "; use " + e.Next.Label()
	case e.Class == ClassFlat:
		return msg + "; send it as Priority Mail and key in the postage"
	}
	return msg + "; key in the postage"
}

// Step is one "weight not over" row of a class: Price is what the meter prints (for letters the
// metered price); Stamped is the retail stamp price for comparison, zero when the table gives none.
type Step struct {
	NotOver Weight
	Price   funds.Amount
	Stamped funds.Amount
}

type classRates struct {
	class      MailClass
	max        Weight
	steps      []Step
	surcharge  funds.Amount
	incomplete bool
	unverified []string
	notes      string
}

// RateTable is one dated USPS price list, in force from Effective until the next table's date.
type RateTable struct {
	Effective  time.Time // a date: midnight UTC of the first day the prices apply
	Source     string    // where the figures come from
	Notes      string
	Unverified bool   // every figure of the table still needs checking against USPS Notice 123
	File       string // the embedded file it was read from, e.g. "rates-2025-07-13.json"
	Origin     string // OriginBuiltIn or OriginDataCenter; set by the meter
	classes    []classRates
}

// String names the table for a screen: "USPS prices effective 13 Jul 2025".
func (t RateTable) String() string {
	s := "USPS prices effective " + t.Effective.Format("2 Jan 2006")
	if t.Unverified {
		s += " (unverified)"
	}
	return s
}

func (t RateTable) class(c MailClass) (classRates, bool) {
	for _, cr := range t.classes {
		if cr.class == c {
			return cr, true
		}
	}
	return classRates{}, false
}

// Classes lists the table's classes in screen order: letter, flat, postcard.
func (t RateTable) Classes() []MailClass {
	var out []MailClass
	for _, c := range mailClassOrder {
		if _, ok := t.class(c); ok {
			out = append(out, c)
		}
	}
	return out
}

// MaxWeight is the heaviest piece class takes, or 0 when the table has no such class.
func (t RateTable) MaxWeight(class MailClass) Weight {
	cr, _ := t.class(class)
	return cr.max
}

// Steps returns a copy of the class's price steps, lightest first (nil for an unknown class).
func (t RateTable) Steps(class MailClass) []Step {
	cr, _ := t.class(class)
	return slices.Clone(cr.steps)
}

// NonmachinableSurcharge is the extra charge for a nonmachinable piece of the class; zero when the
// table gives none (postcards are never subject to it).
func (t RateTable) NonmachinableSurcharge(class MailClass) funds.Amount {
	cr, _ := t.class(class)
	return cr.surcharge
}

// Verified reports whether every figure of the class comes from a confirmed source: false when the
// whole table is unverified or the file lists unverified figures for the class.
func (t RateTable) Verified(class MailClass) bool {
	cr, ok := t.class(class)
	return ok && !t.Unverified && len(cr.unverified) == 0
}

// Postage is the price of one piece of class weighing w. The weight rounds up to the next step: a
// 1.1 oz letter pays the 2 oz price. Errors: ErrInvalidWeight for zero or negative weights,
// ErrUnknownClass, *OverweightError above the class maximum, ErrPriceUnknown when the table lacks
// the step.
func (t RateTable) Postage(class MailClass, w Weight) (funds.Amount, error) {
	cr, ok := t.class(class)
	if !ok {
		return 0, fmt.Errorf("%w %q in the table effective %s; the table has %s",
			ErrUnknownClass, string(class), t.Effective.Format(time.DateOnly), classList(t.Classes()))
	}
	if w <= 0 {
		return 0, fmt.Errorf("%s of %s: %w: the weight must be more than 0 oz; place the piece on the scale or key in its weight",
			class.Label(), w, ErrInvalidWeight)
	}
	if w > cr.max {
		e := &OverweightError{Class: class, Max: cr.max, Weight: w}
		if next := class.heavierClass(); next != "" {
			if _, ok := t.class(next); ok {
				e.Next = next
			}
		}
		return 0, e
	}
	for _, st := range cr.steps {
		if w <= st.NotOver {
			return st.Price, nil
		}
	}
	return 0, fmt.Errorf("%s of %s in the table effective %s: %w (the table gives prices up to %s only); key in the postage",
		class.Label(), w, t.Effective.Format(time.DateOnly), ErrPriceUnknown, cr.steps[len(cr.steps)-1].NotOver)
}

func classList(cs []MailClass) string {
	if len(cs) == 0 {
		return "no classes"
	}
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

// LoadRateTables parses and validates every embedded rate table (data/rates-*.json), oldest first.
func LoadRateTables() ([]RateTable, error) {
	names, err := fs.Glob(dataFiles, "data/rates-*.json")
	if err != nil {
		return nil, fmt.Errorf("list rate tables: %w", err)
	}
	if len(names) == 0 {
		return nil, errors.New("load rate tables: no data/rates-*.json file is embedded")
	}
	tables := make([]RateTable, 0, len(names))
	for _, name := range names {
		data, err := dataFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read rate table: %w", err)
		}
		t, err := parseRateTable(path.Base(name), data)
		if err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	slices.SortFunc(tables, func(a, b RateTable) int { return a.Effective.Compare(b.Effective) })
	for i := 1; i < len(tables); i++ {
		if tables[i].Effective.Equal(tables[i-1].Effective) {
			return nil, fmt.Errorf("rate tables %s and %s: both take effect %s",
				tables[i-1].File, tables[i].File, tables[i].Effective.Format(time.DateOnly))
		}
	}
	return tables, nil
}

// RateTableFor returns the table in force on the mailing date day (the latest table effective on or
// before that calendar day, read in day's own location). The tables need not be sorted.
func RateTableFor(tables []RateTable, day time.Time) (RateTable, error) {
	y, m, d := day.Date()
	date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	var best RateTable
	found := false
	for _, t := range tables {
		if !t.Effective.After(date) && (!found || t.Effective.After(best.Effective)) {
			best, found = t, true
		}
	}
	if !found {
		if len(tables) == 0 {
			return RateTable{}, fmt.Errorf("rates for %s: %w: no rate tables are loaded", date.Format(time.DateOnly), ErrNoRateTable)
		}
		oldest := slices.MinFunc(tables, func(a, b RateTable) int { return a.Effective.Compare(b.Effective) })
		return RateTable{}, fmt.Errorf("rates for %s: %w: the oldest table takes effect %s",
			date.Format(time.DateOnly), ErrNoRateTable, oldest.Effective.Format(time.DateOnly))
	}
	return best, nil
}

// The file format. Weights and prices are JSON strings ("3.5", "0.74") read by ParseWeight and
// funds.ParseAmount, so no float ever holds them.
type rateFile struct {
	Effective  string      `json:"effective"`
	Source     string      `json:"source"`
	Notes      string      `json:"notes"`
	Unverified bool        `json:"unverified"`
	Classes    []rateClass `json:"classes"`
}

type rateClass struct {
	Class                  MailClass  `json:"class"`
	MaxOz                  string     `json:"max_oz"`
	NonmachinableSurcharge string     `json:"nonmachinable_surcharge"`
	Incomplete             bool       `json:"incomplete"`
	Unverified             []string   `json:"unverified"`
	Notes                  string     `json:"notes"`
	Steps                  []rateStep `json:"steps"`
}

type rateStep struct {
	NotOverOz string `json:"not_over_oz"`
	Price     string `json:"price"`
	Stamped   string `json:"stamped"`
}

// unverifiableFields are the class fields a file may list under "unverified".
var unverifiableFields = []string{"max_oz", "price", "stamped", "nonmachinable_surcharge"}

// ParseRateTable reads and validates one rate table file, as the meter does with those the Data Center
// publishes and `datacenter publish-rates` before it signs one. name is used in errors.
func ParseRateTable(name string, data []byte) (RateTable, error) { return parseRateTable(name, data) }

// parseRateTable reads and validates one rate table file; name is used in errors and, when it has
// the form rates-YYYY-MM-DD.json, must agree with the effective date.
func parseRateTable(name string, data []byte) (RateTable, error) {
	fail := func(field, format string, args ...any) (RateTable, error) {
		return RateTable{}, fmt.Errorf("rate table %s: %s: %s", name, field, fmt.Sprintf(format, args...))
	}
	var f rateFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return RateTable{}, fmt.Errorf("rate table %s: not valid JSON for a rate table: %w", name, err)
	}
	if dec.More() {
		return RateTable{}, fmt.Errorf("rate table %s: extra data after the JSON object", name)
	}
	if f.Effective == "" {
		return fail("effective", "missing; give the first day the prices apply as YYYY-MM-DD")
	}
	eff, err := time.Parse(time.DateOnly, f.Effective)
	if err != nil {
		return fail("effective", "%q is not a date in the form YYYY-MM-DD", f.Effective)
	}
	if d, ok := strings.CutPrefix(name, "rates-"); ok {
		if d, ok := strings.CutSuffix(d, ".json"); ok && d != f.Effective {
			return fail("effective", "%s does not match the date %s in the file name", f.Effective, d)
		}
	}
	if strings.TrimSpace(f.Source) == "" {
		return fail("source", "missing; say where the prices come from")
	}
	if len(f.Classes) == 0 {
		return fail("classes", "missing; a table needs at least one mail class")
	}
	t := RateTable{Effective: eff, Source: f.Source, Notes: f.Notes, Unverified: f.Unverified, File: name}
	for i, c := range f.Classes {
		at := fmt.Sprintf("classes[%d]", i)
		if c.Class != "" {
			at = fmt.Sprintf("classes[%d] (%s)", i, c.Class)
		}
		cr, err := parseRateClass(c)
		if err != nil {
			return RateTable{}, fmt.Errorf("rate table %s: %s.%w", name, at, err)
		}
		if _, dup := t.class(cr.class); dup {
			return fail(at+".class", "%q appears twice", string(cr.class))
		}
		t.classes = append(t.classes, cr)
	}
	return t, nil
}

// rateFieldError names the field inside a class that is wrong.
func rateFieldError(field, format string, args ...any) error {
	return fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...))
}

func parseRateClass(c rateClass) (classRates, error) {
	if c.Class == "" {
		return classRates{}, rateFieldError("class", "missing; use one of %s", classList(mailClassOrder))
	}
	if !knownClass(c.Class) {
		return classRates{}, rateFieldError("class", "%q is not a known class; use one of %s", string(c.Class), classList(mailClassOrder))
	}
	maxW, err := ParseWeight(c.MaxOz)
	if err != nil || maxW <= 0 {
		return classRates{}, rateFieldError("max_oz", "%q is not a positive weight in ounces such as \"3.5\"", c.MaxOz)
	}
	cr := classRates{class: c.Class, max: maxW, incomplete: c.Incomplete, notes: c.Notes}
	if c.NonmachinableSurcharge != "" {
		cr.surcharge, err = parseCents(c.NonmachinableSurcharge)
		if err != nil {
			return classRates{}, rateFieldError("nonmachinable_surcharge", "%v", err)
		}
	}
	for _, u := range c.Unverified {
		if !slices.Contains(unverifiableFields, u) {
			return classRates{}, rateFieldError("unverified", "%q is not a field that can be unverified; use %s",
				u, strings.Join(unverifiableFields, ", "))
		}
	}
	cr.unverified = slices.Clone(c.Unverified)
	if len(c.Steps) == 0 {
		return classRates{}, rateFieldError("steps", "missing; a class needs at least one weight step")
	}
	for j, s := range c.Steps {
		at := fmt.Sprintf("steps[%d]", j)
		w, err := ParseWeight(s.NotOverOz)
		if err != nil || w <= 0 {
			return classRates{}, rateFieldError(at+".not_over_oz", "%q is not a positive weight in ounces such as \"2\"", s.NotOverOz)
		}
		if j > 0 && w <= cr.steps[j-1].NotOver {
			return classRates{}, rateFieldError(at+".not_over_oz", "%s does not come after %s; steps must ascend",
				w, cr.steps[j-1].NotOver)
		}
		if w > maxW {
			return classRates{}, rateFieldError(at+".not_over_oz", "%s is above the class maximum max_oz %s", w, maxW)
		}
		st := Step{NotOver: w}
		if st.Price, err = parseCents(s.Price); err != nil {
			return classRates{}, rateFieldError(at+".price", "%v", err)
		}
		if j > 0 && st.Price < cr.steps[j-1].Price {
			return classRates{}, rateFieldError(at+".price", "%s is less than the lighter step's %s", st.Price, cr.steps[j-1].Price)
		}
		if s.Stamped != "" {
			if st.Stamped, err = parseCents(s.Stamped); err != nil {
				return classRates{}, rateFieldError(at+".stamped", "%v", err)
			}
			if st.Stamped < st.Price {
				return classRates{}, rateFieldError(at+".stamped", "%s is less than the metered price %s; are the columns swapped?", st.Stamped, st.Price)
			}
		}
		cr.steps = append(cr.steps, st)
	}
	last := cr.steps[len(cr.steps)-1].NotOver
	switch {
	case !c.Incomplete && last != maxW:
		return classRates{}, rateFieldError("steps", "the last step is %s but max_oz is %s; add the missing steps or mark the class \"incomplete\"", last, maxW)
	case c.Incomplete && last == maxW:
		return classRates{}, rateFieldError("incomplete", "the steps reach max_oz %s, so the class is not incomplete", maxW)
	}
	return cr, nil
}

// parseCents reads a price written as dollars ("0.74") and requires a positive whole number of cents.
func parseCents(s string) (funds.Amount, error) {
	if s == "" {
		return 0, errors.New("missing; give a price in dollars such as \"0.74\"")
	}
	a, err := funds.ParseAmount(s)
	if err != nil {
		return 0, err
	}
	if a <= 0 {
		return 0, fmt.Errorf("%q: a price must be more than $0.00", s)
	}
	if a%funds.Cent != 0 {
		return 0, fmt.Errorf("%q: single-piece prices are whole cents", s)
	}
	return a, nil
}
