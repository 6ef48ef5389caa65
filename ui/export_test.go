package ui

import "postmeter/meter"

// RenameCaption rewords one of the screens' captions until restore is called: tests show that nothing
// (lessons, scenes, taps) finds a button by its words.
func RenameCaption(id meter.MessageID, text string) (restore func()) {
	old, had := captions[id]
	e := old
	e.Text = text
	captions[id] = e
	return func() {
		if had {
			captions[id] = old
		} else {
			delete(captions, id)
		}
	}
}
