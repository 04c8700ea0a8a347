package gospec

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/jsgen-dev/jsgen/schema/decl"
	"github.com/jsgen-dev/jsgen/schema/diag"
)

// BuildTag is the build tag the package is loaded with. Generated files carry
// //go:build !jsgen, so they are never read, whatever state they are in.
const BuildTag = "jsgen"

const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedSyntax |
	packages.NeedTypes | packages.NeedTypesInfo | packages.NeedModule

// Load reads the annotated Go declarations of the package in dir.
//
// It loads the package with go/packages and the build tag jsgen (so
// generated files are left out), finds the //jsgen: directives on its
// package-level type declarations, and returns them as raw declarations with
// Origin decl.FromGo, in file then source order. Files are read as the go
// command selects them; _test.go files are not read.
//
// Positions name files by their path relative to the current working
// directory when the file lies under it, and by their absolute path
// otherwise. Spec.File is the package directory, written the same way.
//
// Mistakes in the user's declarations are returned as diagnostics, sorted by
// position; the spec then holds whatever could still be read. Type errors
// elsewhere in the package (such as references to generated identifiers that
// do not exist yet) are ignored; a type error inside an annotated declaration
// is reported. Syntax errors are reported wherever they are. A package without
// directives, and a directory without Go files or whose Go files are all
// excluded by the build tag (only generated files, say), yield an empty spec.
// The error is for failures to load the package at all: a missing directory,
// no go.mod, a go.mod that needs updating, any other go command failure.
func Load(ctx context.Context, dir string) (*decl.Spec, diag.List, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("gospec: %w", err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, nil, fmt.Errorf("gospec: %w", err)
	} else if !fi.IsDir() {
		return nil, nil, fmt.Errorf("gospec: %s is not a directory", dir)
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil, nil, fmt.Errorf("gospec: %w", err)
	}
	if !hasGoFiles(abs) {
		return &decl.Spec{Origin: decl.FromGo, File: (&loader{cwd: cwd, names: map[string]string{}}).rel(abs)}, nil, nil
	}
	pkg, err := loadPackage(ctx, abs)
	if err != nil {
		return nil, nil, err
	}
	l := &loader{
		pkg:   pkg,
		fset:  pkg.Fset,
		cwd:   cwd,
		names: map[string]string{},
		spec:  &decl.Spec{Origin: decl.FromGo},
	}
	l.spec.File = l.rel(abs)
	if len(pkg.Syntax) == 0 {
		return l.spec, nil, nil
	}
	l.run()
	return l.spec, l.diags.Sorted(), nil
}

// loadPackage runs go/packages on dir and returns its one package, or an
// error when it could not be loaded at all.
func loadPackage(ctx context.Context, dir string) (*packages.Package, error) {
	cfg := &packages.Config{
		Context:    ctx,
		Mode:       loadMode,
		Dir:        dir,
		BuildFlags: []string{"-tags=" + BuildTag},
	}
	pkgs, err := packages.Load(cfg, ".")
	if err != nil {
		return nil, fmt.Errorf("gospec: loading %s: %w", dir, err)
	}
	if len(pkgs) != 1 {
		return nil, fmt.Errorf("gospec: loading %s: %w", dir, goListFailure(cfg))
	}
	pkg := pkgs[0]
	if len(pkg.Syntax) > 0 || len(pkg.IgnoredFiles) > 0 && pkg.Module != nil {
		// Errors of a package that was read are reported as diagnostics
		// (syntax) or tolerated (types, and the go command's report of
		// the same failed compilation). A package whose files are all
		// excluded by the build tag is empty, not broken.
		return pkg, nil
	}
	var msgs []string
	for _, e := range pkg.Errors {
		msgs = append(msgs, e.Msg)
	}
	if len(msgs) == 0 {
		msgs = append(msgs, "no Go files")
	}
	return nil, fmt.Errorf("gospec: loading %s: %s", dir, strings.Join(msgs, "; "))
}

