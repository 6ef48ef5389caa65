package meter

import (
	"fmt"
	"maps"
	"regexp"
	"strings"
	"unicode"
)

// MessageID names one clerk-facing text in the catalogue. IDs are stable: tests, lessons and
// translations refer to them, so a text may be reworded but its ID stays.
type MessageID string

// TextKind says which rules a text follows: a body is whole sentences ending with a full stop; a
// title or a caption (a button, a tab, a field label) is a short phrase without one.
type TextKind int

// Text kinds.
const (
	KindBody TextKind = iota
	KindTitle
	KindCaption
)

// Entry is one text of the catalogue. Text may hold fmt verbs (%s, %d, %v) where data goes: amounts,
// dates, names, counts, or another entry.
type Entry struct {
	Kind TextKind
	Text string
}

// Words is the catalogue text id filled with args. An unknown id is a programming mistake and panics,
// so a test of any screen that uses it fails.
func Words(id MessageID, args ...any) string {
	e, ok := catalogue[id]
	if !ok {
		panic("meter: no catalogue entry " + string(id))
	}
	if len(args) == 0 {
		return e.Text
	}
	return fmt.Sprintf(e.Text, args...)
}

// Catalogue returns every text the core gives the clerk, by ID (a copy).
func Catalogue() map[MessageID]Entry { return maps.Clone(catalogue) }

