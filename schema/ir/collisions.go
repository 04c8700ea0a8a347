package ir

import (
	"fmt"
	"slices"

	"github.com/jsgen-dev/jsgen/schema/diag"
)

// Stage 5: collisions. Every package-level Go name the program declares or
// makes jsgen generate (computed by AssignNames) must be unique, and no
// field of a struct jsgen declares may have the name of a method jsgen
// generates on it. Each collision is reported at the declaration that
// comes later.

// nameUse is who took a Go name, and where.
type nameUse struct {
	what string
	pos  diag.Pos
}

// goNames maps every Go identifier taken so far to its user.
type goNames map[string]nameUse

func (b *builder) checkCollisions() {
	taken := goNames{}
	p := b.prog
	for _, m := range p.Models {
		b.claim(taken, "model", m.Name, m.Pos, m.Names.all())
	}
	for _, m := range p.Messages {
		b.claim(taken, "message", m.Name, m.Pos, []string{m.Names.Decode})
	}
	for _, u := range p.Unions {
		b.claim(taken, "union", u.Name, u.Pos, u.Names.all())
	}
	for _, c := range p.Channels {
		b.claim(taken, "channels", c.Name, c.Pos, []string{c.Names.New, c.Names.Bridge})
	}
	for _, e := range p.EventBuses {
		b.claim(taken, "event bus", e.Name, e.Pos, []string{e.Names.New})
	}
	for _, c := range p.Controllers {
		derived := c.Names.all()
		for _, r := range c.Routes {
			derived = append(derived, r.Names.goNames()...)
		}
		b.claim(taken, "controller", c.Name, c.Pos, derived)
		b.checkHandlerMethods(c)
	}
	for _, e := range b.enumOrder {
		b.claimEnum(taken, e)
	}
	for _, c := range p.Channels {
		if c.Names.Key != "" && validDeclName(c.Name) {
			b.claimDerived(taken, "channels", c.Name, c.Pos, c.Names.Key)
		}
	}
	for _, m := range p.Models {
		b.claimFields(taken, m.Name, m.Fields, m.DeclaresGoType)
	}
	for _, m := range p.Messages {
		b.claimFields(taken, m.Name, m.Fields, m.DeclaresGoType)
	}
}

// claim records the declared name of a declaration and the names jsgen
// derives from it. A name reported as invalid (by declare) is skipped, and
// so are the names derived from a name already taken.
func (b *builder) claim(taken goNames, what, name string, pos diag.Pos, derived []string) {
	if !validDeclName(name) {
		return
	}
	if prev, ok := taken[name]; ok {
		b.diags.Add(pos, "%s %s is already declared as %s at %s", what, name, prev.what, prev.pos)
		return
	}
	taken[name] = nameUse{what: what + " " + name, pos: pos}
	b.claimDerived(taken, what, name, pos, derived...)
}

func (b *builder) claimDerived(taken goNames, what, name string, pos diag.Pos, derived ...string) {
	for _, d := range derived {
		if prev, ok := taken[d]; ok {
			b.diags.Add(pos, "%s %s makes jsgen generate %s, which collides with %s at %s", what, name, d, prev.what, prev.pos)
			continue
		}
		taken[d] = nameUse{what: fmt.Sprintf("%s (generated for %s %s)", d, what, name), pos: pos}
	}
}

// claimEnum records an enum type and its constants. An enum whose name
// is invalid was reported where it was found.
func (b *builder) claimEnum(taken goNames, e *Enum) {
	if !isExportedIdent(e.Name) {
		taken[e.Name] = nameUse{what: "enum " + e.Name, pos: e.Pos}
		return
	}
	if prev, ok := taken[e.Name]; ok {
		b.diags.AddHint(e.Pos, formHint(originOf(e.DeclaresGoType), "set enumName", "rename the named string type"),
			"enum %s collides with %s at %s", e.Name, prev.what, prev.pos)
	}
	taken[e.Name] = nameUse{what: "enum " + e.Name, pos: e.Pos}
	b.claimDerived(taken, "enum", e.Name, e.Pos, e.Consts...)
}

