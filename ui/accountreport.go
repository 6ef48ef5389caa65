package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"postmeter/meter"
	"postmeter/printer/when"
)

// Reports → Account report: postage by account code and class for today, yesterday, this month or
// last month, as a table on the screen; printed like the other reports, or exported as CSV to the USB
// stick. The core sums the figures and checks the right; the screen shows them.

// reportRange is one of the date ranges the report offers.
type reportRange int

const (
	rangeToday reportRange = iota
	rangeYesterday
	rangeThisMonth
	rangeLastMonth
)

var reportRanges = []struct {
	id  ID
	cap meter.MessageID
}{
	{IDRangeToday, CapRangeToday}, {IDRangeYesterday, CapRangeYesterday},
	{IDRangeThisMonth, CapRangeThisMonth}, {IDRangeLastMonth, CapRangeLastMonth},
}

// Account report IDs.
const (
	IDReportAccounts ID = "report.accounts"
	IDRangeToday     ID = "report.range.today"
	IDRangeYesterday ID = "report.range.yesterday"
	IDRangeThisMonth ID = "report.range.this-month"
	IDRangeLastMonth ID = "report.range.last-month"
	IDReportPrint    ID = "report.print"
	IDReportExport   ID = "report.export"
)

// accountReportRows fit the smallest screen under the range buttons, with the total and the actions.
const accountReportRows = 6

// dates is the range's first and last day, by the meter's clock.
func (r reportRange) dates(now time.Time) (from, to time.Time) {
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	switch r {
	case rangeYesterday:
		return day.AddDate(0, 0, -1), day.AddDate(0, 0, -1)
	case rangeThisMonth:
		return month, day
	case rangeLastMonth:
		return month.AddDate(0, -1, 0), month.AddDate(0, 0, -1)
	}
	return day, day
}

// showAccountReport opens the report on a range, read before it is drawn.
func (a *App) showAccountReport(r reportRange) {
	sess := a.session
	from, to := r.dates(a.m.Now())
	back := minSize(a.button(IDReports, txt("ui.back"), nil, a.showReports), 160, 64)
	frame := func(body fyne.CanvasObject) fyne.CanvasObject {
		return screen(txt(CapAccountReport), back, body, a.accountReportActions(r, from, to))
	}
	openScreen(a, ScreenReportAccounts, frame, func() fyne.CanvasObject { return widget.NewLabel(txt(CapReportReading)) },
		func(ctx context.Context) (meter.AccountReport, error) { return a.m.AccountReport(ctx, sess, from, to) },
		func(rep meter.AccountReport) fyne.CanvasObject { return a.accountReportBody(r, rep) }, nil)
}

func (a *App) accountReportBody(r reportRange, rep meter.AccountReport) fyne.CanvasObject {
	ranges := container.NewGridWithColumns(len(reportRanges))
	for i, rr := range reportRanges {
		b := a.button(rr.id, txt(rr.cap), nil, func() { a.showAccountReport(reportRange(i)) })
		if reportRange(i) == r {
			b.Importance = widget.HighImportance
		}
		ranges.Add(b)
	}
	top := container.NewVBox(ranges, text(txt(CapReportDates, when.Date(rep.From), when.Date(rep.To))))
	if len(rep.Rows) == 0 {
		return container.NewBorder(top, nil, nil, nil, text(txt(CapReportNoPieces)))
	}
	// A table in lines of text, closer than labels are, so six rows fit the smallest screen; each column
	// as wide as its widest cell, so the weight break's column fits a 1024-wide screen.
	table := container.New(&tableLayout{cols: 5})
	line := func(bold bool, cells ...string) {
		for _, c := range cells {
			t := canvas.NewText(c, theme.Color(theme.ColorNameForeground))
			t.TextStyle.Bold = bold
			table.Add(t)
		}
	}
	line(true, txt(CapReportColAccount), txt(CapReportColClass), txt(CapReportColWeight), txt(CapReportColPieces), txt(CapReportColPostage))
	shown := rep.Rows
	if len(shown) > accountReportRows {
		shown = shown[:accountReportRows]
	}
	for _, row := range shown {
		name := row.AccountName
		if name == "" {
			name = txt("ui.run-mail.no-account")
		}
		weight := ""
		if row.WeightBreak > 0 {
			weight = txt(CapReportUpTo, row.WeightBreak)
		}
		line(false, name, row.MailClass, weight, fmt.Sprint(row.Pieces), row.Postage.String())
	}
	total := text(txt(CapReportTotal, rep.Total.Pieces, rep.Total.Postage.String(), rep.Total.Spoiled, rep.Total.SpoiledPostage.String()))
	total.TextStyle = fyne.TextStyle{Bold: true}
	// Inset as a label's text is, so the columns line up with the words above and below them.
	inset := layout.NewCustomPaddedLayout(0, 0, theme.InnerPadding(), theme.InnerPadding())
	body := container.NewVBox(container.New(inset, table), widget.NewSeparator(), total)
	if more := len(rep.Rows) - len(shown); more > 0 {
		body.Add(text(txt(CapReportMoreRows, more)))
	}
	return container.NewBorder(top, nil, nil, nil, body)
}

