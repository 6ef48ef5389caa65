package meter

import (
	"context"
	"errors"
	"strings"

	"postmeter/funds"
	"postmeter/printer/when"
)

// Message is a failure told to the clerk: what happened, what to do, and the buttons that do it. Its
// words come from the catalogue (catalogue.go); ID names the body's entry.
type Message struct {
	ID    MessageID
	Title string
	Text  string
	// Actions are the buttons the message offers, by the ID of their caption (Words gives the text): the
	// screens give each button its action by that ID, never by the caption's words.
	Actions []MessageID
}

// Buttons offered by messages, by the IDs of their captions.
const (
	ActionTryAgain      = MsgActionTryAgain
	ActionCancel        = MsgActionCancel
	ActionOK            = MsgActionOK
	ActionSignIn        = MsgActionSignIn
	ActionContinue      = MsgActionContinue
	ActionAddPostage    = MsgActionAdd
	ActionRefillMyMeter = MsgActionRefill
	ActionEndBatch      = MsgActionEndBatch
)

// msg builds a message from catalogue entries: the title, the body filled with args, the actions.
func msg(title, body MessageID, actions []MessageID, args ...any) Message {
	return Message{ID: body, Title: Words(title), Text: Words(body, args...), Actions: actions}
}

// Explain turns any error from the core into the message a clerk reads, every word from the catalogue.
// An error it does not know is logged by the caller and shown as "Something went wrong", never as Go's
// error text.
func Explain(err error) Message {
	var (
		noRights     *NoRightsError
		declined     *funds.DeclinedError
		pending      *funds.PendingRefillError
		insufficient *funds.InsufficientFundsError
		limits       *OutOfLimitsError
		lock         *InspectionLockError
		device       *DeviceError
		printFailed  *PrintFailedError
		overweight   *OverweightError
		wrongPIN     *WrongPINError
		lockedOut    *LockedOutError
		tooShort     *PINTooShortError
		mustChange   *PINChangeRequiredError
		expired      *SessionExpiredError
		account      *AccountError
		records      *funds.VerifyError
		notOnModel   *NotOnModelError
		preset       *PresetError
		correction   *DateCorrectionError
		autoSettings *AutoSettingsError
	)
	ok := []MessageID{ActionOK}
	if m, refund := explainRefund(err); refund { // refunds.go
		return m
	}
	switch {
	case err == nil:
		return Message{}
	case errors.As(err, &autoSettings):
		return msg(MsgAutoSettingsTitle, autoSettings.Reason, ok, autoSettings.Args...)
	case errors.As(err, &noRights):
		return msg(MsgNoRightsTitle, MsgNoRights, []MessageID{ActionSignIn, ActionOK}, noRights.User, noRights.Right.action())
	case errors.As(err, &records):
		return msg(MsgRecordsFailedTitle, MsgRecordsFailed, ok)
	case errors.As(err, &account):
		return explainAccount(account)
	case errors.As(err, &preset):
		return explainPreset(preset)
	case errors.As(err, &correction):
		return explainDateCorrection(correction)
	case errors.Is(err, ErrNoExportFolder):
		return msg(MsgExportTitle, MsgNoExportFolder, ok)
	case errors.Is(err, ErrExportFailed):
		return msg(MsgExportTitle, MsgExportFailed, ok)
	case errors.Is(err, ErrAccountRequired):
		return msg(MsgAccountTitle, MsgAccountRequired, ok)
	case errors.As(err, &mustChange):
		return msg(MsgChoosePINTitle, MsgMustChangePIN, []MessageID{ActionSignIn}, mustChange.User)
	case errors.As(err, &lockedOut):
		return msg(MsgLockedOutTitle, MsgLockedOut, ok, lockedOut.User, when.Time(lockedOut.Until))
	case errors.As(err, &wrongPIN):
		if wrongPIN.AttemptsLeft == 1 {
			return msg(MsgSignInFailedTitle, MsgWrongPINLast, ok, wrongPIN.User)
		}
		return msg(MsgSignInFailedTitle, MsgWrongPIN, ok, wrongPIN.User, wrongPIN.AttemptsLeft)
	case errors.As(err, &tooShort):
		return msg(MsgPINTooShortTitle, MsgPINTooShort, ok, capitalize(withArticle(strings.ToLower(tooShort.Role.Label()))),
			tooShort.Min, tooShort.Entered, tooShort.Min, MaxPINLength)
	case errors.Is(err, ErrSupervisorNeedsLongPIN):
		return msg(MsgPINTooShortTitle, MsgSupervisorPIN, ok, MinSupervisorPINLength, MinSupervisorPINLength, MaxPINLength)
	case errors.Is(err, ErrSamePIN):
		return msg(MsgSamePINTitle, MsgSamePIN, ok)
	case errors.Is(err, ErrNoPepper):
		return msg(MsgSignInFailedTitle, MsgNoPepper, ok)
	case errors.Is(err, ErrInvalidPIN):
		return msg(MsgSignInFailedTitle, MsgInvalidPIN, ok)
	case errors.Is(err, ErrUnknownUser):
		return msg(MsgSignInFailedTitle, MsgUnknownUser, ok)
	case errors.Is(err, ErrNotSignedIn):
		return msg(MsgSignInFailedTitle, MsgNotSignedIn, []MessageID{ActionSignIn})
	case errors.As(err, &expired), errors.Is(err, ErrSessionExpired):
		return msg(MsgSignedOutTitle, MsgSessionExpired, []MessageID{ActionSignIn})
	case errors.As(err, &insufficient):
		return msg(MsgInsufficientTitle, MsgInsufficient, []MessageID{ActionRefillMyMeter, ActionCancel},
			insufficient.Needed, insufficient.Available)
	case errors.As(err, &limits):
		return msg(MsgOutOfLimitsTitle, MsgOutOfLimits, ok, limits.Amount, limits.Limits.Min, limits.Limits.Max)
	case errors.Is(err, ErrZeroAmount):
		return msg(MsgOutOfLimitsTitle, MsgZeroAmount, ok)
	case errors.As(err, &declined):
		return explainDecline(declined)
	case errors.As(err, &pending):
		return msg(MsgNoConnectionTitle, MsgNoConnectionPending, []MessageID{ActionTryAgain, ActionCancel}, pending.Refill.Amount)
	case errors.Is(err, funds.ErrNoConnection):
		return msg(MsgNoConnectionTitle, MsgNoConnection, []MessageID{ActionTryAgain, ActionCancel})
	case errors.Is(err, ErrNoRefillPending):
		return msg(MsgNoRefillWaitingTitle, MsgNoRefillWaiting, ok)
	case errors.Is(err, funds.ErrRefillPending):
		return msg(MsgPendingTitle, MsgPending, []MessageID{ActionTryAgain, ActionCancel})
	case isRefusal(err, funds.CodeUnauthorized):
		return msg(MsgUnknownMeterTitle, MsgUnknownMeter, ok)
	case isRefusal(err, funds.CodeStaleRequest):
		return msg(MsgClockOffTitle, MsgClockOff, ok)
	case errors.Is(err, ErrMeterSuspect), isRefusal(err, funds.CodeMeterSuspect):
		return msg(MsgSuspectTitle, MsgSuspect, ok)
	case errors.As(err, &lock):
		id, args := lock.Status.messageID()
		return msg(MsgInspectionTitle, id, ok, args...)
	case errors.As(err, &printFailed):
		return msg(MsgPrintFailedTitle, MsgPrintFailed, ok, printFailed.Piece.Seq, printFailed.Piece.Amount, deviceText(printFailed.Err))
	case errors.As(err, &device):
		return Message{ID: MsgCheckDeviceTitle, Title: Words(MsgCheckDeviceTitle, device.Device), Text: deviceText(device), Actions: ok}
	case errors.As(err, &overweight):
		id := MsgOverweightKeyIn
		args := []any{overweight.Class.noun(), overweight.Max, overweight.Weight}
		switch {
		case overweight.Next != "":
			id, args = MsgOverweightUse, append(args, overweight.Next.Label())
		case overweight.Class == ClassFlat:
			id = MsgOverweightPriority
		}
		return msg(MsgOverweightTitle, id, ok, args...)
	case errors.Is(err, ErrWeightTooHeavy):
		return msg(MsgWeightTitle, MsgWeightTooHeavy, ok, MaxMailWeight)
	case errors.Is(err, ErrInvalidWeight):
		return msg(MsgWeightTitle, MsgNoWeight, ok)
	case errors.Is(err, ErrPostageTooLarge):
		return msg(MsgPostageTitle, MsgPostageTooLarge, ok, MaxKeyedPostage)
	case errors.As(err, &notOnModel):
		switch MessageID(notOnModel.Do) {
		case MsgNotOnModelTape:
			return msg(MsgNotOnModelTitle, MsgNotOnModelTape, ok, notOnModel.Model)
		}
		return msg(MsgNotOnModelTitle, MsgNotOnModelWeigh, ok, notOnModel.Model, notOnModel.What)
	case errors.Is(err, ErrTakeOnePiece):
		return msg(MsgWeightTitle, MsgTakeOnePiece, ok)
	case errors.Is(err, ErrNoPostage):
		return msg(MsgPostageTitle, MsgNoPostage, ok)
	case errors.Is(err, ErrNoRateTable):
		return msg(MsgPostageTitle, MsgNoRateTable, ok)
	case errors.Is(err, ErrPriceUnknown):
		return msg(MsgPostageTitle, MsgPriceUnknown, ok)
	case errors.Is(err, ErrUnknownClass):
		return msg(MsgPostageTitle, MsgClassNotInTable, ok)
	case errors.Is(err, ErrUnverifiedRates):
		return msg(MsgPostageTitle, MsgUnverifiedRatesOff, ok)
	case errors.Is(err, ErrDestinationZIP):
		return msg(MsgDestinationZIPTitle, MsgDestinationZIP, ok)
	case errors.Is(err, context.Canceled):
		return msg(MsgCancelledTitle, MsgCancelled, ok)
	}
	return msg(MsgUnexpectedTitle, MsgUnexpected, ok)
}

