package meter

import (
	"strconv"
	"strings"
)

// A piece records its mail class and, when it was priced by weight, its weight break: the whole ounces
// the rate table charged it for ("letter@2" is a First-Class letter over 1 oz, not over 2 oz). The vault
// keeps the recorded class opaque, so its summaries, kept with each debit, count pieces by class and
// weight break and the account report reads them without touching a piece. Keyed-in postage has no
// break ("key-in"), nor do pieces recorded before breaks were ("letter").

// weightSep parts the class from the weight break in a recorded class.
const weightSep = "@"

// recordedClass is what a piece priced by class at weight w records.
func recordedClass(class string, w Weight) string {
	if w <= 0 {
		return class
	}
	return class + weightSep + strconv.Itoa(int((w+Ounce-1)/Ounce))
}

// SplitRecordedClass reads a recorded class: the mail class and the weight break in whole ounces, 0 when
// none was recorded.
func SplitRecordedClass(s string) (MailClass, int) {
	class, oz, ok := strings.Cut(s, weightSep)
	if !ok {
		return MailClass(s), 0
	}
	n, err := strconv.Atoi(oz)
	if err != nil || n < 0 {
		return MailClass(s), 0
	}
	return MailClass(class), n
}

// RecordedClassLabel is a recorded class in words: "First-Class letter, up to 2 oz".
func RecordedClassLabel(s string) string {
	class, oz := SplitRecordedClass(s)
	return AccountReportRow{MailClass: class.Label(), WeightBreak: oz}.ClassAndBreak()
}
