//go:build ci

package startup

// needsDisplay: with -tags ci, Fyne's app package uses its test driver, which draws in memory.
const needsDisplay = false
