package wireschema

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/jsgen-dev/jsgen/internal/genfile"
	"github.com/jsgen-dev/jsgen/schema/ir"
	"github.com/jsgen-dev/jsgen/schema/yamlspec"
)

var update = flag.Bool("update", false, "rewrite golden files (testdata/chat/*.schema.json, jsgen.schema.json)")

// buildIR parses a jsgen.yaml and builds its IR, failing the test on any
// diagnostic.
func buildIR(t testing.TB, path string, data []byte) *ir.Program {
	t.Helper()
	spec, diags := yamlspec.Parse(path, data)
	if len(diags) > 0 {
		t.Fatalf("yamlspec.Parse(%s): %v", path, diags)
	}
	prog, diags := ir.Build(spec)
	if len(diags) > 0 {
		t.Fatalf("ir.Build(%s): %v", path, diags)
	}
	return prog
}

// txtarFile returns the file called name in the txtar archive at path.
func txtarFile(t testing.TB, path, name string) []byte {
	t.Helper()
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	t.Fatalf("%s has no file %s", path, name)
	return nil
}

// TestChatGolden compares the schemas of the chat app (the jsgen.yaml of
// testdata/golden/chat-yaml.txtar) with testdata/chat; -update rewrites
// them and removes stale ones.
func TestChatGolden(t *testing.T) {
	const archive = "../../testdata/golden/chat-yaml.txtar"
	prog := buildIR(t, archive, txtarFile(t, archive, "jsgen.yaml"))
	files, err := Messages(prog)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "chat")
	if *update {
		writeGoldenDir(t, dir, files)
	}
	var want []string
	for _, f := range files {
		want = append(want, f.Path)
		golden, err := os.ReadFile(filepath.Join(dir, f.Path))
		if err != nil {
			t.Errorf("%v (run go test -update)", err)
			continue
		}
		if !bytes.Equal(golden, f.Data) {
			t.Errorf("%s differs from the golden file (run go test -update to accept):\n%s", f.Path, firstDiff(golden, f.Data))
		}
	}
	got, err := filepath.Glob(filepath.Join(dir, "*.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range got {
		if !slices.Contains(want, filepath.Base(g)) {
			t.Errorf("stale golden file %s (run go test -update)", g)
		}
	}
}

func writeGoldenDir(t *testing.T, dir string, files []genfile.File) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.schema.json"))
	for _, o := range old {
		if err := os.Remove(o); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Path), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(want, got []byte) string {
	w := strings.Split(string(want), "\n")
	g := strings.Split(string(got), "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl
		}
	}
	return "(no line differs)"
}