// Catalogue IDs: titles (…Title), bodies and captions of what the core tells the clerk.
const (
	MsgRefillLimits        MessageID = "refill.limits"
	MsgRefillLimitsUnknown MessageID = "refill.limits-unknown"
	MsgKeyedPostageLimit   MessageID = "runmail.keyed-postage-limit"
	MsgWeightLimit         MessageID = "runmail.weight-limit"

	MsgNoRightsTitle        MessageID = "rights.none.title"
	MsgNoRights             MessageID = "rights.none"
	MsgChoosePINTitle       MessageID = "pin.must-change.title"
	MsgMustChangePIN        MessageID = "pin.must-change"
	MsgLockedOutTitle       MessageID = "pin.locked-out.title"
	MsgLockedOut            MessageID = "pin.locked-out"
	MsgSignInFailedTitle    MessageID = "pin.sign-in-failed.title"
	MsgWrongPIN             MessageID = "pin.wrong"
	MsgWrongPINLast         MessageID = "pin.wrong-last"
	MsgPINTooShortTitle     MessageID = "pin.too-short.title"
	MsgPINTooShort          MessageID = "pin.too-short"
	MsgSupervisorPIN        MessageID = "pin.supervisor-short"
	MsgSamePINTitle         MessageID = "pin.same.title"
	MsgSamePIN              MessageID = "pin.same"
	MsgNoPepper             MessageID = "pin.no-device-key"
	MsgInvalidPIN           MessageID = "pin.invalid"
	MsgUnknownUser          MessageID = "pin.unknown-user"
	MsgNotSignedIn          MessageID = "pin.not-signed-in"
	MsgSignedOutTitle       MessageID = "session.expired.title"
	MsgSessionExpired       MessageID = "session.expired"
	MsgInsufficientTitle    MessageID = "funds.insufficient.title"
	MsgInsufficient         MessageID = "funds.insufficient"
	MsgOutOfLimitsTitle     MessageID = "refill.out-of-limits.title"
	MsgOutOfLimits          MessageID = "refill.out-of-limits"
	MsgDCOutOfLimits        MessageID = "refill.dc-out-of-limits"
	MsgZeroAmount           MessageID = "refill.zero"
	MsgShortOfFundsTitle    MessageID = "refill.short.title"
	MsgShortOfFundsUpTo     MessageID = "refill.short.up-to"
	MsgShortOfFundsNone     MessageID = "refill.short.none"
	MsgAccountLockedTitle   MessageID = "refill.account-locked.title"
	MsgAccountLocked        MessageID = "refill.account-locked"
	MsgDeclinedTitle        MessageID = "refill.declined.title"
	MsgDeclined             MessageID = "refill.declined"
	MsgNoConnectionTitle    MessageID = "link.none.title"
	MsgNoConnectionPending  MessageID = "link.none.pending"
	MsgNoConnection         MessageID = "link.none"
	MsgConnNoNetwork        MessageID = "status.no-network"
	MsgConnReady            MessageID = "status.ready"
	MsgConnOnline           MessageID = "status.connected"
	MsgConnNoAnswer         MessageID = "status.no-answer"
	MsgStageWaitNote        MessageID = "refill.stage.wait"
	MsgStageConnecting      MessageID = "refill.stage.connecting"
	MsgStageReserving       MessageID = "refill.stage.reserving"
	MsgStageAdding          MessageID = "refill.stage.adding"
	MsgStageAddingNote      MessageID = "refill.stage.adding.note"
	MsgStageConfirming      MessageID = "refill.stage.confirming"
	MsgStageConfirmingNote  MessageID = "refill.stage.confirming.note"
	MsgStageOther           MessageID = "refill.stage.other"
	MsgStagePercent         MessageID = "refill.stage.percent"
	MsgCompletionConfirmed  MessageID = "refill.done.confirmed"
	MsgCompletionOwed       MessageID = "refill.done.owed"
	MsgNoRefillWaitingTitle MessageID = "refill.none-waiting.title"
	MsgNoRefillWaiting      MessageID = "refill.none-waiting"
	MsgPendingTitle         MessageID = "refill.pending.title"
	MsgPending              MessageID = "refill.pending"
	MsgPendingWarning       MessageID = "refill.pending.warning"
	MsgUnknownMeterTitle    MessageID = "dc.unauthorized.title"
	MsgUnknownMeter         MessageID = "dc.unauthorized"
	MsgClockOffTitle        MessageID = "dc.stale.title"
	MsgClockOff             MessageID = "dc.stale"
	MsgSuspectTitle         MessageID = "dc.suspect.title"
	MsgSuspect              MessageID = "dc.suspect"
	MsgInspectionTitle      MessageID = "inspection.title"
	MsgInspectionDue        MessageID = "inspection.due"
	MsgInspectionLocked     MessageID = "inspection.locked"
	MsgInspectionOK         MessageID = "inspection.ok"
	MsgPrintFailedTitle     MessageID = "print.failed.title"
	MsgPrintFailed          MessageID = "print.failed"
	MsgCheckDeviceTitle     MessageID = "device.check.title"
	MsgOverweightTitle      MessageID = "weight.over-class.title"
	MsgOverweightUse        MessageID = "weight.over-class.use"
	MsgOverweightPriority   MessageID = "weight.over-class.priority"
	MsgOverweightKeyIn      MessageID = "weight.over-class.key-in"
	MsgWeightTitle          MessageID = "weight.invalid.title"
	MsgWeightTooHeavy       MessageID = "weight.too-heavy"
	MsgNoWeight             MessageID = "weight.none"
	MsgPostageTitle         MessageID = "postage.title"
	MsgNotOnModelTitle      MessageID = "model.not-on-model.title"
	MsgNotOnModelTape       MessageID = "model.no-tape"
	MsgNotOnModelWeigh      MessageID = "model.no-weighing"
	MsgTakeOnePiece         MessageID = "weight.differential-none"
	MsgPostageTooLarge      MessageID = "postage.too-large"
	MsgNoPostage            MessageID = "postage.none"
	MsgNoRateTable          MessageID = "rates.none"
	MsgPriceUnknown         MessageID = "rates.price-unknown"
	MsgClassNotInTable      MessageID = "rates.class-missing"
	MsgUnverifiedRatesOff   MessageID = "rates.unverified-refused"
	MsgUnverifiedRates      MessageID = "rates.unverified"
	MsgDestinationZIPTitle  MessageID = "destination-zip.title"
	MsgDestinationZIP       MessageID = "destination-zip.invalid"
	MsgCancelledTitle       MessageID = "cancelled.title"
	MsgCancelled            MessageID = "cancelled"
	MsgAccountTitle         MessageID = "account.title"
	MsgAccountRequired      MessageID = "account.required"
	MsgAccountDisabled      MessageID = "account.disabled"
	MsgAccountPINNeeded     MessageID = "account.pin-needed"
	MsgAccountWrongPINTitle MessageID = "account.wrong-pin.title"
	MsgAccountWrongPIN      MessageID = "account.wrong-pin"
	MsgAccountName          MessageID = "account.name"
	MsgAccountNameTaken     MessageID = "account.name-taken"
	MsgAccountTooMany       MessageID = "account.too-many"
	MsgAccountNotFound      MessageID = "account.not-found"
	MsgAccountNoneToRequire MessageID = "account.none-to-require"
	MsgAccountIsDefault     MessageID = "account.is-default"
	MsgExportTitle          MessageID = "export.title"
	MsgNoExportFolder       MessageID = "export.no-folder"
	MsgExportFailed         MessageID = "export.failed"
	MsgRecordsFailedTitle   MessageID = "records-failed.title"
	MsgRecordsFailed        MessageID = "records-failed"
	MsgUnexpectedTitle      MessageID = "unexpected.title"
	MsgUnexpected           MessageID = "unexpected"
	MsgLowFundsTitle        MessageID = "warn.low-funds.title"
	MsgLowFunds             MessageID = "warn.low-funds"
	MsgInkLowTitle          MessageID = "warn.ink-low.title"
	MsgInkLow               MessageID = "warn.ink-low"

	// What a device reports, and what to do about it (DeviceError).
	MsgNoEnvelope         MessageID = "device.no-envelope"
	MsgTapeOut            MessageID = "device.tape-out"
	MsgInkOut             MessageID = "device.ink-out"
	MsgJam                MessageID = "device.jam"
	MsgEngineOffline      MessageID = "device.engine-offline"
	MsgEngineStopped      MessageID = "device.engine-stopped"
	MsgPrinterStopped     MessageID = "device.printer-stopped"
	MsgPrinterUnreachable MessageID = "device.printer-unreachable"
	MsgNoPrinter          MessageID = "device.no-printer"
	MsgScaleUnreadable    MessageID = "device.scale-unreadable"
	MsgScaleEmpty         MessageID = "device.scale-empty"
	MsgScaleUnderZero     MessageID = "device.scale-under-zero"
	MsgScaleOverCapacity  MessageID = "device.scale-over-capacity"
	MsgScaleNeedsZero     MessageID = "device.scale-needs-zero"
	MsgScaleFault         MessageID = "device.scale-fault"
	MsgScaleNoAnswer      MessageID = "device.scale-no-answer"
	MsgScaleGarbled       MessageID = "device.scale-garbled"
	MsgDeviceFailed       MessageID = "device.failed"
	MsgDeviceReady        MessageID = "device.state.ready"
	MsgDeviceAttention    MessageID = "device.state.attention"
	MsgDeviceMissing      MessageID = "device.state.missing"
	MsgDeviceNoError      MessageID = "device.last-error.none"
	MsgDeviceLastError    MessageID = "device.last-error"
	MsgDeviceBar          MessageID = "device.status-bar"
	MsgDeviceEngine       MessageID = "device.name.engine"
	MsgDevicePrinter      MessageID = "device.name.printer"
	MsgDeviceScale        MessageID = "device.name.scale"

	// Buttons the messages offer.
	MsgActionTryAgain MessageID = "action.try-again"
	MsgActionCancel   MessageID = "action.cancel"
	MsgActionOK       MessageID = "action.ok"
	MsgActionSignIn   MessageID = "action.sign-in"
	MsgActionAdd      MessageID = "action.add-postage"
	MsgActionRefill   MessageID = "action.refill-my-meter"
	MsgActionContinue MessageID = "action.continue"
	MsgActionEndBatch MessageID = "action.end-batch"

	// Auto-refill (autorefill.go).
	MsgAutoRefillBy          MessageID = "auto-refill.by"
	MsgAutoTitle             MessageID = "auto-refill.title"
	MsgAutoRunning           MessageID = "auto-refill.running"
	MsgAutoAdded             MessageID = "auto-refill.added"
	MsgAutoFailedTitle       MessageID = "auto-refill.failed.title"
	MsgAutoLimit             MessageID = "auto-refill.limit"
	MsgAutoDeclined          MessageID = "auto-refill.declined"
	MsgAutoNoConnection      MessageID = "auto-refill.no-connection"
	MsgAutoOther             MessageID = "auto-refill.other"
	MsgAutoPendingWarning    MessageID = "auto-refill.pending"
	MsgAutoSettingsTitle     MessageID = "auto-refill.settings.title"
	MsgAutoNegativeThreshold MessageID = "auto-refill.settings.negative"
	MsgAutoPerDayRange       MessageID = "auto-refill.settings.per-day"
	MsgAutoPerDayAmount      MessageID = "auto-refill.settings.per-day-amount"
	// The refund ledger (refunds.go).
	MsgRefundTitle         MessageID = "refund.title"
	MsgRefundNoPiece       MessageID = "refund.no-piece"
	MsgRefundDayOver       MessageID = "refund.day-over"
	MsgRefundNotPrinted    MessageID = "refund.not-printed"
	MsgRefundNoPieces      MessageID = "refund.no-pieces"
	MsgRefundNotSpoiled    MessageID = "refund.not-spoiled"
	MsgRefundPastDeadline  MessageID = "refund.past-deadline"
	MsgRefundClaimed       MessageID = "refund.claimed"
	MsgRefundClaimedRace   MessageID = "refund.claimed-race"
	MsgRefundNoClaim       MessageID = "refund.no-claim"
	MsgRefundClaimState    MessageID = "refund.claim-state"
	MsgRefundNoApplicant   MessageID = "refund.no-applicant"
	MsgRefundDeadlineTitle MessageID = "refund.deadline.title"
	MsgRefundDeadline      MessageID = "refund.deadline"
	MsgActionRefundLedger  MessageID = "action.refund-ledger"
)

