//go:build !ci

package startup

// needsDisplay: Fyne's GL driver draws on an X server.
const needsDisplay = true
