package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"postmeter/funds"
	"postmeter/meter"
	"postmeter/printer/when"
)

// Reports → Refund ledger: the spoiled pieces a page at a time (the screen does not scroll), each with
// its cause and claim deadline; the clerk chooses pieces and makes a claim, opens the claims, or marks
// a piece of today misprinted. A claim's screen prints it (as reports are printed) and moves it on:
// submitted, then refunded or refused. The core (meter/refunds.go) decides every date, right and rule.

// Refund-ledger screens.
const (
	ScreenRefundLedger      ScreenID = "refund-ledger"
	ScreenRefundClaims      ScreenID = "refund-claims"
	ScreenRefundClaim       ScreenID = "refund-claim"
	ScreenRefundClaimPrint  ScreenID = "refund-claim-print"
	ScreenRefundMark        ScreenID = "refund-mark"
	ScreenRefundApplicant   ScreenID = "refund-applicant"
	DialogMisprintReason    DialogID = "misprint-reason"
	refundApplicantMaxChars          = 40
)

// Refund-ledger controls.
const (
	IDRefundLedger     ID = "report.refund-ledger"
	IDOpenRefundLedger ID = "home.refund-ledger" // the Home warning's button
	IDRefundMakeClaim  ID = "refund.make-claim"
	IDRefundClaims     ID = "refund.claims"
	IDRefundMark       ID = "refund.mark"
	IDRefundPrevPage   ID = "refund.previous-page"
	IDRefundNextPage   ID = "refund.next-page"
	IDRefundPrint      ID = "refund.claim.print"
	IDRefundSubmitted  ID = "refund.claim.submitted"
	IDRefundRefunded   ID = "refund.claim.refunded"
	IDRefundRefused    ID = "refund.claim.refused"
	IDRefundApplicant  ID = "refund.claim.applicant"
)

// RefundPiece chooses or unchooses ledger line seq for a claim; RefundClaim opens claim id;
// RefundMisprinted marks printed piece seq; MisprintReason is a reason's button in the dialog.
func RefundPiece(seq int64) ID                 { return ID(fmt.Sprintf("refund.piece.%d", seq)) }
func RefundClaim(id int64) ID                  { return ID(fmt.Sprintf("refund.claim.%d", id)) }
func RefundMisprinted(seq int64) ID            { return ID(fmt.Sprintf("refund.misprinted.%d", seq)) }
func MisprintReason(r meter.MisprintReason) ID { return ID("refund.reason." + string(r)) }

// refundRowHeight is a ledger row's height: two lines of text beside a button above MinTarget.
const refundRowHeight = ButtonHeight

// ShowRefundLedger opens the ledger on its first page with nothing chosen (for scenes).
func (a *App) ShowRefundLedger() { a.showRefundLedger(0, nil) }

// showRefundLedger shows page of the ledger; chosen are the pieces chosen for a claim so far.
func (a *App) showRefundLedger(page int, chosen []int64) {
	sess := a.session
	back := minSize(a.button(IDReports, txt("ui.back"), nil, a.showReports), 160, 64)
	bottom := container.NewStack()
	frame := func(body fyne.CanvasObject) fyne.CanvasObject {
		return screen(txt(meter.MsgRefundTitle), back, body, bottom)
	}
	openScreen(a, ScreenRefundLedger, frame, func() fyne.CanvasObject { return widget.NewLabel(txt(CapRefundReading)) },
		func(ctx context.Context) (meter.Page[meter.LedgerLine], error) {
			return a.m.RefundLedger(ctx, sess, page)
		},
		func(p meter.Page[meter.LedgerLine]) fyne.CanvasObject {
			bottom.Objects = []fyne.CanvasObject{a.refundLedgerBar(p, chosen)}
			return a.refundLedgerBody(p, chosen)
		}, nil)
}

