package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestFormsDescribeAlike: every app that testdata/golden holds in both
// forms, NAME-yaml.txtar and NAME-go.txtar, has the same IR (jsgen describe
// --json) in jsgen.yaml and in annotated Go. The kitchen display, written
// from the user docs alone, must be among them.
func TestFormsDescribeAlike(t *testing.T) {
	golden := filepath.Join(repoRoot(t), "testdata", "golden")
	yamls, err := filepath.Glob(filepath.Join(golden, "*-yaml.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	pairs := map[string]bool{}
	for _, y := range yamls {
		name := strings.TrimSuffix(filepath.Base(y), "-yaml.txtar")
		g := filepath.Join(golden, name+"-go.txtar")
		if _, err := txtar.ParseFile(g); err != nil {
			continue // this app is declared in one form only
		}
		pairs[name] = true
		t.Run(name, func(t *testing.T) {
			yd, gd := wantDescribe(t, y), wantDescribe(t, g)
			if !bytes.Equal(yd, gd) {
				t.Fatalf("describe --json differs between %s-yaml and %s-go:\n%s", name, name, lineDiff(string(yd), string(gd)))
			}
		})
	}
	for _, name := range []string{"chat", "teams", "kitchen"} {
		if !pairs[name] {
			t.Errorf("testdata/golden lacks the %s app in both forms (%s-yaml.txtar and %s-go.txtar)", name, name, name)
		}
	}
}

// wantDescribe returns the want/describe.json section of the case at path.
func wantDescribe(t *testing.T, path string) []byte {
	t.Helper()
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		if f.Name == "want/describe.json" {
			return f.Data
		}
	}
	t.Fatalf("%s has no want/describe.json", filepath.Base(path))
	return nil
}
