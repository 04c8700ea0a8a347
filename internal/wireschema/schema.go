package wireschema

import (
	"encoding/json"
	"fmt"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	js "github.com/invopop/jsonschema"

	"github.com/jsgen-dev/jsgen/internal/genfile"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// Draft is the JSON Schema dialect every document declares in "$schema".
const Draft = "https://json-schema.org/draft/2020-12/schema"

// fileSuffix ends the name of every JSON Schema document jsgen writes.
const fileSuffix = ".schema.json"

// FileName is the name of the schema file of the declaration called name:
// "<name>.schema.json".
func FileName(name string) string { return name + fileSuffix }

// DocName is the inverse of FileName: the name of the declaration (or
// ErrorFrameName) whose document is at path.
func DocName(path string) string { return strings.TrimSuffix(path, fileSuffix) }

// Doc is the JSON Schema document of one model, message or union.
type Doc struct {
	Name  string // the declaration's name
	Value *Value // the document, in canonical order
}

// Documents returns one self-contained JSON Schema document for every
// model, message and union of p, sorted by name: the schemas both the JSON
// Schema and the AsyncAPI emitters write out. It fails only if p is not a
// consistent IR (a reference to an undeclared name).
func Documents(p *ir.Program) ([]Doc, error) {
	var names []string
	for _, m := range p.Models {
		names = append(names, m.Name)
	}
	for _, m := range p.Messages {
		names = append(names, m.Name)
	}
	for _, u := range p.Unions {
		names = append(names, u.Name)
	}
	slices.Sort(names)
	docs := make([]Doc, 0, len(names))
	for _, name := range names {
		s, err := Schema(p, name)
		if err != nil {
			return nil, err
		}
		v, err := ValueOf(s)
		if err != nil {
			return nil, fmt.Errorf("wireschema: rendering %s: %w", name, err)
		}
		docs = append(docs, Doc{Name: name, Value: v})
	}
	return docs, nil
}

// Messages returns the documents of Documents as files in canonical JSON
// form, sorted by Path.
func Messages(p *ir.Program) ([]genfile.File, error) {
	docs, err := Documents(p)
	if err != nil {
		return nil, err
	}
	files := make([]genfile.File, len(docs))
	for i, d := range docs {
		files[i] = genfile.File{Path: FileName(d.Name), Data: d.Value.JSON()}
	}
	return files, nil
}

// Schema returns the JSON Schema document of the model, message or union of p
// called name: "$schema" set, and "$defs" holding every message and union it
// refers to, directly or not.
func Schema(p *ir.Program, name string) (*js.Schema, error) {
	b := &builder{prog: p, root: name, defs: js.Definitions{}, memberOf: memberships(p)}
	root, err := b.declaration(name)
	if err != nil {
		return nil, err
	}
	for len(b.queue) > 0 {
		next := b.queue[0]
		b.queue = b.queue[1:]
		s, err := b.declaration(next)
		if err != nil {
			return nil, err
		}
		b.defs[next] = s
	}
	root.Version = Draft
	if len(b.defs) > 0 {
		root.Definitions = b.defs
	}
	return root, nil
}

// variantOf is one membership of a message in a union.
type variantOf struct {
	union *ir.Union
	tag   string
}

// memberships lists, per message, the union variants it is.
func memberships(p *ir.Program) map[string][]variantOf {
	out := map[string][]variantOf{}
	for _, u := range p.Unions {
		for _, v := range u.Variants {
			out[v.Message] = append(out[v.Message], variantOf{union: u, tag: v.Tag})
		}
	}
	return out
}

// builder builds one document.
type builder struct {
	prog     *ir.Program
	root     string // the declaration the document describes
	defs     js.Definitions
	queue    []string // referenced declarations not built yet
	queued   map[string]bool
	memberOf map[string][]variantOf
}

// declaration builds the schema of the model, message or union called name.
func (b *builder) declaration(name string) (*js.Schema, error) {
	if m := b.prog.Model(name); m != nil {
		s, err := b.object(m.Fields, "", "", false)
		if err != nil {
			return nil, fmt.Errorf("wireschema: model %s: %w", name, err)
		}
		return titled(s, name, m.Doc), nil
	}
	if m := b.prog.Message(name); m != nil {
		disc, tag := b.ownTag(name)
		s, err := b.object(m.Fields, disc, tag, false)
		if err != nil {
			return nil, fmt.Errorf("wireschema: message %s: %w", name, err)
		}
		return titled(s, name, m.Doc), nil
	}
	if u := b.prog.Union(name); u != nil {
		s, err := b.union(u)
		if err != nil {
			return nil, fmt.Errorf("wireschema: union %s: %w", name, err)
		}
		return titled(s, name, u.Doc), nil
	}
	return nil, fmt.Errorf("wireschema: no model, message or union called %q", name)
}

func titled(s *js.Schema, title, doc string) *js.Schema {
	s.Title = title
	s.Description = doc
	return s
}

// ownTag returns the discriminator member and tag that the message accepts
// in its own JSON form: those of the one union it is a variant of, or ""
// when it is a variant of no union or of several (as the generated decoders
// do).
func (b *builder) ownTag(msg string) (disc, tag string) {
	if ms := b.memberOf[msg]; len(ms) == 1 {
		return ms[0].union.Discriminator, ms[0].tag
	}
	return "", ""
}

// object is the schema of an object with fields, plus the member disc (if
// not "") whose value must be tag, required when discRequired.
func (b *builder) object(fields []*ir.Field, disc, tag string, discRequired bool) (*js.Schema, error) {
	s := &js.Schema{Type: "object", Properties: js.NewProperties(), AdditionalProperties: js.FalseSchema}
	if disc != "" {
		s.Properties.Set(disc, &js.Schema{Const: tag})
		if discRequired {
			s.Required = append(s.Required, disc)
		}
	}
	for _, f := range fields {
		fs, err := b.field(f)
		if err != nil {
			return nil, err
		}
		s.Properties.Set(f.Name, fs)
		if !f.Optional && f.Default == nil {
			s.Required = append(s.Required, f.Name)
		}
	}
	return s, nil
}

// union is a oneOf of the variants, each an object carrying the
// discriminator.
func (b *builder) union(u *ir.Union) (*js.Schema, error) {
	s := &js.Schema{}
	for _, v := range u.Variants {
		m := b.prog.Message(v.Message)
		if m == nil {
			return nil, fmt.Errorf("variant %q is the undeclared message %s", v.Tag, v.Message)
		}
		vs, err := b.object(m.Fields, u.Discriminator, v.Tag, v.Tag != u.DefaultTag)
		if err != nil {
			return nil, fmt.Errorf("message %s: %w", v.Message, err)
		}
		s.OneOf = append(s.OneOf, titled(vs, m.Name, m.Doc))
	}
	return s, nil
}

// field is the schema of a field's value.
func (b *builder) field(f *ir.Field) (*js.Schema, error) {
	s, err := b.value(f.Type, &f.Constraints, true)
	if err != nil {
		return nil, fmt.Errorf("field %q: %w", f.Name, err)
	}
	s.Description = f.Doc
	if f.Default != nil {
		s.Default = f.Default
	}
	return s, nil
}

// value is the schema of a value of type t. String and number constraints
// apply at the innermost level, item counts only to the outermost array.
func (b *builder) value(t *ir.Type, c *ir.Constraints, outer bool) (*js.Schema, error) {
	switch t.Kind {
	case ir.String:
		return stringSchema(c), nil
	case ir.Bool:
		return &js.Schema{Type: "boolean"}, nil
	case ir.Int, ir.Int64:
		return integerSchema(c.Min, c.Max), nil
	case ir.Float64:
		return numberSchema(c), nil
	case ir.Timestamp:
		s := integerSchema(nil, nil)
		s.Comments = "Unix time in milliseconds"
		return s, nil
	case ir.EnumKind:
		e := b.prog.Enum(t.Name)
		if e == nil {
			return nil, fmt.Errorf("undeclared enum %s", t.Name)
		}
		s := &js.Schema{Type: "string"}
		for _, v := range e.Values {
			s.Enum = append(s.Enum, v)
		}
		return s, nil
	case ir.Ref:
		m := b.prog.Model(t.Name)
		if m == nil {
			return nil, fmt.Errorf("Ref to the undeclared model %s", t.Name)
		}
		return b.refDef(m), nil
	case ir.Array:
		items, err := b.value(t.Elem, c, false)
		if err != nil {
			return nil, err
		}
		s := &js.Schema{Type: "array", Items: items}
		if outer {
			s.MinItems = count(c.MinItems)
			s.MaxItems = count(c.MaxItems)
		}
		return s, nil
	case ir.Map:
		elem, err := b.value(t.Elem, c, false)
		if err != nil {
			return nil, err
		}
		return &js.Schema{Type: "object", AdditionalProperties: elem}, nil
	case ir.MessageK, ir.UnionK:
		return b.ref(t.Name)
	}
	return nil, fmt.Errorf("unknown type kind %q", t.Kind)
}

// ref returns a reference to the message or union called name, queueing
// its definition.
func (b *builder) ref(name string) (*js.Schema, error) {
	if b.prog.Message(name) == nil && b.prog.Union(name) == nil {
		return nil, fmt.Errorf("reference to the undeclared message or union %s", name)
	}
	if name == b.root {
		return &js.Schema{Ref: "#"}, nil
	}
	if b.queued == nil {
		b.queued = map[string]bool{}
	}
	if !b.queued[name] {
		b.queued[name] = true
		b.queue = append(b.queue, name)
	}
	return &js.Schema{Ref: "#/$defs/" + escapeFragment(name)}, nil
}

// refDef returns a reference to the definition of a Ref to the model m,
// m.Names.SchemaRef (a name the IR reserves for the Ref constructor, so no
// message or union has it), adding the definition.
func (b *builder) refDef(m *ir.Model) *js.Schema {
	name := m.Names.SchemaRef
	if _, ok := b.defs[name]; !ok {
		b.defs[name] = refSchema(m)
	}
	return &js.Schema{Ref: "#/$defs/" + escapeFragment(name)}
}

// escapeFragment writes name as a JSON pointer token inside a URI fragment:
// Go identifiers need no JSON pointer escapes, but their non-ASCII letters
// are percent-encoded.
func escapeFragment(name string) string {
	var sb strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < 0x80 && (c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			sb.WriteByte(c)
			continue
		}
		fmt.Fprintf(&sb, "%%%02X", c)
	}
	return sb.String()
}

