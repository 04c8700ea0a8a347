package gospec

import (
	"fmt"
	"go/types"
)

const (
	modulePath  = "github.com/jsgen-dev/jsgen"
	runtimePath = modulePath + "/runtime"

	supportedTypes = "supported: string, bool, int, int64, float64, time.Time, jsgenrt.Ref[Model], " +
		"a message or union of this package, a named string type with enum=..., []T, map[string]T, *T"
)

// typeProblem says why a Go type has no type expression. invalid marks types
// that did not type-check (already reported, or reported by the caller).
type typeProblem struct {
	msg     string
	invalid bool
}

// mapped is a Go type translated to a declaration type expression.
type mapped struct {
	expr     string // e.g. "[]string", "timestamp", "Ref[Room]", "ChatEvent"
	enumName string // the named string type of an enum, "" otherwise
}

// typeExpr translates a field's Go type (without the top-level pointer) to a
// type expression. enum says whether the field's tag gives enum values.
func (l *loader) typeExpr(t types.Type, enum bool) (mapped, *typeProblem) {
	t = types.Unalias(t)
	switch t := t.(type) {
	case *types.Basic:
		switch t.Kind() {
		case types.Invalid:
			return mapped{}, &typeProblem{invalid: true}
		case types.String, types.Bool, types.Int, types.Int64, types.Float64:
			return mapped{expr: t.Name()}, nil
		}
	case *types.Named:
		return l.namedExpr(t, enum)
	case *types.Slice:
		m, p := l.typeExpr(t.Elem(), enum)
		if p != nil {
			return m, p
		}
		return mapped{expr: "[]" + m.expr, enumName: m.enumName}, nil
	case *types.Map:
		if k, ok := t.Key().(*types.Basic); !ok || k.Kind() != types.String {
			return mapped{}, &typeProblem{msg: fmt.Sprintf("map keys must be string, not %s", l.typeString(t.Key()))}
		}
		m, p := l.typeExpr(t.Elem(), enum)
		if p != nil {
			return m, p
		}
		return mapped{expr: "map[string]" + m.expr, enumName: m.enumName}, nil
	case *types.Pointer:
		return mapped{}, &typeProblem{msg: fmt.Sprintf("unsupported type %s: a pointer makes a field optional and is allowed only as the field's own type", l.typeString(t))}
	}
	return mapped{}, &typeProblem{msg: "unsupported type " + l.typeString(t)}
}

// namedExpr translates a defined type.
func (l *loader) namedExpr(t *types.Named, enum bool) (mapped, *typeProblem) {
	obj := t.Obj()
	switch {
	case obj.Pkg() == nil:
		return mapped{}, &typeProblem{msg: "unsupported type " + l.typeString(t)}
	case obj.Pkg().Path() == "time" && obj.Name() == "Time":
		return mapped{expr: "timestamp"}, nil
	case obj.Pkg().Path() == runtimePath && obj.Name() == "Ref":
		model, ok := l.refModel(t)
		if !ok {
			return mapped{}, &typeProblem{msg: fmt.Sprintf("the type argument of %s must be a model of this package", l.typeString(t))}
		}
		return mapped{expr: "Ref[" + model + "]"}, nil
	case obj.Pkg() != l.pkg.Types:
		return mapped{}, &typeProblem{msg: fmt.Sprintf("unsupported type %s (from another package)", l.typeString(t))}
	case t.TypeArgs().Len() > 0:
		return mapped{}, &typeProblem{msg: fmt.Sprintf("unsupported type %s (generic)", l.typeString(t))}
	}
	switch u := t.Underlying().(type) {
	case *types.Struct, *types.Interface:
		return mapped{expr: obj.Name()}, nil
	case *types.Basic:
		if u.Kind() == types.String {
			if !enum {
				return mapped{}, &typeProblem{msg: fmt.Sprintf("%s is a named string type: give the enum values with enum=a|b, or use string", obj.Name())}
			}
			return mapped{expr: "enum", enumName: obj.Name()}, nil
		}
		if u.Kind() == types.Invalid {
			return mapped{}, &typeProblem{invalid: true}
		}
	}
	return mapped{}, &typeProblem{msg: fmt.Sprintf("unsupported type %s (a defined type of %s)", obj.Name(), l.typeString(t.Underlying()))}
}

// refModel returns the model name M of runtime.Ref[M] when M is a defined
// type of this package.
func (l *loader) refModel(t *types.Named) (string, bool) {
	if t.TypeArgs().Len() != 1 {
		return "", false
	}
	return l.localName(t.TypeArgs().At(0))
}

// localName returns the name of t when it is a non-generic defined type of
// the package being loaded.
func (l *loader) localName(t types.Type) (string, bool) {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() != l.pkg.Types || n.TypeArgs().Len() > 0 {
		return "", false
	}
	return n.Obj().Name(), true
}

// isInvalid reports whether t failed to type-check.
func isInvalid(t types.Type) bool {
	if t == nil {
		return true
	}
	b, ok := types.Unalias(t).(*types.Basic)
	return ok && b.Kind() == types.Invalid
}

// typeString prints t with package names instead of paths, and without
// qualifying this package's names.
func (l *loader) typeString(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string {
		switch {
		case p == l.pkg.Types:
			return ""
		case p.Path() == runtimePath:
			return "jsgenrt" // as the docs and generated code import it
		}
		return p.Name()
	})
}
