package ir

import (
	"cmp"
	"fmt"
	"go/token"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jsgen-dev/jsgen/schema/decl"
	"github.com/jsgen-dev/jsgen/schema/diag"
)

// Build checks the declarations of one app, read by any mix of front-ends,
// and returns its IR. Every check runs — names, then references and types,
// then semantic rules — and all problems are reported at once, sorted. One
// mistake does not cascade: a declaration whose name is wrong still resolves
// where it is used, a field whose type is wrong is left out of later checks,
// and references to declarations a front-end could not read (Spec.Broken)
// are not reported again. On success the diagnostics list is empty and the
// Program is non-nil; otherwise the Program is nil.
func Build(specs ...*decl.Spec) (*Program, diag.List) {
	return BuildIn(Dir{}, specs...)
}

// Dir is the directory an app's declarations were read from. A program
// none of whose declarations names its Go package is named after the
// directory: its base name in lower case, without - . or _.
type Dir struct {
	Path string
	// ConfigPos is where to report that Path makes no package name (the
	// place a package declaration would go).
	ConfigPos diag.Pos
}

// BuildIn is Build for the declarations read from dir: it also decides
// the package name when no declaration gives one, and reports a directory
// that makes no name only when nothing else is wrong (a program with
// problems has no package to name). With a zero Dir it is Build, and the
// Package of such a program is "".
func BuildIn(dir Dir, specs ...*decl.Spec) (*Program, diag.List) {
	b := &builder{prog: &Program{}}
	b.collect(specs)
	b.resolve()
	b.checkSemantics()
	AssignNames(b.prog)
	b.checkCollisions()
	b.sortProgram()
	b.checkTSNames()
	if len(b.diags) == 0 {
		b.decidePackage(dir)
	}
	if len(b.diags) > 0 {
		return nil, b.diags.Sorted()
	}
	return b.prog, nil
}

// builder carries the state of one Build.
type builder struct {
	prog  *Program
	diags diag.List

	pkg      decl.Ident
	models   []*decl.Type
	messages []*decl.Type
	unions   []*decl.Union
	channels []*decl.Channel
	buses    []*decl.EventBus
	ctrls    []*decl.Controller

	// identities holds, by controller, the first identity a route declared.
	identities map[string]*decl.Auth

	// kinds maps type names to what they declare, for resolving references.
	kinds map[string]Kind
	// enums holds the enum types found so far, by name, and enumOrder
	// the same in the order they were found.
	enums     map[string]*Enum
	enumOrder []*Enum
	// declared holds every name the declarations give themselves, valid or
	// not, so that a hint never suggests a name that is taken.
	declared map[string]bool
}

// broken is the kind of a name whose declaration a front-end could not read:
// references to it resolve to nothing, without a second report.
const broken Kind = "broken"

// Stage 1: declarations, their kinds, and the validity of their names
// (collisions between the names jsgen generates are checked once every
// name is known, in collisions.go).

func (b *builder) collect(specs []*decl.Spec) {
	b.kinds = map[string]Kind{}
	b.declared = map[string]bool{}
	for _, s := range specs {
		if s == nil {
			continue
		}
		b.collectPackage(s)
		for _, id := range s.Broken {
			if _, ok := b.kinds[id.Name]; !ok && id.Name != "" {
				b.kinds[id.Name] = broken
			}
		}
		b.models = append(b.models, s.Models...)
		b.messages = append(b.messages, s.Messages...)
		b.unions = append(b.unions, s.Unions...)
		for _, c := range s.Channels {
			c.Origin = s.Origin
		}
		b.channels = append(b.channels, s.Channels...)
		b.buses = append(b.buses, s.Events...)
		for _, c := range s.Controllers {
			c.Origin = s.Origin
		}
		b.ctrls = append(b.ctrls, s.Controllers...)
	}
	b.collectDeclared()
	for _, m := range b.models {
		b.declare(m.Name, "model", Ref)
		b.checkFieldNames(m)
	}
	for _, m := range b.messages {
		b.declare(m.Name, "message", MessageK)
		b.checkFieldNames(m)
	}
	for _, u := range b.unions {
		b.declare(u.Name, "union", UnionK)
	}
	for _, c := range b.channels {
		b.declare(c.Name, "channels", "")
	}
	for _, e := range b.buses {
		b.declare(e.Name, "event bus", "")
	}
	for _, c := range b.ctrls {
		b.declare(c.Name, "controller", "")
	}
}

