package funds

// An archive file holds one period of a vault's history that left the live database (docs/archive.md):
// the pieces, their indicium signatures, the audit entries of that stretch of the keyed chain and the
// day summaries of the pieces, one JSON object a line, then a seal line: the SHA-256 of every byte
// before it and the meter's Ed25519 signature over that hash. The signature, not a keyed hash, because
// an auditor must be able to check the file with the meter's public key alone; anyone able to check a
// keyed hash could also make one.

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
)

// archiveFormat names the file format in its header line.
const archiveFormat = "postmeter-archive-1"

// ArchiveHeader is the first line of an archive file.
type ArchiveHeader struct {
	Format    string `json:"format"`
	Serial    string `json:"serial"`
	Period    string `json:"period"`     // YYYY-MM, the month of the audit entries' times
	PublicKey string `json:"public_key"` // the meter's Ed25519 key, hex: information, an auditor uses their own copy
	Created   string `json:"created"`
	FirstSeq  int64  `json:"first_seq"` // the audit entries first_seq..last_seq
	LastSeq   int64  `json:"last_seq"`
	PrevHash  string `json:"prev_hash"` // hex: the entry before first_seq (the previous archive's last), "" for the first
	LastHash  string `json:"last_hash"` // hex: the hash of entry last_seq, which the live chain's next entry links to
	// The pieces first_piece..last_piece (none if last_piece < first_piece), and the used register
	// before the first entry: the sums continue from the previous archive.
	FirstPiece      int64 `json:"first_piece"`
	LastPiece       int64 `json:"last_piece"`
	UsedBeforeMills int64 `json:"used_before_mills"`
}

// ArchivePiece is one piece row.
type ArchivePiece struct {
	Seq         int64  `json:"seq"`
	AmountMills int64  `json:"amount_mills"`
	State       string `json:"state"`
	MailClass   string `json:"mail_class"`
	AccountCode string `json:"account_code"`
	MailingDate string `json:"mailing_date"`
	Actor       string `json:"actor"`
	Created     string `json:"created"`
	Note        string `json:"note"`
}

func (p ArchivePiece) piece() Piece {
	return Piece{Seq: p.Seq, Amount: Amount(p.AmountMills), State: p.State, Created: p.Created, Note: p.Note,
		Info: PieceInfo{MailClass: p.MailClass, AccountCode: p.AccountCode, MailingDate: p.MailingDate, Actor: p.Actor}}
}

func archivePiece(p Piece) ArchivePiece {
	return ArchivePiece{Seq: p.Seq, AmountMills: p.Amount.Mills(), State: p.State, MailClass: p.Info.MailClass,
		AccountCode: p.Info.AccountCode, MailingDate: p.Info.MailingDate, Actor: p.Info.Actor, Created: p.Created, Note: p.Note}
}

// ArchiveSignature is one piece's indicium body and signature (piecesig.go).
type ArchiveSignature struct {
	Seq       int64  `json:"seq"`
	Body      []byte `json:"body"`
	Signature []byte `json:"signature"`
}

// ArchiveEntry is one audit entry, with its hashes in hex.
type ArchiveEntry struct {
	Seq            int64  `json:"seq"`
	At             string `json:"at"`
	Actor          string `json:"actor"`
	Kind           string `json:"kind"`
	Body           string `json:"body"`
	AvailableMills int64  `json:"available_mills"`
	UsedMills      int64  `json:"used_mills"`
	ControlMills   int64  `json:"control_mills"`
	Pieces         int64  `json:"pieces"`
	Touched        string `json:"touched"`
	PrevHash       string `json:"prev_hash"`
	Hash           string `json:"hash"`
}

func archiveEntry(e AuditEntry) ArchiveEntry {
	return ArchiveEntry{Seq: e.Seq, At: e.At, Actor: e.Actor, Kind: e.Kind, Body: e.Body,
		AvailableMills: e.Registers.Available.Mills(), UsedMills: e.Registers.Used.Mills(),
		ControlMills: e.Registers.Control.Mills(), Pieces: e.Registers.Pieces, Touched: e.Touched,
		PrevHash: hex.EncodeToString(e.PrevHash), Hash: hex.EncodeToString(e.Hash)}
}

