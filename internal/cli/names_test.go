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

// checkNamesFromIR checks that every exported name declared in the
// generated Go files of a golden case (got, by want/ path) is one ir.Build
// computed for the case's program: package-level names among GoNames, and
// the methods and struct fields of every type among GoMembers. The
// emitters invent no name.
func checkNamesFromIR(t *testing.T, dir string, got map[string][]byte) {
	t.Helper()
	prog, diags, err := load.Dir(context.Background(), dir)
	if err != nil || len(diags) > 0 {
		t.Fatalf("load: %v %s", err, diags)
	}
	known := prog.GoNames()
	members := prog.GoMembers()
	for path, data := range got {
		if !strings.HasSuffix(path, ".go") {
			continue
		}
		decls, mems := exportedDecls(t, path, data)
		for _, name := range decls {
			if _, ok := slices.BinarySearch(known, name); !ok {
				t.Errorf("%s declares %s, which is not among the names the IR computed", path, name)
			}
		}
		for _, m := range mems {
			if !slices.Contains(members[m.typ], m.name) {
				t.Errorf("%s declares %s.%s, which is not among the members the IR computed for %s (%v)", path, m.typ, m.name, m.typ, members[m.typ])
			}
		}
	}
}

// member is an exported method or field name of a type.
type member struct{ typ, name string }

// exportedDecls returns the exported package-level names a Go file
// declares (types, functions, variables, constants), and the exported
// members it declares: methods (by receiver type), named struct fields
// and interface methods (by type).
func exportedDecls(t *testing.T, path string, data []byte) (decls []string, members []member) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, data, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	add := func(id *ast.Ident) {
		if id.IsExported() {
			decls = append(decls, id.Name)
		}
	}
	addMembers := func(typ string, fields *ast.FieldList) {
		for _, fl := range fields.List {
			for _, n := range fl.Names {
				if n.IsExported() {
					members = append(members, member{typ, n.Name})
				}
			}
		}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				add(d.Name)
			} else if d.Name.IsExported() {
				members = append(members, member{receiverName(d.Recv.List[0].Type), d.Name.Name})
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					add(s.Name)
					switch tt := s.Type.(type) {
					case *ast.StructType:
						addMembers(s.Name.Name, tt.Fields)
					case *ast.InterfaceType:
						addMembers(s.Name.Name, tt.Methods)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						add(n)
					}
				}
			}
		}
	}
	return decls, members
}

// receiverName is the type name of a method receiver (T, *T or T[...]).
func receiverName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return receiverName(e.X)
	case *ast.IndexExpr:
		return receiverName(e.X)
	case *ast.IndexListExpr:
		return receiverName(e.X)
	case *ast.Ident:
		return e.Name
	}
	return ""
}

// TestExportedDecls checks the parser side of checkNamesFromIR.
func TestExportedDecls(t *testing.T) {
	src := "package p\n\ntype A struct{ X, y int; *B }\n\ntype b int\n\ntype I interface{ M(); n() }\n\n" +
		"func F() {}\n\nfunc (*A) M() {}\n\nfunc (A) m() {}\n\nvar V, w = 1, 2\n\nconst C = 1\n"
	decls, members := exportedDecls(t, "x.go", []byte(src))
	if want := []string{"A", "I", "F", "V", "C"}; !slices.Equal(decls, want) {
		t.Errorf("exportedDecls = %v, want %v", decls, want)
	}
	if want := []member{{"A", "X"}, {"I", "M"}, {"A", "M"}}; !slices.Equal(members, want) {
		t.Errorf("members = %v, want %v", members, want)
	}
}
