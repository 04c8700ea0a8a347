package golang

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dave/jennifer/jen"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// generator holds a program and lookup tables derived from it. The maps are
// only ever indexed, never iterated, so output order follows the IR slices.
type generator struct {
	prog   *ir.Program
	models map[string]*ir.Model
	msgs   map[string]*ir.Message
	enums  map[string]*ir.Enum
	unions map[string]*ir.Union
	// memberOf lists, per message name, the unions it is a variant of (in
	// IR order).
	memberOf map[string][]variantOf
}

// variantOf is one union membership of a message.
type variantOf struct {
	union *ir.Union
	tag   string
}

// record is what models and messages share for coding purposes.
type record struct {
	Name   string
	Doc    string
	Fields []*ir.Field
	Decode string // the name of its decoder
}

func newGenerator(p *ir.Program) (*generator, error) {
	g := &generator{
		prog:     p,
		models:   map[string]*ir.Model{},
		msgs:     map[string]*ir.Message{},
		enums:    map[string]*ir.Enum{},
		unions:   map[string]*ir.Union{},
		memberOf: map[string][]variantOf{},
	}
	for _, m := range p.Models {
		g.models[m.Name] = m
	}
	for _, m := range p.Messages {
		g.msgs[m.Name] = m
	}
	for _, e := range p.Enums {
		g.enums[e.Name] = e
	}
	for _, u := range p.Unions {
		g.unions[u.Name] = u
		for _, v := range u.Variants {
			if g.msgs[v.Message] == nil {
				return nil, fmt.Errorf("golang: variant %q of union %s is not a declared message", v.Tag, u.Name)
			}
			for _, prev := range g.memberOf[v.Message] {
				if prev.union == u {
					return nil, fmt.Errorf("golang: message %s is a variant of union %s twice (%q and %q)", v.Message, u.Name, prev.tag, v.Tag)
				}
			}
			g.memberOf[v.Message] = append(g.memberOf[v.Message], variantOf{union: u, tag: v.Tag})
		}
	}
	if err := g.checkTypes(); err != nil {
		return nil, err
	}
	return g, nil
}

// checkTypes verifies every type reference resolves, so emitters can assume it.
func (g *generator) checkTypes() error {
	check := func(owner string, fields []*ir.Field) error {
		for _, f := range fields {
			sc := f.Type.Scalar()
			ok := true
			switch sc.Kind {
			case ir.Ref:
				ok = g.models[sc.Name] != nil
			case ir.MessageK:
				ok = g.msgs[sc.Name] != nil
			case ir.UnionK:
				ok = g.unions[sc.Name] != nil
			case ir.EnumKind:
				ok = g.enums[sc.Name] != nil
			}
			if !ok {
				return fmt.Errorf("golang: field %q of %s refers to undeclared %s %q", f.Name, owner, sc.Kind, sc.Name)
			}
		}
		return nil
	}
	for _, m := range g.prog.Models {
		if err := check(m.Name, m.Fields); err != nil {
			return err
		}
	}
	for _, m := range g.prog.Messages {
		if err := check(m.Name, m.Fields); err != nil {
			return err
		}
	}
	return nil
}

// ownTag returns the discriminator and tag a message writes into its own
// JSON form: those of the one union it is a variant of. A message in no
// union or in several has none ("", "").
func (g *generator) ownTag(msg string) (disc, tag string) {
	if ms := g.memberOf[msg]; len(ms) == 1 {
		return ms[0].union.Discriminator, ms[0].tag
	}
	return "", ""
}

// unionNames returns the names generated for the union called name.
func (g *generator) unionNames(name string) ir.UnionNames {
	if u := g.unions[name]; u != nil {
		return u.Names
	}
	return ir.UnionNames{}
}

// decodeFunc is the decoder of the message or union called name.
func (g *generator) decodeFunc(name string) string {
	if u := g.unions[name]; u != nil {
		return u.Names.Decode
	}
	if m := g.msgs[name]; m != nil {
		return m.Names.Decode
	}
	return ""
}

// isVariant reports whether the message is a variant of any union; its
// decoder then takes the discriminator to accept.
func (g *generator) isVariant(msg string) bool { return len(g.memberOf[msg]) > 0 }

// goType is the Go type of values of t (elements of arrays and maps are
// always values).
func (g *generator) goType(t *ir.Type) jen.Code {
	switch t.Kind {
	case ir.String:
		return jen.String()
	case ir.Bool:
		return jen.Bool()
	case ir.Int:
		return jen.Int()
	case ir.Int64:
		return jen.Int64()
	case ir.Float64:
		return jen.Float64()
	case ir.Timestamp:
		return jen.Qual("time", "Time")
	case ir.Ref:
		return jen.Qual(rtPath, "Ref").Types(jen.Id(t.Name))
	case ir.Array:
		return jen.Index().Add(g.goType(t.Elem))
	case ir.Map:
		return jen.Map(jen.String()).Add(g.goType(t.Elem))
	default: // enum, message, union
		return jen.Id(t.Name)
	}
}

// fieldRep says how a field is represented in Go.
type fieldRep int

const (
	repValue   fieldRep = iota // the value type; always present
	repPointer                 // *T; nil when absent
	repNilable                 // slice, map or interface; nil when absent
)

