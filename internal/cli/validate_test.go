package cli

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestValidateRefusesWhatGenerateRefuses: jsgen validate is generate
// without writing, so on every testdata/diagnostics case it exits as
// generate does and prints the same diagnostics (want/exit, want/stderr).
// A check that only generate runs would let validate pass declarations
// that generate refuses.
func TestValidateRefusesWhatGenerateRefuses(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(repoRoot(t), "testdata", "diagnostics", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no cases in testdata/diagnostics (%v)", err)
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(p)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{}
			for _, f := range ar.Files {
				want[f.Name] = string(f.Data)
			}
			dir := materialize(t, ar)
			code, _, stderr := run(dir, "validate", dir)
			if got := strconv.Itoa(code) + "\n"; got != want["want/exit"] {
				t.Fatalf("validate: exit %d, generate: exit %s%s", code, want["want/exit"], stderr)
			}
			if stderr != want["want/stderr"] {
				t.Errorf("validate and generate print different diagnostics (-generate +validate):\n%s", lineDiff(want["want/stderr"], stderr))
			}
		})
	}
}
