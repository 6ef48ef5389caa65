package ui

import (
	"context"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"postmeter/meter"
)

// Run Mail's weighing methods are the model's (meter.WeighingMethods): a model with weigh-on-the-way or
// differential weighing shows a Method button beside Key in weight and Weigh, which opens the choice;
// the others show no such button. The core refuses a method the model has not, whatever is shown.

// extraWeighing reports whether the model offers more than keyed-in and scale weights.
func extraWeighing(methods []meter.WeighingMethod) bool {
	return slices.Contains(methods, meter.WeighOnTheWay) || slices.Contains(methods, meter.WeighDifferential)
}

// weightLine is the weight row's text: the weight, or how each piece will be weighed.
func weightLine(job meter.Job) string {
	switch job.Weighing {
	case meter.WeighOnTheWay:
		return txt("ui.run-mail.weight-wow")
	case meter.WeighDifferential:
		return txt("ui.run-mail.weight-differential")
	}
	return txt("ui.run-mail.weight", job.Weight)
}

// perPiece reports whether the postage is known only at each piece (weighed as it is printed).
func perPiece(job meter.Job) bool {
	return job.KeyedPostage == 0 && (job.Weighing == meter.WeighOnTheWay || job.Weighing == meter.WeighDifferential)
}

// chooseWeighing offers the model's weighing methods.
func (a *App) chooseWeighing() {
	var buttons []fyne.CanvasObject
	for _, m := range a.m.WeighingMethods() {
		m := m
		b := a.button(WeighingMethod(m), weighingCaption(m), nil, func() { a.closeModal(); a.pickWeighing(m) })
		if a.job.Weighing == m || a.job.Weighing == "" && m == meter.WeighKeyed {
			b.Importance = widget.HighImportance
		}
		buttons = append(buttons, minSize(b, 0, 64))
	}
	a.closeModal()
	content := container.NewVBox(title(txt("ui.run-mail.weighing-title")), container.NewGridWithColumns(2, buttons...))
	a.popUp(DialogWeighing, minSize(content, dialogWidth, 0))
}

func weighingCaption(m meter.WeighingMethod) string {
	switch m {
	case meter.WeighScale:
		return txt("ui.weighing.scale")
	case meter.WeighOnTheWay:
		return txt("ui.weighing.wow")
	case meter.WeighDifferential:
		return txt("ui.weighing.differential")
	}
	return txt("ui.weighing.keyed")
}

// pickWeighing sets the job's method: keyed in keeps the weight shown; the scale weighs the piece now;
// differential weighing reads the stack it counts down from (the core refuses it on a model without).
func (a *App) pickWeighing(m meter.WeighingMethod) {
	switch m {
	case meter.WeighScale:
		a.weigh()
	case meter.WeighDifferential:
		a.background(func(ctx context.Context) error {
			_, err := a.m.StartDifferential(ctx)
			return err
		}, func(err error) {
			if err != nil {
				a.fail(err, nil)
				return
			}
			a.job.Weighing, a.job.KeyedPostage = m, 0
			a.runMail(false, nil)
		})
	case meter.WeighOnTheWay:
		a.job.Weighing, a.job.KeyedPostage = m, 0
		a.runMail(false, nil)
	default:
		a.job.Weighing = ""
		a.runMail(false, nil)
	}
}