var catalogue = map[MessageID]Entry{
	MsgRefillLimits:        {KindBody, "This meter accepts refills from %s to %s."},
	MsgRefillLimitsUnknown: {KindBody, "The refill limits are shown after the first connection to the Data Center."},
	MsgKeyedPostageLimit:   {KindBody, "A piece can carry at most %s of keyed-in postage."},
	MsgWeightLimit:         {KindBody, "A piece can weigh at most %s (%d lb)."},

	MsgNoRightsTitle:      {KindTitle, "No rights"},
	MsgNoRights:           {KindBody, "%s cannot %s. Sign in as a supervisor, or ask one to grant operators the right in Roles setup."},
	MsgChoosePINTitle:     {KindTitle, "Choose a new PIN"},
	MsgMustChangePIN:      {KindBody, "%s must choose a new PIN before using the meter. Sign in again and choose a new PIN."},
	MsgLockedOutTitle:     {KindTitle, "Sign-in locked"},
	MsgLockedOut:          {KindBody, "Too many wrong PINs for %s, so sign-in is locked until %s. Try again then, or ask a supervisor to clear the lock."},
	MsgSignInFailedTitle:  {KindTitle, "Sign-in failed"},
	MsgWrongPIN:           {KindBody, "Wrong PIN for %s: %d attempts left before sign-in is locked. Enter the PIN again."},
	MsgWrongPINLast:       {KindBody, "Wrong PIN for %s: 1 attempt left before sign-in is locked. Enter the PIN again."},
	MsgPINTooShortTitle:   {KindTitle, "PIN too short"},
	MsgPINTooShort:        {KindBody, "%s's PIN has at least %d digits; this one has %d. Enter a PIN of %d to %d digits."},
	MsgSupervisorPIN:      {KindBody, "A supervisor needs a PIN of at least %d digits. Set a PIN of %d to %d digits for this user first, then make them a supervisor."},
	MsgSamePINTitle:       {KindTitle, "Choose another PIN"},
	MsgSamePIN:            {KindBody, "The new PIN is the same as the old one. Choose a different PIN."},
	MsgNoPepper:           {KindBody, "The meter cannot check PINs because its device key is missing. Call for service."},
	MsgInvalidPIN:         {KindBody, "A PIN is made of digits only. Enter the PIN again."},
	MsgUnknownUser:        {KindBody, "There is no such user on this meter. Select your name on the sign-in screen."},
	MsgNotSignedIn:        {KindBody, "Nobody is signed in. Sign in first."},
	MsgSignedOutTitle:     {KindTitle, "Signed out"},
	MsgSessionExpired:     {KindBody, "You were signed out after a while without activity. Sign in again."},
	MsgInsufficientTitle:  {KindTitle, "Insufficient funds"},
	MsgInsufficient:       {KindBody, "This piece needs %s of postage but the meter holds %s. Refill the meter to print it."},
	MsgOutOfLimitsTitle:   {KindTitle, "Amount out of limits"},
	MsgOutOfLimits:        {KindBody, "%s is outside this meter's refill limits. Enter an amount from %s to %s."},
	MsgDCOutOfLimits:      {KindBody, "The Data Center accepts refills from %s to %s for this meter. Enter an amount in that range."},
	MsgZeroAmount:         {KindBody, "No amount was keyed in. Enter the amount to add, then select OK."},
	MsgShortOfFundsTitle:  {KindTitle, "Account short of funds"},
	MsgShortOfFundsUpTo:   {KindBody, "Your postage account does not have enough funds for this refill. You can add up to %s now: choose Other amount to refill less, or add funds to your account."},
	MsgShortOfFundsNone:   {KindBody, "Your postage account does not have enough funds for this refill, and nothing can be added now. Add funds to your account."},
	MsgAccountLockedTitle: {KindTitle, "Account locked"},
	MsgAccountLocked: {KindBody, "Your postage account is locked, so no postage can be added. " +
		"Contact your account administrator (this usually follows a returned payment)."},
	MsgDeclinedTitle:     {KindTitle, "Refill declined"},
	MsgDeclined:          {KindBody, "The Data Center declined this refill, so nothing was added. Check the amount and try again, or contact your account administrator."},
	MsgNoConnectionTitle: {KindTitle, "No connection to the Data Center"},
	MsgNoConnectionPending: {KindBody, "The meter could not reach the Data Center, so the refill of %s is not finished and nothing " +
		"was added. Check the network connection, then try again, or cancel the refill."},
	MsgNoConnection:        {KindBody, "The meter could not reach the Data Center. Check the network connection and try again."},
	MsgConnNoNetwork:       {KindCaption, "No network"},
	MsgConnReady:           {KindCaption, "Data Center: ready"},
	MsgConnOnline:          {KindCaption, "Data Center: connected"},
	MsgConnNoAnswer:        {KindCaption, "Data Center: no answer"},
	MsgStageWaitNote:       {KindBody, "Please wait. If the connection fails, nothing is added and you can try again or cancel."},
	MsgStageConnecting:     {KindCaption, "Connecting to the Data Center…"},
	MsgStageReserving:      {KindCaption, "The Data Center is checking your account…"},
	MsgStageAdding:         {KindCaption, "Adding postage to the meter…"},
	MsgStageAddingNote:     {KindBody, "The Data Center approved the refill and the postage is being added to the meter. Please wait."},
	MsgStageConfirming:     {KindCaption, "Confirming with the Data Center…"},
	MsgStageConfirmingNote: {KindBody, "The postage is in the meter. The meter is telling the Data Center; please wait."},
	MsgStageOther:          {KindCaption, "Please wait…"},
	MsgStagePercent:        {KindCaption, "%d %%"},
	MsgCompletionConfirmed: {KindBody, "The postage was added to your meter."},
	MsgCompletionOwed: {KindBody, "The postage was added to your meter and you can use it now. The meter tells the Data Center " +
		"at its next connection; there is nothing else to do."},
	MsgNoRefillWaitingTitle: {KindTitle, "No refill waiting"},
	MsgNoRefillWaiting: {KindBody, "No refill is waiting for the Data Center any more, so there is nothing to try again or cancel. " +
		"Postage in meter on the Funds screen shows what was added."},
	MsgPendingTitle:      {KindTitle, "Refill pending"},
	MsgPending:           {KindBody, "An earlier refill is still waiting for the Data Center. Try it again or cancel it before starting another."},
	MsgPendingWarning:    {KindBody, "A refill of %s is waiting for the Data Center. Open Funds to try again or cancel it."},
	MsgUnknownMeterTitle: {KindTitle, "Meter not recognised"},
	MsgUnknownMeter:      {KindBody, "The Data Center does not recognise this meter's signature, so nothing was changed. Call for service to enroll the meter again."},
	MsgClockOffTitle:     {KindTitle, "Check the date and time"},
	MsgClockOff:          {KindBody, "The Data Center refused the request because the meter's clock is more than five minutes off. Nothing was changed. Call for service to set the clock."},
	MsgSuspectTitle:      {KindTitle, "Call for service"},
	MsgSuspect: {KindBody, "The Data Center found that this meter's funds do not match its records, so printing and refills are stopped. " +
		"Only service can clear this; nothing you can do on the meter will change it."},
	MsgInspectionTitle: {KindTitle, "Postal inspection required"},
	MsgInspectionDue: {KindBody, "The meter last reached the Data Center %d days ago. " +
		"Connect now (Get Balance, a refill or Upload postal information) before %s, when postage printing stops."},
	MsgInspectionLocked: {KindBody, "The meter has not reached the Data Center for %d days, so it cannot print postage. " +
		"Select Get Balance on the Meter Funds tab to connect; refills and reports still work."},
	MsgInspectionOK:         {KindBody, "The postal inspection is up to date."},
	MsgPrintFailedTitle:     {KindTitle, "Print failed"},
	MsgPrintFailed:          {KindBody, "Piece %d (%s) did not print, so its postage is recorded as spoiled for a refund request. %s"},
	MsgCheckDeviceTitle:     {KindTitle, "Check the %s"},
	MsgOverweightTitle:      {KindTitle, "Too heavy for this class"},
	MsgOverweightUse:        {KindBody, "A %s can weigh at most %s; this piece weighs %s. Select %s instead."},
	MsgOverweightPriority:   {KindBody, "A %s can weigh at most %s; this piece weighs %s. Send it as Priority Mail and key in the postage."},
	MsgOverweightKeyIn:      {KindBody, "A %s can weigh at most %s; this piece weighs %s. Key in the postage."},
	MsgWeightTitle:          {KindTitle, "Check the weight"},
	MsgWeightTooHeavy:       {KindBody, "A piece can weigh at most %s (70 lb). Check the weight and key it in again."},
	MsgNoWeight:             {KindBody, "No weight was keyed in. Key in the weight, then select OK."},
	MsgPostageTitle:         {KindTitle, "Check the postage"},
	MsgNotOnModelTitle:      {KindTitle, "Not on this meter"},
	MsgNotOnModelTape:       {KindBody, "The %s has no tape. Print on an envelope instead."},
	MsgNotOnModelWeigh:      {KindBody, "The %s does not offer %s. Weigh on the scale or key in the weight."},
	MsgTakeOnePiece:         {KindBody, "The stack on the scale is no lighter. Take one piece off the scale, then select Start."},
	MsgPostageTooLarge:      {KindBody, "A piece can carry at most %s of keyed-in postage. Key in a smaller amount."},
	MsgNoPostage:            {KindBody, "There is no postage to print yet. Choose a class and weight, or key in the postage."},
	MsgNoRateTable:          {KindBody, "No USPS price table is in force on this mailing date, so the meter cannot rate the piece. Key in the postage."},
	MsgPriceUnknown:         {KindBody, "The price table in force has no price for this class at this weight. Key in the postage."},
	MsgClassNotInTable:      {KindBody, "The price table in force on this mailing date has no prices for this class. Choose another class, or key in the postage."},
	MsgUnverifiedRatesOff:   {KindBody, "The USPS prices in force are not verified, and this meter is set not to rate from them. Key in the postage."},
	MsgUnverifiedRates:      {KindCaption, "Unverified rates"},
	MsgDestinationZIPTitle:  {KindTitle, "Check the destination ZIP Code"},
	MsgDestinationZIP:       {KindBody, "A destination ZIP Code has 5 digits, or 9 as 12345-6789. Key it in again, or leave it empty."},
	MsgCancelledTitle:       {KindTitle, "Cancelled"},
	MsgCancelled:            {KindBody, "The operation was cancelled, so nothing was changed."},
	MsgAccountTitle:         {KindTitle, "Account code"},
	MsgAccountRequired:      {KindBody, "This meter charges every piece to an account code. Choose one with Account code, then print again."},
	MsgAccountDisabled:      {KindBody, "The account code %s is disabled, so nothing can be charged to it. Choose another, or ask a supervisor to enable it."},
	MsgAccountPINNeeded:     {KindBody, "The account code %s has its own PIN. Choose it again with Account code and enter its PIN."},
	MsgAccountWrongPINTitle: {KindTitle, "Wrong account PIN"},
	MsgAccountWrongPIN:      {KindBody, "That is not the PIN of the account code %s. Try again, or ask the person who looks after it."},
	MsgAccountName:          {KindBody, "An account code's name has 1 to %d characters. Type the name again."},
	MsgAccountNameTaken:     {KindBody, "There is already an account code named %s. Type another name."},
	MsgAccountTooMany:       {KindBody, "This meter holds at most %d account codes. Rename a code no one uses any more instead of adding one."},
	MsgAccountNotFound:      {KindBody, "That account code is not on the list any more. Choose another one."},
	MsgAccountNoneToRequire: {KindBody, "There is no account code to require yet. Add one first."},
	MsgAccountIsDefault:     {KindBody, "This code is %s's own code on Run Mail, so it stays enabled. Choose another code for %s first."},
	MsgExportTitle:          {KindTitle, "Export"},
	MsgNoExportFolder:       {KindBody, "There is nowhere to save the report. Put the USB stick in, then select Export again."},
	MsgExportFailed:         {KindBody, "The report could not be saved on the USB stick. Check that it is not full or locked, then select Export again."},
	MsgRecordsFailedTitle:   {KindTitle, "Meter records failed their check"},
	MsgRecordsFailed:        {KindBody, "The meter found that its records were changed outside it, so it prints no postage and changes nothing. Call for service; do not switch the meter off."},
	MsgUnexpectedTitle:      {KindTitle, "Something went wrong"},
	MsgUnexpected:           {KindBody, "The meter could not finish this, and nothing was changed. Try again; if it happens again, call for service."},
	MsgLowFundsTitle:        {KindTitle, "Low funds"},
	MsgLowFunds:             {KindBody, "Postage in meter is %s, below the warning value of %s. Add postage to keep printing."},
	MsgInkLowTitle:          {KindTitle, "Low postal ink"},
	MsgInkLow:               {KindBody, "The postal ink is low. You can keep printing; have a new cartridge ready."},

	MsgNoEnvelope:         {KindBody, "There is no envelope on the feed deck. Place an envelope on the feed deck and select Start."},
	MsgTapeOut:            {KindBody, "The tape is out. Load a new roll of tape, then select Tape."},
	MsgInkOut:             {KindBody, "The postal ink is out. Replace the ink cartridge, then try again."},
	MsgJam:                {KindBody, "The print engine is jammed. Open the cover, remove the jammed piece and close the cover."},
	MsgEngineOffline:      {KindBody, "The print engine does not answer. Check that it is switched on and its cable is plugged in, then try again."},
	MsgEngineStopped:      {KindBody, "The print engine is paused and takes no jobs. Check the printer for a message, then try again; if it stays paused, call your administrator."},
	MsgPrinterStopped:     {KindBody, "The attached printer is not accepting jobs. Check the printer (paper, power, queue), then select Print on document again."},
	MsgPrinterUnreachable: {KindBody, "The attached printer does not answer. Check that it is on and connected, then select Print on document again, or print on tape."},
	MsgNoPrinter:          {KindBody, "No attached printer is set up on this meter. Print on an envelope or tape instead."},
	MsgScaleUnreadable:    {KindBody, "The scale gave no stable weight. Let the piece settle on the scale, or key in the weight."},
	MsgScaleEmpty:         {KindBody, "The scale reads zero. Place the piece on the scale, or key in the weight."},
	MsgScaleUnderZero:     {KindBody, "The scale reads less than zero. Take everything off the scale and zero it, then weigh the piece again."},
	MsgScaleOverCapacity:  {KindBody, "The piece is heavier than this scale can weigh. Weigh it on a larger scale and key in the weight."},
	MsgScaleNeedsZero:     {KindBody, "The scale needs zeroing. Take everything off the scale and press its Zero key, then weigh the piece again."},
	MsgScaleFault:         {KindBody, "The scale reports a fault. Switch the scale off and on again; until it works, key in the weight."},
	MsgScaleNoAnswer:      {KindBody, "The scale does not answer. Check that it is switched on and its cable is plugged in, or key in the weight."},
	MsgScaleGarbled:       {KindBody, "The scale's answer could not be read. Check its cable and its communication settings, or key in the weight."},
	MsgDeviceFailed:       {KindBody, "The %s did not work. Try again; if it happens again, call for service."},
	MsgDeviceReady:        {KindCaption, "Ready"},
	MsgDeviceAttention:    {KindCaption, "Needs attention"},
	MsgDeviceMissing:      {KindCaption, "No answer"},
	MsgDeviceNoError:      {KindBody, "None since the meter started."},
	MsgDeviceLastError:    {KindBody, "%s: %s"},
	MsgDeviceBar:          {KindCaption, "%s: no answer"},
	MsgDeviceEngine:       {KindCaption, "Print engine"},
	MsgDevicePrinter:      {KindCaption, "Attached printer"},
	MsgDeviceScale:        {KindCaption, "Scale"},

	MsgActionTryAgain: {KindCaption, "Try again"},
	MsgActionCancel:   {KindCaption, "Cancel"},
	MsgActionOK:       {KindCaption, "OK"},
	MsgActionSignIn:   {KindCaption, "Sign in"},
	MsgActionAdd:      {KindCaption, "Add Postage to Meter"},
	MsgActionRefill:   {KindCaption, "Refill My Meter"},
	MsgActionContinue: {KindCaption, "Continue"},
	MsgActionEndBatch: {KindCaption, "End batch"},

	// Auto-refill.
	MsgAutoRefillBy:    {KindCaption, "Auto-refill"},
	MsgAutoTitle:       {KindTitle, "Auto-refill"},
	MsgAutoRunning:     {KindBody, "Auto-refill is adding %s from the postage account. Keep printing: there is nothing to do."},
	MsgAutoAdded:       {KindBody, "Auto-refill added %s at %s."},
	MsgAutoFailedTitle: {KindTitle, "Auto-refill did not add postage"},
	MsgAutoLimit: {KindBody, "Auto-refill has reached today's limit of %d refills or %s. Add postage by hand, " +
		"or ask a supervisor to raise the limit in Funds, Refill settings."},
	MsgAutoDeclined: {KindBody, "The Data Center declined the auto-refill of %s. %s"},
	MsgAutoNoConnection: {KindBody, "An auto-refill of %s is waiting for the Data Center, which could not be reached. " +
		"Check the network cable: the meter tries again with the first piece after %s, or open Funds to try again or cancel it now."},
	MsgAutoOther:             {KindBody, "Auto-refill of %s did not work. Add postage by hand; if it happens again, call for service."},
	MsgAutoPendingWarning:    {KindBody, "An auto-refill of %s is waiting for the Data Center. Open Funds to try again or cancel it."},
	MsgAutoSettingsTitle:     {KindTitle, "Auto-refill settings"},
	MsgAutoNegativeThreshold: {KindBody, "The refill-below value cannot be negative. Enter $0.00 or more."},
	MsgAutoPerDayRange:       {KindBody, "Auto-refills a day must be from 1 to %d. Enter a number in that range."},
	MsgAutoPerDayAmount: {KindBody, "The most a day, %s, is less than one refill of %s, so auto-refill could never run. " +
		"Raise the most a day or lower the refill amount."},
	// The refund ledger (refunds.go).
	MsgRefundTitle:               {KindTitle, "Refund ledger"},
	MsgRefundNoPiece:             {KindBody, "There is no piece %d. Go back and choose a piece from the list."},
	MsgRefundDayOver:             {KindBody, "Piece %d is dated %s, and a misprint can be marked only until the end of its mailing date. Mark misprinted pieces on the day they are printed."},
	MsgRefundNotPrinted:          {KindBody, "Piece %d cannot be marked misprinted: only a printed piece can, and only once. It may be on the refund ledger already."},
	MsgRefundNoPieces:            {KindBody, "No piece is chosen. Tap the pieces to claim, then Make claim."},
	MsgRefundNotSpoiled:          {KindBody, "Piece %d is not on the refund ledger, so it cannot be claimed. Choose pieces from the ledger."},
	MsgRefundPastDeadline:        {KindBody, "Piece %d was due to be claimed by %s, 60 days after its date, and the post office no longer refunds it. Leave it out of the claim."},
	MsgRefundClaimed:             {KindBody, "Piece %d is in claim %d already. Choose pieces that are in no claim."},
	MsgRefundClaimedRace:         {KindBody, "A chosen piece was claimed a moment ago. Open the ledger again and choose the pieces still unclaimed."},
	MsgRefundNoClaim:             {KindBody, "There is no claim %d. Go back to the refund ledger and choose a claim from its list."},
	MsgRefundClaimState:          {KindBody, "Claim %d is %s, so it cannot become %s. A claim goes from open to submitted, then to refunded or refused."},
	MsgRefundNoApplicant:         {KindCaption, "Write the company that holds the meter here"},
	MsgRefundDeadlineTitle:       {KindTitle, "Refund deadline soon"},
	MsgRefundDeadline:            {KindBody, "Spoiled postage of %s must be claimed by %s, or its refund is lost. Open the refund ledger, make a claim, and take it to the post office with the pieces."},
	MsgActionRefundLedger:        {KindCaption, "Refund ledger"},
	"refund.cause.failed":        {KindCaption, "Print failed"},
	"refund.cause.unconfirmed":   {KindCaption, "Print not confirmed"},
	"refund.cause.misprinted":    {KindCaption, "Misprinted"},
	"refund.reason.illegible":    {KindCaption, "Smudged or unreadable"},
	"refund.reason.wrong-amount": {KindCaption, "Wrong postage amount"},
	"refund.reason.wrong-date":   {KindCaption, "Wrong date"},
	"refund.reason.wrong-piece":  {KindCaption, "Wrong envelope or side"},
	"refund.state.open":          {KindCaption, "Open"},
	"refund.state.submitted":     {KindCaption, "Submitted"},
	"refund.state.refunded":      {KindCaption, "Refunded"},
	"refund.state.refused":       {KindCaption, "Refused"},
}