func (a *App) refundLedgerBody(p meter.Page[meter.LedgerLine], chosen []int64) fyne.CanvasObject {
	// The rule is said once, on an empty ledger: each line says its own deadline, and the smallest
	// screen has room for a page of lines only without it.
	list := container.NewVBox()
	if p.Total == 0 {
		list.Add(text(txt(CapRefundIntro)))
		list.Add(text(txt(CapRefundEmpty)))
	}
	for _, l := range p.Lines {
		head := txt(CapRefundLine, l.Seq, when.Date(l.Mailed), l.Amount.String(), l.Cause.Label())
		if l.Misprinted {
			head = txt(CapRefundLineWhy, l.Seq, when.Date(l.Mailed), l.Amount.String(), l.Cause.Label(), strings.ToLower(l.Reason))
		}
		var sub string
		var action *Button
		switch {
		case l.Claim != 0:
			sub = txt(CapRefundInClaim, l.Claim, strings.ToLower(meter.ClaimStateLabel(l.ClaimState)))
			action = a.button(RefundClaim(l.Claim), txt(CapRefundOpenClaim, l.Claim), nil, func() { a.showRefundClaim(l.Claim) })
		case l.Expired():
			sub = txt(CapRefundExpired, when.Date(l.Deadline))
		default:
			sub = txt(CapRefundClaimBy, when.Date(l.Deadline), l.DaysLeft)
			on := slices.Contains(chosen, l.Seq)
			caption := CapRefundChoose
			if on {
				caption = CapRefundChosen
			}
			action = a.button(RefundPiece(l.Seq), txt(caption), nil, func() {
				next := slices.DeleteFunc(slices.Clone(chosen), func(s int64) bool { return s == l.Seq })
				if !on {
					next = append(next, l.Seq)
				}
				a.showRefundLedger(p.Index, next)
			})
			if on {
				action.Importance = widget.HighImportance
				action.Icon = theme.ConfirmIcon()
			}
		}
		list.Add(a.refundRow(head, sub, action))
	}
	return list
}

// refundRow is a line of two texts with a button at its right.
func (a *App) refundRow(head, sub string, action *Button) fyne.CanvasObject {
	// Plain text, closer than labels are, so five rows and the bar fit the smallest screen.
	h := canvas.NewText(head, theme.Color(theme.ColorNameForeground))
	h.TextStyle = fyne.TextStyle{Bold: true}
	s := canvas.NewText(sub, theme.Color(theme.ColorNamePlaceHolder))
	words := container.New(layout.NewCustomPaddedLayout(0, 0, theme.InnerPadding(), 0),
		container.New(layout.NewCustomPaddedVBoxLayout(theme.Padding()), h, s))
	var right fyne.CanvasObject
	if action != nil {
		right = minSize(action, 220, refundRowHeight)
	}
	return container.NewBorder(nil, nil, nil, right, container.NewVBox(layout.NewSpacer(), words, layout.NewSpacer()))
}

// refundLedgerBar is Make claim (with how many are chosen), Claims, Mark misprint and the pages.
func (a *App) refundLedgerBar(p meter.Page[meter.LedgerLine], chosen []int64) fyne.CanvasObject {
	claim := a.guarded(IDRefundMakeClaim, txt(CapRefundMakeClaim, len(chosen)), meter.RightRefundClaims, func() { a.makeRefundClaim(chosen) })
	if a.m.Can(a.session, meter.RightRefundClaims) {
		claim.Importance = widget.HighImportance
	}
	bar := container.NewGridWithColumns(3,
		minSize(claim, 0, 64),
		minSize(a.button(IDRefundClaims, txt(CapRefundClaims), nil, func() { a.showRefundClaims(0) }), 0, 64),
		minSize(a.button(IDRefundMark, txt(CapRefundMark), nil, func() { a.showRefundMark(0) }), 0, 64))
	return container.NewBorder(nil, nil, nil, a.refundPager(p.Index, p.Pages, func(i int) { a.showRefundLedger(i, chosen) }), bar)
}

// refundPager is the previous and next page buttons around "Page n of m"; nothing for one page.
func (a *App) refundPager(index, pages int, turn func(int)) fyne.CanvasObject {
	if pages <= 1 {
		return layout.NewSpacer()
	}
	prev := a.button(IDRefundPrevPage, "", theme.NavigateBackIcon(), func() { turn(index - 1) })
	next := a.button(IDRefundNextPage, "", theme.NavigateNextIcon(), func() { turn(index + 1) })
	if index == 0 {
		prev.Disable()
	}
	if index == pages-1 {
		next.Disable()
	}
	return container.NewHBox(minSize(prev, 80, 64), widget.NewLabel(txt(CapAccountsPage, index+1, pages)), minSize(next, 80, 64))
}

// makeRefundClaim has the core make the claim, then opens it.
func (a *App) makeRefundClaim(chosen []int64) {
	sess := a.session
	var c funds.Claim
	a.background(func(ctx context.Context) error {
		var err error
		c, err = a.m.CreateClaim(ctx, sess, chosen)
		return err
	}, func(err error) {
		if err != nil {
			a.fail(err, nil)
			return
		}
		a.showRefundClaim(c.ID)
	})
}

