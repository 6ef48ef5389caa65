package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"postmeter/meter"
)

// Settings → Account codes: the codes a mailroom charges postage to, a page of them at a time (the
// screen does not scroll), each with Rename, PIN and Disable or Enable; Add code; whether Run Mail
// requires a code; each user's own code. The core checks the right and every rule; the screens
// show what it answers.

// accountsPerPage rows fit the smallest meter screen (1024×600) with the bar below them.
const accountsPerPage = 5

// Account-code screen and control IDs.
const (
	IDAccounts         ID = "settings.accounts"
	IDAccountAdd       ID = "accounts.add"
	IDAccountRequired  ID = "accounts.required"
	IDAccountDefaults  ID = "accounts.defaults"
	IDAccountsPrevPage ID = "accounts.previous-page"
	IDAccountsNextPage ID = "accounts.next-page"
)

// AccountRename, AccountPIN and AccountToggle are an account code's buttons on Settings → Account
// codes; DefaultAccount is a user's button on the users' own codes screen.
func AccountRename(id string) ID    { return ID("accounts.rename." + id) }
func AccountPIN(id string) ID       { return ID("accounts.pin." + id) }
func AccountToggle(id string) ID    { return ID("accounts.toggle." + id) }
func DefaultAccount(user string) ID { return ID("accounts.default." + user) }

// showAccounts opens Settings → Account codes at page 0.
func (a *App) showAccounts() { a.showAccountsPage(0) }

func (a *App) showAccountsPage(page int) {
	back := minSize(a.button(IDSettings, txt("ui.back"), nil, a.showSettings), 160, 64)
	frame := func(body fyne.CanvasObject) fyne.CanvasObject { return screen(txt(CapAccounts), back, body, nil) }
	openScreen(a, ScreenAccounts, frame, func() fyne.CanvasObject { return widget.NewLabel(txt(CapAccountsReading)) },
		func(ctx context.Context) (meter.Accounts, error) { return a.m.Accounts(ctx) },
		func(acc meter.Accounts) fyne.CanvasObject { return a.accountsBody(acc, page) }, nil)
}

func (a *App) accountsBody(acc meter.Accounts, page int) fyne.CanvasObject {
	pages := max(1, (len(acc.List)+accountsPerPage-1)/accountsPerPage)
	page = min(max(page, 0), pages-1)
	rule := CapAccountsOptionalNow
	if acc.Required {
		rule = CapAccountsRequiredNow
	}
	list := container.NewVBox(text(txt(rule)))
	if len(acc.List) == 0 {
		list.Add(text(txt(CapAccountsNone)))
	}
	for i := page * accountsPerPage; i < min(len(acc.List), (page+1)*accountsPerPage); i++ {
		list.Add(a.accountRow(acc.List[i], page))
	}
	required := CapAccountsOptional
	if acc.Required {
		required = CapAccountsRequired
	}
	bar := container.NewGridWithColumns(3,
		minSize(a.primary(IDAccountAdd, txt(CapAccountAdd), theme.ContentAddIcon(), a.addAccount), 0, 64),
		minSize(a.button(IDAccountRequired, txt(required), nil, func() { a.setAccountRequired(!acc.Required, page) }), 0, 64),
		minSize(a.button(IDAccountDefaults, txt(CapAccountDefaults), theme.AccountIcon(), a.showAccountDefaults), 0, 64))
	var pager fyne.CanvasObject = layout.NewSpacer()
	if pages > 1 {
		prev := a.button(IDAccountsPrevPage, "", theme.NavigateBackIcon(), func() { a.showAccountsPage(page - 1) })
		next := a.button(IDAccountsNextPage, "", theme.NavigateNextIcon(), func() { a.showAccountsPage(page + 1) })
		if page == 0 {
			prev.Disable()
		}
		if page == pages-1 {
			next.Disable()
		}
		pager = container.NewHBox(minSize(prev, 80, 64), widget.NewLabel(txt(CapAccountsPage, page+1, pages)), minSize(next, 80, 64))
	}
	return container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, nil, pager, bar)),
		nil, nil, list)
}

