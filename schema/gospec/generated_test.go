package gospec

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"

	"github.com/jsgen-dev/jsgen/internal/emit/golang"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// TestGeneratedMethodsMatchGenerator keeps generatedMethods and
// generatedEnumMethods in step with the generator: every method jsgen
// generates on a type the user declared in Go (the chat app of testdata)
// is one of them, or the tag method of a union.
func TestGeneratedMethodsMatchGenerator(t *testing.T) {
	t.Parallel()
	dir := writeModule(t, chatFiles(t))
	spec, diags := load(t, dir)
	if diags != "" {
		t.Fatalf("diagnostics:\n%s", diags)
	}
	prog, ds := ir.Build(spec)
	if len(ds) > 0 {
		t.Fatalf("ir diagnostics:\n%s", ds)
	}
	files, err := golang.Generate(prog)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string][]string{}
	for _, m := range prog.Models {
		allowed[m.Name] = ir.RecordMethods
	}
	for _, m := range prog.Messages {
		allowed[m.Name] = ir.RecordMethods
	}
	for _, e := range prog.Enums {
		allowed[e.Name] = ir.EnumMethods
	}
	for _, u := range prog.Unions {
		for _, v := range u.Variants {
			allowed[v.Message] = append(slices.Clone(allowed[v.Message]), u.Name+"Tag")
		}
	}
	l := &loader{spec: spec}
	topLevel := l.generatedNames()
	seen := 0
	for _, f := range files {
		if !strings.HasSuffix(f.Path, ".go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f.Path, f.Data, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		for _, name := range topLevelNames(file) {
			if _, ok := topLevel[name]; !ok && ast.IsExported(name) {
				t.Errorf("%s: jsgen generates %s, which generatedNames does not know", f.Path, name)
			}
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil {
				continue
			}
			recv := receiverName(fn.Recv.List[0].Type)
			list, userType := allowed[recv]
			if !userType {
				continue // a type jsgen declares itself
			}
			seen++
			if !slices.Contains(list, fn.Name.Name) {
				t.Errorf("%s: jsgen generates %s.%s, which checkGeneratedNames does not know", f.Path, recv, fn.Name.Name)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no generated method on a user type: the test checks nothing")
	}
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

// topLevelNames returns the package-level identifiers file declares
// (functions without a receiver, types, variables and constants).
func topLevelNames(file *ast.File) []string {
	var out []string
	for _, d := range file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				out = append(out, d.Name.Name)
			}
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				switch sp := sp.(type) {
				case *ast.TypeSpec:
					out = append(out, sp.Name.Name)
				case *ast.ValueSpec:
					for _, n := range sp.Names {
						out = append(out, n.Name)
					}
				}
			}
		}
	}
	return out
}