// goListFailure finds out why go/packages found no package. In export-data
// mode it hides the go command's failures, so ask again in a mode that
// reports them.
func goListFailure(cfg *packages.Config) error {
	probe := *cfg
	probe.Mode = packages.NeedName
	if _, err := packages.Load(&probe, "."); err != nil {
		return err
	}
	return errors.New("no Go package found")
}

// loader holds the state of one Load.
type loader struct {
	pkg   *packages.Package
	fset  *token.FileSet
	cwd   string
	names map[string]string // absolute file name → as printed
	spec  *decl.Spec
	diags diag.List
	cur   *annotated // the declaration being read
	// failedImports holds the jsgen packages that could not be imported
	// (reported once): the types that use them are not reported again.
	failedImports map[string]bool
}

// annotated is a type declaration carrying a jsgen directive.
type annotated struct {
	dir      directive
	spec     *ast.TypeSpec
	doc      string
	obj      *types.TypeName
	hasError bool // a type error lies inside the declaration
}

// run reads every file of the package.
func (l *loader) run() {
	files := slices.Clone(l.pkg.Syntax)
	slices.SortFunc(files, func(a, b *ast.File) int {
		return cmp.Compare(l.fset.File(a.Pos()).Name(), l.fset.File(b.Pos()).Name())
	})
	l.spec.Package = decl.Ident{Name: l.pkg.Name, Pos: l.pos(files[0].Name.Pos())}
	l.reportSyntaxErrors()
	var decls []*annotated
	for _, f := range files {
		decls = append(decls, l.scanFile(f)...)
	}
	l.reportTypeErrors(decls)
	for _, a := range decls {
		l.declare(a)
	}
	l.checkGeneratedNames()
}

// reportSyntaxErrors turns the package's parse errors into diagnostics,
// keeping the first of each line as go/scanner's RemoveMultiples does (the
// others mostly follow from it).
func (l *loader) reportSyntaxErrors() {
	type line struct {
		file string
		line int
	}
	seen := map[line]bool{}
	for _, e := range l.pkg.Errors {
		if e.Kind != packages.ParseError {
			continue
		}
		p := l.parsePos(e.Pos)
		if k := (line{p.File, p.Line}); !seen[k] {
			seen[k] = true
			l.diags.Add(p, "%s", e.Msg)
		}
	}
}

// reportTypeErrors reports the type errors that lie inside annotated
// declarations, and marks those declarations.
func (l *loader) reportTypeErrors(decls []*annotated) {
	for _, e := range l.pkg.TypeErrors {
		if l.reportRuntimeImport(e) {
			continue
		}
		for _, a := range decls {
			if a.spec.Pos() <= e.Pos && e.Pos < a.spec.End() {
				a.hasError = true
				l.diags.Add(l.pos(e.Pos), "%s", e.Msg)
				break
			}
		}
	}
}

// reportRuntimeImport reports a failure to import one of jsgen's runtime
// packages, which usually means go.mod does not require jsgen, and reports
// whether e was one.
func (l *loader) reportRuntimeImport(e types.Error) bool {
	rest, ok := strings.CutPrefix(e.Msg, "could not import ")
	path, _, _ := strings.Cut(rest, " ")
	if !ok || path != modulePath && !strings.HasPrefix(path, modulePath+"/") {
		return false
	}
	if l.failedImports == nil {
		l.failedImports = map[string]bool{}
	}
	l.failedImports[path] = true
	l.diags.AddHint(l.pos(e.Pos),
		"check the import path; if it is right, add jsgen to the module: go get "+modulePath+" (to use a checkout, see the README)",
		"cannot import %s", path)
	return true
}

