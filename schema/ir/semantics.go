package ir

import (
	"github.com/jsgen-dev/jsgen/schema/diag"
	"strings"
)

// Stage 3: rules that relate declarations to each other.

func (b *builder) checkSemantics() {
	b.checkCycles()
	b.checkUnions()
	b.checkQueries()
	b.checkRoutes()
}

// checkCycles rejects messages that contain themselves through required
// nested messages: their Go structs would be infinitely large.
func (b *builder) checkCycles() {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var visit func(name string, path []string)
	visit = func(name string, path []string) {
		switch state[name] {
		case visiting:
			start := 0
			for i, p := range path {
				if p == name {
					start = i
				}
			}
			cycle := append(path[start:], name)
			m := b.prog.Message(name)
			hint := formHint(originOf(m.DeclaresGoType), "make one of the fields optional", "make one of the fields a pointer")
			b.diags.AddHint(m.Pos, hint, "message %s contains itself through required fields: %s", name, strings.Join(cycle, " → "))
			return
		case done:
			return
		}
		state[name] = visiting
		for _, f := range b.typeFields(name) {
			if f.Type.Kind == MessageK && !f.Optional {
				visit(f.Type.Name, append(path, name))
			}
		}
		state[name] = done
	}
	for _, m := range b.prog.Messages {
		visit(m.Name, nil)
	}
}

// typeFields returns the fields of the model or message called name.
func (b *builder) typeFields(name string) []*Field {
	if m := b.prog.Message(name); m != nil {
		return m.Fields
	}
	if m := b.prog.Model(name); m != nil {
		return m.Fields
	}
	return nil
}

func (b *builder) checkUnions() {
	for _, u := range b.prog.Unions {
		for _, v := range u.Variants {
			for _, f := range b.typeFields(v.Message) {
				if f.Name == u.Discriminator {
					b.diags.AddHint(f.Pos, "remove the field: the union writes and reads it", "message %s is a variant of union %s, so it must not declare the discriminator field %q", v.Message, u.Name, u.Discriminator)
				}
			}
		}
	}
}

// checkQueries requires query messages to have fields a URL query can carry.
func (b *builder) checkQueries() {
	seen := map[string]bool{}
	for _, c := range b.prog.Controllers {
		for _, r := range c.Routes {
			if r.Query == "" || seen[r.Query] {
				continue
			}
			seen[r.Query] = true
			for _, f := range b.typeFields(r.Query) {
				t := f.Type
				if t.Kind == Array {
					t = t.Elem
				}
				if !t.IsScalar() {
					b.diags.Add(f.Pos, "field %q of %s has type %s, which a URL query cannot carry (%s is the query of route %s.%s); use scalars or arrays of scalars", f.Name, r.Query, f.Type, r.Query, c.Name, r.Name)
				}
			}
		}
	}
}

func (b *builder) checkRoutes() {
	type served struct {
		name string
		pos  diag.Pos
	}
	patterns := map[string]served{}
	for _, c := range b.prog.Controllers {
		for _, r := range c.Routes {
			key := normalizePattern(r.Pattern)
			if prev, ok := patterns[key]; ok {
				b.diags.Add(r.Pos, "route %s.%s serves %s, which route %s at %s already serves", c.Name, r.Name, r.Pattern, prev.name, prev.pos)
				continue
			}
			patterns[key] = served{c.Name + "." + r.Name, r.Pos}
		}
	}
}

// normalizePattern replaces parameter names so that /a/{x} and /a/{y}
// compare equal (http.ServeMux would refuse both).
func normalizePattern(p string) string {
	var out []string
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, "{") {
			seg = "{}"
		}
		out = append(out, seg)
	}
	return strings.Join(out, "/")
}
