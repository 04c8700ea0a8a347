package bustest

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal makes the kernel kill the child if the test process
// dies first, so a crashed test leaves no server behind.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
