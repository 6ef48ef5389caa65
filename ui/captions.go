package ui

import (
	"fmt"

	"postmeter/meter"
)

// The screens' own words: button captions, titles, prompts and hints, each with a stable ID, beside the
// core's catalogue (meter.Catalogue) of everything it tells the clerk. txt looks both up.

// Caption IDs.
const (
	CapOK                   meter.MessageID = "ui.ok"
	CapCancel               meter.MessageID = "ui.cancel"
	CapClear                meter.MessageID = "ui.clear"
	CapDelete               meter.MessageID = "ui.delete"
	CapOtherAmount          meter.MessageID = "ui.other-amount"
	CapKeyInPostage         meter.MessageID = "ui.key-in-postage"
	CapKeyInWeight          meter.MessageID = "ui.key-in-weight"
	CapKeypadNewAmount      meter.MessageID = "ui.keypad.new-amount"
	CapKeypadRefillAmount   meter.MessageID = "ui.keypad.refill-amount"
	CapKeypadWeight         meter.MessageID = "ui.keypad.weight"
	CapDigitsFillCents      meter.MessageID = "ui.keypad.fill-cents"
	CapDigitsFillTenths     meter.MessageID = "ui.keypad.fill-tenths"
	CapUserButton           meter.MessageID = "ui.sign-in.user"
	CapBatch                meter.MessageID = "ui.run-mail.batch"
	CapBatchOne             meter.MessageID = "ui.run-mail.batch-one"
	CapShift                meter.MessageID = "ui.keyboard.shift"
	CapSpace                meter.MessageID = "ui.keyboard.space"
	CapAccounts             meter.MessageID = "ui.accounts"
	CapAccountsReading      meter.MessageID = "ui.accounts.reading"
	CapAccountsNone         meter.MessageID = "ui.accounts.none"
	CapAccountsOptional     meter.MessageID = "ui.accounts.optional"
	CapAccountsRequired     meter.MessageID = "ui.accounts.required"
	CapAccountsOptionalNow  meter.MessageID = "ui.accounts.optional-now"
	CapAccountsRequiredNow  meter.MessageID = "ui.accounts.required-now"
	CapAccountsPage         meter.MessageID = "ui.accounts.page"
	CapAccountAdd           meter.MessageID = "ui.accounts.add"
	CapAccountDefaults      meter.MessageID = "ui.accounts.defaults"
	CapAccountDefaultsIntro meter.MessageID = "ui.accounts.defaults-intro"
	CapAccountDefaultTitle  meter.MessageID = "ui.accounts.default-title"
	CapAccountNone          meter.MessageID = "ui.accounts.no-default"
	CapAccountID            meter.MessageID = "ui.accounts.id"
	CapAccountHasPIN        meter.MessageID = "ui.accounts.has-pin"
	CapAccountDisabled      meter.MessageID = "ui.accounts.disabled"
	CapAccountDisable       meter.MessageID = "ui.accounts.disable"
	CapAccountEnable        meter.MessageID = "ui.accounts.enable"
	CapAccountRename        meter.MessageID = "ui.accounts.rename"
	CapAccountRenameTitle   meter.MessageID = "ui.accounts.rename-title"
	CapAccountNamePrompt    meter.MessageID = "ui.accounts.name-prompt"
	CapAccountPIN           meter.MessageID = "ui.accounts.pin"
	CapAccountPINTitle      meter.MessageID = "ui.accounts.pin-title"
	CapAccountPINPrompt     meter.MessageID = "ui.accounts.pin-prompt"
	CapAccountNoPIN         meter.MessageID = "ui.accounts.no-pin"
	CapAccountUnlockTitle   meter.MessageID = "ui.accounts.unlock-title"
	CapAccountUnlockPrompt  meter.MessageID = "ui.accounts.unlock-prompt"
	CapAccountReport        meter.MessageID = "ui.report.accounts"
	CapReportReading        meter.MessageID = "ui.report.reading"
	CapRangeToday           meter.MessageID = "ui.report.today"
	CapRangeYesterday       meter.MessageID = "ui.report.yesterday"
	CapRangeThisMonth       meter.MessageID = "ui.report.this-month"
	CapRangeLastMonth       meter.MessageID = "ui.report.last-month"
	CapReportDates          meter.MessageID = "ui.report.dates"
	CapReportNoPieces       meter.MessageID = "ui.report.no-pieces"
	CapReportColAccount     meter.MessageID = "ui.report.col-account"
	CapReportColClass       meter.MessageID = "ui.report.col-class"
	CapReportColPieces      meter.MessageID = "ui.report.col-pieces"
	CapReportColPostage     meter.MessageID = "ui.report.col-postage"
	CapReportTotal          meter.MessageID = "ui.report.total"
	CapReportMoreRows       meter.MessageID = "ui.report.more-rows"
	CapReportPrint          meter.MessageID = "ui.report.print"
	CapReportExport         meter.MessageID = "ui.report.export"
	CapReportExported       meter.MessageID = "ui.report.exported"
	CapReportExportedTitle  meter.MessageID = "ui.report.exported-title"
	CapEndBatch             meter.MessageID = "ui.end-batch"
	CapEndBatchAsk          meter.MessageID = "ui.end-batch.ask"
	CapBatchEndedTitle      meter.MessageID = "ui.batch-ended.title"
	CapBatchEnded           meter.MessageID = "ui.batch-ended"
	CapSync                 meter.MessageID = "ui.sync"
	CapSyncReading          meter.MessageID = "ui.sync.reading"
	CapSyncUpload           meter.MessageID = "ui.sync.upload"
	CapSyncNever            meter.MessageID = "ui.sync.never"
	CapSyncNone             meter.MessageID = "ui.sync.none"
	CapSyncRules            meter.MessageID = "ui.sync.rules"
	CapSyncLastContact      meter.MessageID = "ui.sync.last-contact"
	CapSyncLastUpload       meter.MessageID = "ui.sync.last-upload"
	CapSyncNextContact      meter.MessageID = "ui.sync.next-contact"
	CapSyncWarnAt           meter.MessageID = "ui.sync.warn-at"
	CapSyncLockAt           meter.MessageID = "ui.sync.lock-at"
	CapSyncRegisters        meter.MessageID = "ui.sync.registers"
	CapSyncRegisterValues   meter.MessageID = "ui.sync.register-values"
	CapSyncAudit            meter.MessageID = "ui.sync.audit"
	CapSyncAuditValue       meter.MessageID = "ui.sync.audit-value"
	CapSyncRates            meter.MessageID = "ui.sync.rates"
	CapSyncRatesValue       meter.MessageID = "ui.sync.rates-value"
	CapSyncRatesNext        meter.MessageID = "ui.sync.rates-next"
	CapSyncUploading        meter.MessageID = "ui.sync.uploading"
	CapSyncUploadedTitle    meter.MessageID = "ui.sync.uploaded-title"
	CapSyncUploaded         meter.MessageID = "ui.sync.uploaded"
	CapSyncCheck            meter.MessageID = "ui.sync.check"
	CapSyncChecking         meter.MessageID = "ui.sync.checking"
	CapSyncCheckedTitle     meter.MessageID = "ui.sync.checked-title"
	CapSyncChecked          meter.MessageID = "ui.sync.checked"
	CapDevices              meter.MessageID = "ui.devices"
	CapDevicesCheck         meter.MessageID = "ui.devices.check"
	CapDevicesNone          meter.MessageID = "ui.devices.none"
	CapDeviceState          meter.MessageID = "ui.devices.state"
	CapDeviceLastErr        meter.MessageID = "ui.devices.last-error"

	// The refund ledger (refunds.go).
	CapRefundReading         meter.MessageID = "ui.refund.reading"
	CapRefundIntro           meter.MessageID = "ui.refund.intro"
	CapRefundEmpty           meter.MessageID = "ui.refund.empty"
	CapRefundLine            meter.MessageID = "ui.refund.line"
	CapRefundLineWhy         meter.MessageID = "ui.refund.line-why"
	CapRefundInClaim         meter.MessageID = "ui.refund.in-claim"
	CapRefundOpenClaim       meter.MessageID = "ui.refund.open-claim"
	CapRefundExpired         meter.MessageID = "ui.refund.expired"
	CapRefundClaimBy         meter.MessageID = "ui.refund.claim-by"
	CapRefundChoose          meter.MessageID = "ui.refund.choose"
	CapRefundChosen          meter.MessageID = "ui.refund.chosen"
	CapRefundMakeClaim       meter.MessageID = "ui.refund.make-claim"
	CapRefundClaims          meter.MessageID = "ui.refund.claims"
	CapRefundMark            meter.MessageID = "ui.refund.mark"
	CapRefundNoClaims        meter.MessageID = "ui.refund.no-claims"
	CapRefundClaimLine       meter.MessageID = "ui.refund.claim-line"
	CapRefundClaimTitle      meter.MessageID = "ui.refund.claim-title"
	CapRefundNoApplicant     meter.MessageID = "ui.refund.no-applicant"
	CapRefundState           meter.MessageID = "ui.refund.state"
	CapRefundPieces          meter.MessageID = "ui.refund.pieces"
	CapRefundPieceList       meter.MessageID = "ui.refund.piece-list"
	CapRefundTotal           meter.MessageID = "ui.refund.total"
	CapRefundSubmitBy        meter.MessageID = "ui.refund.submit-by"
	CapRefundChange          meter.MessageID = "ui.refund.change"
	CapRefundApplicant       meter.MessageID = "ui.refund.applicant"
	CapRefundReason          meter.MessageID = "ui.refund.reason"
	CapRefundPrint           meter.MessageID = "ui.refund.print"
	CapRefundMarkSubmitted   meter.MessageID = "ui.refund.mark-submitted"
	CapRefundMarkRefunded    meter.MessageID = "ui.refund.mark-refunded"
	CapRefundMarkRefused     meter.MessageID = "ui.refund.mark-refused"
	CapRefundApplicantPrompt meter.MessageID = "ui.refund.applicant-prompt"
	CapRefundApplicantTitle  meter.MessageID = "ui.refund.applicant-title"
	CapRefundMarkIntro       meter.MessageID = "ui.refund.mark-intro"
	CapRefundMarkNone        meter.MessageID = "ui.refund.mark-none"
	CapRefundPrinted         meter.MessageID = "ui.refund.printed"
	CapRefundPrintedBy       meter.MessageID = "ui.refund.printed-by"
	CapRefundMisprinted      meter.MessageID = "ui.refund.misprinted"
	CapRefundWhyTitle        meter.MessageID = "ui.refund.why-title"
	CapRefundWhy             meter.MessageID = "ui.refund.why"
)