func count(n *int) *uint64 {
	if n == nil {
		return nil
	}
	u := uint64(*n)
	return &u
}

func stringSchema(c *ir.Constraints) *js.Schema {
	return &js.Schema{Type: "string", MinLength: count(c.MinLength), MaxLength: count(c.MaxLength), Pattern: c.Pattern}
}

// The int64 range, the bounds of every integer and timestamp.
const (
	minInt64 json.Number = "-9223372036854775808"
	maxInt64 json.Number = "9223372036854775807"
)

// integerSchema bounds an integer by min and max, or by the int64 range
// where they are unset (the IR's integer bounds are always within it).
func integerSchema(min, max *json.Number) *js.Schema {
	s := &js.Schema{Type: "integer", Minimum: minInt64, Maximum: maxInt64}
	if min != nil {
		s.Minimum = *min
	}
	if max != nil {
		s.Maximum = *max
	}
	return s
}

// floatLimit is the smallest magnitude that strconv.ParseFloat rounds to
// ±Inf, 2^1024 - 2^970 (halfway between math.MaxFloat64 and 2^1024, which
// rounds to even, that is up): the decoder refuses it and everything beyond,
// and accepts everything below.
const floatLimit = "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792"

// numberSchema bounds a float64 by min and max, or where they are unset by
// the range of numbers that decode to a finite float64.
func numberSchema(c *ir.Constraints) *js.Schema {
	s := &js.Schema{Type: "number"}
	if c.Min != nil {
		s.Minimum = *c.Min
	} else {
		s.ExclusiveMinimum = json.Number("-" + floatLimit)
	}
	if c.Max != nil {
		s.Maximum = *c.Max
	} else {
		s.ExclusiveMaximum = json.Number(floatLimit)
	}
	return s
}