// accountRow is one code: its name and what is special about it, then its buttons.
func (a *App) accountRow(c meter.Account, page int) fyne.CanvasObject {
	name := widget.NewLabel(c.Name)
	name.TextStyle = fyne.TextStyle{Bold: true}
	var notes []string
	if c.ID != c.Name {
		notes = append(notes, txt(CapAccountID, c.ID))
	}
	if c.HasPIN {
		notes = append(notes, txt(CapAccountHasPIN))
	}
	if c.Disabled {
		notes = append(notes, txt(CapAccountDisabled))
	}
	toggle := CapAccountDisable
	if c.Disabled {
		toggle = CapAccountEnable
	}
	buttons := container.NewGridWithColumns(3,
		a.button(AccountRename(c.ID), txt(CapAccountRename), nil, func() { a.renameAccount(c) }),
		a.button(AccountPIN(c.ID), txt(CapAccountPIN), nil, func() { a.setAccountPIN(c) }),
		a.button(AccountToggle(c.ID), txt(toggle), nil, func() { a.toggleAccount(c, page) }))
	more := widget.NewLabel(strings.Join(notes, " · "))
	more.Importance = widget.LowImportance
	left := container.NewVBox(layout.NewSpacer(), container.NewHBox(name, more), layout.NewSpacer())
	return container.NewBorder(nil, nil, nil, minSize(buttons, 420, 56), left)
}

// accountChange runs a change in the core, then shows the page again, or what the core refused.
func (a *App) accountChange(change func(ctx context.Context, s *meter.Session) error, then func()) {
	sess := a.session
	a.background(func(ctx context.Context) error { return change(ctx, sess) }, func(err error) {
		if err != nil {
			a.fail(err, nil)
			return
		}
		then()
	})
}

func (a *App) setAccountRequired(required bool, page int) {
	a.accountChange(func(ctx context.Context, s *meter.Session) error {
		return a.m.SetAccountRequired(ctx, s, required)
	}, func() { a.showAccountsPage(page) })
}

func (a *App) toggleAccount(c meter.Account, page int) {
	a.accountChange(func(ctx context.Context, s *meter.Session) error {
		return a.m.SetAccountDisabled(ctx, s, c.ID, !c.Disabled)
	}, func() { a.showAccountsPage(page) })
}

// addAccount asks the new code's name on the keyboard; the core gives it its ID.
func (a *App) addAccount() {
	k := a.newKeyboard("", txt(CapAccountNamePrompt), meter.AccountNameMaxLength)
	a.showKeyboard(k, keyboardScreen{name: ScreenAccountName, heading: txt(CapAccountAdd),
		back: a.showAccounts, ok: func(name string) {
			a.accountChange(func(ctx context.Context, s *meter.Session) error {
				_, err := a.m.AddAccount(ctx, s, name)
				return err
			}, a.lastAccountsPage)
		}})
}

// lastAccountsPage shows the page a new code is on.
func (a *App) lastAccountsPage() { a.showAccountsPage(1 << 20) }

func (a *App) renameAccount(c meter.Account) {
	k := a.newKeyboard(c.Name, txt(CapAccountNamePrompt), meter.AccountNameMaxLength)
	a.showKeyboard(k, keyboardScreen{name: ScreenAccountName, heading: txt(CapAccountRenameTitle, c.Name),
		back: a.showAccounts, ok: func(name string) {
			a.accountChange(func(ctx context.Context, s *meter.Session) error {
				return a.m.RenameAccount(ctx, s, c.ID, name)
			}, a.showAccounts)
		}})
}

// setAccountPIN asks the code's new PIN on the keypad; OK with no digits takes the PIN away.
func (a *App) setAccountPIN(c meter.Account) {
	k := a.newPINKeypad(txt(CapAccountNoPIN))
	a.showKeypad(k, keypadScreen{name: ScreenAccountPIN, heading: txt(CapAccountPINTitle, c.Name),
		prompt: txt(CapAccountPINPrompt), back: a.showAccounts, ok: func() {
			pin := k.digits
			a.accountChange(func(ctx context.Context, s *meter.Session) error {
				return a.m.SetAccountPIN(ctx, s, c.ID, pin)
			}, a.showAccounts)
		}})
}

