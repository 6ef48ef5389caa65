// Package devices holds the meter's device implementations behind the interfaces the core declares
// (meter.PrintEngine, meter.AttachedPrinter, meter.Scale): what they have in common, the conversion of
// the core's plain data into the printer package's, the output tray as a print engine, and the naming
// of a device in a configuration ("serial:/dev/ttyUSB0?baud=9600", "ipp://…", "tray:DIR").
//
// The real drivers live in sub-packages, one per kind (devices/scale, devices/cups); the trainer's
// simulated devices in devices/sim, which the kiosk never links.
package devices