func (a ArchiveEntry) entry() (AuditEntry, error) {
	prev, err1 := hex.DecodeString(a.PrevHash)
	h, err2 := hex.DecodeString(a.Hash)
	return AuditEntry{Seq: a.Seq, At: a.At, Actor: a.Actor, Kind: a.Kind, Body: a.Body, Touched: a.Touched,
		Registers: Registers{Available: Amount(a.AvailableMills), Used: Amount(a.UsedMills),
			Control: Amount(a.ControlMills), Pieces: a.Pieces}, PrevHash: prev, Hash: h}, errors.Join(err1, err2)
}

// ArchiveTotal is the summary of the archived pieces of one day, account code and mail class.
type ArchiveTotal struct {
	Day               string `json:"day"`
	AccountCode       string `json:"account_code"`
	MailClass         string `json:"mail_class"`
	Pieces            int64  `json:"pieces"`
	ValueMills        int64  `json:"value_mills"`
	SpoiledPieces     int64  `json:"spoiled_pieces"`
	SpoiledValueMills int64  `json:"spoiled_value_mills"`
}

// ArchiveEnd closes the rows: how many of each, and the pieces' sum.
type ArchiveEnd struct {
	Pieces        int64 `json:"pieces"`
	PieceSumMills int64 `json:"piece_sum_mills"`
	Signatures    int64 `json:"signatures"`
	AuditEntries  int64 `json:"audit_entries"`
	Totals        int64 `json:"totals"`
}

// ArchiveSeal is the last line: SHA-256 of all bytes before it and the meter's signature over
// ArchiveMessage.
type ArchiveSeal struct {
	SHA256    string `json:"sha256"`
	Signature string `json:"ed25519"`
}

// ArchiveMessage is what the meter signs for an archive file: its serial and the file's hash.
func ArchiveMessage(serial, sha256Hex string) []byte {
	return fmt.Appendf(nil, "postmeter-archive-v1\n%s\n%s", serial, sha256Hex)
}

// archiveLine is one line of the file: exactly one field set.
type archiveLine struct {
	Header    *ArchiveHeader    `json:"header,omitempty"`
	Piece     *ArchivePiece     `json:"piece,omitempty"`
	Signature *ArchiveSignature `json:"piece_signature,omitempty"`
	Audit     *ArchiveEntry     `json:"audit,omitempty"`
	Total     *ArchiveTotal     `json:"total,omitempty"`
	End       *ArchiveEnd       `json:"end,omitempty"`
	Seal      *ArchiveSeal      `json:"seal,omitempty"`
}

// archiveWriter writes the lines and hashes them as they go.
type archiveWriter struct {
	w   *bufio.Writer
	sum hash.Hash
	enc *json.Encoder
}

func newArchiveWriter(w io.Writer) *archiveWriter {
	a := &archiveWriter{w: bufio.NewWriterSize(w, 1<<16), sum: sha256.New()}
	a.enc = json.NewEncoder(io.MultiWriter(a.w, a.sum))
	a.enc.SetEscapeHTML(false)
	return a
}

func (a *archiveWriter) line(l archiveLine) error { return a.enc.Encode(l) }

// seal writes the seal line, signed with sign, and flushes.
func (a *archiveWriter) seal(serial string, sign func([]byte) []byte) (string, error) {
	digest := hex.EncodeToString(a.sum.Sum(nil))
	sig := sign(ArchiveMessage(serial, digest))
	if err := json.NewEncoder(a.w).Encode(archiveLine{Seal: &ArchiveSeal{SHA256: digest, Signature: hex.EncodeToString(sig)}}); err != nil {
		return "", err
	}
	return digest, a.w.Flush()
}

// ArchiveSummary is what VerifyArchive found in a file that verified.
type ArchiveSummary struct {
	Header ArchiveHeader
	End    ArchiveEnd
	SHA256 string // of the whole file, as the live vault records it
	// UsedAfter and the newest entry's registers: the sums the next archive continues from.
	UsedAfter Amount
	// Records are the archive records (kind "archive") inside this segment: the earlier archives this
	// file vouches for, by file hash.
	Records []ArchiveRecord
}

func archiveErr(check, format string, args ...any) error {
	return &VerifyError{Check: check, Detail: fmt.Sprintf(format, args...)}
}

