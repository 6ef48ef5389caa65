// Package assets holds postmeter's icons and the trainer's guided lessons, embedded in the binary so the
// screens look the same on every machine. Icons are single-colour SVGs that the UI tints with the theme.
package assets

import (
	"embed"

	"fyne.io/fyne/v2"
)

var (
	//go:embed icons/lock.svg
	lockSVG []byte
	//go:embed icons/envelope.svg
	envelopeSVG []byte
	//go:embed icons/funds.svg
	fundsSVG []byte
)

// Icons. Their names appear in UI golden files, so they are stable.
var (
	Lock     = fyne.NewStaticResource("lock.svg", lockSVG)
	Envelope = fyne.NewStaticResource("envelope.svg", envelopeSVG)
	Funds    = fyne.NewStaticResource("funds.svg", fundsSVG)
)

// Lessons holds the trainer's guided lessons, one JSON file each, taken in file-name order.
//
//go:embed lessons/*.json
var Lessons embed.FS
