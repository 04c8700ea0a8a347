package gospec

import (
	"go/types"
	"slices"

	"github.com/jsgen-dev/jsgen/schema/decl"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// checkGeneratedNames reports methods and fields of the user's types that
// have the name of a method jsgen generates on them: generatedMethods on
// models and messages, generatedEnumMethods on enum types, <Union>Tag on
// the variants of each union, and Ref on composite channel key structs.
func (l *loader) checkGeneratedNames() {
	for _, t := range slices.Concat(l.spec.Models, l.spec.Messages) {
		l.checkNames(t.Name.Name, ir.RecordMethods, "on every model and message")
		for _, f := range t.Fields {
			if f.EnumName.Name != "" {
				l.checkNames(f.EnumName.Name, ir.EnumMethods, "on every enum type")
			}
		}
	}
	for _, u := range l.spec.Unions {
		for _, v := range u.Variants {
			l.checkNames(v.Message.Name, []string{ir.UnionNamesFor(u.Name.Name).Tag}, "on every variant of union "+u.Name.Name)
		}
	}
	for _, c := range l.spec.Channels {
		if c.KeyParts != nil {
			// a field named Ref is reported by package ir, for both forms
			l.checkMethods(c.Key.Name, []string{ir.MethodKeyRef}, "on the composite key of channels "+c.Name.Name)
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
		n := ir.ModelNamesFor(m.Name.Name, false)
		add("for model "+m.Name.Name, n.Ref, n.MustRef, n.Decode)
	}
	for _, m := range l.spec.Messages {
		add("for message "+m.Name.Name, ir.MessageNamesFor(m.Name.Name).Decode)
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
		n := ir.UnionNamesFor(u.Name.Name)
		add("for union "+u.Name.Name, n.Decode, n.Append, n.Validate)
	}
	for _, c := range l.spec.Channels {
		n := ir.ChannelNamesFor(c.Name.Name, false)
		add("for channels "+c.Name.Name, n.New, n.Bridge)
	}
	for _, b := range l.spec.Events {
		add("for event bus "+b.Name.Name, b.Name.Name, ir.EventBusNamesFor(b.Name.Name).New)
	}
	for _, c := range l.spec.Controllers {
		n := c.Name.Name
		cn := ir.ControllerNamesFor(n)
		add("for controller "+n, cn.Mount, cn.MountOn, cn.Handlers)
		for _, r := range c.Routes {
			g := ir.GoName(r.Name.Name)
			rn := ir.RouteNamesFor(n, g)
			add("for route "+n+"."+g, rn.Conn, rn.Params, rn.Upgrade, rn.Guard)
			if form := r.Handler; form != nil && form.Value == ir.HandlerCallbacks || form == nil && c.Handler != nil && c.Handler.Value == ir.HandlerCallbacks {
				add("for route "+n+"."+g, ir.HandlerNamesFor(n, g, true).Session)
			}
		}
	}
	return out
}

// addEnumConsts adds the constants jsgen generates for the values of the
// enum field f (ir.EnumConstsFor).
func (l *loader) addEnumConsts(out map[string]string, f *decl.Field) {
	values := make([]string, len(f.Values))
	for i, v := range f.Values {
		values[i] = v.Value
	}
	for _, c := range ir.EnumConstsFor(f.EnumName.Name, values) {
		out[c] = "as a value of enum " + f.EnumName.Name
	}
}

// checkNames reports the methods and struct fields of the package-level
// type called name that are named like one of the generated methods. An
// enum type or variant checked twice is reported once (diag.List.Sorted
// drops exact duplicates).
func (l *loader) checkNames(name string, generated []string, where string) {
	named := l.checkMethods(name, generated, where)
	if named == nil {
		return
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

// checkMethods reports the methods of the package-level type called name
// that are named like one of the generated methods, and returns the type
// (nil when name is not a defined type of the package).
func (l *loader) checkMethods(name string, generated []string, where string) *types.Named {
	tn, ok := l.pkg.Types.Scope().Lookup(name).(*types.TypeName)
	if !ok {
		return nil
	}
	named, ok := tn.Type().(*types.Named)
	if !ok {
		return nil
	}
	for i := range named.NumMethods() {
		m := named.Method(i)
		if slices.Contains(generated, m.Name()) {
			l.diags.AddHint(l.pos(m.Pos()), "remove it (or rename it): jsgen generates "+m.Name()+" "+where,
				"%s.%s: jsgen generates this method", name, m.Name())
		}
	}
	return named
}