// VerifyArchive checks an archive file with the meter's public key alone, without the vault: the seal
// (hash and signature), the chain's continuity inside the segment, every piece against the newest audit
// entry that touched it, every indicium signature, the sums against the registers the entries record, and
// the day summaries against the pieces. It cannot check the entries' keyed hashes (that needs the device
// key); VerifyArchiveJoins ties the file to the live vault that holds that key. A discrepancy is a
// *VerifyError whose Check starts with "archive".
func VerifyArchive(r io.Reader, pub ed25519.PublicKey) (ArchiveSummary, error) {
	var s ArchiveSummary
	if len(pub) != ed25519.PublicKeySize {
		return s, fmt.Errorf("verify archive: a public key of %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	whole := sha256.New()
	body := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(r, whole), 1<<16)
	c := &archiveCheck{pub: pub}
	var pending []byte // the line read last: the seal if nothing follows it
	// The first discrepancy inside is reported only once the seal checked: a file changed after it was
	// sealed is told as such, whatever the change hit.
	var inside error
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if pending != nil {
				body.Write(pending)
				if inside == nil {
					inside = c.take(pending)
				}
			}
			pending = line
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return s, fmt.Errorf("verify archive: %w", err)
		}
	}
	if pending == nil || !bytes.HasSuffix(pending, []byte("\n")) {
		return s, archiveErr("archive seal", "the file ends without its seal line (cut short?)")
	}
	var last archiveLine
	if err := json.Unmarshal(pending, &last); err != nil || last.Seal == nil {
		return s, archiveErr("archive seal", "the last line is not the seal (cut short?)")
	}
	digest := hex.EncodeToString(body.Sum(nil))
	if last.Seal.SHA256 != digest {
		return s, archiveErr("archive seal", "the file's contents do not have the hash the seal names: changed after it was sealed")
	}
	sig, err := hex.DecodeString(last.Seal.Signature)
	if err != nil || !VerifyEd25519(pub, ArchiveMessage(c.header.Serial, digest), sig) {
		return s, archiveErr("archive signature", "the seal is not signed by this meter's key")
	}
	if inside != nil {
		return s, inside
	}
	if err := c.finish(); err != nil {
		return s, err
	}
	s.Header, s.End, s.UsedAfter, s.Records = c.header, *c.end, c.usedAfter, c.records
	s.SHA256 = hex.EncodeToString(whole.Sum(nil))
	return s, nil
}

// archiveCheck follows the lines of a file in their order: header, pieces, signatures, entries, totals,
// end.
type archiveCheck struct {
	pub        ed25519.PublicKey
	stage      int // index into the order of line kinds
	header     ArchiveHeader
	haveHeader bool
	end        *ArchiveEnd
	// pieces[i] is the digest of piece FirstPiece+i, touched[i] the newest digest the entries give it.
	pieces, touched []uint64
	pieceSum        Amount
	signatures      int64
	entries         int64
	prevHash        string
	lastEntry       AuditEntry
	usedAfter       Amount
	totals          map[[3]string]ArchiveTotal
	seenTotals      int64
	records         []ArchiveRecord
}

const (
	stageHeader = iota
	stagePieces
	stageSignatures
	stageAudit
	stageTotals
	stageEnd
	stageDone
)

// advance moves to stage, refusing to go back: every kind of line has its place.
func (c *archiveCheck) advance(stage int, what string) error {
	if stage < c.stage || c.stage == stageDone || (stage > stageHeader && !c.haveHeader) {
		return archiveErr("archive format", "a %s line out of its place", what)
	}
	c.stage = stage
	return nil
}

