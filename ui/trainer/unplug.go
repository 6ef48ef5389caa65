package trainer

import (
	"context"

	"fyne.io/fyne/v2"

	"postmeter/meter"
)

// unplugRow is the trainer's fault for each device: unplug the print engine, the attached printer (when
// the simulator has one) or the scale, and plug it in again. The meter then meets what a real driver
// reports: no answer, on the status bar, in the clerk's message and on Settings → Devices.
func (t *Trainer) unplugRow(st meter.EngineStatus) fyne.CanvasObject {
	sim := t.sim
	items := []fyne.CanvasObject{
		toggle(PanelUnplugEngine, "Engine", st.Offline, t.control(func(context.Context) error {
			sim.Engine.Update(func(s *meter.EngineStatus) { s.Offline = !s.Offline })
			return nil
		})),
	}
	if sim.Printer != nil {
		off := sim.Printer.Unplugged()
		items = append(items, toggle(PanelUnplugPrinter, "Printer", off, t.control(func(context.Context) error {
			sim.Printer.SetUnplugged(!off)
			return nil
		})))
	}
	off := sim.Scale.Unplugged()
	items = append(items, toggle(PanelUnplugScale, "Scale", off, t.control(func(context.Context) error {
		sim.Scale.SetUnplugged(!off)
		return nil
	})))
	return row("Unplug", items...)
}
