package ui

import (
	"slices"

	"postmeter/meter"
)

// ScreenID names a screen of the meter. Tests, lessons, scenes, the gallery and the trainer know a
// screen by it, never by its title.
type ScreenID string

// The meter's screens.
const (
	ScreenSignIn           ScreenID = "sign-in"
	ScreenSignInPIN        ScreenID = "sign-in-pin"
	ScreenChoosePIN        ScreenID = "choose-pin"
	ScreenChoosePINConfirm ScreenID = "choose-pin-confirm"
	ScreenHome             ScreenID = "home"

	ScreenRunMail      ScreenID = "run-mail"
	ScreenKeyInPostage ScreenID = "run-mail-key-in-postage"
	ScreenKeyInWeight  ScreenID = "run-mail-key-in-weight"

	ScreenFundsMeterFunds     ScreenID = "funds-meter-funds"
	ScreenFundsRefillSettings ScreenID = "funds-refill-settings"
	ScreenFundsLastRefills    ScreenID = "funds-last-refills"
	ScreenFundsMeterInfo      ScreenID = "funds-meter-information"
	ScreenFundsReportPrint    ScreenID = "funds-report-print"
	ScreenRefillSettingKeypad ScreenID = "refill-settings-keypad"

	ScreenRefillOptions      ScreenID = "refill-options"
	ScreenRefillKeypad       ScreenID = "refill-keypad"
	ScreenRefillConfirm      ScreenID = "refill-confirm"
	ScreenRefillProgress     ScreenID = "refill-progress"
	ScreenRefillComplete     ScreenID = "refill-complete"
	ScreenRefillPrintReceipt ScreenID = "refill-print-receipt"

	ScreenReports             ScreenID = "reports"
	ScreenReportFunds         ScreenID = "reports-funds"
	ScreenReportReceipt       ScreenID = "reports-receipt"
	ScreenReportLastRefills   ScreenID = "reports-last-refills"
	ScreenSettings            ScreenID = "settings"
	ScreenDevices             ScreenID = "devices"
	ScreenRates               ScreenID = "rates"
	ScreenReportAccounts      ScreenID = "reports-accounts"
	ScreenReportAccountsPrint ScreenID = "reports-accounts-print"
	ScreenAccounts            ScreenID = "accounts"
	ScreenSync                ScreenID = "sync"
	ScreenAccountName         ScreenID = "account-name"
	ScreenAccountPIN          ScreenID = "account-pin"
	ScreenAccountDefaults     ScreenID = "account-defaults"
	ScreenAccountUnlock       ScreenID = "run-mail-account-pin"

	// Auto-refill (autorefill.go).
	ScreenAutoRefill       ScreenID = "auto-refill-settings"
	ScreenAutoRefillKeypad ScreenID = "auto-refill-keypad"
)

// tabScreens are the Funds screen's tabs, in the order of tabNames.
var tabScreens = []ScreenID{ScreenFundsMeterFunds, ScreenFundsRefillSettings, ScreenFundsLastRefills, ScreenFundsMeterInfo}

// refillScreens are the screens of the refill flow: a refill started from one of them returns, on
// Cancel, to where the flow was entered.
var refillScreens = []ScreenID{ScreenRefillOptions, ScreenRefillKeypad, ScreenRefillConfirm, ScreenRefillProgress,
	ScreenRefillComplete, ScreenRefillPrintReceipt}

func (s ScreenID) isFundsTab() bool { return slices.Contains(tabScreens, s) }
func (s ScreenID) isRefill() bool   { return slices.Contains(refillScreens, s) }

// DialogID names a dialog over the screen: a message of the core's catalogue by the message's ID, a
// warning by its kind, or one of the screens' own dialogs.
type DialogID string

// The screens' own dialogs.
const (
	DialogRefillCancelled DialogID = "refill-cancelled"
	DialogBalanceProgress DialogID = "balance-progress"
	DialogAccountCodes    DialogID = "account-codes"
	DialogWeighing        DialogID = "weighing" // the model's weighing methods
	DialogUploadComplete  DialogID = "upload-complete"
	DialogEndBatch        DialogID = "end-batch"
	DialogUploading       DialogID = "uploading"
	DialogCheckingRecords DialogID = "checking-records"
	DialogRecordsChecked  DialogID = "records-checked"
	DialogUploaded        DialogID = "uploaded"
	DialogBatchEnded      DialogID = "batch-ended"
	DialogReportExported  DialogID = "report-exported"
)

// MessageDialog is the dialog that shows the catalogue's message id.
func MessageDialog(id meter.MessageID) DialogID { return DialogID("message." + id) }

// WarningDialog is the dialog that shows a warning of kind k.
func WarningDialog(k meter.WarningKind) DialogID { return DialogID("warning." + k) }
