// Package scale drives real shipping and postal scales: serial scales speaking the NCI protocol
// (AWTX SCP-01) over RS-232 or USB-serial, polled or streaming, and USB HID point-of-sale scales
// (usage page 0x8D) through /dev/hidraw. Both end in a Reading: a weight converted to the meter's
// tenths of an ounce and a State, which becomes the meter's scale error the clerk reads.
//
// A driver keeps no connection it cannot use: after an unplugged cable or an answer it cannot read it
// closes the device and opens it again at the next weighing, so a scale that comes back is used again
// without a restart. Protocol notes: docs/scales.md.
package scale
