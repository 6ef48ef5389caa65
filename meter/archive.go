package meter

import (
	"context"

	"postmeter/funds"
)

// The archive moves old pieces and audit records out of the live vault into sealed archive files
// (funds/archive.go, docs/archive.md): by a supervisor on Settings → Sync, and on its own after End
// batch once a whole month is older than the keep period. The registers and the reports never change.

// RightArchive is the right to archive old records now. It is not offered in Roles setup: only a
// supervisor has it (or an operator a meter's configuration grants it to).
const RightArchive Right = "archive old records"

// Archive texts.
const (
	MsgArchiveAskTitle  MessageID = "archive.ask.title"
	MsgArchiveAsk       MessageID = "archive.ask"
	MsgArchiveDoneTitle MessageID = "archive.done.title"
	MsgArchiveDone      MessageID = "archive.done"
	MsgArchiveNone      MessageID = "archive.none"
	MsgActionArchive    MessageID = "action.archive"
	ActionArchive                 = MsgActionArchive
)

func init() {
	rightTexts[RightArchive] = rightText{"Archive old records", "archive old records"}
	for id, e := range map[MessageID]Entry{
		MsgArchiveAskTitle: {KindTitle, "Archive old records"},
		MsgArchiveAsk: {KindBody, "Pieces and audit records of every month that ended more than %d days ago move into sealed archive files " +
			"in the meter's archive folder, except the open batch. Reports and registers do not change."},
		MsgArchiveDoneTitle: {KindTitle, "Records archived"},
		MsgArchiveDone:      {KindBody, "%d archive files written, %d pieces in them, from %s to %s. Each file is signed with the meter's key."},
		MsgArchiveNone:      {KindBody, "No month is old enough to archive. Records are kept in the meter for %d days after their month ends."},
		MsgActionArchive:    {KindCaption, "Archive"},
	} {
		catalogue[id] = e
	}
}

// ArchiveResult is what an archive run moved: the files written, oldest first.
type ArchiveResult struct {
	Files  []funds.ArchiveInfo
	Pieces int64
	// KeepDays is how long records stay in the meter after their month ends.
	KeepDays int
}

// keepDays is the keep period in whole days.
func (m *Meter) keepDays() int {
	keep := m.cfg.Archive.Keep
	if keep == 0 {
		keep = funds.DefaultArchiveKeep
	}
	return int(keep.Hours() / 24)
}

// ArchiveKeepDays is how many days records stay in the meter after their month ends.
func (m *Meter) ArchiveKeepDays() int { return m.keepDays() }

// ArchiveOld archives every month that ended more than the keep period ago, now (a supervisor on the
// Sync screen). It may take a while on a meter with a long history; the meter prints meanwhile.
func (m *Meter) ArchiveOld(ctx context.Context, s *Session) (ArchiveResult, error) {
	if err := m.require(s, RightArchive); err != nil {
		return ArchiveResult{}, err
	}
	opts := m.cfg.Archive
	opts.Actor, opts.Auto = s.User().Name, false
	return m.archive(ctx, opts)
}

// ArchiveDue is the automatic archive (after End batch): it leaves alone a month a supervisor restored.
func (m *Meter) ArchiveDue(ctx context.Context) (ArchiveResult, error) {
	opts := m.cfg.Archive
	opts.Actor, opts.Auto = "system", true
	return m.archive(ctx, opts)
}

func (m *Meter) archive(ctx context.Context, opts funds.ArchiveOptions) (ArchiveResult, error) {
	files, err := m.cfg.Vault.Archive(ctx, opts)
	res := ArchiveResult{Files: files, KeepDays: m.keepDays()}
	for _, f := range files {
		res.Pieces += f.LastPiece - f.FirstPiece + 1
	}
	return res, err
}

// archiveAfterBatch runs the automatic archive after End batch; a failure is logged, never the batch's.
func (m *Meter) archiveAfterBatch(ctx context.Context) {
	res, err := m.ArchiveDue(ctx)
	if err != nil {
		m.log.Error("the automatic archive after End batch failed; the records stay in the meter", "err", err)
		return
	}
	if len(res.Files) > 0 {
		m.log.Info("archived old records after End batch", "files", len(res.Files), "pieces", res.Pieces)
	}
}
