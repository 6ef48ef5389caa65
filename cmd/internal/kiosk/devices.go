package kiosk

import (
	"log/slog"
	"path/filepath"

	"postmeter/devices"
	"postmeter/devices/cups"
	"postmeter/meter"
	"postmeter/meter/parts"
	"postmeter/printer"
)

// OpenDevices connects the devices the configuration names.
func OpenDevices(c Config, log *slog.Logger) (parts.Devices, error) {
	trayDir := c.OutputTray
	if trayDir == "" {
		trayDir = filepath.Join(c.DataDir, "output-tray")
	}
	d := parts.Devices{Engine: devices.NewTrayEngine(trayDir, meter.SystemClock{})}
	if c.PrinterURI != "" {
		d.Printer = cups.Printer{P: &printer.IPPPrinter{URI: c.PrinterURI, Logger: log}}
	}
	return d, nil
}
