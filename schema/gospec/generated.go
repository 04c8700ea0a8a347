package gospec

import (
	"go/types"
	"slices"

	"github.com/jsgen-dev/jsgen/schema/decl"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// generatedMethods are the methods jsgen generates on every model and
// message declared in Go; the user's type must not declare a method or a
// field of these names, or the generated code does not compile.
var generatedMethods = []string{"AppendJSON", "MarshalJSON", "UnmarshalJSON", "Validate", "jsgenAppendFields", "jsgenDecode", "jsgenValidate"}

// generatedEnumMethods are the methods jsgen generates on every named string
// type used as an enum.
var generatedEnumMethods = []string{"Valid"}

// checkGeneratedNames reports methods and fields of the user's types that
// have the name of a method jsgen generates on them: generatedMethods on
// models and messages, generatedEnumMethods on enum types, and <Union>Tag on
// the variants of each union.
func (l *loader) checkGeneratedNames() {
	for _, t := range slices.Concat(l.spec.Models, l.spec.Messages) {
		l.checkNames(t.Name.Name, generatedMethods, "on every model and message")
		for _, f := range t.Fields {
			if f.EnumName.Name != "" {
				l.checkNames(f.EnumName.Name, generatedEnumMethods, "on every enum type")
			}
		}
	}
	for _, u := range l.spec.Unions {
		for _, v := range u.Variants {
			l.checkNames(v.Message.Name, []string{u.Name.Name + "Tag"}, "on every variant of union "+u.Name.Name)
		}
	}
	l.checkPackageNames()
}

// checkPackageNames reports the package-level declarations of the user's
// package that have the name of an identifier jsgen generates there.
func (l *loader) checkPackageNames() {
	generated := l.generatedNames()
	scope := l.pkg.Types.Scope()
	for _, name := range scope.Names() {
		what, ok := generated[name]
		if !ok {
			continue
		}
		obj := scope.Lookup(name)
		l.diags.AddHint(l.pos(obj.Pos()), "rename yours, or remove it if it does what jsgen's does",
			"%s: jsgen generates %s %s in this package", name, name, what)
	}
}

// generatedNames returns the exported package-level identifiers jsgen
// generates for the declarations read so far, each with what it is
// generated for.
func (l *loader) generatedNames() map[string]string {
	out := map[string]string{}
	add := func(what string, names ...string) {
		for _, n := range names {
			out[n] = what
		}
	}
	for _, m := range l.spec.Models {
		n := m.Name.Name
		add("for model "+n, n+"Ref", "Must"+n+"Ref", "Decode"+n)
	}
	for _, m := range l.spec.Messages {
		add("for message "+m.Name.Name, "Decode"+m.Name.Name)
		for _, f := range m.Fields {
			if f.EnumName.Name != "" {
				l.addEnumConsts(out, f)
			}
		}
	}
	for _, m := range l.spec.Models {
		for _, f := range m.Fields {
			if f.EnumName.Name != "" {
				l.addEnumConsts(out, f)
			}
		}
	}
	for _, u := range l.spec.Unions {
		n := u.Name.Name
		add("for union "+n, "Decode"+n, "Append"+n+"JSON", "Validate"+n)
	}
	for _, c := range l.spec.Channels {
		add("for channels "+c.Name.Name, "New"+c.Name.Name, "Bridge"+c.Name.Name)
	}
	for _, b := range l.spec.Events {
		add("for event bus "+b.Name.Name, b.Name.Name, "New"+b.Name.Name)
	}
	for _, c := range l.spec.Controllers {
		n := c.Name.Name
		add("for controller "+n, "Mount"+n, "Mount"+n+"On", n+"Handlers")
		for _, r := range c.Routes {
			g := ir.GoName(r.Name.Name)
			add("for route "+n+"."+g, n+g+"Conn", n+g+"Params", n+g+"Upgrade", "With"+n+g+"Guard")
		}
	}
	return out
}

// addEnumConsts adds the constants jsgen generates for the values of the
// enum field f: <Enum><Value> (values without letters or digits get
// numbered names, which are left out).
func (l *loader) addEnumConsts(out map[string]string, f *decl.Field) {
	for _, v := range f.Values {
		if g := ir.GoName(v.Value); g != "" {
			out[f.EnumName.Name+g] = "as a value of enum " + f.EnumName.Name
		}
	}
}

// checkNames reports the methods and struct fields of the package-level
// type called name that are named like one of the generated methods. An
// enum type or variant checked twice is reported once (diag.List.Sorted
// drops exact duplicates).
func (l *loader) checkNames(name string, generated []string, where string) {
	tn, ok := l.pkg.Types.Scope().Lookup(name).(*types.TypeName)
	if !ok {
		return
	}
	named, ok := tn.Type().(*types.Named)
	if !ok {
		return
	}
	for i := range named.NumMethods() {
		m := named.Method(i)
		if slices.Contains(generated, m.Name()) {
			l.diags.AddHint(l.pos(m.Pos()), "remove it (or rename it): jsgen generates "+m.Name()+" "+where,
				"%s.%s: jsgen generates this method", name, m.Name())
		}
	}
	st, ok := named.Underlying().(*types.Struct)
	if !ok {
		return
	}
	for i := range st.NumFields() {
		f := st.Field(i)
		if slices.Contains(generated, f.Name()) {
			l.diags.AddHint(l.pos(f.Pos()), "rename the Go field; its json tag keeps the wire name",
				"%s.%s: a field cannot have the name of a method jsgen generates %s", name, f.Name(), where)
		}
	}
}
