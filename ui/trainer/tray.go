package trainer

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"postmeter/meter"
	"postmeter/printer"
)

// trayPage is how many thumbnails the output tray shows at once (paged with buttons, never scrolled).
const trayPage = 6

// trayView is the output tray: thumbnails of everything printed, newest first; tap one to see it large.
type trayView struct {
	t        *Trainer
	page     int
	items    []trayPicture
	selected *trayPicture
	large    *widget.PopUp // the selected item over the whole window, nil if none
	box      *fyne.Container
	err      error
}

// trayPicture is one printed item with its image, read off the UI goroutine.
type trayPicture struct {
	printer.TrayItem
	image fyne.Resource // named by the file, so golden markup does not depend on the folder
}

func newTrayView(t *Trainer) *trayView {
	v := &trayView{t: t, box: container.NewStack()}
	v.reload()
	return v
}

func (v *trayView) object() fyne.CanvasObject { return v.box }

// reload lists the tray and reads the pictures of the page shown (only those: a busy trainer's tray
// holds thousands).
func (v *trayView) reload() {
	tray, page := v.t.sim.Tray, v.page
	var pics []trayPicture
	v.t.app.Background(func(context.Context) error {
		items, err := tray.List()
		if err != nil {
			return err
		}
		for i, it := range items {
			pic := trayPicture{TrayItem: it}
			if i >= page*trayPage && i < (page+1)*trayPage {
				data, err := os.ReadFile(it.Path)
				if err != nil {
					return err
				}
				pic.image = fyne.NewStaticResource(filepath.Base(it.Path), data)
			}
			pics = append(pics, pic)
		}
		return nil
	}, func(err error) {
		v.items, v.err = pics, err
		v.draw()
	})
}

func (v *trayView) draw() {
	var body fyne.CanvasObject
	switch {
	case v.err != nil:
		slog.Warn("read the output tray", "err", v.err)
		body = panelParagraph("The output tray cannot be read. Check the data folder; the log says why.", SizeNamePanelText, false)
	case len(v.items) == 0:
		body = panelParagraph("Nothing printed yet. Envelopes, tapes and documents appear here, newest first.", SizeNamePanelText, false)
	default:
		grid := container.NewGridWithColumns(2)
		end := min(len(v.items), (v.page+1)*trayPage)
		for i := v.page * trayPage; i < end; i++ {
			it := v.items[i]
			grid.Add(newThumbnail(it, v.act(func() { v.selected = &it })))
		}
		newer := newPanelButton(PanelTrayNewer, "Newer", func() { v.t.app.Act(func() { v.page--; v.reload() }) })
		older := newPanelButton(PanelTrayOlder, "Older", func() { v.t.app.Act(func() { v.page++; v.reload() }) })
		if v.page == 0 {
			newer.Disable()
		}
		if end == len(v.items) {
			older.Disable()
		}
		pages := container.NewGridWithColumns(2, newer, older)
		body = container.NewBorder(panelText(trayHeading(len(v.items), v.t.sim.Meter.Model()), panelCaptionSize, false), pages, nil, nil, grid)
	}
	v.box.Objects = []fyne.CanvasObject{body}
	v.box.Refresh()
	v.showLarge()
}

// showLarge shows the selected item over the whole window, the meter's screen included, so a receipt or
// a page can be read at the size it was printed; Back to the tray closes it.
func (v *trayView) showLarge() {
	if v.large != nil {
		v.large.Hide()
		v.large = nil
	}
	if v.selected == nil {
		return
	}
	c := v.t.app.Window().Canvas()
	img := canvas.NewImageFromResource(v.selected.image)
	img.FillMode = canvas.ImageFillContain
	bg := canvas.NewRectangle(panelThumbBackground)
	back := newPanelButton(PanelTrayBack, "Back to the tray", v.act(func() { v.selected = nil }))
	content := container.NewBorder(panelText(trayLabel(v.selected.TrayItem), panelCaptionSize, true),
		container.New(fixedWidthLayout{PanelWidth / 2}, back), nil, nil, container.NewStack(bg, img))
	v.large = widget.NewModalPopUp(content, c)
	v.large.Resize(c.Size().Subtract(fyne.NewSize(48, 48)))
	v.large.ShowAtPosition(fyne.NewPos(24, 24))
}

// thumbnail is a small picture of one printed item; tapping it opens it large.
type thumbnail struct {
	widget.BaseWidget
	item   trayPicture
	tapped func()
}

func newThumbnail(it trayPicture, tapped func()) *thumbnail {
	th := &thumbnail{item: it, tapped: tapped}
	th.ExtendBaseWidget(th)
	return th
}

// Tapped opens the item.
func (th *thumbnail) Tapped(*fyne.PointEvent) { th.tapped() }

// CreateRenderer draws the picture with its number and kind under it.
func (th *thumbnail) CreateRenderer() fyne.WidgetRenderer {
	img := canvas.NewImageFromResource(th.item.image)
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(190, 90))
	bg := canvas.NewRectangle(panelThumbBackground)
	label := panelText(trayLabel(th.item.TrayItem), panelCaptionSize, false)
	return widget.NewSimpleRenderer(container.NewBorder(nil, label, nil, nil, container.NewStack(bg, img)))
}

// act makes a tray button's handler: change the view, then redraw, in turn with background results.
func (v *trayView) act(change func()) func() {
	return func() {
		v.t.app.Act(func() {
			change()
			v.draw()
		})
	}
}

// trayLabel names a printed item in words, "3. Refill receipt on tape", from its tray kind
// ("tape-receipt"): the trainer reads what was printed on what, not a file name.
func trayLabel(it printer.TrayItem) string {
	medium, what, _ := strings.Cut(it.Kind, "-")
	on := map[string]string{"envelope": "an envelope", "tape": "tape", "document": "the attached printer"}[medium]
	thing := map[string]string{"indicium": "Postage", "receipt": "Refill receipt", "funds-report": "Funds report",
		"last-5-refills": "Last 5 refills", "test-print": "Test print", "date-correction": "Date correction"}[what]
	if on == "" || thing == "" {
		return fmt.Sprintf("%d. %s", it.Seq, strings.ReplaceAll(it.Kind, "-", " "))
	}
	return fmt.Sprintf("%d. %s on %s", it.Seq, thing, on)
}

// trayHeading counts what was printed and says at what speed the simulated engine prints postage: the
// model's rated speed, which it keeps in real time (sim.Engine.PieceTime).
func trayHeading(n int, mo meter.Model) string {
	return fmt.Sprintf("%d printed · %s: %d pieces a minute", n, mo.Name, mo.SpeedLPM)
}