// showRefundClaims lists the claims, newest first, a page at a time.
func (a *App) showRefundClaims(page int) {
	sess := a.session
	back := minSize(a.button(IDRefundLedger, txt("ui.back"), nil, a.ShowRefundLedger), 160, 64)
	pager := container.NewStack()
	frame := func(body fyne.CanvasObject) fyne.CanvasObject {
		return screen(txt(CapRefundClaims), back, body, pager)
	}
	openScreen(a, ScreenRefundClaims, frame, func() fyne.CanvasObject { return widget.NewLabel(txt(CapRefundReading)) },
		func(ctx context.Context) (meter.Page[funds.Claim], error) { return a.m.Claims(ctx, sess, page) },
		func(p meter.Page[funds.Claim]) fyne.CanvasObject {
			pager.Objects = []fyne.CanvasObject{container.NewBorder(nil, nil, nil, a.refundPager(p.Index, p.Pages, a.showRefundClaims))}
			list := container.NewVBox()
			if p.Total == 0 {
				list.Add(text(txt(CapRefundNoClaims)))
			}
			for _, c := range p.Lines {
				head := txt(CapRefundClaimLine, c.ID, c.Total.String(), meter.ClaimStateLabel(c.State))
				list.Add(a.refundRow(head, c.Reason, a.button(RefundClaim(c.ID), txt(CapRefundOpenClaim, c.ID), nil,
					func() { a.showRefundClaim(c.ID) })))
			}
			return list
		}, nil)
}

// claimSeqsShown is how many piece numbers a claim's screen lists on its line.
const claimSeqsShown = 8

// refundClaimData is what the claim screen shows: the claim and the applicant printed on it.
type refundClaimData struct {
	claim     meter.ClaimView
	applicant string
}

// showRefundClaim shows claim id: its figures, Print, and the next states it may take.
func (a *App) showRefundClaim(id int64) {
	sess := a.session
	back := minSize(a.button(IDRefundClaims, txt(CapRefundClaims), nil, func() { a.showRefundClaims(0) }), 160, 64)
	bottom := container.NewStack()
	frame := func(body fyne.CanvasObject) fyne.CanvasObject {
		return screen(txt(CapRefundClaimTitle, id), back, body, bottom)
	}
	openScreen(a, ScreenRefundClaim, frame, func() fyne.CanvasObject { return widget.NewLabel(txt(CapRefundReading)) },
		func(ctx context.Context) (refundClaimData, error) {
			c, err := a.m.Claim(ctx, sess, id)
			if err != nil {
				return refundClaimData{}, err
			}
			who, err := a.m.RefundApplicant(ctx)
			return refundClaimData{claim: c, applicant: who}, err
		},
		func(d refundClaimData) fyne.CanvasObject {
			bottom.Objects = []fyne.CanvasObject{a.refundClaimBar(d.claim)}
			return a.refundClaimBody(d)
		}, nil)
}

func (a *App) refundClaimBody(d refundClaimData) fyne.CanvasObject {
	c := d.claim
	var seqs []string
	for i, l := range c.Lines {
		if i == claimSeqsShown { // the printed claim lists every piece; the screen names the first few
			seqs = append(seqs, "…")
			break
		}
		seqs = append(seqs, fmt.Sprint(l.Seq))
	}
	applicant := d.applicant
	if applicant == "" {
		applicant = txt(CapRefundNoApplicant)
	}
	figures := rows(
		[2]string{txt(CapRefundState), meter.ClaimStateLabel(c.State)},
		[2]string{txt(CapRefundPieces), txt(CapRefundPieceList, len(c.Lines), strings.Join(seqs, ", "))},
		[2]string{txt(CapRefundTotal), c.Total.String()},
		[2]string{txt(CapRefundSubmitBy), when.Date(c.Deadline)})
	who := container.NewBorder(nil, nil, nil,
		minSize(a.guarded(IDRefundApplicant, txt(CapRefundChange), meter.RightRefundClaims, func() { a.editRefundApplicant(d.applicant, c.ID) }), 160, 56),
		container.NewVBox(layout.NewSpacer(), widget.NewLabel(txt(CapRefundApplicant, applicant)), layout.NewSpacer()))
	return container.NewVBox(text(txt(CapRefundReason, c.Reason)), figures, who, text(txt(CapRefundNext(c.State))))
}

// CapRefundNext is what the clerk does next with a claim in state.
func CapRefundNext(state string) meter.MessageID { return meter.MessageID("ui.refund.next." + state) }

