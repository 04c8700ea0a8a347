package main

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain lets the harness re-execute the test binary as a server: the
// end-to-end test starts the peers with `-serve NAME` like the command
// does, and this runs them instead of the tests.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-serve" {
		code, err := mainErr(os.Args[1:], os.Stdout)
		if err != nil {
			os.Stderr.WriteString("bench -serve: " + err.Error() + "\n")
		}
		os.Exit(code)
	}
	goleak.VerifyTestMain(m)
}