// exportReport saves a report on the USB stick off the UI goroutine and says under what name.
func (a *App) exportReport(export func(ctx context.Context) (string, error)) {
	var path string
	a.background(func(ctx context.Context) error {
		var err error
		path, err = export(ctx)
		return err
	}, func(err error) {
		if err != nil {
			a.fail(err, nil)
			return
		}
		a.showDialog(DialogReportExported, meter.Message{Title: txt(CapReportExportedTitle),
			Text: txt(CapReportExported, filepath.Base(path)), Actions: []meter.MessageID{meter.ActionOK}}, nil)
	})
}

// accountReportActions prints the report or exports it.
func (a *App) accountReportActions(r reportRange, from, to time.Time) fyne.CanvasObject {
	sess := a.session
	print := func() {
		a.showPrint(ScreenReportAccountsPrint, txt(CapAccountReport), func(ctx context.Context, d meter.Destination) error {
			return a.m.PrintAccountReport(ctx, sess, from, to, d)
		}, func() { a.showAccountReport(r) })
	}
	export := func() {
		a.exportReport(func(ctx context.Context) (string, error) { return a.m.ExportAccountReport(ctx, sess, from, to) })
	}
	return actions(
		minSize(a.button(IDReportPrint, txt(CapReportPrint), theme.DocumentPrintIcon(), print), 0, 64),
		minSize(a.primary(IDReportExport, txt(CapReportExport), theme.DownloadIcon(), export), 0, 64))
}

// tableLayout lays its objects out in rows of cols cells, row by row: each column as wide as its widest
// cell, the width left over shared equally, every row as high as its highest cell, a padding apart.
type tableLayout struct{ cols int }

func (l *tableLayout) sizes(objs []fyne.CanvasObject) (widths []float32, rowH float32) {
	widths = make([]float32, l.cols)
	for i, o := range objs {
		m := o.MinSize()
		widths[i%l.cols] = max(widths[i%l.cols], m.Width)
		rowH = max(rowH, m.Height)
	}
	return widths, rowH
}

func (l *tableLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	widths, rowH := l.sizes(objs)
	var w float32
	for _, cw := range widths {
		w += cw
	}
	rows := (len(objs) + l.cols - 1) / l.cols
	gap := theme.Padding()
	return fyne.NewSize(w+gap*float32(l.cols-1), rowH*float32(rows)+gap*float32(max(rows-1, 0)))
}

func (l *tableLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	widths, rowH := l.sizes(objs)
	extra := (size.Width - l.MinSize(objs).Width) / float32(l.cols)
	gap := theme.Padding()
	for i, o := range objs {
		col, row := i%l.cols, i/l.cols
		x := float32(0)
		for c := 0; c < col; c++ {
			x += widths[c] + extra + gap
		}
		o.Move(fyne.NewPos(x, float32(row)*(rowH+gap)))
		o.Resize(fyne.NewSize(widths[col]+extra, rowH))
	}
}