func (c *archiveCheck) take(raw []byte) error {
	var l archiveLine
	if err := json.Unmarshal(raw, &l); err != nil {
		return archiveErr("archive format", "an unreadable line: %v", err)
	}
	switch {
	case l.Header != nil:
		if c.haveHeader {
			return archiveErr("archive format", "a second header")
		}
		if err := c.advance(stageHeader, "header"); err != nil {
			return err
		}
		return c.takeHeader(*l.Header)
	case l.Piece != nil:
		if err := c.advance(stagePieces, "piece"); err != nil {
			return err
		}
		return c.takePiece(*l.Piece)
	case l.Signature != nil:
		if err := c.advance(stageSignatures, "piece signature"); err != nil {
			return err
		}
		return c.takeSignature(*l.Signature)
	case l.Audit != nil:
		if err := c.advance(stageAudit, "audit"); err != nil {
			return err
		}
		return c.takeEntry(*l.Audit)
	case l.Total != nil:
		if err := c.advance(stageTotals, "total"); err != nil {
			return err
		}
		return c.takeTotal(*l.Total)
	case l.End != nil:
		if err := c.advance(stageEnd, "end"); err != nil {
			return err
		}
		c.end = l.End
		c.stage = stageDone
		return nil
	case l.Seal != nil:
		return archiveErr("archive format", "a seal line before the end of the file")
	}
	return archiveErr("archive format", "a line of no known kind")
}

func (c *archiveCheck) takeHeader(h ArchiveHeader) error {
	if h.Format != archiveFormat {
		return archiveErr("archive format", "format %q, this postmeter reads %q", h.Format, archiveFormat)
	}
	if h.FirstSeq < 1 || h.LastSeq < h.FirstSeq || h.FirstPiece < 1 || h.LastPiece < h.FirstPiece-1 || h.UsedBeforeMills < 0 {
		return archiveErr("archive format", "header ranges: entries %d..%d, pieces %d..%d", h.FirstSeq, h.LastSeq, h.FirstPiece, h.LastPiece)
	}
	if h.LastPiece-h.FirstPiece >= 1<<28 {
		return archiveErr("archive format", "header names %d pieces", h.LastPiece-h.FirstPiece+1)
	}
	if pk, err := hex.DecodeString(h.PublicKey); err != nil || !bytes.Equal(pk, c.pub) {
		return archiveErr("archive signature", "the file names another meter key than the one it is checked with")
	}
	n := h.LastPiece - h.FirstPiece + 1
	c.header, c.haveHeader = h, true
	c.pieces, c.touched = make([]uint64, n), make([]uint64, n)
	c.prevHash = h.PrevHash
	c.totals = map[[3]string]ArchiveTotal{}
	return nil
}

func (c *archiveCheck) pieceIndex(seq int64) (int64, bool) {
	i := seq - c.header.FirstPiece
	return i, i >= 0 && i < int64(len(c.pieces))
}

func (c *archiveCheck) takePiece(a ArchivePiece) error {
	i, ok := c.pieceIndex(a.Seq)
	if !ok || c.pieces[i] != 0 || (i > 0 && c.pieces[i-1] == 0) {
		return archiveErr("archive row", "piece %d is out of order or outside the archive's pieces %d..%d", a.Seq, c.header.FirstPiece, c.header.LastPiece)
	}
	if a.AmountMills <= 0 {
		return archiveErr("archive row", "piece %d has amount %d", a.Seq, a.AmountMills)
	}
	p := a.piece()
	c.pieces[i] = pieceDigest(p).short()
	c.pieceSum += p.Amount
	k := [3]string{a.MailingDate, a.AccountCode, a.MailClass}
	t := c.totals[k]
	t.Pieces++
	t.ValueMills += a.AmountMills
	if a.State == PieceSpoiled {
		t.SpoiledPieces++
		t.SpoiledValueMills += a.AmountMills
	}
	c.totals[k] = t
	return nil
}

func (c *archiveCheck) takeSignature(s ArchiveSignature) error {
	if _, ok := c.pieceIndex(s.Seq); !ok {
		return archiveErr("archive row", "a signature of piece %d, which is not in this archive", s.Seq)
	}
	if !VerifyIndicium(c.pub, s.Body, s.Signature) {
		return archiveErr("archive row", "the indicium signature of piece %d does not check with the meter's key", s.Seq)
	}
	c.signatures++
	return nil
}

