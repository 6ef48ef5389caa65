// Package devices holds the meter's device implementations behind the interfaces the core declares
// (meter.PrintEngine, meter.AttachedPrinter, meter.Scale): what they have in common (the conversion of
// the core's plain data into the printer package's, the health a driver keeps for Settings → Devices)
// and the output tray as a print engine ("tray:DIR" in the kiosk's configuration).
//
// The real drivers live in sub-packages, one per kind (devices/scale, devices/cups); the trainer's
// simulated devices in devices/sim, which the kiosk never links. The kiosk's configuration names its
// devices (cmd/internal/kiosk), and meter/parts puts them into a meter.
package devices
