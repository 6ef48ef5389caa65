//go:build race

package datacenter_test

import "flag"

// Under the race detector each step of a property test costs ten times more, and `make test` runs the
// property tests in full without it: here they take fewer random runs (still enough for the detector to
// see a refill's goroutines meet), unless -rapid.checks asks for more.
func init() {
	if err := flag.Set("rapid.checks", "20"); err != nil {
		panic(err)
	}
}