// refundClaimBar is Print, and the states the claim may move to.
func (a *App) refundClaimBar(c meter.ClaimView) fyne.CanvasObject {
	sess := a.session
	move := func(id ID, caption meter.MessageID, state string) fyne.CanvasObject {
		b := a.guarded(id, txt(caption), meter.RightRefundClaims, func() {
			a.background(func(ctx context.Context) error { return a.m.SetClaimState(ctx, sess, c.ID, state) }, func(err error) {
				if err != nil {
					a.fail(err, nil)
					return
				}
				a.showRefundClaim(c.ID)
			})
		})
		return minSize(b, 0, 64)
	}
	print := a.guarded(IDRefundPrint, txt(CapRefundPrint), meter.RightRefundClaims, func() {
		a.showPrint(ScreenRefundClaimPrint, txt(CapRefundClaimTitle, c.ID), func(ctx context.Context, d meter.Destination) error {
			return a.m.PrintClaim(ctx, sess, c.ID, d)
		}, func() { a.showRefundClaim(c.ID) })
	})
	print.Icon = theme.DocumentPrintIcon()
	objs := []fyne.CanvasObject{minSize(print, 0, 64)}
	switch c.State {
	case funds.ClaimOpen:
		objs = append(objs, move(IDRefundSubmitted, CapRefundMarkSubmitted, funds.ClaimSubmitted))
	case funds.ClaimSubmitted:
		objs = append(objs, move(IDRefundRefunded, CapRefundMarkRefunded, funds.ClaimRefunded),
			move(IDRefundRefused, CapRefundMarkRefused, funds.ClaimRefused))
	}
	return actions(objs...)
}

// editRefundApplicant asks the applicant's name on the keyboard.
func (a *App) editRefundApplicant(current string, claim int64) {
	sess := a.session
	k := a.newKeyboard(current, txt(CapRefundApplicantPrompt), refundApplicantMaxChars)
	a.showKeyboard(k, keyboardScreen{name: ScreenRefundApplicant, heading: txt(CapRefundApplicantTitle),
		back: func() { a.showRefundClaim(claim) }, ok: func(name string) {
			a.background(func(ctx context.Context) error { return a.m.SetRefundApplicant(ctx, sess, name) }, func(err error) {
				if err != nil {
					a.fail(err, nil)
					return
				}
				a.showRefundClaim(claim)
			})
		}})
}

// showRefundMark lists the printed pieces that may still be marked misprinted (dated today or later).
func (a *App) showRefundMark(page int) {
	sess := a.session
	back := minSize(a.button(IDRefundLedger, txt("ui.back"), nil, a.ShowRefundLedger), 160, 64)
	pager := container.NewStack()
	frame := func(body fyne.CanvasObject) fyne.CanvasObject {
		return screen(txt(CapRefundMark), back, body, pager)
	}
	openScreen(a, ScreenRefundMark, frame, func() fyne.CanvasObject { return widget.NewLabel(txt(CapRefundReading)) },
		func(ctx context.Context) (meter.Page[funds.Piece], error) { return a.m.Markable(ctx, sess, page) },
		func(p meter.Page[funds.Piece]) fyne.CanvasObject {
			pager.Objects = []fyne.CanvasObject{container.NewBorder(nil, nil, nil, a.refundPager(p.Index, p.Pages, a.showRefundMark))}
			list := container.NewVBox(text(txt(CapRefundMarkIntro)))
			if p.Total == 0 {
				list.Add(text(txt(CapRefundMarkNone)))
			}
			for _, pc := range p.Lines {
				head := txt(CapRefundPrinted, pc.Seq, pc.Amount.String(), meter.RecordedClassLabel(pc.Info.MailClass))
				list.Add(a.refundRow(head, txt(CapRefundPrintedBy, pc.Info.Actor),
					a.button(RefundMisprinted(pc.Seq), txt(CapRefundMisprinted), nil, func() { a.askMisprintReason(pc.Seq, page) })))
			}
			return list
		}, nil)
}

// askMisprintReason offers the reasons; the one tapped marks the piece, then the ledger shows it.
func (a *App) askMisprintReason(seq int64, page int) {
	sess := a.session
	buttons := container.NewGridWithColumns(2)
	for _, r := range meter.MisprintReasons() {
		buttons.Add(minSize(a.button(MisprintReason(r), r.Label(), nil, func() {
			a.closeModal()
			a.background(func(ctx context.Context) error { return a.m.MarkMisprinted(ctx, sess, seq, r) }, func(err error) {
				if err != nil {
					a.fail(err, nil)
					return
				}
				a.ShowRefundLedger()
			})
		}), 0, 64))
	}
	cancel := minSize(a.button(dialogAction(meter.ActionCancel), meter.Words(meter.ActionCancel), nil, a.closeModal), 0, 64)
	a.popUp(DialogMisprintReason, minSize(container.NewVBox(title(txt(CapRefundWhyTitle, seq)), text(txt(CapRefundWhy)), buttons, cancel), dialogWidth, 0))
}
