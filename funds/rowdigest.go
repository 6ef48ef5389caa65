package funds

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// This file is the canonical form of every protected row and the "touched" list an audit entry keeps of
// the rows its transaction changed (audit.go explains why). A row's digest is the first 16 bytes of
// SHA-256 over its table name, its key and every column, each field length-prefixed so that no two
// different rows encode alike.

// canon is a canonical encoding under construction.
type canon []byte

// newCanon starts the encoding of a row of table.
func newCanon(table string) canon { return canon(make([]byte, 0, 160)).str(table) }

func (c canon) str(s string) canon {
	c = binary.AppendUvarint(c, uint64(len(s)))
	return append(c, s...)
}

func (c canon) int(n int64) canon { return binary.BigEndian.AppendUint64(c, uint64(n)) }

// rowDigest is the digest of an encoded row: 16 bytes, plenty against collisions, short in the audit.
type rowDigest [16]byte

func (c canon) digest() rowDigest {
	sum := sha256.Sum256(c)
	return rowDigest(sum[:16])
}

func (d rowDigest) String() string { return hex.EncodeToString(d[:]) }

// short is the first 8 bytes, what Verify keeps per row to bound its memory; 0 is reserved for "no row".
func (d rowDigest) short() uint64 {
	x := binary.BigEndian.Uint64(d[:8])
	if x == 0 {
		x = 1
	}
	return x
}

func registersDigest(r Registers) rowDigest {
	return newCanon("registers").int(1).int(r.Available.Mills()).int(r.Used.Mills()).int(r.Control.Mills()).
		int(r.Pieces).int(r.BatchCount).int(r.BatchValue.Mills()).digest()
}

func pieceDigest(p Piece) rowDigest {
	return newCanon("pieces").int(p.Seq).int(p.Amount.Mills()).str(p.State).str(p.Info.MailClass).
		str(p.Info.AccountCode).str(p.Info.MailingDate).str(p.Info.Actor).str(p.Created).str(p.Note).digest()
}

func refillDigest(r Refill) rowDigest {
	return newCanon("refills").str(r.ID).int(r.Amount.Mills()).str(r.State).str(r.Actor).str(r.Created).
		str(r.Updated).str(r.DeclineCode).str(r.DeclineMessage).str(r.Grant).digest()
}

func settingDigest(key, value string) rowDigest {
	return newCanon("settings").str(key).str(value).digest()
}

// autoRefillDigest is the digest of an auto_refills row. Unlike the rows above it is in no touched list:
// its entry's body carries it (autorefill_verify.go).
func autoRefillDigest(id, day string, amount Amount) rowDigest {
	return newCanon("auto_refills").str(id).str(day).int(amount.Mills()).digest()
}

// touchList collects the rows one transaction changed, as name=digest items.
type touchList []string

func (t *touchList) registers(r Registers) { *t = append(*t, "registers="+registersDigest(r).String()) }

func (t *touchList) piece(p Piece) {
	*t = append(*t, "piece:"+strconv.FormatInt(p.Seq, 10)+"="+pieceDigest(p).String())
}

func (t *touchList) refill(r Refill) {
	*t = append(*t, "refill:"+escapeTouchKey(r.ID)+"="+refillDigest(r).String())
}

func (t *touchList) setting(key, value string) {
	*t = append(*t, "setting:"+escapeTouchKey(key)+"="+settingDigest(key, value).String())
}

// String is the sorted, ;-separated form stored in audit.touched.
func (t touchList) String() string {
	slices.Sort(t)
	return strings.Join(t, ";")
}

// escapeTouchKey keeps the separators out of refill ids and setting keys.
var touchKeyEscaper = strings.NewReplacer("%", "%25", ";", "%3B", "=", "%3D")
var touchKeyUnescaper = strings.NewReplacer("%25", "%", "%3B", ";", "%3D", "=")

func escapeTouchKey(s string) string { return touchKeyEscaper.Replace(s) }

// touch is one parsed item of a touched list.
type touch struct {
	table  string // registers, piece, refill or setting
	key    string // the refill id or setting key (unescaped); empty for registers and pieces
	seq    int64  // the piece seq
	digest uint64 // rowDigest.short
}

// parseTouched reads a touched list back; it only ever reads what touchList wrote, under the audit MAC.
func parseTouched(s string) ([]touch, error) {
	if s == "" {
		return nil, nil
	}
	items := strings.Split(s, ";")
	out := make([]touch, 0, len(items))
	for _, item := range items {
		name, hexDigest, ok := strings.Cut(item, "=")
		if !ok || len(hexDigest) != 2*len(rowDigest{}) {
			return nil, fmt.Errorf("bad touched item %q", item)
		}
		var d rowDigest
		if _, err := hex.Decode(d[:], []byte(hexDigest)); err != nil {
			return nil, fmt.Errorf("bad touched item %q: %w", item, err)
		}
		t := touch{digest: d.short()}
		table, key, _ := strings.Cut(name, ":")
		t.table = table
		switch table {
		case "registers":
		case "piece":
			seq, err := strconv.ParseInt(key, 10, 64)
			if err != nil || seq < 1 {
				return nil, fmt.Errorf("bad touched item %q", item)
			}
			t.seq = seq
		case "refill", "setting":
			t.key = touchKeyUnescaper.Replace(key)
		default:
			return nil, fmt.Errorf("bad touched item %q", item)
		}
		out = append(out, t)
	}
	return out, nil
}
