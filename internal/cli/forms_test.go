package cli

import (
	"bytes"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestGoldenFormsDescribeAlike: every golden app is declared in both forms,
// jsgen.yaml in <app>-yaml.txtar (or <app>.txtar) and annotated Go in
// <app>-go.txtar, and the two describe the same IR (jsgen describe --json).
// TestGolden generates, vets and compiles each of them, so the generated
// code of every golden app compiles in both forms.
func TestGoldenFormsDescribeAlike(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(repoRoot(t), "testdata", "golden", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden cases (%v)", err)
	}
	type forms struct{ yaml, goForm string }
	apps := map[string]*forms{}
	describe := map[string][]byte{}
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(p)
		app := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(base, ".txtar"), "-go"), "-yaml")
		if apps[app] == nil {
			apps[app] = &forms{}
		}
		isYAML, isGo := false, false
		for _, f := range ar.Files {
			switch {
			case f.Name == "want/describe.json":
				describe[base] = f.Data
			case f.Name == "jsgen.yaml":
				isYAML = true
			case strings.HasSuffix(f.Name, ".go") && !strings.HasSuffix(f.Name, "_test.go") && !strings.HasPrefix(f.Name, "want/"):
				isGo = true
			}
		}
		switch {
		case isYAML && isGo:
			t.Errorf("%s mixes the two forms; a golden app is declared in one", base)
		case isYAML:
			apps[app].yaml = base
		case isGo:
			apps[app].goForm = base
		default:
			t.Errorf("%s declares nothing", base)
		}
	}
	for _, app := range slices.Sorted(maps.Keys(apps)) {
		f := apps[app]
		switch {
		case f.yaml == "":
			t.Errorf("%s has no jsgen.yaml counterpart: add %s-yaml.txtar declaring the same app", f.goForm, app)
		case f.goForm == "":
			t.Errorf("%s has no annotated-Go counterpart: add %s-go.txtar declaring the same app", f.yaml, app)
		case !bytes.Equal(describe[f.yaml], describe[f.goForm]):
			t.Errorf("describe --json differs between %s and %s:\n%s", f.yaml, f.goForm, lineDiff(string(describe[f.yaml]), string(describe[f.goForm])))
		}
	}
}