// refSchema is the schema of a Ref to the model m: its identifier string.
// A closed set (idValues) is an "enum", exact. Otherwise the identifier
// pattern, idPattern (in "allOf", since a schema has one "pattern"), and
// the byte bounds as far as JSON Schema can say them (see idLengths).
func refSchema(m *ir.Model) *js.Schema {
	if m.IDValues != nil {
		enum := make([]any, len(m.IDValues))
		for i, v := range m.IDValues {
			enum[i] = v
		}
		return &js.Schema{
			Title:       m.Names.SchemaRef,
			Description: fmt.Sprintf("The identifier of %s %s: one of %s.", article(m.Name), m.Name, strings.Join(m.IDValues, ", ")),
			Type:        "string",
			Enum:        enum,
		}
	}
	minBytes := max(m.IDMinLength, 1)
	desc := fmt.Sprintf("The identifier of %s %s: %d to %d bytes of UTF-8 without control or format characters, whitespace, '.', '*' or '>'", article(m.Name), m.Name, minBytes, m.IDMaxLength)
	if m.IDPattern != "" {
		desc += ", matching " + strconv.Quote(m.IDPattern)
	}
	s := &js.Schema{
		Title:       m.Names.SchemaRef,
		Description: desc + ".",
		Type:        "string",
		Pattern:     IdentifierPattern(),
	}
	if m.IDPattern != "" {
		s.AllOf = []*js.Schema{{Pattern: m.IDPattern}}
	}
	idLengths(s, minBytes, m.IDMaxLength, asciiOnly(m.IDPattern))
	return s
}

