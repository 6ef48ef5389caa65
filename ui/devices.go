package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"postmeter/meter"
)

// Settings → Devices: each device of the meter (print engine, attached printer, scale) with the name
// the configuration gives it, its state, what it reports now and its last error. The core asks the
// devices off the UI goroutine; a device that stops answering also shows on the status bar.

// devicesEvery is how often the status bar asks the devices how they are: often enough to show an
// unplugged scale before the clerk reaches for it, rarely enough not to load a printer's queue.
const devicesEvery = 5 * time.Second

// showDevices opens Settings → Devices and asks the devices, drawn once with their answers (or with
// "Asking the devices" while a slow one answers). The screen does not scroll: the devices fit the
// smallest meter screen (1024×600), with Check again beside Back.
func (a *App) showDevices() {
	back := minSize(a.button(IDSettings, txt("ui.back"), nil, a.showSettings), 160, 64)
	check := minSize(a.button(IDDevicesCheck, txt(CapDevicesCheck), nil, a.showDevices), 200, 64)
	corner := container.NewHBox(check, back)
	frame := func(body fyne.CanvasObject) fyne.CanvasObject { return screen(txt(CapDevices), corner, body, nil) }
	openScreen(a, ScreenDevices, frame, func() fyne.CanvasObject { return widget.NewLabel(txt(CapDevicesNone)) },
		func(ctx context.Context) ([]meter.DeviceHealth, error) { return a.m.Devices(ctx), nil },
		func(hs []meter.DeviceHealth) fyne.CanvasObject {
			a.status.showDevices(hs)
			rows := container.NewVBox()
			for i, h := range hs {
				if i > 0 {
					rows.Add(widget.NewSeparator())
				}
				rows.Add(deviceCard(h))
			}
			return rows
		}, nil)
}

// deviceCard is one device: its label, name and state on one line, then in small type what it reports
// now and its last problem when that is another one, so the devices fit a 600-high screen.
func deviceCard(h meter.DeviceHealth) fyne.CanvasObject {
	head := widget.NewLabel(meter.DeviceLabel(h.Device))
	head.TextStyle = fyne.TextStyle{Bold: true}
	name := caption(h.Name)
	state := widget.NewLabel(txt(CapDeviceState, h.StateText()))
	state.TextStyle = fyne.TextStyle{Bold: h.State != meter.DeviceReady}
	box := container.NewVBox(container.NewBorder(nil, nil, container.NewHBox(head, container.NewCenter(name)), state))
	var detail []string
	if p := h.ProblemText(); p != "" {
		detail = append(detail, p)
	}
	if h.ShowLastError() {
		detail = append(detail, txt(CapDeviceLastErr, h.LastErrorText()))
	}
	if len(detail) > 0 {
		more := widget.NewLabel(strings.Join(detail, " "))
		more.Wrapping = fyne.TextWrapWord
		more.SizeName = theme.SizeNameCaptionText
		box.Add(more)
	}
	return box
}

// pollDevices asks the devices how they are, at most every devicesEvery, and shows a device that
// stopped answering on the status bar. It runs off the UI goroutine.
func (a *App) pollDevices(m *meter.Meter) {
	a.uiMu.Lock()
	due := time.Since(a.devicesAt) >= devicesEvery
	if due {
		a.devicesAt = time.Now()
	}
	a.uiMu.Unlock()
	if !due {
		return
	}
	hs := m.Devices(a.ctx)
	a.onUI(func() { a.status.showDevices(hs) })
}

// CheckDevices asks the devices now (off the UI goroutine) and shows the answer on the status bar:
// something outside the screens (the trainer's panel) may have unplugged one.
func (a *App) CheckDevices() {
	load(a, func(ctx context.Context) ([]meter.DeviceHealth, error) { return a.m.Devices(ctx), nil }, a.status.showDevices)
}

// showDevices puts the first device that stopped answering where the date is, until it answers again.
func (s *statusBar) showDevices(hs []meter.DeviceHealth) {
	alert := ""
	for _, h := range hs {
		if t := h.BarText(); t != "" {
			alert = t
			break
		}
	}
	if alert == s.alert {
		return
	}
	s.alert = alert
	s.showDate()
}

// DeviceAlert is what the status bar says of the devices, "" when all answer (tests, lessons).
func (a *App) DeviceAlert() string { return a.status.alert }