// lowerPrefix is a Go package or device prefix such as "print engine: " or "funds: ".
var lowerPrefix = regexp.MustCompile(`^[a-z][a-z ]*: `)

// Problems lists how e breaks the catalogue's rules: a capital first letter (or a placeholder for a
// name or an amount), a full stop at the end of a body and none at the end of a title, no Go error
// text ("error:", "%!", "nil", a lower-case "package: " prefix), no doubled spaces.
func (e Entry) Problems() []string {
	var out []string
	t := e.Text
	switch {
	case t == "":
		return []string{"empty"}
	case strings.HasPrefix(t, "%"), strings.HasPrefix(t, "$"):
	case !unicode.IsUpper([]rune(t)[0]):
		out = append(out, "does not start with a capital letter")
	}
	switch e.Kind {
	case KindBody:
		if !strings.HasSuffix(t, ".") && !strings.HasSuffix(t, "%s") {
			out = append(out, "a body must end with a full stop")
		}
	case KindTitle:
		if strings.HasSuffix(t, ".") {
			out = append(out, "a title has no full stop")
		}
	}
	lower := strings.ToLower(t)
	for _, bad := range []string{"error:", "%!", "nil", "  "} {
		if strings.Contains(lower, bad) {
			out = append(out, fmt.Sprintf("contains %q", bad))
		}
	}
	if lowerPrefix.MatchString(t) {
		out = append(out, "starts with an internal prefix")
	}
	return out
}
