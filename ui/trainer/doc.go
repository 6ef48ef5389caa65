// Package trainer is the desktop trainer simulator around the meter's touchscreen: beside the screen, a
// panel that makes things go wrong on purpose (the network, the Data Center, the account, the print
// engine, the ink, the scale, the clock), an output tray of everything printed, and guided lessons whose
// steps name their buttons by ui.ID. It acts on the simulator only through the simulator's methods, the
// same device and Data Center interfaces the kiosk uses; the kiosk never links it.
package trainer
