package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"postmeter/meter"
	"postmeter/printer/when"
)

// Settings → Sync → Archive old records: a supervisor moves the pieces and audit records of every
// month older than the keep period into sealed archive files (meter/archive.go), after a confirmation.

// Archive IDs.
const (
	IDSyncArchive    ID       = "sync.archive"
	DialogArchiveAsk DialogID = "archive-ask"
	DialogArchiving  DialogID = "archiving"
	DialogArchived   DialogID = "archived"
)

// Archive captions.
const (
	CapSyncArchive   meter.MessageID = "ui.sync.archive"
	CapSyncArchiving meter.MessageID = "ui.sync.archiving"
)

func init() {
	captions[CapSyncArchive] = meter.Entry{Kind: meter.KindCaption, Text: "Archive old records"}
	captions[CapSyncArchiving] = meter.Entry{Kind: meter.KindBody, Text: "Archiving old records into sealed files. The meter can print meanwhile."}
}

// archiveButton is the Sync screen's Archive old records.
func (a *App) archiveButton() fyne.CanvasObject {
	return minSize(a.button(IDSyncArchive, txt(CapSyncArchive), theme.StorageIcon(), a.askArchive), 0, 64)
}

// askArchive asks before archiving: the records leave the meter for files.
func (a *App) askArchive() {
	a.showDialog(DialogArchiveAsk, meter.Message{Title: meter.Words(meter.MsgArchiveAskTitle),
		Text:    meter.Words(meter.MsgArchiveAsk, a.m.ArchiveKeepDays()),
		Actions: []meter.MessageID{meter.ActionArchive, meter.ActionCancel}},
		map[meter.MessageID]func(){meter.ActionArchive: a.archiveOld})
}

// archiveOld archives off the UI goroutine, with a wait message if it takes long, then says what it did.
func (a *App) archiveOld() {
	sess := a.session
	var res meter.ArchiveResult
	a.waitOver(DialogArchiving, txt(CapSyncArchiving), func(ctx context.Context) error {
		var err error
		res, err = a.m.ArchiveOld(ctx, sess)
		return err
	}, func() {
		msg := meter.Message{Title: meter.Words(meter.MsgArchiveDoneTitle), Actions: []meter.MessageID{meter.ActionOK}}
		if len(res.Files) == 0 {
			msg.Text = meter.Words(meter.MsgArchiveNone, res.KeepDays)
		} else {
			msg.Text = meter.Words(meter.MsgArchiveDone, len(res.Files), res.Pieces,
				periodDay(res.Files[0].Period, 0), periodDay(res.Files[len(res.Files)-1].Period, 1))
		}
		a.showDialog(DialogArchived, msg, nil)
	})
}

// periodDay is the first day of an archive period (YYYY-MM), or with last its last day, in the meter's
// date style.
func periodDay(p string, last int) string {
	t, err := time.Parse("2006-01", p)
	if err != nil {
		return p
	}
	return when.Date(t.AddDate(0, last, -last))
}