func (b *builder) collectPackage(s *decl.Spec) {
	if s.Package.Name == "" {
		return
	}
	if !token.IsIdentifier(s.Package.Name) || token.IsKeyword(s.Package.Name) {
		b.diags.Add(s.Package.Pos, "package name %q is not a Go identifier", s.Package.Name)
		return
	}
	if b.pkg.Name != "" && b.pkg.Name != s.Package.Name {
		b.diags.Add(s.Package.Pos, "package %s conflicts with package %s declared at %s", s.Package.Name, b.pkg.Name, b.pkg.Pos)
		return
	}
	if b.pkg.Name == "" {
		b.pkg = s.Package
	}
}

// decidePackage names the package after dir when no declaration does.
func (b *builder) decidePackage(dir Dir) {
	defer func() { b.prog.Package = b.pkg.Name }()
	if b.pkg.Name != "" || dir.Path == "" {
		return
	}
	name := packageFromDir(dir.Path)
	if name == "" {
		b.diags.AddHint(dir.ConfigPos, "add `package: NAME` to "+filepath.Base(dir.ConfigPos.File),
			"cannot derive a Go package name from the directory name")
		return
	}
	b.pkg.Name = name
}

// packageFromDir derives a package name from the directory's base name, or
// returns "".
func packageFromDir(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	name := strings.ToLower(strings.NewReplacer("-", "", ".", "", "_", "").Replace(filepath.Base(abs)))
	if !token.IsIdentifier(name) || token.IsKeyword(name) {
		return ""
	}
	return name
}

// collectDeclared records the names of every declaration.
func (b *builder) collectDeclared() {
	var ids []decl.Ident
	for _, t := range slices.Concat(b.models, b.messages) {
		ids = append(ids, t.Name)
	}
	for _, u := range b.unions {
		ids = append(ids, u.Name)
	}
	for _, c := range b.channels {
		ids = append(ids, c.Name)
	}
	for _, e := range b.buses {
		ids = append(ids, e.Name)
	}
	for _, c := range b.ctrls {
		ids = append(ids, c.Name)
	}
	for _, id := range ids {
		b.declared[id.Name] = true
	}
}

// declare records the kind of a declared name and checks that it is a
// usable Go name. A model, message or union whose name is reported as
// invalid still gets its kind, so that the places using it are checked and
// not reported again.
func (b *builder) declare(id decl.Ident, what string, kind Kind) {
	name := id.Name
	if k, ok := b.kinds[name]; (!ok || k == broken) && kind != "" && name != "" {
		b.kinds[name] = kind
	}
	switch {
	case name == "":
		b.diags.Add(id.Pos, "%s has an empty name", what)
		return
	case token.IsKeyword(name):
		b.diags.AddHint(id.Pos, "pick another name", "%s name %q is a Go keyword", what, name)
		return
	case !isExportedIdent(name):
		b.diags.AddHint(id.Pos, b.exportedHint(name), "%s name %q is not an exported Go identifier", what, name)
	}
}

// validDeclName reports whether name passes declare's checks.
func validDeclName(name string) bool {
	return name != "" && !token.IsKeyword(name) && isExportedIdent(name)
}

// formHint returns the hint written in the syntax of the form a declaration
// came from: yaml for jsgen.yaml, goForm for annotated Go.
func formHint(o decl.Origin, yaml, goForm string) string {
	if o == decl.FromGo {
		return goForm
	}
	return yaml
}

