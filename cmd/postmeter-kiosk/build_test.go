package main

import (
	"os"
	"testing"

	"postmeter/internal/testenv"
)

// buildCommand builds the command pkg (a path from the module's root) once per test run, with the GL
// driver and the Makefile's tags, as `make kiosk` and `make run` build it.
func buildCommand(t *testing.T, pkg string) string { return testenv.Build(t, pkg, testenv.GLTags) }

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.RemoveBuilt()
	os.Exit(code)
}
