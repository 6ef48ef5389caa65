package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"postmeter/funds"
	"postmeter/meter"
	"postmeter/printer/when"
)

// Settings → Sync: the meter's contact with the Data Center at a glance (the last contact and upload,
// when the meter contacts it on its own, when the warning and the lock come without a contact), what
// each contact sends (the registers and the audit trail's head), the rate tables, and Upload now.

// Sync screen IDs.
const (
	IDSync       ID = "settings.sync"
	IDSyncUpload ID = "sync.upload"
	IDSyncCheck  ID = "sync.check-records"
)

// showSync opens the Sync screen, its figures read first.
func (a *App) showSync() { a.showSyncThen(nil) }

// showSyncThen opens the Sync screen, then runs shown (a message over it) once it is drawn.
func (a *App) showSyncThen(shown func()) {
	back := minSize(a.button(IDSettings, txt("ui.back"), nil, a.showSettings), 160, 64)
	upload := minSize(a.primary(IDSyncUpload, txt(CapSyncUpload), theme.UploadIcon(), a.uploadNow), 220, 64)
	check := minSize(a.button(IDSyncCheck, txt(CapSyncCheck), theme.SearchIcon(), a.checkRecords), 220, 64)
	// The actions beside Back, not in a bar of their own: the figures fit a 600-high screen.
	corner := container.NewHBox(check, a.archiveButton(), upload, back)
	frame := func(body fyne.CanvasObject) fyne.CanvasObject { return screen(txt(CapSync), corner, body, nil) }
	openScreen(a, ScreenSync, frame, func() fyne.CanvasObject { return widget.NewLabel(txt(CapSyncReading)) },
		func(ctx context.Context) (meter.SyncView, error) { return a.m.Sync(ctx) },
		func(v meter.SyncView) fyne.CanvasObject { return syncBody(v) }, shown)
}

func syncBody(v meter.SyncView) fyne.CanvasObject {
	upload := txt(CapSyncNever)
	if !v.LastUpload.IsZero() {
		upload = when.DateTime(v.LastUpload)
	}
	r := v.Report.Registers
	inForce, next := txt(CapSyncNone), ""
	for _, t := range v.Rates {
		switch {
		case t.InForce:
			inForce = when.Date(t.Effective)
		case t.Next:
			next = when.Date(t.Effective)
		}
	}
	return container.NewVBox(
		rows(
			[2]string{txt(CapSyncRules), v.Profile.Name},
			[2]string{txt(CapSyncLastContact), when.DateTime(v.Status.LastContact)},
			[2]string{txt(CapSyncLastUpload), upload},
			[2]string{txt(CapSyncNextContact), when.DateTime(v.NextContact)},
			[2]string{txt(CapSyncWarnAt), when.DateTime(v.WarnAt)},
			[2]string{txt(CapSyncLockAt), when.DateTime(v.Status.LockAt)}),
		widget.NewSeparator(),
		rows(
			[2]string{txt(CapSyncRegisters), txt(CapSyncRegisterValues, funds.Amount(r.AvailableMills).String(), funds.Amount(r.UsedMills).String(), r.Pieces)},
			[2]string{txt(CapSyncAudit), txt(CapSyncAuditValue, v.Report.AuditSeq)},
			[2]string{txt(CapSyncRates), ratesLine(inForce, next)}))
}

// ratesLine says from when the table in force applies, and the next one's date when there is one.
func ratesLine(inForce, next string) string {
	if next == "" {
		return txt(CapSyncRatesValue, inForce)
	}
	return txt(CapSyncRatesNext, inForce, next)
}

// uploadNow sends the registers and the audit head to the Data Center, then shows the screen again
// with a message that says it went (or what went wrong).
func (a *App) uploadNow() {
	sess := a.session
	var sent meter.SyncView
	a.waitOver(DialogUploading, txt(CapSyncUploading), func(ctx context.Context) error {
		if err := a.m.UploadPostalInfo(ctx, sess); err != nil {
			return err
		}
		var err error
		sent, err = a.m.Sync(ctx)
		return err
	}, func() {
		a.showSyncThen(func() {
			// The audit head, short enough to compare with the Data Center's record by eye.
			head := sent.Report.AuditHead
			if len(head) > 16 {
				head = head[:16]
			}
			a.showDialog(DialogUploaded, meter.Message{Title: txt(CapSyncUploadedTitle),
				Text: txt(CapSyncUploaded, sent.Report.AuditSeq, head), Actions: []meter.MessageID{meter.ActionOK}}, nil)
		})
	})
}

// checkRecords verifies the meter's whole history now; it may take a while on a meter with a long one,
// so the screen says so, and the meter prints meanwhile.
func (a *App) checkRecords() {
	sess := a.session
	var took time.Duration
	a.waitOver(DialogCheckingRecords, txt(CapSyncChecking), func(ctx context.Context) error {
		var err error
		took, err = a.m.CheckRecords(ctx, sess)
		return err
	}, func() {
		a.showDialog(DialogRecordsChecked, meter.Message{Title: txt(CapSyncCheckedTitle),
			Text: txt(CapSyncChecked, took.Round(time.Millisecond).String()), Actions: []meter.MessageID{meter.ActionOK}}, nil)
	})
}

// waitOver runs work off the UI goroutine; if it takes long, its wait message shows in dialog id until
// it ends. A failure is shown as the clerk's message; success goes to done.
func (a *App) waitOver(id DialogID, wait string, work func(ctx context.Context) error, done func()) {
	finished := a.unlessQuick(func() { a.popUp(id, minSize(text(wait), dialogWidth, 0)) })
	a.background(work, func(err error) {
		finished()
		if a.modalID == id {
			a.closeModal()
		}
		if err != nil {
			a.fail(err, nil)
			return
		}
		done()
	})
}