func (c *archiveCheck) takeEntry(a ArchiveEntry) error {
	want := c.header.FirstSeq + c.entries
	if a.Seq != want || a.Seq > c.header.LastSeq {
		return archiveErr("archive chain", "entry %d where entry %d belongs", a.Seq, want)
	}
	if a.PrevHash != c.prevHash {
		return archiveErr("archive chain", "entry %d does not link to the entry before it", a.Seq)
	}
	e, err := a.entry()
	if err != nil || len(e.Hash) != sha256.Size {
		return archiveErr("archive chain", "entry %d: unreadable hashes", a.Seq)
	}
	if err := checkRegisterArithmetic(e.Registers); err != nil {
		return archiveErr("archive sums", "entry %d: %v", a.Seq, err)
	}
	if c.entries > 0 && (e.Registers.Pieces < c.lastEntry.Registers.Pieces || e.Registers.Used < c.lastEntry.Registers.Used) {
		return archiveErr("archive sums", "entry %d: the used register or the piece count went down", a.Seq)
	}
	touches, err := parseTouched(e.Touched)
	if err != nil {
		return archiveErr("archive chain", "entry %d: %v", a.Seq, err)
	}
	for _, t := range touches {
		if t.table != "piece" {
			continue
		}
		i, ok := c.pieceIndex(t.seq)
		if !ok {
			return archiveErr("archive row", "entry %d touches piece %d, which is not in this archive", a.Seq, t.seq)
		}
		c.touched[i] = t.digest
	}
	if e.Kind == archiveKind {
		var rec ArchiveRecord
		if err := json.Unmarshal([]byte(e.Body), &rec); err != nil {
			return archiveErr("archive chain", "entry %d: an unreadable archive record", a.Seq)
		}
		c.records = append(c.records, rec)
	}
	c.prevHash, c.lastEntry = a.Hash, e
	c.entries++
	return nil
}

func (c *archiveCheck) takeTotal(t ArchiveTotal) error {
	k := [3]string{t.Day, t.AccountCode, t.MailClass}
	if c.totals[k] != (ArchiveTotal{Pieces: t.Pieces, ValueMills: t.ValueMills, SpoiledPieces: t.SpoiledPieces, SpoiledValueMills: t.SpoiledValueMills}) {
		return archiveErr("archive sums", "the summary of %s, account %q, %s does not match the pieces", t.Day, t.AccountCode, t.MailClass)
	}
	delete(c.totals, k)
	c.seenTotals++
	return nil
}

// finish checks what only the whole file shows.
func (c *archiveCheck) finish() error {
	h := c.header
	if c.end == nil {
		return archiveErr("archive format", "no end line")
	}
	for i := range c.pieces {
		seq := h.FirstPiece + int64(i)
		switch {
		case c.pieces[i] == 0:
			return archiveErr("archive row", "piece %d is missing", seq)
		case c.touched[i] == 0:
			return archiveErr("archive row", "piece %d was written by no entry of the archive", seq)
		case c.pieces[i] != c.touched[i]:
			return archiveErr("archive row", "piece %d differs from the newest entry that wrote it", seq)
		}
	}
	if c.header.FirstSeq+c.entries-1 != h.LastSeq || c.prevHash != h.LastHash {
		return archiveErr("archive chain", "the entries end at %d, the header names %d", h.FirstSeq+c.entries-1, h.LastSeq)
	}
	if len(c.totals) > 0 {
		keys := make([]string, 0, len(c.totals))
		for k := range c.totals {
			keys = append(keys, k[0]+" "+k[1])
		}
		slices.Sort(keys)
		return archiveErr("archive sums", "no summary for %s", keys[0])
	}
	regs := c.lastEntry.Registers
	n := int64(len(c.pieces))
	switch {
	case regs.Pieces != h.LastPiece:
		return archiveErr("archive sums", "the newest entry counts %d pieces, the archive ends at piece %d", regs.Pieces, h.LastPiece)
	case regs.Used-Amount(h.UsedBeforeMills) != c.pieceSum:
		return archiveErr("archive sums", "the used register grew by %s, the pieces make %s",
			(regs.Used - Amount(h.UsedBeforeMills)).MillsString(), c.pieceSum.MillsString())
	case c.end.Pieces != n || c.end.PieceSumMills != c.pieceSum.Mills() || c.end.AuditEntries != c.entries ||
		c.end.Signatures != c.signatures || c.end.Totals != c.seenTotals:
		return archiveErr("archive sums", "the end line counts other rows than the file holds")
	}
	c.usedAfter = regs.Used
	return nil
}
