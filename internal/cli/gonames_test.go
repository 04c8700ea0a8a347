package cli

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestGoReaderKnowsGeneratedNames keeps the Go reader's list of what jsgen
// generates in step with the generator: for every golden app declared in
// Go, a user package that declares every exported package-level name the
// generated files declare, and every method they add to the user's types,
// is refused with one diagnostic per name, before anything is generated.
func TestGoReaderKnowsGeneratedNames(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(repoRoot(t), "testdata", "golden", "*-go.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no Go golden cases (%v)", err)
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txtar"), func(t *testing.T) {
			t.Parallel()
			checkGoReaderKnows(t, p)
		})
	}
}

func checkGoReaderKnows(t *testing.T, path string) {
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := materialize(t, ar)
	userTypes := map[string]bool{}
	var pkg string
	for _, f := range ar.Files {
		if strings.HasSuffix(f.Name, ".go") && !strings.HasPrefix(f.Name, "want/") && !strings.HasSuffix(f.Name, "_test.go") {
			file := parseGo(t, f.Name, f.Data)
			pkg = file.Name.Name
			for _, name := range topLevelTypes(file) {
				userTypes[name] = true
			}
		}
	}
	var clash strings.Builder
	fmt.Fprintf(&clash, "package %s\n\n", pkg)
	var want []string
	for _, f := range ar.Files {
		if !strings.HasPrefix(f.Name, "want/") || !strings.HasSuffix(f.Name, ".go") {
			continue
		}
		decls, _ := exportedDecls(t, f.Name, f.Data)
		for _, name := range decls {
			fmt.Fprintf(&clash, "var %s int\n\n", name)
			want = append(want, fmt.Sprintf("%s: jsgen generates %s ", name, name))
		}
		for _, d := range parseGo(t, f.Name, f.Data).Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || !fn.Name.IsExported() {
				continue
			}
			recv := receiverName(fn.Recv.List[0].Type)
			if !userTypes[recv] {
				continue // a type jsgen declares itself
			}
			fmt.Fprintf(&clash, "func (%s) %s() {}\n\n", recv, fn.Name.Name)
			want = append(want, fmt.Sprintf("%s.%s: jsgen generates this method", recv, fn.Name.Name))
		}
	}
	if !slices.ContainsFunc(want, func(s string) bool { return strings.Contains(s, ".") }) {
		t.Fatal("no generated method on a user type: the test checks nothing")
	}
	if err := os.WriteFile(filepath.Join(dir, "zz_clash.go"), []byte(clash.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(dir, "generate", dir)
	if code != ExitBadInput {
		t.Fatalf("generate: exit %d, want %d\n%s", code, ExitBadInput, stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("the Go reader does not report %q:\n%s", w, stderr)
		}
	}
}

func parseGo(t *testing.T, path string, data []byte) *ast.File {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, data, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return f
}

func topLevelTypes(f *ast.File) []string {
	var out []string
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok {
			for _, s := range g.Specs {
				if ts, ok := s.(*ast.TypeSpec); ok {
					out = append(out, ts.Name.Name)
				}
			}
		}
	}
	return out
}
