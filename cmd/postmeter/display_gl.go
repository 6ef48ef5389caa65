//go:build !ci

package main

// needsDisplay: Fyne's GL driver draws on an X server.
const needsDisplay = true