// showAccountDefaults lists the users, each with the code Run Mail starts with for them.
func (a *App) showAccountDefaults() {
	back := minSize(a.button(IDAccounts, txt("ui.back"), nil, a.showAccounts), 160, 64)
	frame := func(body fyne.CanvasObject) fyne.CanvasObject {
		return screen(txt(CapAccountDefaults), back, body, nil)
	}
	openScreen(a, ScreenAccountDefaults, frame, func() fyne.CanvasObject { return widget.NewLabel(txt(CapAccountsReading)) },
		func(ctx context.Context) (meter.Accounts, error) { return a.m.Accounts(ctx) },
		func(acc meter.Accounts) fyne.CanvasObject {
			list := container.NewVBox(text(txt(CapAccountDefaultsIntro)))
			for _, u := range a.m.Users().List() {
				name := txt(CapAccountNone)
				if c, ok := acc.Find(acc.Defaults[u.Name]); ok {
					name = c.Name
				}
				b := a.button(DefaultAccount(u.Name), name, nil, func() { a.chooseDefaultAccount(u.Name, acc) })
				who := widget.NewLabel(txt(CapUserButton, u.Name, u.Role.Label()))
				list.Add(container.NewBorder(nil, nil, nil, minSize(b, 320, 56),
					container.NewVBox(layout.NewSpacer(), who, layout.NewSpacer())))
			}
			return list
		}, nil)
}

func (a *App) chooseDefaultAccount(user string, acc meter.Accounts) {
	pick := func(id string) func() {
		return func() {
			a.closeModal()
			a.accountChange(func(ctx context.Context, s *meter.Session) error {
				return a.m.SetDefaultAccount(ctx, s, user, id)
			}, a.showAccountDefaults)
		}
	}
	a.accountPicker(txt(CapAccountDefaultTitle, user), acc.Enabled(), pick)
}

// pickerPerPage codes fit the dialog on the smallest screen, with None and the page buttons.
const pickerPerPage = 8

// accountPicker is the dialog that lists codes to pick one from, "None" first, a page at a time.
func (a *App) accountPicker(heading string, codes []meter.Account, pick func(id string) func()) {
	a.accountPickerPage(heading, codes, pick, 0)
}

func (a *App) accountPickerPage(heading string, codes []meter.Account, pick func(id string) func(), page int) {
	buttons := []fyne.CanvasObject{minSize(a.button(IDNoAccount, txt("ui.run-mail.no-account"), nil, pick("")), 0, 64)}
	for _, c := range codes[page*pickerPerPage : min(len(codes), (page+1)*pickerPerPage)] {
		buttons = append(buttons, minSize(a.button(AccountCode(c.ID), c.Name, nil, pick(c.ID)), 0, 64))
	}
	content := container.NewVBox(title(heading), container.NewGridWithColumns(3, buttons...))
	if pages := (len(codes) + pickerPerPage - 1) / pickerPerPage; pages > 1 {
		turn := func(p int) func() { return func() { a.accountPickerPage(heading, codes, pick, p) } }
		prev := a.button(IDAccountsPrevPage, "", theme.NavigateBackIcon(), turn(page-1))
		next := a.button(IDAccountsNextPage, "", theme.NavigateNextIcon(), turn(page+1))
		if page == 0 {
			prev.Disable()
		}
		if page == pages-1 {
			next.Disable()
		}
		content.Add(container.NewHBox(layout.NewSpacer(), minSize(prev, 80, 64),
			container.NewCenter(widget.NewLabel(txt(CapAccountsPage, page+1, pages))), minSize(next, 80, 64)))
	}
	a.closeModal()
	a.popUp(DialogAccountCodes, minSize(content, dialogWidth, 0))
}