// deviceText is what a device's failure means for the clerk, by what the device reported.
func deviceText(err error) string {
	for _, d := range []struct {
		err error
		id  MessageID
	}{{ErrNoEnvelope, MsgNoEnvelope}, {ErrTapeOut, MsgTapeOut}, {ErrInkOut, MsgInkOut}, {ErrJam, MsgJam},
		{ErrEngineOffline, MsgEngineOffline}, {ErrEngineStopped, MsgEngineStopped},
		{ErrPrinterStopped, MsgPrinterStopped}, {ErrPrinterUnreachable, MsgPrinterUnreachable},
		{ErrNoPrinter, MsgNoPrinter}, {ErrScaleUnreadable, MsgScaleUnreadable}, {ErrScaleEmpty, MsgScaleEmpty},
		{ErrScaleUnderZero, MsgScaleUnderZero}, {ErrScaleOverCapacity, MsgScaleOverCapacity},
		{ErrScaleNeedsZero, MsgScaleNeedsZero}, {ErrScaleFault, MsgScaleFault}, {ErrScaleNoAnswer, MsgScaleNoAnswer},
		{ErrScaleGarbled, MsgScaleGarbled}} {
		if errors.Is(err, d.err) {
			return Words(d.id)
		}
	}
	var device *DeviceError
	if errors.As(err, &device) {
		return Words(MsgDeviceFailed, device.Device)
	}
	return Words(MsgDeviceFailed, "print engine")
}

