//go:build ci

package main

// needsDisplay: with -tags ci, Fyne's app package uses its test driver, which draws in memory.
const needsDisplay = false
