package meter

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"postmeter/funds"
)

// Message is a failure told to the clerk: what happened, what to do, and the buttons that do it.
type Message struct {
	Title   string
	Text    string
	Actions []string // e.g. "Try again", "Cancel", "Refill My Meter", "OK"
}

// Button labels offered by messages.
const (
	ActionTryAgain = "Try again"
	ActionCancel   = "Cancel"
	ActionOK       = "OK"
	ActionSignIn   = "Sign in"
)

// Explain turns any error from the core into the message a clerk reads. Every typed failure has its
// own words; anything else is reported as it is, never hidden.
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
	)
	switch {
	case err == nil:
		return Message{}
	case errors.As(err, &noRights):
		return Message{Title: "No rights", Text: noRights.Error(), Actions: []string{ActionSignIn, ActionOK}}
	case errors.As(err, &mustChange):
		return Message{Title: "Choose a new PIN", Text: fmt.Sprintf("%s must choose a new PIN before using the meter. "+
			"Sign in again and choose a new PIN.", mustChange.User), Actions: []string{ActionSignIn}}
	case errors.As(err, &lockedOut):
		return Message{Title: "Sign-in locked", Text: fmt.Sprintf("Too many wrong PINs for %s, so sign-in is locked until %s. "+
			"Try again then, or ask a supervisor to clear the lock.", lockedOut.User, lockedOut.Until.Format("15:04")),
			Actions: []string{ActionOK}}
	case errors.As(err, &wrongPIN):
		left := fmt.Sprintf("%d attempts left", wrongPIN.AttemptsLeft)
		if wrongPIN.AttemptsLeft == 1 {
			left = "1 attempt left"
		}
		return Message{Title: "Sign-in failed", Text: fmt.Sprintf("Wrong PIN for %s: %s before sign-in is locked. "+
			"Enter the PIN again.", wrongPIN.User, left), Actions: []string{ActionOK}}
	case errors.As(err, &tooShort):
		return Message{Title: "PIN too short", Text: fmt.Sprintf("%s's PIN has at least %d digits; this one has %d. "+
			"Enter a PIN of %d to %d digits.", capitalize(withArticle(strings.ToLower(tooShort.Role.Label()))), tooShort.Min, tooShort.Entered,
			tooShort.Min, MaxPINLength), Actions: []string{ActionOK}}
	case errors.Is(err, ErrSupervisorNeedsLongPIN):
		return Message{Title: "PIN too short", Text: fmt.Sprintf("A supervisor needs a PIN of at least %d digits. "+
			"Set a PIN of %d to %d digits for this user first, then make them a supervisor.",
			MinSupervisorPINLength, MinSupervisorPINLength, MaxPINLength), Actions: []string{ActionOK}}
	case errors.Is(err, ErrSamePIN):
		return Message{Title: "Choose another PIN", Text: "The new PIN is the same as the old one. Choose a different PIN.",
			Actions: []string{ActionOK}}
	case errors.Is(err, ErrNoPepper):
		return Message{Title: "Sign-in failed", Text: "The meter cannot check PINs because its device key is missing. " +
			"Call for service.", Actions: []string{ActionOK}}
	case errors.Is(err, ErrInvalidPIN), errors.Is(err, ErrUnknownUser), errors.Is(err, ErrNotSignedIn):
		return Message{Title: "Sign-in failed", Text: sentence(err.Error()), Actions: []string{ActionOK}}
	case errors.Is(err, ErrSessionExpired):
		return Message{Title: "Signed out", Text: err.Error(), Actions: []string{ActionSignIn}}
	case errors.As(err, &insufficient):
		return Message{Title: "Insufficient funds",
			Text: fmt.Sprintf("This piece needs %s of postage but the meter holds %s. Refill the meter to print it.",
				insufficient.Needed, insufficient.Available),
			Actions: []string{ActionRefillMyMeter, ActionCancel}}
	case errors.As(err, &limits):
		return Message{Title: "Amount out of limits", Text: limits.Error(), Actions: []string{ActionOK}}
	case errors.As(err, &declined):
		return explainDecline(declined)
	case errors.As(err, &pending):
		return Message{Title: "No connection to the Data Center",
			Text: fmt.Sprintf("The meter could not reach the Data Center, so the refill of %s is not finished and nothing "+
				"was added. Check the network connection, then try again, or cancel the refill.", pending.Refill.Amount),
			Actions: []string{ActionTryAgain, ActionCancel}}
	case errors.Is(err, funds.ErrNoConnection):
		return Message{Title: "No connection to the Data Center",
			Text:    "The meter could not reach the Data Center. Check the network connection and try again.",
			Actions: []string{ActionTryAgain, ActionCancel}}
	case errors.Is(err, ErrNoRefillPending):
		return Message{Title: "No refill waiting",
			Text: "No refill is waiting for the Data Center any more, so there is nothing to try again or cancel. " +
				"Postage in meter on the Funds screen shows what was added.",
			Actions: []string{ActionOK}}
	case errors.Is(err, funds.ErrRefillPending):
		return Message{Title: "Refill pending",
			Text:    "An earlier refill is still waiting for the Data Center. Try it again or cancel it before starting another.",
			Actions: []string{ActionTryAgain, ActionCancel}}
	case isRefusal(err, funds.CodeUnauthorized):
		return Message{Title: "Meter not recognised",
			Text:    "The Data Center does not recognise this meter's signature, so nothing was changed. Call for service to enroll the meter again.",
			Actions: []string{ActionOK}}
	case isRefusal(err, funds.CodeStaleRequest):
		return Message{Title: "Check the date and time",
			Text:    "The Data Center refused the request because the meter's clock is more than five minutes off. Nothing was changed. Call for service to set the clock.",
			Actions: []string{ActionOK}}
	case errors.Is(err, ErrMeterSuspect), isRefusal(err, funds.CodeMeterSuspect):
		return Message{Title: "Call for service",
			Text: "The Data Center found that this meter's funds do not match its records, so printing and refills are stopped. " +
				"Call for service; nothing you can do on the meter will change this.",
			Actions: []string{ActionOK}}
	case errors.As(err, &lock):
		return Message{Title: "Postal inspection required", Text: lock.Error(), Actions: []string{ActionOK}}
	case errors.As(err, &printFailed):
		return Message{Title: "Print failed", Text: printFailed.Error(), Actions: []string{ActionOK}}
	case errors.As(err, &device):
		return Message{Title: "Check the " + device.Device, Text: device.Error(), Actions: []string{ActionOK}}
	case errors.As(err, &overweight):
		return Message{Title: "Too heavy for this class", Text: overweight.Error(), Actions: []string{ActionOK}}
	case errors.Is(err, context.Canceled):
		return Message{Title: "Cancelled", Text: "The operation was cancelled; nothing was changed.", Actions: []string{ActionOK}}
	}
	return Message{Title: "Something went wrong", Text: err.Error() + ". Try again; if it happens again, call for service.",
		Actions: []string{ActionOK}}
}

func explainDecline(d *funds.DeclinedError) Message {
	switch d.Decline.Code {
	case funds.CodeShortOfFunds:
		text := "Your postage account does not have enough funds for this refill."
		if d.Decline.MaxMills > 0 {
			text += fmt.Sprintf(" You can add up to %s now; choose Other amount to refill less,", funds.Amount(d.Decline.MaxMills))
		} else {
			text += " Nothing can be added now;"
		}
		return Message{Title: "Account short of funds", Text: text + " or add funds to your account.", Actions: []string{ActionOK}}
	case funds.CodeOutOfLimits:
		return Message{Title: "Amount out of limits", Text: fmt.Sprintf("The Data Center accepts refills from %s to %s for this meter. Enter an amount in that range.",
			funds.Amount(d.Decline.MinMills), funds.Amount(d.Decline.MaxMills)), Actions: []string{ActionOK}}
	case funds.CodeAccountLocked:
		return Message{Title: "Account locked", Text: "Your postage account is locked, so no postage can be added. " +
			"Contact your account administrator (this usually follows a returned payment).", Actions: []string{ActionOK}}
	}
	return Message{Title: "Refill declined", Text: d.Decline.Message, Actions: []string{ActionOK}}
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
