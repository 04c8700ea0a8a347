package ts

import (
	"fmt"
	"strings"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// section writes a banner comment that separates parts of the module.
func (g *generator) section(title string) {
	g.buf.WriteString("// ---------------------------------------------------------------------------\n")
	g.buf.WriteString("// " + title + "\n")
	g.buf.WriteString("// ---------------------------------------------------------------------------\n\n")
}

// models writes each model's interface and its identifier type:
//
//	export interface Room { name: string; }
//	export type RoomRef = string;
func (g *generator) models() error {
	if len(g.p.Models) == 0 {
		return nil
	}
	g.section("Models and their identifiers")
	for _, m := range g.p.Models {
		for _, f := range m.Fields {
			if err := g.checkType(f.Type); err != nil {
				return fmt.Errorf("ts: model %s, field %q: %w", m.Name, f.Name, err)
			}
		}
		g.doc("", orDefault(m.Doc, m.Name+" is a model."))
		g.object(m.Name, m.Fields, ownTag{})
		if m.IDValues != nil {
			vals := make([]string, len(m.IDValues))
			for i, v := range m.IDValues {
				vals[i] = quote(v)
			}
			g.doc("", fmt.Sprintf("The identifier of a %s: what a message holds wherever it refers to one.", m.Name),
				fmt.Sprintf("It is one of %s.", strings.Join(vals, ", ")))
			fmt.Fprintf(&g.buf, "export type %sRef = %s;\n\n", m.Name, strings.Join(vals, " | "))
			continue
		}
		g.doc("", fmt.Sprintf("The identifier of a %s: what a message holds wherever it refers to one.", m.Name), idRules(m))
		fmt.Fprintf(&g.buf, "export type %sRef = string;\n\n", m.Name)
	}
	return nil
}

// idRules says which identifiers the server accepts for m.
func idRules(m *ir.Model) string {
	rules := fmt.Sprintf("It is %d to %d bytes of UTF-8, without whitespace, control or format characters, '.', '*' or '>'", max(m.IDMinLength, 1), m.IDMaxLength)
	if m.IDPattern != "" {
		rules += ", matching " + quote(m.IDPattern)
	}
	return rules + "."
}

// enums writes each enum as a union of string literals:
//
//	export type ClientMessageType = "message" | "typing";
func (g *generator) enums() {
	if len(g.p.Enums) == 0 {
		return
	}
	g.section("Enums")
	for _, e := range g.p.Enums {
		vals := make([]string, len(e.Values))
		for i, v := range e.Values {
			vals[i] = quote(v)
		}
		g.doc("", fmt.Sprintf("%s is one of %s.", e.Name, strings.Join(vals, ", ")))
		if len(vals) == 0 {
			fmt.Fprintf(&g.buf, "export type %s = never;\n\n", e.Name)
			continue
		}
		fmt.Fprintf(&g.buf, "export type %s = %s;\n\n", e.Name, strings.Join(vals, " | "))
	}
}

// messages writes each message's interface, with its own tag first when it
// is a variant of exactly one union.
func (g *generator) messages() error {
	if len(g.p.Messages) == 0 {
		return nil
	}
	g.section("Messages")
	for _, m := range g.p.Messages {
		g.doc("", orDefault(m.Doc, m.Name+" is a message."))
		for _, f := range m.Fields {
			if err := g.checkType(f.Type); err != nil {
				return fmt.Errorf("ts: message %s, field %q: %w", m.Name, f.Name, err)
			}
		}
		g.object(m.Name, m.Fields, g.own[m.Name])
	}
	return nil
}

// object writes an interface with fields, preceded by the optional member
// own.disc holding own.tag when own is set.
func (g *generator) object(name string, fields []*ir.Field, own ownTag) {
	fmt.Fprintf(&g.buf, "export interface %s {\n", name)
	if own.disc != "" && !hasField(fields, own.disc) {
		g.doc("  ", fmt.Sprintf("The tag of %s in %s: always written by the server, optional from a client.", name, own.union))
		fmt.Fprintf(&g.buf, "  %s?: %s;\n", propName(own.disc), quote(own.tag))
	}
	for _, f := range fields {
		g.doc("  ", fieldDoc(f)...)
		opt := ""
		if f.Optional || f.Default != nil {
			opt = "?"
		}
		fmt.Fprintf(&g.buf, "  %s%s: %s;\n", propName(f.Name), opt, g.typeExpr(f.Type))
	}
	g.buf.WriteString("}\n\n")
}

func hasField(fields []*ir.Field, name string) bool {
	for _, f := range fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

// unions writes each union as a discriminated union of its variants.
//
//	export type RoomEvent =
//	  | (JoinEvent & { type: "join" })
//	  | (LeaveEvent & { type: "leave" });
func (g *generator) unions() error {
	if len(g.p.Unions) == 0 {
		return nil
	}
	g.section("Unions")
	for _, u := range g.p.Unions {
		disc := fmt.Sprintf("The member %s names the variant", quote(u.Discriminator))
		if u.DefaultTag != "" {
			disc += fmt.Sprintf("; when it is absent the variant is %s", quote(u.DefaultTag))
		}
		g.doc("", orDefault(u.Doc, u.Name+" is a union."), disc+".")
		if len(u.Variants) == 0 {
			fmt.Fprintf(&g.buf, "export type %s = never;\n\n", u.Name)
			continue
		}
		fmt.Fprintf(&g.buf, "export type %s =\n", u.Name)
		for i, v := range u.Variants {
			if g.p.Message(v.Message) == nil {
				return fmt.Errorf("ts: union %s: variant %q is the undeclared message %s", u.Name, v.Tag, v.Message)
			}
			end := "\n"
			if i == len(u.Variants)-1 {
				end = ";\n\n"
			}
			fmt.Fprintf(&g.buf, "  | (%s)%s", variantType(v.Message, u.Discriminator, v.Tag, v.Tag == u.DefaultTag), end)
		}
	}
	return nil
}

// variantType is msg with the member disc holding tag, optional when
// optional: `ChatEvent & { type: "message" }`.
func variantType(msg, disc, tag string, optional bool) string {
	opt := ""
	if optional {
		opt = "?"
	}
	return fmt.Sprintf("%s & { %s%s: %s }", msg, propName(disc), opt, quote(tag))
}

// typeExpr is the TypeScript type of a value of type t.
func (g *generator) typeExpr(t *ir.Type) string {
	switch t.Kind {
	case ir.String:
		return "string"
	case ir.Bool:
		return "boolean"
	case ir.Int, ir.Int64, ir.Float64, ir.Timestamp:
		return "number"
	case ir.Ref:
		return g.tsRef(t.Name)
	case ir.Array:
		return g.typeExpr(t.Elem) + "[]"
	case ir.Map:
		return "{ [key: string]: " + g.typeExpr(t.Elem) + " }"
	default: // enum, message, union
		return t.Name
	}
}

// checkType reports a type the generator does not know, or one that
// refers to an undeclared name.
func (g *generator) checkType(t *ir.Type) error {
	switch t.Kind {
	case ir.String, ir.Bool, ir.Int, ir.Int64, ir.Float64, ir.Timestamp:
		return nil
	case ir.Array, ir.Map:
		if t.Elem == nil {
			return fmt.Errorf("%s without an element type", t.Kind)
		}
		return g.checkType(t.Elem)
	case ir.Ref:
		if g.p.Model(t.Name) == nil {
			return fmt.Errorf("Ref to the undeclared model %s", t.Name)
		}
	case ir.EnumKind:
		if g.p.Enum(t.Name) == nil {
			return fmt.Errorf("undeclared enum %s", t.Name)
		}
	case ir.MessageK:
		if g.p.Message(t.Name) == nil {
			return fmt.Errorf("undeclared message %s", t.Name)
		}
	case ir.UnionK:
		if g.p.Union(t.Name) == nil {
			return fmt.Errorf("undeclared union %s", t.Name)
		}
	default:
		return fmt.Errorf("unknown type kind %q", t.Kind)
	}
	return nil
}

// fieldDoc is a field's doc comment: its own doc, then what its type and
// constraints say about its values.
func fieldDoc(f *ir.Field) []string {
	var notes []string
	t, c := f.Type, &f.Constraints
	if t.Kind == ir.Array && (c.MinItems != nil || c.MaxItems != nil) {
		notes = append(notes, capitalize(rangeText(c.MinItems, c.MaxItems, "item", "items"))+".")
	}
	elem := t.Scalar()
	var of []string
	switch elem.Kind {
	case ir.Timestamp:
		of = append(of, "Unix time in milliseconds")
	case ir.Int64:
		of = append(of, "an integer (beyond ±2^53, JavaScript numbers lose precision)")
	case ir.Int:
		of = append(of, "an integer")
	}
	if c.MinLength != nil || c.MaxLength != nil {
		of = append(of, rangeText(c.MinLength, c.MaxLength, "character (Unicode code point)", "characters (Unicode code points)"))
	}
	if c.Pattern != "" {
		of = append(of, "matching the regular expression "+quote(c.Pattern)+" (RE2, unanchored)")
	}
	if c.Min != nil || c.Max != nil {
		of = append(of, boundsText(c))
	}
	if len(of) > 0 {
		text := strings.Join(of, "; ")
		if elem != t {
			text = "each element: " + text
		}
		notes = append(notes, capitalize(text)+".")
	}
	if f.Default != nil {
		notes = append(notes, "Default: "+string(f.Default)+" (the server fills it in when absent).")
	}
	doc := f.Doc
	if len(notes) > 0 {
		if doc != "" {
			doc += "\n\n"
		}
		doc += strings.Join(notes, "\n")
	}
	return []string{doc}
}

// rangeText says "1 to 5 <unit>", "at least 1 <unit>" or "at most 5 <unit>".
// rangeText describes a count between lo and hi, either of which may be nil,
// in units of one (singular) or many (plural).
func rangeText(lo, hi *int, one, many string) string {
	unit := func(n int) string {
		if n == 1 {
			return one
		}
		return many
	}
	switch {
	case lo != nil && hi != nil:
		return fmt.Sprintf("%d to %d %s", *lo, *hi, unit(*hi))
	case lo != nil:
		return fmt.Sprintf("at least %d %s", *lo, unit(*lo))
	default:
		return fmt.Sprintf("at most %d %s", *hi, unit(*hi))
	}
}

func boundsText(c *ir.Constraints) string {
	switch {
	case c.Min != nil && c.Max != nil:
		return fmt.Sprintf("from %s to %s", *c.Min, *c.Max)
	case c.Min != nil:
		return fmt.Sprintf("at least %s", *c.Min)
	default:
		return fmt.Sprintf("at most %s", *c.Max)
	}
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
