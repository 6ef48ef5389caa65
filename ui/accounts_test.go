package ui

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/meter"
	"postmeter/meter/simulator"
	"postmeter/printer/when"
)

// typeText types s on the on-screen keyboard, a key at a time, Shift before each capital.
func typeText(t *testing.T, a *App, s string) {
	t.Helper()
	for _, r := range s {
		l := string(r)
		switch {
		case l == " ":
			tap(t, a, KeyboardKey("space"))
			continue
		case strings.ToLower(l) != l && !a.kbd.shift:
			tap(t, a, KeyboardKey("shift"))
		case strings.ToUpper(l) != l && a.kbd.shift:
			tap(t, a, KeyboardKey("shift"))
		}
		tap(t, a, KeyboardKey(strings.ToLower(l)))
	}
}

func TestKeyboardCapitalizesWordsAndDeletes(t *testing.T) {
	a, _ := play(t, Scene{Name: "keyboard", User: supervisor()})
	tap(t, a, IDSettings)
	tap(t, a, IDAccounts)
	tap(t, a, IDAccountAdd)
	require.Equal(t, ScreenAccountName, a.Screen())
	assert.Equal(t, txt(CapAccountNamePrompt), a.kbd.display.Text, "empty, the field says what to type")
	assert.True(t, a.kbd.cursor.Hidden)
	for _, k := range []string{"r", "space", "shift", "d", "x", "delete"} {
		tap(t, a, KeyboardKey(k))
	}
	assert.Equal(t, "R d", a.kbd.text, "the first letter of each word is a capital unless Shift is tapped")
	assert.Equal(t, "R d", a.kbd.display.Text)
	assert.True(t, a.kbd.cursor.Visible())
	assert.Equal(t, "q", button(t, a, KeyboardKey("q")).Text, "after a letter the keys show small letters")
	tap(t, a, KeyboardKey("space"))
	assert.Equal(t, "Q", button(t, a, KeyboardKey("q")).Text, "a new word starts with a capital")
	tap(t, a, KeyboardKey("space"))
	assert.Equal(t, "R d ", a.kbd.text, "no two spaces in a row")
	tap(t, a, IDKeyboardBack)
	assert.Equal(t, ScreenAccounts, a.Screen())
}

// A supervisor adds a code on the keyboard, gives it a PIN and makes it Oscar's own code; Oscar's Run
// Mail starts with it, asks its PIN once, and the piece records the code's ID, which a rename keeps.
func TestAccountCodeFromSettingsToThePiece(t *testing.T) {
	a, sim := play(t, Scene{Name: "accounts", User: supervisor()})
	ctx := context.Background()
	tap(t, a, IDSettings)
	tap(t, a, IDAccounts)
	require.Equal(t, ScreenAccounts, a.Screen())
	tap(t, a, IDAccountAdd)
	typeText(t, a, "Research and Development")
	assert.Equal(t, "Research and Development", a.kbd.text, "at most %d characters", meter.AccountNameMaxLength)
	tap(t, a, IDKeyboardOK)
	require.Equal(t, ScreenAccounts, a.Screen(), "dialog %q", a.Modal())

	acc, err := sim.Meter.Accounts(ctx)
	require.NoError(t, err)
	c := acc.List[len(acc.List)-1]
	assert.Equal(t, "Research and Development", c.Name)

	// The same name again is refused by the core, in words.
	tap(t, a, IDAccountAdd)
	typeText(t, a, "research and development")
	tap(t, a, IDKeyboardOK)
	require.Equal(t, MessageDialog(meter.MsgAccountNameTaken), a.Modal())
	tap(t, a, dialogAction(meter.ActionOK))

	a.act(func() { a.showAccounts() })
	a.Settle()
	tap(t, a, AccountPIN(c.ID))
	require.Equal(t, ScreenAccountPIN, a.Screen())
	tapDigits(t, a, "8642")
	tap(t, a, IDKeypadOK)
	require.Equal(t, ScreenAccounts, a.Screen())

	tap(t, a, IDAccountDefaults)
	tap(t, a, DefaultAccount(operator()))
	require.Equal(t, DialogAccountCodes, a.Modal())
	tap(t, a, AccountCode(c.ID))
	acc, err = sim.Meter.Accounts(ctx)
	require.NoError(t, err)
	assert.Equal(t, c.ID, acc.Defaults[operator()])

	// Oscar signs in: Run Mail starts with his code; printing asks its PIN first.
	a.act(func() { a.signOut("") })
	a.Settle()
	tap(t, a, User(operator()))
	tapDigits(t, a, simulator.DemoOperatorPIN)
	tap(t, a, IDKeypadOK)
	tap(t, a, IDRunMail)
	require.Equal(t, ScreenRunMail, a.Screen())
	assert.Equal(t, c.ID, a.job.AccountCode)
	tap(t, a, IDStart)
	require.Equal(t, MessageDialog(meter.MsgAccountPINNeeded), a.Modal(), "the core asks the code's PIN")
	tap(t, a, dialogAction(meter.ActionOK))
	tap(t, a, IDAccount)
	tap(t, a, AccountCode(c.ID))
	require.Equal(t, ScreenAccountUnlock, a.Screen())
	tapDigits(t, a, "1111")
	tap(t, a, IDKeypadOK)
	assert.Contains(t, a.pinPad.note.Text, "That is not the PIN of the account code")
	tapDigits(t, a, "8642")
	tap(t, a, IDKeypadOK)
	require.Equal(t, ScreenRunMail, a.Screen())
	before, err := sim.Meter.Registers(ctx)
	require.NoError(t, err)
	tap(t, a, IDStart)
	after, err := sim.Meter.Registers(ctx)
	require.NoError(t, err)
	require.Equal(t, before.Pieces+1, after.Pieces, "dialog %q", a.Modal())

	pieces, err := sim.Vault.Pieces(ctx, "", 1)
	require.NoError(t, err)
	assert.Equal(t, c.ID, pieces[0].Info.AccountCode)
	consistent(t, sim)
}