func explainDecline(d *funds.DeclinedError) Message {
	ok := []MessageID{ActionOK}
	switch d.Decline.Code {
	case funds.CodeShortOfFunds:
		if d.Decline.MaxMills > 0 {
			return msg(MsgShortOfFundsTitle, MsgShortOfFundsUpTo, ok, funds.Amount(d.Decline.MaxMills))
		}
		return msg(MsgShortOfFundsTitle, MsgShortOfFundsNone, ok)
	case funds.CodeOutOfLimits:
		return msg(MsgOutOfLimitsTitle, MsgDCOutOfLimits, ok, funds.Amount(d.Decline.MinMills), funds.Amount(d.Decline.MaxMills))
	case funds.CodeAccountLocked:
		return msg(MsgAccountLockedTitle, MsgAccountLocked, ok)
	}
	return msg(MsgDeclinedTitle, MsgDeclined, ok)
}

// withArticle puts "a" or "an" before a noun.
func withArticle(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// sentence makes s a sentence: a capital first letter and a full stop.
func sentence(s string) string {
	s = capitalize(s)
	if s != "" && !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// isRefusal reports whether err is the Data Center's refusal with code.
func isRefusal(err error, code string) bool {
	var api *funds.APIError
	return errors.As(err, &api) && api.Code == code
}

// explainAccount says what an account code's refusal means and what to do.
func explainAccount(e *AccountError) Message {
	ok := []MessageID{ActionOK}
	switch {
	case errors.Is(e, ErrAccountDisabled):
		return msg(MsgAccountTitle, MsgAccountDisabled, ok, e.Name)
	case errors.Is(e, ErrAccountPIN):
		return msg(MsgAccountTitle, MsgAccountPINNeeded, ok, e.Name)
	case errors.Is(e, ErrWrongAccountPIN):
		return msg(MsgAccountWrongPINTitle, MsgAccountWrongPIN, ok, e.Name)
	case errors.Is(e, ErrAccountName):
		return msg(MsgAccountTitle, MsgAccountName, ok, AccountNameMaxLength)
	case errors.Is(e, ErrAccountNameTaken):
		return msg(MsgAccountTitle, MsgAccountNameTaken, ok, e.Name)
	case errors.Is(e, ErrTooManyAccounts):
		return msg(MsgAccountTitle, MsgAccountTooMany, ok, e.Limit)
	case errors.Is(e, ErrAccountIsDefault):
		return msg(MsgAccountTitle, MsgAccountIsDefault, ok, e.Name, e.Name)
	case errors.Is(e, ErrAccountNotFound) && e.Name == "":
		return msg(MsgAccountTitle, MsgAccountNoneToRequire, ok)
	}
	return msg(MsgAccountTitle, MsgAccountNotFound, ok)
}
