// Package kiosk is the touchscreen on a real meter, as cmd/postmeter-kiosk runs it: it reads the
// meter's configuration file, assembles the meter from its vault, keys, real Data Center client and
// devices (enrolling it on its first start and removing the spent secrets from the file), and runs the
// screens full screen until the window closes.
//
// It lives apart from cmd/postmeter, the trainer, so that the kiosk binary links none of the trainer's
// code: no simulator, no embedded Data Center, no Fyne test driver, no net/http/httptest.
// cmd/postmeter-kiosk's TestKioskBinaryLinksNoTrainerCode checks the binary's symbols, so an import
// added here that pulls one of those in fails the tests.
package kiosk