// originOf is the form a declaration came from, by whether jsgen declares
// its Go type.
func originOf(declaresGoType bool) decl.Origin {
	if declaresGoType {
		return decl.FromYAML
	}
	return decl.FromGo
}

// exportedHint suggests an exported form of name that no declaration uses.
func (b *builder) exportedHint(name string) string {
	g := GoName(name)
	switch {
	case !isExportedIdent(g):
		return "start the name with an upper-case letter"
	case b.declared[g]:
		return fmt.Sprintf("start the name with an upper-case letter; %s is already declared, so pick another name", g)
	}
	return fmt.Sprintf("use %q", g)
}

// checkFieldNames checks wire names and Go names of t's fields are valid and
// unique, including after conversion to Go identifiers.
func (b *builder) checkFieldNames(t *decl.Type) {
	wire := map[string]diag.Pos{}
	gonames := map[string]string{}
	for _, f := range t.Fields {
		if f.Name.Name == "" {
			b.diags.Add(f.Name.Pos, "field of %s has an empty name", t.Name.Name)
			continue
		}
		if prev, ok := wire[f.Name.Name]; ok {
			b.diags.Add(f.Name.Pos, "field %q of %s is already declared at %s", f.Name.Name, t.Name.Name, prev)
			continue
		}
		wire[f.Name.Name] = f.Name.Pos
		g := fieldGoName(f)
		pos := f.Name.Pos
		if f.GoName.Name != "" {
			pos = f.GoName.Pos
		}
		switch {
		case g == "":
			b.diags.AddHint(pos, "set goName", "field %q of %s has no usable Go name", f.Name.Name, t.Name.Name)
		case token.IsKeyword(g):
			b.diags.AddHint(pos, "set goName", "Go name %q of field %q is a Go keyword", g, f.Name.Name)
		case !isExportedIdent(g):
			b.diags.AddHint(pos, "set goName to an exported identifier", "Go name %q of field %q of %s is not an exported Go identifier", g, f.Name.Name, t.Name.Name)
		default:
			if other, ok := gonames[g]; ok {
				b.diags.AddHint(pos, "set goName on one of them", "fields %q and %q of %s both become Go field %s", other, f.Name.Name, t.Name.Name, g)
				continue
			}
			gonames[g] = f.Name.Name
		}
	}
}

func fieldGoName(f *decl.Field) string {
	if f.GoName.Name != "" {
		return f.GoName.Name
	}
	return GoName(f.Name.Name)
}

// sortProgram puts declarations in name order so that the IR (and everything
// generated from it) does not depend on the order of input files.
func (b *builder) sortProgram() {
	p := b.prog
	slices.SortFunc(p.Models, func(x, y *Model) int { return cmp.Compare(x.Name, y.Name) })
	slices.SortFunc(p.Messages, func(x, y *Message) int { return cmp.Compare(x.Name, y.Name) })
	slices.SortFunc(p.Enums, func(x, y *Enum) int { return cmp.Compare(x.Name, y.Name) })
	slices.SortFunc(p.Unions, func(x, y *Union) int { return cmp.Compare(x.Name, y.Name) })
	slices.SortFunc(p.Channels, func(x, y *Channel) int { return cmp.Compare(x.Name, y.Name) })
	slices.SortFunc(p.EventBuses, func(x, y *EventBus) int { return cmp.Compare(x.Name, y.Name) })
	slices.SortFunc(p.Controllers, func(x, y *Controller) int { return cmp.Compare(x.Name, y.Name) })
}

// suggest returns a did-you-mean hint for name among candidates, or "".
func suggest(name string, candidates []string) string {
	if best := diag.Suggest(name, candidates, 2); best != "" {
		return fmt.Sprintf("did you mean %s?", best)
	}
	return ""
}
