package gospec

import (
	"go/types"
	"slices"
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
