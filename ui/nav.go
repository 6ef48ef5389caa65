package ui

// navigation is where a clerk is taken back to: Cancel in a refill, Back on Funds and a sign-in for a
// locked action return the clerk to where they were, not to Home.
type navigation struct {
	// here re-opens the last screen a clerk can return to (Home, Run Mail, a Funds tab).
	here func()
	// refillBack is where Cancel on the refill options returns: the screen the refill was started from.
	refillBack func()
	// fundsBack, if set, is Funds' way back to Run Mail (entered by "Postage in meter").
	fundsBack func()
	// afterSignIn, if set, is what the clerk was doing when a lock sent them to sign in.
	afterSignIn func()
}

// remember notes the screens a clerk can be returned to, before name replaces the screen shown.
func (a *App) remember(name ScreenID) {
	for i, t := range tabScreens {
		if name == t {
			a.nav.here = func() { a.showFunds(i) } // showFunds keeps fundsBack
			return
		}
	}
	switch name {
	case ScreenHome:
		a.nav.here, a.nav.fundsBack = a.showHome, nil
	case ScreenRunMail:
		a.nav.here, a.nav.fundsBack = func() { a.runMail(false, nil) }, nil
	}
}

// back returns to the last screen the clerk can return to (Home if none).
func (a *App) back() {
	if a.nav.here != nil {
		a.nav.here()
		return
	}
	a.showHome()
}
