package ui

import (
	"fmt"

	"postmeter/meter"
)

// The screens' own words: button captions, titles, prompts and hints, each with a stable ID, beside the
// core's catalogue (meter.Catalogue) of everything it tells the clerk. txt looks both up.

// Caption IDs.
const (
	CapOK                 meter.MessageID = "ui.ok"
	CapCancel             meter.MessageID = "ui.cancel"
	CapClear              meter.MessageID = "ui.clear"
	CapDelete             meter.MessageID = "ui.delete"
	CapOtherAmount        meter.MessageID = "ui.other-amount"
	CapKeyInPostage       meter.MessageID = "ui.key-in-postage"
	CapKeyInWeight        meter.MessageID = "ui.key-in-weight"
	CapKeypadNewAmount    meter.MessageID = "ui.keypad.new-amount"
	CapKeypadRefillAmount meter.MessageID = "ui.keypad.refill-amount"
	CapKeypadWeight       meter.MessageID = "ui.keypad.weight"
	CapDigitsFillCents    meter.MessageID = "ui.keypad.fill-cents"
	CapDigitsFillTenths   meter.MessageID = "ui.keypad.fill-tenths"
)

var captions = map[meter.MessageID]meter.Entry{
	CapOK:                 {Kind: meter.KindCaption, Text: "OK"},
	CapCancel:             {Kind: meter.KindCaption, Text: "Cancel"},
	CapClear:              {Kind: meter.KindCaption, Text: "Clear"},
	CapDelete:             {Kind: meter.KindCaption, Text: "Delete"},
	CapOtherAmount:        {Kind: meter.KindTitle, Text: "Other amount"},
	CapKeyInPostage:       {Kind: meter.KindCaption, Text: "Key in Postage"},
	CapKeyInWeight:        {Kind: meter.KindCaption, Text: "Key in weight"},
	CapKeypadNewAmount:    {Kind: meter.KindBody, Text: "Enter the new amount, then select OK."},
	CapKeypadRefillAmount: {Kind: meter.KindBody, Text: "Enter the amount to transfer from your postage account, then select OK."},
	CapKeypadWeight:       {Kind: meter.KindBody, Text: "Enter the weight in ounces, then select OK."},
	CapDigitsFillCents:    {Kind: meter.KindBody, Text: "Digits fill from the right: 1 2 5 0 0 is $125.00."},
	CapDigitsFillTenths:   {Kind: meter.KindBody, Text: "Digits fill from the right, the last one in tenths: 1 3 is 1.3 oz."},
}

// txt is the caption or core text id, filled with args.
func txt(id meter.MessageID, args ...any) string {
	e, ok := captions[id]
	if !ok {
		return meter.Words(id, args...)
	}
	if len(args) == 0 {
		return e.Text
	}
	return fmt.Sprintf(e.Text, args...)
}