// claimFields records the pattern variables of owner's fields and, when
// jsgen declares owner's struct, refuses fields named like a method jsgen
// generates on it (for a struct declared in Go, the Go reader checks this
// against the real type).
func (b *builder) claimFields(taken goNames, owner string, fields []*Field, declaresGoType bool) {
	var methods []string
	if declaresGoType {
		methods = slices.Clone(RecordMethods)
		for _, u := range b.prog.Unions {
			if slices.ContainsFunc(u.Variants, func(v *Variant) bool { return v.Message == owner }) {
				methods = append(methods, u.Names.Tag)
			}
		}
	}
	for _, f := range fields {
		if slices.Contains(methods, f.GoName) {
			b.diags.AddHint(f.Pos, "give the field another Go name (goName in jsgen.yaml)",
				"field %q of %s has the Go name %s, which is a method jsgen generates on %s", f.Name, owner, f.GoName, owner)
		}
		if f.PatternVar != "" {
			b.claimDerived(taken, "field", owner+"."+f.GoName, f.Pos, f.PatternVar)
		}
	}
}

// checkTSNames checks the names of the TypeScript client, which exists
// for apps with controllers: each module-level name once, none taken by
// the client's runtime or shadowing a global it uses, and no outbound tag
// named like a lifecycle event of the client. It runs on the sorted
// program, so the first of two clashing names is the first by name.
func (b *builder) checkTSNames() {
	p := b.prog
	if len(p.Controllers) == 0 {
		return
	}
	by := map[string]string{}
	for _, name := range TSRuntimeNames {
		by[name] = "a name client.ts declares for its runtime"
	}
	for _, name := range TSGlobalNames {
		by[name] = "a JavaScript global the client uses"
	}
	declare := func(name, what string, pos diag.Pos) {
		if prev, ok := by[name]; ok {
			b.diags.AddHint(pos, "rename one of them", "%s would be the TypeScript name %s, which is already %s", what, name, prev)
			return
		}
		by[name] = what
	}
	for _, m := range p.Models {
		declare(m.Name, "model "+m.Name, m.Pos)
		declare(m.Names.TSRef, "the identifier type of model "+m.Name, m.Pos)
	}
	for _, e := range p.Enums {
		declare(e.Name, "enum "+e.Name, e.Pos)
	}
	for _, m := range p.Messages {
		declare(m.Name, "message "+m.Name, m.Pos)
	}
	for _, u := range p.Unions {
		declare(u.Name, "union "+u.Name, u.Pos)
	}
	for _, c := range p.Controllers {
		for _, r := range c.Routes {
			what := fmt.Sprintf("a name generated for route %s.%s", c.Name, r.Name)
			for _, name := range r.Names.tsNames() {
				declare(name, what, r.Pos)
			}
		}
	}
	b.checkLifecycleTags()
}

// checkLifecycleTags refuses outbound tags that would be the same event as
// a lifecycle event of the route's client.
func (b *builder) checkLifecycleTags() {
	p := b.prog
	own := map[string]string{} // message → its tag, when in exactly one union
	count := map[string]int{}
	for _, u := range p.Unions {
		for _, v := range u.Variants {
			count[v.Message]++
			own[v.Message] = v.Tag
		}
	}
	for _, c := range p.Controllers {
		for _, r := range c.Routes {
			for _, t := range r.Out {
				switch t.Kind {
				case UnionK:
					u := p.Union(t.Name)
					if u == nil {
						continue
					}
					for _, v := range u.Variants {
						if slices.Contains(TSLifecycleEvents, v.Tag) {
							b.diags.AddHint(u.Pos, "rename the tag, or send the variant on no route",
								"union %s has a variant tagged %q, which would be the same event as the client's own %q event on route %s.%s",
								u.Name, v.Tag, v.Tag, c.Name, r.Name)
						}
					}
				case MessageK:
					if tag := own[t.Name]; count[t.Name] == 1 && slices.Contains(TSLifecycleEvents, tag) {
						b.diags.AddHint(r.Pos, "rename the tag of "+t.Name+" in its union",
							"outbound message %s is tagged %q, which would be the same event as the client's own %q event", t.Name, tag, tag)
					}
				}
			}
		}
	}
}
