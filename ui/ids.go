package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"postmeter/meter"
)

// ID names a button a clerk can touch. Tests, scenes, lessons and the benchmarks find buttons by ID,
// never by their caption, so rewording a caption breaks none of them. IDs are short, stable and
// readable in a lesson file ("funds", "key.5", "user.Sue").
type ID string

// Buttons of the screens.
const (
	IDHome       ID = "home"
	IDRunMail    ID = "run-mail"
	IDFunds      ID = "funds"
	IDReports    ID = "reports"
	IDSettings   ID = "settings"
	IDSignOut    ID = "sign-out"
	IDOpenFunds  ID = "open-funds" // a Home banner's way to Funds
	IDGetBalance ID = "get-balance"
	IDBackToMail ID = "back-to-run-mail"

	// The dialogs' actions and the screens' buttons that do the same carry the action's catalogue ID.
	IDAddPostage    = ID(meter.ActionAddPostage)
	IDRefillMyMeter = ID(meter.ActionRefillMyMeter)
	IDTryAgain      = ID(meter.ActionTryAgain)
	IDCancel        = ID(meter.ActionCancel)
	IDOK            = ID(meter.ActionOK)
	IDSignIn        = ID(meter.ActionSignIn)
	IDContinue      = ID(meter.ActionContinue)

	IDTabMeterFunds     ID = "tab.meter-funds"
	IDTabRefillSettings ID = "tab.refill-settings"
	IDTabLastRefills    ID = "tab.last-refills"
	IDTabMeterInfo      ID = "tab.meter-information"
	IDCancelRefill      ID = "cancel-refill"
	IDPrintFundsReport  ID = "print-funds-report"
	IDUploadPostalInfo  ID = "upload-postal-information"

	IDRefillLast    ID = "refill.last-amount"
	IDRefillDefault ID = "refill.default-amount"
	IDRefillOther   ID = "refill.other-amount"
	IDConfirm       ID = "confirm"
	IDPrintReceipt  ID = "print-receipt"
	IDDone          ID = "done"

	IDPrintEnvelope ID = "print.envelope" // Start, with an envelope on the feed deck
	IDPrintTape     ID = "print.tape"
	IDPrintDocument ID = "print.document"

	IDKeypadOK   ID = "keypad.ok"
	IDKeypadBack ID = "keypad.back" // Cancel, or Back where the keypad has no cancel

	IDKeyInWeight    ID = "run-mail.key-in-weight"
	IDWeigh          ID = "run-mail.weigh"
	IDWeighingMethod ID = "run-mail.weighing-method" // the model's weighing methods (W-O-W, differential)
	IDKeyInPostage   ID = "run-mail.key-in-postage"
	IDAccount        ID = "run-mail.account"
	IDDateEarlier    ID = "run-mail.date-earlier"
	IDDateLater      ID = "run-mail.date-later"
	IDStart          ID = "run-mail.start"
	IDTape           ID = "run-mail.tape"
	IDPostageInMeter ID = "run-mail.postage-in-meter"
	IDNoAccount      ID = "run-mail.no-account"

	IDReportFunds       ID = "report.funds"
	IDReportReceipt     ID = "report.refill-receipt"
	IDReportLastRefills ID = "report.last-refills"
	IDEndBatch          ID = "settings.end-batch"
	IDRates             ID = "settings.rates"
	IDDevices           ID = "settings.devices"
	IDDevicesCheck      ID = "devices.check"

	IDKeyboardOK   ID = "kbd.ok"
	IDKeyboardBack ID = "kbd.back"

	// Auto-refill settings (autorefill.go).
	IDAutoRefillSettings ID = "funds.auto-refill"
	IDAutoRefillOn       ID = "auto-refill.on"
	IDAutoRefillOff      ID = "auto-refill.off"
	IDAutoRefillFewer    ID = "auto-refill.per-day-fewer"
	IDAutoRefillMore     ID = "auto-refill.per-day-more"
	IDAutoRefillSave     ID = "auto-refill.save"
	IDAutoRefillCancel   ID = "auto-refill.cancel"
)

// Key is a keypad key: "0"–"9", "clear", "delete".
func Key(k string) ID { return ID("key." + k) }

// User is a user's button on the sign-in screen.
func User(name string) ID { return ID("user." + name) }

// Class is a mail class's button on Run Mail.
func Class(c meter.MailClass) ID { return ID("class." + string(c)) }

// AccountCode is an account code's button in Run Mail's account dialog.
func AccountCode(code string) ID { return ID("account." + code) }

// WeighingMethod is the button that chooses method m in the weighing dialog.
func WeighingMethod(m meter.WeighingMethod) ID { return ID("weighing." + string(m)) }

// ChangeSetting is a refill setting's Change button.
func ChangeSetting(name string) ID { return ID("change." + name) }

// dialogAction is a dialog's button for one of the message's actions.
func dialogAction(m meter.MessageID) ID { return ID(m) }

// Button is a touchscreen button that knows its ID.
type Button struct {
	widget.Button
	ID ID
}

// ButtonHeight is the least height of every button: a comfortable touch target above MinTarget,
// whatever the text size.
const ButtonHeight = 56

// MinSize is the button's own, never lower than ButtonHeight.
func (b *Button) MinSize() fyne.Size {
	s := b.Button.MinSize()
	return fyne.NewSize(max(s.Width, ButtonHeight), max(s.Height, ButtonHeight))
}

// MouseIn, MouseMoved and MouseOut do nothing: a touchscreen has no hover. The kiosk theme's hover colour
// is already transparent, but a finger's touch moves the pointer, and each hover change still redrew the
// whole window while the tap's work and its next screen were being done (cmd/benchtable: the sign-in's
// OK 218 -> 144 ms, Done 103 -> 88 ms).
func (b *Button) MouseIn(*desktop.MouseEvent) {}

// MouseMoved does nothing (see MouseIn).
func (b *Button) MouseMoved(*desktop.MouseEvent) {}

// MouseOut does nothing (see MouseIn).
func (b *Button) MouseOut() {}

func newButton(id ID, label string, icon fyne.Resource, tapped func()) *Button {
	b := &Button{ID: id}
	b.Text, b.Icon, b.OnTapped = label, icon, tapped
	b.ExtendBaseWidget(b)
	return b
}
