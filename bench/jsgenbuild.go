package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// chatPkg is the jsgen server under test: the chat example, resolved
// through bench/go.mod's replace of the jsgen module by the checkout.
const chatPkg = "github.com/jsgen-dev/jsgen/examples/chat"

//go:embed debugsrv.go
var debugSource []byte

// buildChat builds the chat example into dir and returns the binary's
// path. The build adds one file to the example's package main through
// `go build -overlay` — debugsrv.go, the same debug endpoints the peers
// have (goroutine count, forced GC, pprof), active only when
// JSGEN_BENCH_DEBUG_ADDR is set — so the example's source is unchanged.
func buildChat(ctx context.Context, dir string) (string, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("build %s: the go command is needed: %w", chatPkg, err)
	}
	out, err := exec.CommandContext(ctx, gobin, "list", "-f", "{{.Dir}}", chatPkg).Output()
	if err != nil {
		return "", fmt.Errorf("locate %s: %w", chatPkg, stderrOf(err))
	}
	pkgDir := strings.TrimSpace(string(out))
	src := filepath.Join(dir, "debugsrv.go")
	if err := os.WriteFile(src, debugSource, 0o644); err != nil {
		return "", err
	}
	overlay, err := json.Marshal(map[string]map[string]string{
		"Replace": {filepath.Join(pkgDir, "zz_bench_debug.go"): src},
	})
	if err != nil {
		return "", err
	}
	ovPath := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ovPath, overlay, 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "jsgen-chat")
	cmd := exec.CommandContext(ctx, gobin, "build", "-overlay", ovPath, "-o", bin, chatPkg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: %w\n%s", chatPkg, err, stderr.String())
	}
	return bin, nil
}

func stderrOf(err error) error {
	if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
	}
	return err
}
