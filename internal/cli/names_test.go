package cli

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"

	"github.com/jsgen-dev/jsgen/internal/load"
)

// checkNamesFromIR checks that every exported package-level name declared
// in the generated Go files of a golden case (got, by want/ path) is one
// ir.Build computed for the case's program: the emitters invent no name.
func checkNamesFromIR(t *testing.T, dir string, got map[string][]byte) {
	t.Helper()
	prog, diags, err := load.Dir(context.Background(), dir)
	if err != nil || len(diags) > 0 {
		t.Fatalf("load: %v %s", err, diags)
	}
	known := prog.GoNames()
	for path, data := range got {
		if !strings.HasSuffix(path, ".go") {
			continue
		}
		for _, name := range exportedDecls(t, path, data) {
			if _, ok := slices.BinarySearch(known, name); !ok {
				t.Errorf("%s declares %s, which is not among the names the IR computed", path, name)
			}
		}
	}
}

// exportedDecls returns the exported package-level names a Go file
// declares (types, functions, variables, constants; not methods).
func exportedDecls(t *testing.T, path string, data []byte) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, data, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	var out []string
	add := func(id *ast.Ident) {
		if id.IsExported() {
			out = append(out, id.Name)
		}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				add(d.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					add(s.Name)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						add(n)
					}
				}
			}
		}
	}
	return out
}

// TestExportedDecls checks the parser side of checkNamesFromIR.
func TestExportedDecls(t *testing.T) {
	src := "package p\n\ntype A int\n\ntype b int\n\nfunc F() {}\n\nfunc (A) M() {}\n\nvar V, w = 1, 2\n\nconst C = 1\n"
	got := exportedDecls(t, "x.go", []byte(src))
	if want := []string{"A", "F", "V", "C"}; !slices.Equal(got, want) {
		t.Errorf("exportedDecls = %v, want %v", got, want)
	}
}