// scanFile finds the directives of f: those on package-level type
// declarations are returned, the others reported as misplaced.
func (l *loader) scanFile(f *ast.File) []*annotated {
	docOf := map[*ast.CommentGroup]*ast.TypeSpec{}
	genDoc := map[*ast.CommentGroup]*ast.GenDecl{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		for _, s := range g.Specs {
			if ts := s.(*ast.TypeSpec); ts.Doc != nil {
				docOf[ts.Doc] = ts
			}
		}
		if g.Doc != nil {
			genDoc[g.Doc] = g
			if len(g.Specs) == 1 {
				docOf[g.Doc] = g.Specs[0].(*ast.TypeSpec)
			}
		}
	}
	var out []*annotated
	for _, group := range f.Comments {
		dirs := l.directivesIn(group)
		if len(dirs) == 0 {
			continue
		}
		ts := docOf[group]
		if ts == nil {
			l.misplaced(dirs, genDoc[group] != nil)
			continue
		}
		if a := l.annotate(dirs, ts, group); a != nil {
			out = append(out, a)
		}
	}
	return out
}

func (l *loader) misplaced(dirs []directive, onTypeGroup bool) {
	for _, d := range dirs {
		if onTypeGroup {
			l.diags.AddHint(l.pos(d.Slash), "move it to the doc comment of one type inside type ( ... )",
				"//jsgen:%s must be in the doc comment of a single type declaration", d.Name)
			continue
		}
		l.diags.Add(l.pos(d.Slash), "//jsgen:%s must be in the doc comment of a package-level type declaration", d.Name)
	}
}

// annotate checks the directives on one type declaration and returns it as
// annotated, or nil when none of its directives is usable.
func (l *loader) annotate(dirs []directive, ts *ast.TypeSpec, doc *ast.CommentGroup) *annotated {
	var a *annotated
	for _, d := range dirs {
		switch {
		case !slices.Contains(directiveNames, d.Name):
			l.diags.AddHint(l.pos(d.Slash), didYouMean(d.Name, directiveNames, "//jsgen:%s"),
				"unknown directive //jsgen:%s", d.Name)
		case a != nil:
			l.diags.Add(l.pos(d.Slash), "%s already has //jsgen:%s; a type takes one jsgen directive", ts.Name.Name, a.dir.Name)
		default:
			a = &annotated{dir: d, spec: ts, doc: strings.TrimSpace(doc.Text())}
		}
	}
	if a == nil {
		return nil
	}
	obj, _ := l.pkg.TypesInfo.Defs[ts.Name].(*types.TypeName)
	if obj == nil {
		l.diags.Add(l.pos(ts.Name.Pos()), "cannot type-check %s", ts.Name.Name)
		l.spec.Broken = append(l.spec.Broken, l.ident(ts.Name))
		return nil
	}
	a.obj = obj
	return a
}

// pos converts a token position to a diagnostic position.
func (l *loader) pos(p token.Pos) diag.Pos {
	if !p.IsValid() {
		return diag.Pos{}
	}
	tp := l.fset.PositionFor(p, false)
	return diag.Pos{File: l.rel(tp.Filename), Line: tp.Line, Col: tp.Column}
}

// parsePos converts a "file:line:col" position from go/packages.
func (l *loader) parsePos(s string) diag.Pos {
	file, line, col := s, 0, 0
	if i := strings.LastIndexByte(file, ':'); i >= 0 {
		if n, err := strconv.Atoi(file[i+1:]); err == nil {
			file, col = file[:i], n
		}
	}
	if i := strings.LastIndexByte(file, ':'); i >= 0 {
		if n, err := strconv.Atoi(file[i+1:]); err == nil {
			file, line = file[:i], n
		}
	}
	if line == 0 { // only one number: it was the line
		line, col = col, 0
	}
	return diag.Pos{File: l.rel(file), Line: line, Col: col}
}

// rel writes an absolute file name relative to the working directory when
// the file lies under it.
func (l *loader) rel(name string) string {
	if name == "" {
		return ""
	}
	if r, ok := l.names[name]; ok {
		return r
	}
	r := name
	if rel, err := filepath.Rel(l.cwd, name); err == nil && filepath.IsLocal(rel) {
		r = rel
	} else if rel == "." {
		r = "."
	}
	l.names[name] = r
	return r
}

// hasGoFiles reports whether dir holds Go files other than tests.
func hasGoFiles(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return true // let the go command report it
	}
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			return true
		}
	}
	return false
}