// rep returns the Go representation of f: optional fields without a
// default are pointers (scalars, messages) or nil-able (arrays, maps,
// unions); everything else is a value.
func rep(f *ir.Field) fieldRep {
	if !f.Optional || f.Default != nil {
		return repValue
	}
	switch f.Type.Kind {
	case ir.Array, ir.Map, ir.UnionK:
		return repNilable
	}
	return repPointer
}

// required reports whether f must be present on the wire.
func required(f *ir.Field) bool { return !f.Optional }

// fieldGoType is the Go type of field f.
func (g *generator) fieldGoType(f *ir.Field) jen.Code {
	if rep(f) == repPointer {
		return jen.Op("*").Add(g.goType(f.Type))
	}
	return g.goType(f.Type)
}

// docComment renders text as a // comment block, one // line per line.
func docComment(text string) jen.Code {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		if l == "" {
			lines[i] = "//"
		} else {
			lines[i] = "// " + l
		}
	}
	return jen.Comment(strings.Join(lines, "\n"))
}

// declDoc makes a Go doc comment for the declaration name from the user's
// doc text: "A chat room." becomes "Room is a chat room."; a doc that
// already starts with the name is kept; no doc gives fallback.
func declDoc(name, doc, fallback string) string {
	doc = strings.TrimSpace(doc)
	if doc == "" {
		return fallback
	}
	if strings.HasPrefix(doc, name+" ") {
		return doc
	}
	first, rest, _ := strings.Cut(doc, " ")
	switch first {
	case "A", "An", "The":
		return name + " is " + strings.ToLower(first) + " " + rest
	}
	return name + ": " + doc
}

// strLit is a Go string literal for s, written as a raw string when that
// reads better (JSON fragments full of quotes).
func strLit(s string) jen.Code {
	if strings.Contains(s, `"`) && rawable(s) {
		return jen.Op("`" + s + "`")
	}
	return jen.Lit(s)
}

func rawable(s string) bool {
	for _, r := range s {
		if r == '`' || r == utf8.RuneError || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// jsonKey is the JSON text of a member name followed by ':'.
func jsonKey(name string) string { return jsonString(name) + ":" }

// jsonString is the JSON string literal for s.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// pathLit is a jsonx.Path literal: jsonx.Path{Parent: p, Key: "name"}.
func pathLit(parent jen.Code, fields ...jen.Code) jen.Code {
	items := append([]jen.Code{jen.Id("Parent").Op(":").Add(parent)}, fields...)
	return jen.Qual(jsonxPath, "Path").Values(items...)
}

// keyField and indexFields are the fields of pathLit for a member name or
// map key, and for an array index.
func keyField(key jen.Code) jen.Code { return jen.Id("Key").Op(":").Add(key) }
func indexFields(i jen.Code) []jen.Code {
	return []jen.Code{jen.Id("Index").Op(":").Add(i), jen.Id("IsIndex").Op(":").True()}
}

// joinValues lists values for messages: message, typing.
func joinValues(values []string) string { return strings.Join(values, ", ") }

// intLit renders the integer in n (a json.Number) as a bare Go constant.
func intLit(n string) (jen.Code, error) {
	v, err := strconv.ParseInt(n, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("integer constraint %q: %w", n, err)
	}
	return jen.Lit(int(v)), nil
}

// floatLit renders the number in n as a float64 constant.
func floatLit(n string) (jen.Code, error) {
	v, err := strconv.ParseFloat(n, 64)
	if err != nil {
		return nil, fmt.Errorf("number constraint %q: %w", n, err)
	}
	return jen.Lit(v), nil
}

// names hands out fresh local variable names in one generated function.
type names struct{ n int }

func (n *names) fresh(prefix string) string {
	n.n++
	return prefix + strconv.Itoa(n.n)
}

// wireDesc summarises a field for its doc comment.
func (g *generator) wireDesc(f *ir.Field) string {
	var parts []string
	switch {
	case f.Default != nil:
		parts = append(parts, "optional, default "+string(f.Default))
	case f.Optional:
		parts = append(parts, "optional")
	default:
		parts = append(parts, "required")
	}
	c := f.Constraints
	if c.MinLength != nil {
		parts = append(parts, "at least "+counted(*c.MinLength, "character"))
	}
	if c.MaxLength != nil {
		parts = append(parts, "at most "+counted(*c.MaxLength, "character"))
	}
	if c.Pattern != "" {
		parts = append(parts, "matching "+strconv.Quote(c.Pattern))
	}
	if c.Min != nil {
		parts = append(parts, "at least "+c.Min.String())
	}
	if c.Max != nil {
		parts = append(parts, "at most "+c.Max.String())
	}
	if c.MinItems != nil {
		parts = append(parts, "at least "+counted(*c.MinItems, "item"))
	}
	if c.MaxItems != nil {
		parts = append(parts, "at most "+counted(*c.MaxItems, "item"))
	}
	if f.Type.Kind == ir.Timestamp {
		parts = append(parts, "Unix milliseconds on the wire")
	}
	return strings.Join(parts, "; ")
}

// counted writes n and unit, in the plural unless n is 1: "1 character",
// "4000 characters".
func counted(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
