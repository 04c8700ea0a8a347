package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMissingGoModIsBadInput: annotated Go outside any Go module is the
// user's to fix (exit 2), with a diagnostic saying what to do, never an
// internal error (exit 3).
func TestMissingGoModIsBadInput(t *testing.T) {
	dir := t.TempDir()
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			t.Skipf("the temporary directory lies inside a Go module (%s)", d)
		}
	}
	writeFile(t, filepath.Join(dir, "app.go"), []byte("package app\n\n//jsgen:message\ntype M struct {\n\tA string `json:\"a\"`\n}\n"))
	for _, verb := range []string{"generate", "check", "validate"} {
		code, _, stderr := run(dir, verb, dir)
		if code != ExitBadInput {
			t.Fatalf("%s: exit %d, want %d\n%s", verb, code, ExitBadInput, stderr)
		}
		for _, want := range []string{"no go.mod", "go mod init", "jsgen: 1 error"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%s: stderr does not say %q:\n%s", verb, want, stderr)
			}
		}
	}
}
