package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"postmeter/meter"
)

// showSignIn lists the users; tapping one asks for the PIN on the keypad.
func (a *App) showSignIn(notice string) {
	users := a.m.Users().List()
	var buttons []fyne.CanvasObject
	for _, u := range users {
		u := u
		buttons = append(buttons, minSize(a.button(u.Name+"  ("+u.Role.Label()+")", theme.AccountIcon(), func() {
			a.showPIN(u.Name, "")
		}), 420, 72))
	}
	body := container.NewVBox(text("Select your name to sign in."))
	if notice != "" {
		n := text(notice)
		n.Importance = widget.WarningImportance
		body.Add(n)
	}
	body.Add(container.NewCenter(container.NewVBox(buttons...)))
	a.setScreen("sign-in", screen("Sign in", nil, body, nil))
}

// showPIN asks the user's PIN; the core checks it, counts wrong ones and locks out.
func (a *App) showPIN(name, notice string) {
	k := a.newKeypad("", meter.MaxPINLength, func(d string) string {
		if d == "" {
			return "Enter PIN"
		}
		// "•" is in the theme's embedded font; "●" is not, and a meter without system fonts draws nothing.
		return strings.Repeat("•", len(d))
	})
	if notice != "" {
		k.say(notice)
	}
	signIn := func() {
		pin := k.digits
		var s *meter.Session
		a.background(func(ctx context.Context) error {
			var err error
			s, err = a.m.Users().SignIn(ctx, name, pin)
			return err
		}, func(err error) {
			if err != nil {
				k.clear()
				k.say(meter.Explain(err).Text)
				return
			}
			a.session = s
			a.showHome()
		})
	}
	right := container.NewVBox(
		minSize(a.primary("Sign in", theme.LoginIcon(), signIn), 240, 72),
		minSize(a.button("Back", theme.NavigateBackIcon(), func() { a.showSignIn("") }), 240, 72))
	body := container.NewVBox(text("Enter the PIN of "+name+" and select Sign in."), k.display, k.note,
		container.NewCenter(container.NewHBox(k.grid(), right)))
	a.setScreen("sign-in-pin", screen("Sign in: "+name, nil, body, nil))
	a.pinPad = k
}

// signOut ends the session and shows sign-in (or Home when users are disabled).
func (a *App) signOut(notice string) {
	if a.session != nil {
		a.session.SignOut()
	}
	a.session = nil
	if !a.m.Users().Enabled() {
		a.session = a.m.Users().Anonymous()
		a.showHome()
		return
	}
	a.showSignIn(notice)
}