// asciiPattern matches strings of ASCII characters only.
const asciiPattern = "^[\\x00-\\x7F]*$"

// idLengths bounds an identifier of min to max bytes. JSON Schema counts
// code points, which equal bytes for ASCII only. When the alphabet is ASCII
// (ascii: idPattern allows nothing else) the bounds are exact. Otherwise
// they are exact for ASCII identifiers and never stricter than the server
// for others: maxLength max (an identifier of more than max code points has
// more than max bytes), and for a lower bound above 1, an ASCII identifier
// needs min code points and any other ceil(min/4) (4 bytes per code point
// at most). The server refuses what is outside the byte bounds in any case.
func idLengths(s *js.Schema, min, max int, ascii bool) {
	one, hi := uint64(1), uint64(max)
	s.MaxLength = &hi
	switch {
	case ascii:
		lo := uint64(min)
		s.MinLength = &lo
		s.Comments = "The identifiers are ASCII (the idPattern allows nothing else), so minLength and maxLength count bytes exactly."
	case min <= 1:
		s.MinLength = &one
		s.Comments = "maxLength counts code points, not bytes: it is exact for ASCII identifiers only."
	default:
		lo, loAny := uint64(min), uint64((min+3)/4)
		s.MinLength = &loAny
		s.AnyOf = []*js.Schema{
			{Pattern: asciiPattern, MinLength: &lo},
			{Not: &js.Schema{Pattern: asciiPattern}},
		}
		s.Comments = fmt.Sprintf("The server bounds identifiers in bytes of UTF-8; minLength and maxLength count code points, so they are exact for ASCII identifiers only (at least %d of them), and looser for others.", min)
	}
}

// asciiOnly reports whether every string matching pattern, an RE2 pattern
// already checked, is ASCII: it is anchored at both ends (^...$, without
// (?m)) and names ASCII characters only.
func asciiOnly(pattern string) bool {
	if pattern == "" {
		return false
	}
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return false
	}
	re = re.Simplify()
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 || re.Sub[0].Op != syntax.OpBeginText || re.Sub[len(re.Sub)-1].Op != syntax.OpEndText {
		return false
	}
	return asciiAtoms(re)
}

// asciiAtoms reports whether re matches ASCII characters only.
func asciiAtoms(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return false
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return false // (?i)k also matches U+212A KELVIN SIGN
		}
		for _, r := range re.Rune {
			if r >= utf8.RuneSelf {
				return false
			}
		}
	case syntax.OpCharClass:
		for _, r := range re.Rune {
			if r >= utf8.RuneSelf {
				return false
			}
		}
	}
	for _, sub := range re.Sub {
		if !asciiAtoms(sub) {
			return false
		}
	}
	return true
}

// article is "an" before a name starting with A, E, I or O, else "a".
func article(name string) string {
	if name != "" && strings.ContainsRune("AEIO", rune(name[0])) {
		return "an"
	}
	return "a"
}
