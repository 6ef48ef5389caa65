package trainer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

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
		body = panelParagraph("Cannot read the output tray: "+v.err.Error(), SizeNamePanelText, false)
	case v.selected != nil:
		img := canvas.NewImageFromResource(v.selected.image)
		img.FillMode = canvas.ImageFillContain
		img.SetMinSize(fyne.NewSize(PanelWidth-32, 420))
		back := newPanelButton("Back to the tray", v.act(func() { v.selected = nil }))
		body = container.NewBorder(panelText(trayLabel(v.selected.TrayItem), panelCaptionSize, false), back, nil, nil, img)
	case len(v.items) == 0:
		body = panelParagraph("Nothing printed yet. Envelopes, tapes and documents appear here, newest first.", SizeNamePanelText, false)
	default:
		grid := container.NewGridWithColumns(2)
		end := min(len(v.items), (v.page+1)*trayPage)
		for i := v.page * trayPage; i < end; i++ {
			it := v.items[i]
			grid.Add(newThumbnail(it, v.act(func() { v.selected = &it })))
		}
		newer := newPanelButton("Newer", func() { v.t.app.Act(func() { v.page--; v.reload() }) })
		older := newPanelButton("Older", func() { v.t.app.Act(func() { v.page++; v.reload() }) })
		if v.page == 0 {
			newer.Disable()
		}
		if end == len(v.items) {
			older.Disable()
		}
		pages := container.NewGridWithColumns(2, newer, older)
		body = container.NewBorder(panelText(fmt.Sprintf("%d printed", len(v.items)), panelCaptionSize, false), pages, nil, nil, grid)
	}
	v.box.Objects = []fyne.CanvasObject{body}
	v.box.Refresh()
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
		"last-5-refills": "Last 5 refills"}[what]
	if on == "" || thing == "" {
		return fmt.Sprintf("%d. %s", it.Seq, strings.ReplaceAll(it.Kind, "-", " "))
	}
	return fmt.Sprintf("%d. %s on %s", it.Seq, thing, on)
}