var captions = map[meter.MessageID]meter.Entry{
	CapOK:                   {Kind: meter.KindCaption, Text: "OK"},
	CapCancel:               {Kind: meter.KindCaption, Text: "Cancel"},
	CapClear:                {Kind: meter.KindCaption, Text: "Clear"},
	CapDelete:               {Kind: meter.KindCaption, Text: "Delete"},
	CapOtherAmount:          {Kind: meter.KindTitle, Text: "Other amount"},
	CapKeyInPostage:         {Kind: meter.KindCaption, Text: "Key in Postage"},
	CapKeyInWeight:          {Kind: meter.KindCaption, Text: "Key in weight"},
	CapKeypadNewAmount:      {Kind: meter.KindBody, Text: "Enter the new amount, then select OK."},
	CapKeypadRefillAmount:   {Kind: meter.KindBody, Text: "Enter the amount to transfer from your postage account, then select OK."},
	CapKeypadWeight:         {Kind: meter.KindBody, Text: "Enter the weight in ounces, then select OK."},
	CapDigitsFillCents:      {Kind: meter.KindBody, Text: "Digits fill from the right: 1 2 5 0 0 is $125.00."},
	CapDigitsFillTenths:     {Kind: meter.KindBody, Text: "Digits fill from the right, the last one in tenths: 1 3 is 1.3 oz."},
	CapUserButton:           {Kind: meter.KindCaption, Text: "%s (%s)"},
	CapBatch:                {Kind: meter.KindCaption, Text: "Batch: %d pieces, %s"},
	CapBatchOne:             {Kind: meter.KindCaption, Text: "Batch: 1 piece, %s"},
	CapShift:                {Kind: meter.KindCaption, Text: "Shift"},
	CapSyncCheck:            {Kind: meter.KindCaption, Text: "Check records"},
	CapSyncChecking:         {Kind: meter.KindBody, Text: "Checking every record of the meter against its audit trail. The meter can print meanwhile."},
	CapSyncCheckedTitle:     {Kind: meter.KindTitle, Text: "Records checked"},
	CapSyncChecked:          {Kind: meter.KindBody, Text: "Every record of the meter matches its audit trail and registers (checked in %s)."},
	CapSync:                 {Kind: meter.KindTitle, Text: "Sync"},
	CapSyncReading:          {Kind: meter.KindBody, Text: "Reading the meter's contact with the Data Center."},
	CapSyncUpload:           {Kind: meter.KindCaption, Text: "Upload now"},
	CapSyncNever:            {Kind: meter.KindCaption, Text: "None yet"},
	CapSyncNone:             {Kind: meter.KindCaption, Text: "None"},
	CapSyncRules:            {Kind: meter.KindCaption, Text: "Contact rules"},
	CapSyncLastContact:      {Kind: meter.KindCaption, Text: "Last contact"},
	CapSyncLastUpload:       {Kind: meter.KindCaption, Text: "Last upload"},
	CapSyncNextContact:      {Kind: meter.KindCaption, Text: "The meter contacts it on its own"},
	CapSyncWarnAt:           {Kind: meter.KindCaption, Text: "Without a contact, the warning from"},
	CapSyncLockAt:           {Kind: meter.KindCaption, Text: "Without a contact, printing locks at"},
	CapSyncRegisters:        {Kind: meter.KindCaption, Text: "Registers sent at each contact"},
	CapSyncRegisterValues:   {Kind: meter.KindCaption, Text: "%s available, %s used, %d pieces"},
	CapSyncAudit:            {Kind: meter.KindCaption, Text: "Audit trail sent at each contact"},
	CapSyncAuditValue:       {Kind: meter.KindCaption, Text: "Entry %d"},
	CapSyncRates:            {Kind: meter.KindCaption, Text: "Rate tables"},
	CapSyncRatesValue:       {Kind: meter.KindCaption, Text: "In force from %s"},
	CapSyncRatesNext:        {Kind: meter.KindCaption, Text: "In force from %s, the next from %s"},
	CapSyncUploading:        {Kind: meter.KindBody, Text: "Sending the registers to the Data Center. Please wait."},
	CapSyncUploadedTitle:    {Kind: meter.KindTitle, Text: "Upload complete"},
	CapSyncUploaded:         {Kind: meter.KindBody, Text: "The Data Center has the meter's registers and its audit trail up to entry %d (%s)."},
	CapEndBatch:             {Kind: meter.KindTitle, Text: "End batch"},
	CapEndBatchAsk:          {Kind: meter.KindBody, Text: "This batch holds %d pieces, %s. Ending it prints its summary on tape, by account code, and starts a new batch from zero. The meter's other registers do not change."},
	CapBatchEndedTitle:      {Kind: meter.KindTitle, Text: "Batch ended"},
	CapBatchEnded:           {Kind: meter.KindBody, Text: "The batch of %d pieces, %s, is ended and its summary printed. Take the tape from the meter."},
	CapAccountReport:        {Kind: meter.KindTitle, Text: "Account report"},
	CapReportReading:        {Kind: meter.KindBody, Text: "Adding up the pieces."},
	CapRangeToday:           {Kind: meter.KindCaption, Text: "Today"},
	CapRangeYesterday:       {Kind: meter.KindCaption, Text: "Yesterday"},
	CapRangeThisMonth:       {Kind: meter.KindCaption, Text: "This month"},
	CapRangeLastMonth:       {Kind: meter.KindCaption, Text: "Last month"},
	CapReportDates:          {Kind: meter.KindBody, Text: "Pieces mailed from %s to %s."},
	CapReportNoPieces:       {Kind: meter.KindBody, Text: "No pieces were mailed on these dates."},
	CapReportColAccount:     {Kind: meter.KindCaption, Text: "Account code"},
	CapReportColClass:       {Kind: meter.KindCaption, Text: "Class"},
	CapReportColPieces:      {Kind: meter.KindCaption, Text: "Pieces"},
	CapReportColPostage:     {Kind: meter.KindCaption, Text: "Postage"},
	CapReportTotal:          {Kind: meter.KindCaption, Text: "Total: %d pieces, %s. Spoiled: %d pieces, %s"},
	CapReportMoreRows:       {Kind: meter.KindBody, Text: "%d more rows are in the printed and the exported report."},
	CapReportPrint:          {Kind: meter.KindCaption, Text: "Print"},
	CapReportExport:         {Kind: meter.KindCaption, Text: "Export to USB stick"},
	CapReportExportedTitle:  {Kind: meter.KindTitle, Text: "Report saved"},
	CapReportExported:       {Kind: meter.KindBody, Text: "Saved on the USB stick as %s. You can take the stick out now."},
	CapSpace:                {Kind: meter.KindCaption, Text: "Space"},
	CapAccounts:             {Kind: meter.KindTitle, Text: "Account codes"},
	CapAccountsReading:      {Kind: meter.KindBody, Text: "Reading the account codes."},
	CapAccountsNone:         {Kind: meter.KindBody, Text: "There are no account codes yet. Select Add code to add one."},
	CapAccountsOptional:     {Kind: meter.KindCaption, Text: "Require a code"},
	CapAccountsRequired:     {Kind: meter.KindCaption, Text: "Make the code optional"},
	CapAccountsOptionalNow:  {Kind: meter.KindBody, Text: "Run Mail prints without a code when none is chosen."},
	CapAccountsRequiredNow:  {Kind: meter.KindBody, Text: "Run Mail asks for a code on every piece."},
	CapAccountsPage:         {Kind: meter.KindCaption, Text: "Page %d of %d"},
	CapAccountAdd:           {Kind: meter.KindCaption, Text: "Add code"},
	CapAccountDefaults:      {Kind: meter.KindCaption, Text: "Users' own codes"},
	CapAccountDefaultsIntro: {Kind: meter.KindBody, Text: "Run Mail starts with each user's own code. Select a user's code to change it."},
	CapAccountDefaultTitle:  {Kind: meter.KindTitle, Text: "Own code of %s"},
	CapAccountNone:          {Kind: meter.KindCaption, Text: "None"},
	CapAccountID:            {Kind: meter.KindCaption, Text: "Code %s"},
	CapAccountHasPIN:        {Kind: meter.KindCaption, Text: "PIN set"},
	CapAccountDisabled:      {Kind: meter.KindCaption, Text: "Disabled"},
	CapAccountDisable:       {Kind: meter.KindCaption, Text: "Disable"},
	CapAccountEnable:        {Kind: meter.KindCaption, Text: "Enable"},
	CapAccountRename:        {Kind: meter.KindCaption, Text: "Rename"},
	CapAccountRenameTitle:   {Kind: meter.KindTitle, Text: "Rename %s"},
	CapAccountNamePrompt:    {Kind: meter.KindCaption, Text: "Type the code's name"},
	CapAccountPIN:           {Kind: meter.KindCaption, Text: "PIN"},
	CapAccountPINTitle:      {Kind: meter.KindTitle, Text: "PIN of %s"},
	CapAccountPINPrompt:     {Kind: meter.KindBody, Text: "Enter a PIN of 4 to 8 digits that Run Mail asks before charging this code, then select OK. OK with no digits takes the PIN away."},
	CapAccountNoPIN:         {Kind: meter.KindCaption, Text: "No PIN"},
	CapAccountUnlockTitle:   {Kind: meter.KindTitle, Text: "PIN of %s"},
	CapAccountUnlockPrompt:  {Kind: meter.KindBody, Text: "This account code has its own PIN. Enter it, then select OK."},
	CapDevices:              {Kind: meter.KindTitle, Text: "Devices"},
	CapDevicesCheck:         {Kind: meter.KindCaption, Text: "Check again"},
	CapDevicesNone:          {Kind: meter.KindBody, Text: "Asking the devices how they are."},
	CapDeviceState:          {Kind: meter.KindCaption, Text: "State: %s"},
	CapDeviceLastErr:        {Kind: meter.KindCaption, Text: "Last problem: %s"},

	// The screens' other words, each looked up by its ID where it is shown; TestCaptionsFollowTheRules
	// checks their form and TestScreensSpeakFromTheCatalogue that the screens show nothing else.
	"ui.home":                         {Kind: meter.KindCaption, Text: "Home"},
	"ui.funds":                        {Kind: meter.KindCaption, Text: "Funds"},
	"ui.home.funds-low":               {Kind: meter.KindCaption, Text: "Postage in meter is low"},
	"ui.run-mail":                     {Kind: meter.KindCaption, Text: "Run Mail"},
	"ui.reports":                      {Kind: meter.KindCaption, Text: "Reports"},
	"ui.settings":                     {Kind: meter.KindCaption, Text: "Settings"},
	"ui.sign-out":                     {Kind: meter.KindCaption, Text: "Sign out"},
	"ui.back":                         {Kind: meter.KindCaption, Text: "Back"},
	"ui.continue":                     {Kind: meter.KindCaption, Text: "Continue"},
	"ui.confirm":                      {Kind: meter.KindCaption, Text: "Confirm"},
	"ui.done":                         {Kind: meter.KindCaption, Text: "Done"},
	"ui.change":                       {Kind: meter.KindCaption, Text: "Change"},
	"ui.start":                        {Kind: meter.KindCaption, Text: "Start"},
	"ui.tape":                         {Kind: meter.KindCaption, Text: "Tape"},
	"ui.weigh":                        {Kind: meter.KindCaption, Text: "Weigh"},
	"ui.weighing-method":              {Kind: meter.KindCaption, Text: "Method"},
	"ui.run-mail.weighing-title":      {Kind: meter.KindTitle, Text: "Weighing method"},
	"ui.weighing.keyed":               {Kind: meter.KindCaption, Text: "Key in weight"},
	"ui.weighing.scale":               {Kind: meter.KindCaption, Text: "Attached scale"},
	"ui.weighing.wow":                 {Kind: meter.KindCaption, Text: "W-O-W"},
	"ui.weighing.differential":        {Kind: meter.KindCaption, Text: "Differential"},
	"ui.run-mail.weight-wow":          {Kind: meter.KindCaption, Text: "Weight: each piece as it passes"},
	"ui.run-mail.weight-differential": {Kind: meter.KindCaption, Text: "Weight: what leaves the stack"},
	"ui.run-mail.per-piece":           {Kind: meter.KindCaption, Text: "Per piece"},
	"ui.account":                      {Kind: meter.KindCaption, Text: "Account"},
	"ui.get-balance":                  {Kind: meter.KindCaption, Text: "Get Balance"},
	"ui.status.postage":               {Kind: meter.KindCaption, Text: "Postage in meter: %s"},
	"ui.status.dc-connected":          {Kind: meter.KindCaption, Text: "Data Center: connected"},
	"ui.status.dc-offline":            {Kind: meter.KindCaption, Text: "Data Center: offline"},
	"ui.status.dc-ready":              {Kind: meter.KindCaption, Text: "Data Center: ready"},
	"ui.status.not-signed-in":         {Kind: meter.KindCaption, Text: "Not signed in"},
	"ui.status.supervisor-access":     {Kind: meter.KindCaption, Text: "Supervisor access"},
	"ui.funds.tab-meter-funds":        {Kind: meter.KindCaption, Text: "Meter Funds"},
	"ui.funds.tab-refill-settings":    {Kind: meter.KindCaption, Text: "Refill settings"},
	"ui.funds.tab-last-refills":       {Kind: meter.KindCaption, Text: "Last 5 refills"},
	"ui.funds.tab-meter-info":         {Kind: meter.KindCaption, Text: "Meter information"},
	"ui.funds.print-report":           {Kind: meter.KindCaption, Text: "Print funds report"},
	"ui.funds.prepaid":                {Kind: meter.KindCaption, Text: "Prepaid balance"},
	"ui.funds.used":                   {Kind: meter.KindCaption, Text: "Postage used"},
	"ui.funds.in-meter":               {Kind: meter.KindCaption, Text: "Postage in meter"},
	"ui.funds.account":                {Kind: meter.KindCaption, Text: "Postage account %s"},
	"ui.funds.pieces":                 {Kind: meter.KindCaption, Text: "Pieces"},
	"ui.funds.in-the-meter":           {Kind: meter.KindTitle, Text: "In the meter"},
	"ui.funds.credit":                 {Kind: meter.KindCaption, Text: "Credit available"},
	"ui.funds.control":                {Kind: meter.KindCaption, Text: "Control sum"},
	"ui.funds.as-of":                  {Kind: meter.KindCaption, Text: "As of %s"},
	"ui.funds.pending":                {Kind: meter.KindBody, Text: "A refill of %s is waiting for the Data Center."},
	"ui.funds.cancel-refill":          {Kind: meter.KindCaption, Text: "Cancel refill"},
	"ui.funds.warn-below":             {Kind: meter.KindCaption, Text: "Warn when postage in meter is below"},
	"ui.funds.default":                {Kind: meter.KindCaption, Text: "Default refill amount"},
	"ui.funds.last":                   {Kind: meter.KindCaption, Text: "Last refill amount"},
	"ui.funds.limits":                 {Kind: meter.KindCaption, Text: "Refill limits"},
	"ui.funds.limits-range":           {Kind: meter.KindCaption, Text: "%s to %s"},
	"ui.funds.user":                   {Kind: meter.KindCaption, Text: "User"},
	"ui.funds.time":                   {Kind: meter.KindCaption, Text: "Time"},
	"ui.funds.date":                   {Kind: meter.KindCaption, Text: "Date"},
	"ui.funds.amount":                 {Kind: meter.KindCaption, Text: "Amount"},
	"ui.funds.model":                  {Kind: meter.KindCaption, Text: "Model"},
	"ui.funds.meter-number":           {Kind: meter.KindCaption, Text: "Meter number"},
	"ui.funds.indicia-number":         {Kind: meter.KindCaption, Text: "Indicia number"},
	"ui.funds.account-number":         {Kind: meter.KindCaption, Text: "Account number"},
	"ui.run-mail.weight":              {Kind: meter.KindCaption, Text: "Weight: %s"},
	"ui.run-mail.postage":             {Kind: meter.KindCaption, Text: "Postage:"},
	"ui.run-mail.class":               {Kind: meter.KindCaption, Text: "Class"},
	"ui.run-mail.account-code":        {Kind: meter.KindCaption, Text: "Account code: %s"},
	"ui.run-mail.no-code":             {Kind: meter.KindCaption, Text: "Account code: none"},
	"ui.run-mail.code-required":       {Kind: meter.KindCaption, Text: "Account code: choose one"},
	"ui.settings.accounts":            {Kind: meter.KindCaption, Text: "Account codes"},
	"ui.settings.sync":                {Kind: meter.KindCaption, Text: "Sync"},
	"ui.run-mail.date":                {Kind: meter.KindCaption, Text: "Date: %s"},
	"ui.run-mail.postage-in-meter":    {Kind: meter.KindCaption, Text: "Postage in meter: %s"},
	"ui.print.tape":                   {Kind: meter.KindBody, Text: "Tape: print on a strip of tape."},
	"ui.print.envelope":               {Kind: meter.KindBody, Text: "Envelope: place an envelope on the feed deck and select Start."},
	"ui.print.document":               {Kind: meter.KindBody, Text: "Attached printer: print on a sheet."},
	"ui.print.receipt":                {Kind: meter.KindCaption, Text: "Print receipt"},
	"ui.print.on-document":            {Kind: meter.KindCaption, Text: "Print on document"},
	"ui.refill.now":                   {Kind: meter.KindCaption, Text: "Postage in meter now"},
	"ui.refill.other":                 {Kind: meter.KindCaption, Text: "Other amount\nenter on the keypad"},
	"ui.refill.select":                {Kind: meter.KindBody, Text: "Select a refill option."},
	"ui.refill.confirm-hint":          {Kind: meter.KindBody, Text: "Select Confirm to add this postage to the meter."},
	"ui.refill.confirm-title":         {Kind: meter.KindTitle, Text: "Confirm refill"},
	"ui.refill.amount":                {Kind: meter.KindCaption, Text: "Refill amount"},
	"ui.refill.before":                {Kind: meter.KindCaption, Text: "Postage in meter before"},
	"ui.refill.after":                 {Kind: meter.KindCaption, Text: "Postage in meter after"},
	"ui.refill.from":                  {Kind: meter.KindCaption, Text: "From postage account"},
	"ui.refill.complete":              {Kind: meter.KindTitle, Text: "Refill complete"},
	"ui.refill.added":                 {Kind: meter.KindCaption, Text: "Added"},
	"ui.refill.adding":                {Kind: meter.KindTitle, Text: "Adding postage"},
	"ui.refill.added-body":            {Kind: meter.KindBody, Text: "The postage was added to your meter."},
	"ui.refill.checking":              {Kind: meter.KindCaption, Text: "The Data Center is checking your account…"},
	"ui.refill.wait":                  {Kind: meter.KindBody, Text: "Please wait. If the connection fails, nothing is added and you can try again."},
	"ui.run-mail.letter":              {Kind: meter.KindCaption, Text: "First-Class letter"},
	"ui.run-mail.flat":                {Kind: meter.KindCaption, Text: "Large envelope (flat)"},
	"ui.run-mail.postcard":            {Kind: meter.KindCaption, Text: "Postcard"},
	"ui.sign-in":                      {Kind: meter.KindCaption, Text: "Sign in"},
	"ui.sign-in.checking":             {Kind: meter.KindBody, Text: "Checking your PIN. Please wait."},
	"ui.pin.enter":                    {Kind: meter.KindCaption, Text: "Enter PIN"},
	"ui.pin.enter-new":                {Kind: meter.KindCaption, Text: "Enter new PIN"},
	"ui.pin.enter-new-again":          {Kind: meter.KindCaption, Text: "Enter new PIN again"},
	"ui.choose-pin.title":             {Kind: meter.KindTitle, Text: "Choose a new PIN"},
	"ui.choose-pin.mismatch":          {Kind: meter.KindBody, Text: "The two PINs are not the same. Enter the new PIN again."},
	"ui.home.open-funds":              {Kind: meter.KindCaption, Text: "Open Funds"},
	"ui.run-mail.no-account":          {Kind: meter.KindCaption, Text: "No account code"},
	"ui.run-mail.account-code-title":  {Kind: meter.KindTitle, Text: "Account code"},
	"ui.reports.funds":                {Kind: meter.KindCaption, Text: "Funds report"},
	"ui.settings.upload":              {Kind: meter.KindCaption, Text: "Upload postal information now"},
	"ui.sign-in.select":               {Kind: meter.KindBody, Text: "Select your name to sign in."},
	"ui.sign-in.title":                {Kind: meter.KindTitle, Text: "Sign in: %s"},
	"ui.sign-in.prompt":               {Kind: meter.KindBody, Text: "Enter the PIN of %s and select Sign in."},
	"ui.choose-pin.prompt":            {Kind: meter.KindBody, Text: "%s, your PIN must be changed before you use the meter. Enter a new PIN of %d to %d digits and select OK."},
	"ui.choose-pin.again":             {Kind: meter.KindBody, Text: "Enter the new PIN again to confirm it and select OK."},
	"ui.choose-pin.confirm-title":     {Kind: meter.KindTitle, Text: "Confirm the new PIN"},
	"ui.sign-in.need-right":           {Kind: meter.KindBody, Text: "Sign in as a user who has the right."},
	"ui.sign-in.idle":                 {Kind: meter.KindBody, Text: "Signed out after a while without activity. Sign in again."},
	"ui.funds.reading":                {Kind: meter.KindBody, Text: "Reading the meter's funds. Please wait."},
	"ui.funds.get-balance-hint":       {Kind: meter.KindBody, Text: "Select Get Balance to see the prepaid balance and the credit available."},
	"ui.funds.no-refills":             {Kind: meter.KindBody, Text: "No refills yet."},
	"ui.upload.done.title":            {Kind: meter.KindTitle, Text: "Upload complete"},
	"ui.upload.done":                  {Kind: meter.KindBody, Text: "The postal information was uploaded to the Data Center."},
	"ui.refill.pending":               {Kind: meter.KindBody, Text: "A refill of %s is waiting for the Data Center; finish or cancel it first."},
	"ui.refill.cancelled.title":       {Kind: meter.KindTitle, Text: "Refill cancelled"},
	"ui.refill.cancelled":             {Kind: meter.KindBody, Text: "The refill was cancelled and no postage was added."},
	"ui.print.printing":               {Kind: meter.KindBody, Text: "Printing. Please wait."},
	"ui.print.done-envelope":          {Kind: meter.KindBody, Text: "Printed on the envelope."},
	"ui.print.done-tape":              {Kind: meter.KindBody, Text: "Printed on tape."},
	"ui.print.done-document":          {Kind: meter.KindBody, Text: "Printed on the attached printer."},
	"ui.balance.asking":               {Kind: meter.KindBody, Text: "Asking the Data Center for your postage account's balance. Please wait."},
	"ui.reports.receipt":              {Kind: meter.KindCaption, Text: "Refill receipt (last refill)"},
	"ui.reports.print-receipt":        {Kind: meter.KindTitle, Text: "Print refill receipt"},
	"ui.reports.print-last-refills":   {Kind: meter.KindTitle, Text: "Print last 5 refills"},
	"ui.refill.option":                {Kind: meter.KindCaption, Text: "%s\n%s"},
	"ui.refill.option-none":           {Kind: meter.KindCaption, Text: "%s\nnone yet"},
	"ui.info.limits":                  {Kind: meter.KindCaption, Text: "%s to %s"},
	"ui.info.limits-unknown":          {Kind: meter.KindCaption, Text: "Known after the first connection to the Data Center"},
	"ui.settings.rates":               {Kind: meter.KindCaption, Text: "Rates"},
	"ui.meter-info.speed":             {Kind: meter.KindCaption, Text: "Speed"},
	"ui.meter-info.lpm":               {Kind: meter.KindCaption, Text: "%d letters a minute"},
	"ui.meter-info.weighing":          {Kind: meter.KindCaption, Text: "Weighing"},
	"ui.meter-info.keyed":             {Kind: meter.KindCaption, Text: "Keyed in"},
	"ui.meter-info.scale":             {Kind: meter.KindCaption, Text: "Scale"},
	"ui.meter-info.scale-wow":         {Kind: meter.KindCaption, Text: "Scale, weigh-on-the-way"},
	"ui.meter-info.scale-diff":        {Kind: meter.KindCaption, Text: "Scale, differential"},
	"ui.meter-info.scale-wow-diff":    {Kind: meter.KindCaption, Text: "Scale, weigh-on-the-way, differential"},
	"ui.meter-info.assumed":           {Kind: meter.KindCaption, Text: "%s (assumed)"},
	"ui.rates.title":                  {Kind: meter.KindTitle, Text: "Rate tables"},
	"ui.rates.intro":                  {Kind: meter.KindBody, Text: "Each piece is priced from the table in force on its mailing date. Tables from the Data Center are installed at each connection and take effect on their date."},
	"ui.rates.from":                   {Kind: meter.KindCaption, Text: "From %s"},
	"ui.rates.from-now":               {Kind: meter.KindCaption, Text: "From %s (in force)"},
	"ui.rates.from-next":              {Kind: meter.KindCaption, Text: "From %s (next)"},
	"ui.rates.built-in":               {Kind: meter.KindCaption, Text: "Built in"},
	"ui.rates.data-center":            {Kind: meter.KindCaption, Text: "From the Data Center"},
	"ui.rates.built-in-unverified":    {Kind: meter.KindCaption, Text: "Built in, unverified"},
	"ui.rates.data-center-unverified": {Kind: meter.KindCaption, Text: "From the Data Center, unverified"},
	"ui.rates.unverified-note":        {Kind: meter.KindBody, Text: "Unverified tables still need checking against USPS Notice 123."},
	"ui.rates.none":                   {Kind: meter.KindBody, Text: "No rate tables are installed. Key in the postage."},

	// Auto-refill (autorefill.go).
	"ui.auto.open":           {Kind: meter.KindCaption, Text: "Auto-refill settings"},
	"ui.auto.title":          {Kind: meter.KindTitle, Text: "Auto-refill"},
	"ui.auto.intro":          {Kind: meter.KindBody, Text: "When a piece leaves the postage in meter below the value, the meter adds the refill amount from the postage account by itself, within the day's limits."},
	"ui.auto.shared":         {Kind: meter.KindBody, Text: "The value and the amount are also the low funds warning and the default refill."},
	"ui.auto.state":          {Kind: meter.KindCaption, Text: "Auto-refill"},
	"ui.auto.on":             {Kind: meter.KindCaption, Text: "On"},
	"ui.auto.off":            {Kind: meter.KindCaption, Text: "Off"},
	"ui.auto.below":          {Kind: meter.KindCaption, Text: "Refill when below"},
	"ui.auto.amount":         {Kind: meter.KindCaption, Text: "Refill amount"},
	"ui.auto.per-day":        {Kind: meter.KindCaption, Text: "Most refills a day"},
	"ui.auto.per-day-amount": {Kind: meter.KindCaption, Text: "Most added a day"},
	"ui.auto.save":           {Kind: meter.KindCaption, Text: "Save"},
	"ui.auto.summary-on":     {Kind: meter.KindBody, Text: "Auto-refill is on: below %s the meter adds %s, at most %d times and %s a day."},
	"ui.auto.summary-off":    {Kind: meter.KindBody, Text: "Auto-refill is off: the meter adds postage only when asked."},
	// The refund ledger (refunds.go).
	CapRefundReading:           {Kind: meter.KindBody, Text: "Reading the refund ledger."},
	CapRefundIntro:             {Kind: meter.KindBody, Text: "Spoiled postage. The post office refunds it within 60 days of the date on the piece."},
	CapRefundEmpty:             {Kind: meter.KindBody, Text: "No spoiled pieces. A print that fails, or a piece marked misprinted, comes here."},
	CapRefundLine:              {Kind: meter.KindCaption, Text: "Piece %d · %s · %s · %s"},
	CapRefundLineWhy:           {Kind: meter.KindCaption, Text: "Piece %d · %s · %s · %s, %s"},
	CapRefundInClaim:           {Kind: meter.KindCaption, Text: "In claim %d, %s"},
	CapRefundOpenClaim:         {Kind: meter.KindCaption, Text: "Claim %d"},
	CapRefundExpired:           {Kind: meter.KindCaption, Text: "Past its refund deadline (%s)"},
	CapRefundClaimBy:           {Kind: meter.KindCaption, Text: "Claim by %s (%d days left)"},
	CapRefundChoose:            {Kind: meter.KindCaption, Text: "Choose"},
	CapRefundChosen:            {Kind: meter.KindCaption, Text: "Chosen"},
	CapRefundMakeClaim:         {Kind: meter.KindCaption, Text: "Make claim (%d)"},
	CapRefundClaims:            {Kind: meter.KindCaption, Text: "Claims"},
	CapRefundMark:              {Kind: meter.KindCaption, Text: "Mark misprint"},
	CapRefundNoClaims:          {Kind: meter.KindBody, Text: "No claims yet. Choose pieces on the refund ledger and tap Make claim."},
	CapRefundClaimLine:         {Kind: meter.KindCaption, Text: "Claim %d · %s · %s"},
	CapRefundClaimTitle:        {Kind: meter.KindTitle, Text: "Refund claim %d"},
	CapRefundNoApplicant:       {Kind: meter.KindCaption, Text: "Not set"},
	CapRefundState:             {Kind: meter.KindCaption, Text: "State"},
	CapRefundPieces:            {Kind: meter.KindCaption, Text: "Pieces"},
	CapRefundPieceList:         {Kind: meter.KindCaption, Text: "%d (No. %s)"},
	CapRefundTotal:             {Kind: meter.KindCaption, Text: "Total postage value"},
	CapRefundSubmitBy:          {Kind: meter.KindCaption, Text: "Submit by"},
	CapRefundChange:            {Kind: meter.KindCaption, Text: "Change"},
	CapRefundApplicant:         {Kind: meter.KindCaption, Text: "Applicant: %s"},
	CapRefundReason:            {Kind: meter.KindBody, Text: "Reason: %s."},
	CapRefundPrint:             {Kind: meter.KindCaption, Text: "Print claim"},
	CapRefundMarkSubmitted:     {Kind: meter.KindCaption, Text: "Handed in"},
	CapRefundMarkRefunded:      {Kind: meter.KindCaption, Text: "Refunded"},
	CapRefundMarkRefused:       {Kind: meter.KindCaption, Text: "Refused"},
	CapRefundApplicantPrompt:   {Kind: meter.KindCaption, Text: "Company that holds the meter"},
	CapRefundApplicantTitle:    {Kind: meter.KindTitle, Text: "Refund applicant"},
	CapRefundMarkIntro:         {Kind: meter.KindBody, Text: "Pieces printed today. Mark one that came out unusable to claim its postage."},
	CapRefundMarkNone:          {Kind: meter.KindBody, Text: "No piece printed today can be marked. A misprint is marked on the day it is printed."},
	CapRefundPrinted:           {Kind: meter.KindCaption, Text: "Piece %d · %s · %s"},
	CapRefundPrintedBy:         {Kind: meter.KindCaption, Text: "Printed by %s"},
	CapRefundMisprinted:        {Kind: meter.KindCaption, Text: "Misprinted"},
	CapRefundWhyTitle:          {Kind: meter.KindTitle, Text: "Piece %d misprinted"},
	CapRefundWhy:               {Kind: meter.KindBody, Text: "What is wrong with it? Keep the piece: the post office needs it with the claim."},
	"ui.refund.next.open":      {Kind: meter.KindBody, Text: "Print the claim, take it to the post office with the pieces, then tap Handed in."},
	"ui.refund.next.submitted": {Kind: meter.KindBody, Text: "Handed in. When the post office answers, tap Refunded or Refused."},
	"ui.refund.next.refunded":  {Kind: meter.KindBody, Text: "Refunded. Nothing more to do."},
	"ui.refund.next.refused":   {Kind: meter.KindBody, Text: "Refused. Its pieces are back on the ledger and may be claimed again before their deadline."},
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
