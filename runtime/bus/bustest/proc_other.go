//go:build !linux

package bustest

import "os/exec"

// setParentDeathSignal is a no-op where the kernel offers no such signal:
// the test's cleanup kills the server.
func setParentDeathSignal(*exec.Cmd) {}