// Pieces printed on Run Mail to two codes show on Reports → Account report, and Export puts the same
// figures on the "USB stick" (the simulator's exports folder) as CSV.
func TestAccountReportOnScreenAndExported(t *testing.T) {
	a, sim := play(t, Scene{Name: "account-report", User: supervisor()})
	tap(t, a, IDRunMail)
	for _, code := range []string{"Sales", "Sales", "Legal"} {
		tap(t, a, IDAccount)
		tap(t, a, AccountCode(code))
		tap(t, a, IDStart)
		require.Empty(t, a.Modal())
	}
	a.act(a.showHome)
	a.Settle()
	tap(t, a, IDReports)
	tap(t, a, IDReportAccounts)
	require.Equal(t, ScreenReportAccounts, a.Screen())
	texts := strings.Join(a.Texts(), "\n")
	regs, err := sim.Meter.Registers(context.Background())
	require.NoError(t, err)
	assert.Contains(t, texts, txt(CapReportTotal, regs.Pieces, regs.Used.String(), 0, "$0.00"))

	tap(t, a, IDReportExport)
	require.Equal(t, DialogReportExported, a.Modal())
	files, err := filepath.Glob(filepath.Join(sim.Dir, "exports", "*.csv"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.Contains(t, strings.Join(a.Texts(), "\n"), filepath.Base(files[0]), "the screen says where the report went")
	data, err := os.ReadFile(files[0])
	require.NoError(t, err)
	records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 3, "a header, Legal and Sales")
	// Name, weight break and pieces.
	assert.Equal(t, []string{"Legal", "1", "1"}, []string{records[1][3], records[1][5], records[1][6]})
	assert.Equal(t, []string{"Sales", "1", "2"}, []string{records[2][3], records[2][5], records[2][6]})
	tap(t, a, dialogAction(meter.ActionOK))

	tap(t, a, IDRangeLastMonth)
	assert.Contains(t, strings.Join(a.Texts(), "\n"), txt(CapReportNoPieces))
}

// Settings → End batch asks first, ends the batch in the core and prints its summary on tape.
func TestEndBatchFromSettings(t *testing.T) {
	a, sim := play(t, Scene{Name: "end-batch", User: supervisor()})
	tap(t, a, IDRunMail)
	tap(t, a, IDStart)
	tap(t, a, IDStart)
	a.act(a.showSettings)
	a.Settle()
	tap(t, a, IDEndBatch)
	require.Equal(t, DialogEndBatch, a.Modal())
	tap(t, a, dialogAction(meter.ActionCancel))
	regs, err := sim.Meter.Registers(context.Background())
	require.NoError(t, err)
	require.Equal(t, int64(2), regs.BatchCount, "Cancel ends nothing")

	tap(t, a, IDEndBatch)
	tap(t, a, dialogAction(meter.ActionEndBatch))
	require.Equal(t, DialogBatchEnded, a.Modal())
	regs, err = sim.Meter.Registers(context.Background())
	require.NoError(t, err)
	assert.Zero(t, regs.BatchCount)
	imps := sim.Engine.Impressions()
	last := imps[len(imps)-1]
	require.NotNil(t, last.Document)
	assert.Equal(t, "Batch Summary", last.Document.Title)
	assert.Equal(t, meter.MediumTape, last.Medium)
	consistent(t, sim)
}

// Settings → Sync shows the contact figures; Upload now sends the registers and says so.
func TestSyncScreenUploadsNow(t *testing.T) {
	a, sim := play(t, Scene{Name: "sync", User: supervisor()})
	tap(t, a, IDSettings)
	tap(t, a, IDSync)
	require.Equal(t, ScreenSync, a.Screen())
	v, err := sim.Meter.Sync(context.Background())
	require.NoError(t, err)
	texts := strings.Join(a.Texts(), "\n")
	assert.Contains(t, texts, when.DateTime(v.Status.LastContact))
	assert.Contains(t, texts, when.DateTime(v.Status.LockAt))
	assert.Contains(t, texts, txt(CapSyncAuditValue, v.Report.AuditSeq))

	tap(t, a, IDSyncUpload)
	require.Equal(t, DialogUploaded, a.Modal())
	after, err := sim.Meter.Sync(context.Background())
	require.NoError(t, err)
	assert.Greater(t, after.Report.AuditSeq, v.Report.AuditSeq, "the upload is audited")
	assert.Equal(t, sim.Meter.Now().Unix(), after.LastUpload.Unix())
	assert.Contains(t, strings.Join(a.Texts(), "\n"), after.Report.AuditHead[:16], "the dialog names the audit head sent")
	tap(t, a, dialogAction(meter.ActionOK))
	assert.Contains(t, strings.Join(a.Texts(), "\n"), when.DateTime(after.LastUpload), "the screen shows the new upload")

	tap(t, a, IDSyncCheck)
	require.Equal(t, DialogRecordsChecked, a.Modal(), "the whole history verifies")
	require.NoError(t, sim.Vault.Refused())
}
