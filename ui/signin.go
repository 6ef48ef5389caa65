package ui

import (
	"context"
	"errors"
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
		buttons = append(buttons, minSize(a.button(User(u.Name), txt(CapUserButton, u.Name, u.Role.Label()), theme.AccountIcon(), func() {
			a.showPIN(u.Name, "")
		}), 420, 72))
	}
	body := container.NewVBox(text(txt("ui.sign-in.select")))
	if notice != "" {
		n := text(notice)
		n.Importance = widget.WarningImportance
		body.Add(n)
	}
	body.Add(container.NewCenter(container.NewVBox(buttons...)))
	a.setScreen(ScreenSignIn, screen(txt("ui.sign-in"), nil, body, nil))
}

// showPIN asks the user's PIN; the core checks it, counts wrong ones and locks out.
func (a *App) showPIN(name, notice string) {
	k := a.newPINKeypad(txt("ui.pin.enter"))
	if notice != "" {
		k.say(notice)
	}
	// The PIN's hash is slow on purpose; the core starts on the digits keyed so far while the clerk
	// is still at the keypad, so Sign in answers at once (it tells and counts nothing until then).
	users := a.m.Users()
	k.keyed = func(digits string) { a.ahead(func() { users.PrepareSignIn(name, digits) }) }
	signIn := func() {
		pin := k.digits
		var s *meter.Session
		var mustChange bool
		// The PIN's hash takes a while on purpose: the keypad says so if it takes long.
		finished := a.unlessQuick(func() { k.say(txt("ui.sign-in.checking")) })
		// Home's figures are read right after the PIN check, in the same trip off the UI goroutine, so
		// Home is drawn as soon as the check is done (unless a lock's sign-in returns elsewhere).
		toHome := a.nav.afterSignIn == nil
		var home *homeData
		a.background(func(ctx context.Context) error {
			var err error
			s, err = a.m.Users().SignIn(ctx, name, pin)
			mustChange = err == nil && s.MustChangePIN()
			if err == nil && !mustChange && toHome {
				if d, herr := a.readHome(ctx); herr == nil {
					home = &d
				}
			}
			return err
		}, func(err error) {
			finished()
			if err != nil {
				k.clear()
				k.say(meter.Explain(err).Text)
				return
			}
			a.session = s
			switch {
			case mustChange:
				a.showChoosePIN(name, pin, "", "")
			case home != nil && a.nav.afterSignIn == nil:
				a.showHomeWith(*home)
			default:
				a.signedIn()
			}
		})
	}
	a.showKeypad(k, keypadScreen{name: ScreenSignInPIN, heading: txt("ui.sign-in.title", name),
		prompt: txt("ui.sign-in.prompt", name), ok: signIn, okLabel: txt("ui.sign-in"),
		back: func() { a.showSignIn("") }, backLabel: txt("ui.back"), backIcon: theme.NavigateBackIcon()})
}

// newPINKeypad is the keypad for a PIN: up to MaxPINLength digits, shown as dots.
func (a *App) newPINKeypad(empty string) *keypad {
	return a.newKeypad("", meter.MaxPINLength, func(d string) string {
		if d == "" {
			return empty
		}
		// "•" is in the theme's embedded font; "●" is not, and a meter without system fonts draws nothing.
		return strings.Repeat("•", len(d))
	})
}

// showChoosePIN makes a user who signed in with a PIN that must be changed choose a new one: the new
// PIN on the keypad ("choose-pin"), then again to confirm ("choose-pin-confirm"); the core checks and
// stores it off the UI goroutine, then Home. oldPIN is the PIN just used to sign in; first is the new
// PIN keyed the first time ("" on the first screen).
func (a *App) showChoosePIN(name, oldPIN, first, notice string) {
	role := a.session.User().Role
	empty := txt("ui.pin.enter-new")
	if first != "" {
		empty = txt("ui.pin.enter-new-again")
	}
	k := a.newPINKeypad(empty)
	if notice != "" {
		k.say(notice)
	}
	id, heading := ScreenChoosePIN, txt("ui.choose-pin.title")
	prompt := txt("ui.choose-pin.prompt", name, meter.MinPINLengthFor(role), meter.MaxPINLength)
	ok := func() {
		pin := k.digits
		if err := meter.ValidatePINFor(role, pin); err != nil {
			k.clear()
			k.say(meter.Explain(err).Text)
			return
		}
		if pin == oldPIN {
			k.clear()
			k.say(meter.Explain(meter.ErrSamePIN).Text)
			return
		}
		a.showChoosePIN(name, oldPIN, pin, "")
	}
	if first != "" {
		id, heading = ScreenChoosePINConfirm, txt("ui.choose-pin.confirm-title")
		prompt = txt("ui.choose-pin.again")
		ok = func() {
			if k.digits != first {
				a.showChoosePIN(name, oldPIN, "", txt("ui.choose-pin.mismatch"))
				return
			}
			s := a.session
			a.background(func(ctx context.Context) error {
				return a.m.Users().ChangeOwnPIN(ctx, s, oldPIN, first)
			}, func(err error) {
				switch {
				case err == nil:
					a.showHome()
				case errors.Is(err, meter.ErrSessionExpired), errors.Is(err, meter.ErrNotSignedIn),
					errors.Is(err, meter.ErrLockedOut):
					a.signOut(meter.Explain(err).Text)
				default:
					a.showChoosePIN(name, oldPIN, "", meter.Explain(err).Text)
				}
			})
		}
	}
	a.showKeypad(k, keypadScreen{name: id, heading: heading, prompt: prompt, ok: ok,
		back: func() { a.signOut("") }, backLabel: txt("ui.sign-out"), backIcon: theme.LogoutIcon()})
}

// signOut ends the session and shows sign-in (or Home when users are disabled).
func (a *App) signOut(notice string) {
	if a.session != nil {
		a.session.SignOut()
	}
	a.session = nil
	if !a.m.Users().Enabled() {
		a.nav.afterSignIn = nil
		a.session = a.m.Users().Anonymous()
		a.showHome()
		return
	}
	a.showSignIn(notice)
}

// signInThen signs the clerk out to sign in as someone with the right a lock asked for, and then carries
// on with what they tapped, from the screen they were on.
func (a *App) signInThen(then func()) {
	back := a.nav.here
	a.nav.afterSignIn = func() {
		a.nav.here = back
		if back != nil {
			back()
		}
		then()
	}
	a.signOut(txt("ui.sign-in.need-right"))
}

// signedIn shows what comes after a sign-in: what a lock interrupted, or Home.
func (a *App) signedIn() {
	next := a.nav.afterSignIn
	a.nav.afterSignIn = nil
	if next != nil {
		next()
		return
	}
	a.showHome()
}

// SignOut ends the session and shows the sign-in screen (the trainer's and the scenes' way to start
// a sign-in from the keypad).
func (a *App) SignOut() { a.signOut("") }
