package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestDeterministicAcrossFileOrder splits the Go form of the chat app over
// two files, once in each order, and requires byte-identical output: the
// order in which declarations are read must not matter.
func TestDeterministicAcrossFileOrder(t *testing.T) {
	ar, err := txtar.ParseFile(filepath.Join(repoRoot(t), "testdata", "golden", "chat-go.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var src string
	for _, f := range ar.Files {
		if f.Name == "chat.go" {
			src = string(f.Data)
		}
	}
	// The models need no imports; everything after them does.
	head, tail, ok := strings.Cut(src, "// ClientMessage is what")
	if !ok {
		t.Fatal("chat.go no longer has the split marker")
	}
	preamble, models, ok := strings.Cut(head, "// Room is")
	if !ok {
		t.Fatal("chat.go no longer declares Room first")
	}
	models = "package chat\n\n// Room is" + models
	rest := preamble + "// ClientMessage is what" + tail

	generate := func(first, second string) map[string][]byte {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "a.go"), []byte(first))
		writeFile(t, filepath.Join(dir, "b.go"), []byte(second))
		writeTempModule(t, dir)
		if code, _, stderr := run(dir, "generate", dir); code != ExitOK {
			t.Fatalf("generate: exit %d\n%s", code, stderr)
		}
		out := map[string][]byte{}
		files, _ := filepath.Glob(filepath.Join(dir, "*.jsgen.go"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out[filepath.Base(f)] = data
		}
		return out
	}
	one := generate(models, rest)
	two := generate(rest, models)
	if len(one) == 0 || len(one) != len(two) {
		t.Fatalf("generated %d files one way, %d the other", len(one), len(two))
	}
	for name, data := range one {
		if !bytes.Equal(data, two[name]) {
			t.Errorf("%s differs when the input files are read in the other order:\n%s", name, lineDiff(string(data), string(two[name])))
		}
	}
}
