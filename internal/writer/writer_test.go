package writer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jsgen-dev/jsgen/internal/genfile"
)

func TestDiffApply(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("same.jsgen.go", genfile.GoHeader+"\npackage p\n")
	write("old.jsgen.go", genfile.GoHeader+"\npackage p\n// old\n")
	write("stale.jsgen.go", genfile.GoHeader+"\npackage p\n")
	write("user.jsgen.go", "// hand-written, not ours\npackage p\n")
	files := []genfile.File{
		{Path: "same.jsgen.go", Data: []byte(genfile.GoHeader + "\npackage p\n")},
		{Path: "old.jsgen.go", Data: []byte(genfile.GoHeader + "\npackage p\n// new\n")},
		{Path: "new.jsgen.go", Data: []byte(genfile.GoHeader + "\npackage p\n")},
	}
	changes, err := Diff(dir, files)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, c.Kind.String()+" "+c.Path)
	}
	want := "create new.jsgen.go,update old.jsgen.go,remove stale.jsgen.go"
	if strings.Join(got, ",") != want {
		t.Fatalf("changes = %v, want %s", got, want)
	}
	if err := Apply(dir, changes); err != nil {
		t.Fatal(err)
	}
	again, err := Diff(dir, files)
	if err != nil || len(again) != 0 {
		t.Fatalf("after Apply: %v, %v; want no changes", again, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "user.jsgen.go")); err != nil {
		t.Fatalf("a file without the jsgen header was removed: %v", err)
	}
}

func TestDiffRefusesEscapingPaths(t *testing.T) {
	for _, p := range []string{"../x.go", "/abs.go", "a/../../b.go", ""} {
		if _, err := Diff(t.TempDir(), []genfile.File{{Path: p}}); err == nil {
			t.Errorf("Diff accepted path %q", p)
		}
	}
}

func TestUnified(t *testing.T) {
	old := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n"
	new := "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\nl\nm\n"
	got := Unified(Change{Path: "x.go", Kind: Update, Old: []byte(old), New: []byte(new)})
	want := `--- a/x.go
+++ b/x.go
@@ -1,7 +1,7 @@
 a
 b
 c
-d
+D
 e
 f
 g
@@ -10,3 +10,4 @@
 j
 k
 l
+m
`
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	created := Unified(Change{Path: "n.go", Kind: Create, New: []byte("x\n")})
	if created != "--- /dev/null\n+++ b/n.go\n@@ -0,0 +1,1 @@\n+x\n" {
		t.Fatalf("create diff:\n%s", created)
	}
}
