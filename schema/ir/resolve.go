package ir

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/jsonx"
	"github.com/jsgen-dev/jsgen/schema/decl"
	"github.com/jsgen-dev/jsgen/schema/diag"
)

// Stage 2: references, types and field modifiers.

var basicKinds = map[string]Kind{
	"string": String, "bool": Bool, "int": Int, "int64": Int64, "float64": Float64,
	"timestamp": Timestamp, "enum": EnumKind,
}

// typeAliases are type names from other languages that users write by habit.
var typeAliases = map[string]string{
	"integer": "int", "number": "float64", "float": "float64", "double": "float64", "long": "int64",
	"boolean": "bool", "str": "string", "text": "string", "time": "timestamp", "date": "timestamp",
	"datetime": "timestamp", "time.Time": "timestamp",
}

func (b *builder) resolve() {
	enums := map[string]*Enum{}
	b.enums = enums
	for _, m := range b.models {
		model := &Model{Name: m.Name.Name, Doc: m.Doc, DeclaresGoType: m.Origin == decl.FromYAML, Pos: m.Name.Pos, IDMaxLength: DefaultIDMaxLength}
		if m.IDMaxLength != nil {
			if n, ok := b.intLit(m.IDMaxLength, "idMaxLength"); ok {
				if n < 1 || n > 4096 {
					b.diags.Add(m.IDMaxLength.Pos, "idMaxLength %d is out of range [1, 4096]", n)
				}
				model.IDMaxLength, model.IDMaxLengthSet = n, true
			}
		}
		b.idConstraints(m, model)
		model.Fields = b.fields(m, enums)
		b.prog.Models = append(b.prog.Models, model)
	}
	for _, m := range b.messages {
		b.prog.Messages = append(b.prog.Messages, &Message{
			Name: m.Name.Name, Doc: m.Doc, DeclaresGoType: m.Origin == decl.FromYAML, Pos: m.Name.Pos, Fields: b.fields(m, enums),
		})
	}
	for _, k := range slices.Sorted(maps.Keys(enums)) {
		b.prog.Enums = append(b.prog.Enums, enums[k])
	}
	for _, u := range b.unions {
		b.prog.Unions = append(b.prog.Unions, b.union(u))
	}
	for _, c := range b.channels {
		b.prog.Channels = append(b.prog.Channels, b.channel(c))
	}
	for _, e := range b.buses {
		b.prog.EventBuses = append(b.prog.EventBuses, b.bus(e))
	}
	for _, c := range b.ctrls {
		b.prog.Controllers = append(b.prog.Controllers, b.controller(c))
	}
}

// typeExpr parses a type expression: a basic type, a declared name, []T or
// map[string]T; in the Go form, Ref[Model] for a ref (see decl.Field.Type).
func (b *builder) typeExpr(s decl.String, origin decl.Origin) *Type {
	text := strings.TrimSpace(s.Value)
	switch {
	case text == "":
		b.diags.AddHint(s.Pos, "e.g. type: string", "missing type")
		return nil
	case strings.HasPrefix(text, "[]"):
		elem := b.typeExpr(decl.String{Value: text[2:], Pos: s.Pos}, origin)
		if elem == nil {
			return nil
		}
		return &Type{Kind: Array, Elem: elem}
	case strings.HasPrefix(text, "map["):
		key, rest, ok := strings.Cut(text[4:], "]")
		if !ok {
			b.diags.Add(s.Pos, "malformed map type %q", text)
			return nil
		}
		if strings.TrimSpace(key) != "string" {
			b.diags.AddHint(s.Pos, "use map[string]T", "map key type %q is not supported: JSON object keys are strings", key)
			return nil
		}
		elem := b.typeExpr(decl.String{Value: rest, Pos: s.Pos}, origin)
		if elem == nil {
			return nil
		}
		return &Type{Kind: Map, Elem: elem}
	}
	if k, ok := basicKinds[text]; ok {
		return &Type{Kind: k}
	}
	if origin == decl.FromGo {
		return b.goNamedType(s.Pos, text)
	}
	if k, ok := b.kinds[text]; ok {
		if k == broken {
			return nil // its declaration was reported
		}
		return &Type{Kind: k, Name: text}
	}
	if name, ok := strings.CutPrefix(text, "Ref["); ok {
		name = strings.TrimSuffix(name, "]")
		b.diags.AddHint(s.Pos, "in jsgen.yaml, a model's name is a ref to it: write "+name, "unknown type %q", text)
		return nil
	}
	if alias, ok := typeAliases[text]; ok {
		b.diags.AddHint(s.Pos, "did you mean "+alias+"?", "unknown type %q", text)
		return nil
	}
	candidates := slices.Concat(slices.Collect(maps.Keys(basicKinds)), slices.Collect(maps.Keys(b.kinds)))
	slices.Sort(candidates)
	b.diags.AddHint(s.Pos, suggest(text, candidates), "unknown type %q", text)
	return nil
}

// goNamedType resolves a name written in the Go form: Ref[M] must name a
// model, and a bare name must not, for the generated code to compile.
func (b *builder) goNamedType(pos diag.Pos, text string) *Type {
	name, isRef := strings.CutPrefix(text, "Ref[")
	if isRef {
		name = strings.TrimSuffix(name, "]")
	}
	k, ok := b.kinds[name]
	switch {
	case k == broken:
		return nil // its declaration was reported
	case !ok:
		hint := "annotate it with //jsgen:message (a struct) or //jsgen:union (an interface)"
		if isRef {
			hint = "annotate it with //jsgen:model"
		}
		b.diags.AddHint(pos, hint, "type %s has no //jsgen: directive, so jsgen cannot put it on the wire", name)
		return nil
	case isRef && k != Ref:
		b.diags.AddHint(pos, fmt.Sprintf("write %s to hold the %s itself, or declare %s with //jsgen:model to refer to it by identifier", name, k, name),
			"jsgenrt.Ref[%s]: %s is a %s; a Ref refers to a model", name, name, k)
		return nil
	case !isRef && k == Ref:
		b.diags.AddHint(pos, fmt.Sprintf("write jsgenrt.Ref[%s]", name),
			"%s is a model: a field refers to a model by its identifier, not by value", name)
		return nil
	}
	return &Type{Kind: k, Name: name}
}

// fields resolves the fields of a model or message.
func (b *builder) fields(t *decl.Type, enums map[string]*Enum) []*Field {
	out := make([]*Field, 0, len(t.Fields))
	for _, f := range t.Fields {
		typ := b.typeExpr(f.Type, t.Origin)
		if typ == nil {
			continue
		}
		field := &Field{Name: f.Name.Name, GoName: fieldGoName(f), Doc: f.Doc, Type: typ, Pos: f.Name.Pos}
		if f.Optional != nil {
			field.Optional = b.boolLit(f.Optional, "optional")
		}
		if sc := typ.Scalar(); sc.Kind == EnumKind {
			sc.Name = b.enum(t, f, enums)
		} else {
			if len(f.Values) > 0 {
				b.diags.Add(f.Values[0].Pos, "values are only allowed on enum fields; field %q is %s", f.Name.Name, typ)
			}
			if f.EnumName.Name != "" {
				b.diags.Add(f.EnumName.Pos, "enumName is only allowed on enum fields")
			}
		}
		b.constraints(f, field)
		if f.Default != nil {
			field.Default = b.defaultValue(f.Default, field, t.Origin)
			field.Optional = true
		}
		out = append(out, field)
	}
	return out
}

// enum registers (or reuses) the enum type of field f and returns its name.
func (b *builder) enum(t *decl.Type, f *decl.Field, enums map[string]*Enum) string {
	name, pos := f.EnumName.Name, f.EnumName.Pos
	if name == "" {
		name, pos = t.Name.Name+fieldGoName(f), f.Name.Pos
	}
	var values []string
	seen := map[string]bool{}
	for _, v := range f.Values {
		switch {
		case v.Value == "":
			b.diags.Add(v.Pos, "empty enum value")
		case seen[v.Value]:
			b.diags.Add(v.Pos, "duplicate enum value %q", v.Value)
		case !utf8.ValidString(v.Value):
			b.diags.Add(v.Pos, "enum value is not valid UTF-8")
		default:
			seen[v.Value] = true
			values = append(values, v.Value)
		}
	}
	if len(f.Values) == 0 {
		b.diags.AddHint(f.Type.Pos, formHint(t.Origin, "e.g. values: [a, b]", `list them in the tag: jsgen:"enum=a|b"`), "enum field %q has no values", f.Name.Name)
	}
	if e, ok := enums[name]; ok {
		if !slices.Equal(e.Values, values) {
			b.diags.Add(pos, "enum %s is declared again with other values (%s vs %s at %s)", name, strings.Join(values, "|"), strings.Join(e.Values, "|"), e.Pos)
		}
		return name
	}
	if !isExportedIdent(name) {
		b.diags.Add(pos, "enum name %q is not an exported Go identifier", name)
	}
	e := &Enum{Name: name, Values: values, DeclaresGoType: t.Origin == decl.FromYAML, Pos: pos}
	enums[name] = e
	b.enumOrder = append(b.enumOrder, e)
	return name
}

// constraints converts and checks f's constraints against field's type.
func (b *builder) constraints(f *decl.Field, field *Field) {
	c := &field.Constraints
	sc := field.Type.Scalar()
	isString := sc.Kind == String
	isNumber := sc.Kind == Int || sc.Kind == Int64 || sc.Kind == Float64
	isArray := field.Type.Kind == Array
	applies := func(lit *decl.Literal, key string, ok bool, want string) bool {
		if lit == nil {
			return false
		}
		if !ok {
			b.diags.AddHint(lit.Pos, "remove it or change the type", "%s does not apply to field %q of type %s; it applies to %s", key, f.Name.Name, field.Type, want)
			return false
		}
		return true
	}
	if applies(f.MinLength, "minLength", isString, "strings") {
		c.MinLength = b.countLit(f.MinLength, "minLength")
	}
	if applies(f.MaxLength, "maxLength", isString, "strings") {
		c.MaxLength = b.countLit(f.MaxLength, "maxLength")
	}
	if applies(f.MinItems, "minItems", isArray, "arrays") {
		c.MinItems = b.countLit(f.MinItems, "minItems")
	}
	if applies(f.MaxItems, "maxItems", isArray, "arrays") {
		c.MaxItems = b.countLit(f.MaxItems, "maxItems")
	}
	if applies(f.Min, "min", isNumber, "numbers") {
		c.Min = b.numberLit(f.Min, "min", sc.Kind)
	}
	if applies(f.Max, "max", isNumber, "numbers") {
		c.Max = b.numberLit(f.Max, "max", sc.Kind)
	}
	if f.Pattern != nil {
		if !isString {
			b.diags.Add(f.Pattern.Pos, "pattern does not apply to field %q of type %s; it applies to strings", f.Name.Name, field.Type)
		} else if _, err := regexp.Compile(f.Pattern.Value); err != nil {
			b.diags.AddHint(f.Pattern.Pos, "patterns use RE2 syntax: https://github.com/google/re2/wiki/Syntax", "invalid pattern %q: %v", f.Pattern.Value, unwrapRegexpErr(err))
		} else {
			c.Pattern = f.Pattern.Value
		}
	}
	pairInt(b, f.MinLength, c.MinLength, c.MaxLength, "minLength", "maxLength")
	pairInt(b, f.MinItems, c.MinItems, c.MaxItems, "minItems", "maxItems")
	if c.Min != nil && c.Max != nil {
		lo, _ := c.Min.Float64()
		hi, _ := c.Max.Float64()
		if lo > hi {
			b.diags.Add(f.Min.Pos, "min %s is greater than max %s", *c.Min, *c.Max)
		}
	}
}

func pairInt(b *builder, lit *decl.Literal, lo, hi *int, loName, hiName string) {
	if lo != nil && hi != nil && *lo > *hi {
		b.diags.Add(lit.Pos, "%s %d is greater than %s %d", loName, *lo, hiName, *hi)
	}
}

func unwrapRegexpErr(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return string(se.Code) + " " + strconv.Quote(se.Expr)
	}
	return err.Error()
}

func (b *builder) intLit(l *decl.Literal, key string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(l.Text))
	if err != nil {
		b.diags.Add(l.Pos, "%s must be an integer, got %q", key, l.Text)
		return 0, false
	}
	return n, true
}

func (b *builder) countLit(l *decl.Literal, key string) *int {
	n, ok := b.intLit(l, key)
	if !ok {
		return nil
	}
	if n < 0 {
		b.diags.Add(l.Pos, "%s must not be negative, got %d", key, n)
		return nil
	}
	return &n
}

func (b *builder) boolLit(l *decl.Literal, key string) bool {
	switch strings.TrimSpace(l.Text) {
	case "true":
		return true
	case "false":
		return false
	}
	b.diags.Add(l.Pos, "%s must be true or false, got %q", key, l.Text)
	return false
}

func (b *builder) numberLit(l *decl.Literal, key string, kind Kind) *json.Number {
	text := strings.TrimSpace(l.Text)
	if kind == Float64 {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || f != f || f > 1e308 || f < -1e308 {
			b.diags.Add(l.Pos, "%s must be a number, got %q", key, l.Text)
			return nil
		}
		n := json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		return &n
	}
	bits := 64
	if kind == Int {
		bits = strconv.IntSize
	}
	i, err := strconv.ParseInt(text, 10, bits)
	if err != nil {
		b.diags.Add(l.Pos, "%s must be an integer for a field of type %s, got %q", key, kind, l.Text)
		return nil
	}
	n := json.Number(strconv.FormatInt(i, 10))
	return &n
}

// defaultValue converts a default literal to a canonical JSON literal and
// checks it against the field's own type and constraints.
func (b *builder) defaultValue(l *decl.Literal, f *Field, origin decl.Origin) json.RawMessage {
	t := f.Type
	if !t.IsScalar() || t.Kind == Timestamp {
		goHint := "make the field a pointer instead"
		if t.Kind == Array || t.Kind == Map || t.Kind == UnionK {
			goHint = "make the field optional instead, with the optional flag"
		}
		hint := formHint(origin, "make the field optional instead", goHint)
		b.diags.AddHint(l.Pos, hint, "default is not supported on field %q of type %s; it is supported on strings, bools, numbers, enums and refs", f.Name, t)
		return nil
	}
	text := l.Text
	var raw json.RawMessage
	switch t.Kind {
	case String, EnumKind, Ref:
		raw = runtime.AppendJSONString(nil, text)
	case Bool:
		raw = json.RawMessage(strconv.FormatBool(b.boolLit(l, "default")))
	default:
		n := b.numberLit(l, "default", t.Kind)
		if n == nil {
			return nil
		}
		raw = json.RawMessage(*n)
	}
	if t.Kind == EnumKind {
		if e := b.enums[t.Name]; e != nil && !slices.Contains(e.Values, text) {
			b.diags.Add(l.Pos, "default %q is not one of the enum values %s", text, strings.Join(e.Values, "|"))
		}
	}
	for _, msg := range checkValue(b.prog, f, text) {
		b.diags.Add(l.Pos, "default %s violates the field's own constraints: %s", raw, msg)
	}
	return raw
}

// checkValue returns the constraint violations of the scalar value text (as
// written) for field f; used to check defaults. Enum membership is checked by
// the caller once enums are known, so here only enum values seen so far.
func checkValue(p *Program, f *Field, text string) []string {
	var out []string
	c := f.Constraints
	switch f.Type.Kind {
	case String:
		n := utf8.RuneCountInString(text)
		if c.MinLength != nil && n < *c.MinLength {
			out = append(out, jsonx.MinLengthMsg(n, *c.MinLength))
		}
		if c.MaxLength != nil && n > *c.MaxLength {
			out = append(out, jsonx.MaxLengthMsg(n, *c.MaxLength))
		}
		if c.Pattern != "" && !regexp.MustCompile(c.Pattern).MatchString(text) {
			out = append(out, jsonx.PatternMsg(c.Pattern))
		}
	case Int, Int64, Float64:
		v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return nil
		}
		if c.Min != nil {
			if lo, _ := c.Min.Float64(); v < lo {
				out = append(out, fmt.Sprintf("less than min %s", *c.Min))
			}
		}
		if c.Max != nil {
			if hi, _ := c.Max.Float64(); v > hi {
				out = append(out, fmt.Sprintf("greater than max %s", *c.Max))
			}
		}
	case Ref:
		m := p.Model(f.Type.Name)
		if m == nil {
			m = &Model{Name: f.Type.Name, IDMaxLength: DefaultIDMaxLength}
		}
		if why := m.IDProblem(text); why != "" {
			out = append(out, "invalid "+f.Type.Name+" identifier: "+why)
		}
	}
	return out
}

// String formats t as a type expression (the declaration syntax).
func (t *Type) String() string {
	switch t.Kind {
	case Array:
		return "[]" + t.Elem.String()
	case Map:
		return "map[string]" + t.Elem.String()
	case Ref, MessageK, UnionK:
		return t.Name
	case EnumKind:
		if t.Name != "" {
			return "enum " + t.Name
		}
	}
	return string(t.Kind)
}

// namedType resolves a reference to a message or union (payloads, channel
// messages, route in/out).
func (b *builder) namedType(id decl.Ident, what string) *Type {
	k, ok := b.kinds[id.Name]
	switch {
	case id.Name == "":
		b.diags.Add(id.Pos, "missing %s", what)
		return nil
	case k == broken:
		return nil // its declaration was reported
	case !ok:
		b.diags.AddHint(id.Pos, suggest(id.Name, slices.Sorted(maps.Keys(b.kinds))), "%s %q is not a declared message or union", what, id.Name)
		return nil
	case k != MessageK && k != UnionK:
		b.diags.AddHint(id.Pos, "declare a message that carries its identifier", "%s must be a message or union, but %s is a model", what, id.Name)
		return nil
	}
	return &Type{Kind: k, Name: id.Name}
}

func (b *builder) modelRef(id decl.Ident, what string, origin decl.Origin) string {
	k, ok := b.kinds[id.Name]
	switch {
	case id.Name == "":
		b.diags.Add(id.Pos, "missing %s", what)
	case k == broken:
		// its declaration was reported
	case !ok:
		b.diags.AddHint(id.Pos, suggest(id.Name, b.modelNames()), "%s %q is not a declared model", what, id.Name)
	case k != Ref:
		b.diags.AddHint(id.Pos, formHint(origin, "declare it under models", "annotate it with //jsgen:model"), "%s must be a model, but %s is a %s", what, id.Name, k)
	default:
		return id.Name
	}
	return ""
}

func (b *builder) modelNames() []string {
	var out []string
	for _, m := range b.models {
		out = append(out, m.Name.Name)
	}
	slices.Sort(out)
	return out
}

func (b *builder) union(u *decl.Union) *Union {
	out := &Union{Name: u.Name.Name, Doc: u.Doc, Discriminator: "type", DeclaresGoType: u.Origin == decl.FromYAML, Pos: u.Name.Pos}
	if u.Discriminator != nil {
		out.Discriminator = u.Discriminator.Value
		if out.Discriminator == "" {
			b.diags.Add(u.Discriminator.Pos, "empty discriminator")
		}
	}
	tags := map[string]bool{}
	messages := map[string]string{} // message → tag
	for _, v := range u.Variants {
		switch {
		case v.Tag.Value == "":
			b.diags.Add(v.Tag.Pos, "empty variant tag in union %s", u.Name.Name)
			continue
		case tags[v.Tag.Value]:
			b.diags.Add(v.Tag.Pos, "duplicate variant tag %q in union %s", v.Tag.Value, u.Name.Name)
			continue
		}
		tags[v.Tag.Value] = true
		t := b.namedType(v.Message, "variant")
		if t == nil {
			continue
		}
		if t.Kind != MessageK {
			b.diags.Add(v.Message.Pos, "variant %s of union %s is a union; variants must be messages", v.Message.Name, u.Name.Name)
			continue
		}
		if prev, ok := messages[v.Message.Name]; ok {
			b.diags.AddHint(v.Message.Pos, "declare a second message for the other tag", "message %s is already variant %q of union %s; a Go type carries one tag per union", v.Message.Name, prev, u.Name.Name)
			continue
		}
		messages[v.Message.Name] = v.Tag.Value
		out.Variants = append(out.Variants, &Variant{Tag: v.Tag.Value, Message: v.Message.Name})
	}
	if len(u.Variants) == 0 {
		b.diags.Add(u.Name.Pos, "union %s has no variants", u.Name.Name)
	}
	if u.Default != nil {
		if !tags[u.Default.Value] {
			b.diags.Add(u.Default.Pos, "default variant %q is not a variant of union %s", u.Default.Value, u.Name.Name)
		}
		out.DefaultTag = u.Default.Value
	}
	return out
}

func (b *builder) channel(c *decl.Channel) *Channel {
	out := &Channel{Name: c.Name.Name, Doc: c.Doc, DeclaresGoType: c.Origin == decl.FromYAML, Pos: c.Name.Pos}
	switch {
	case len(c.KeyParts) == 1 && c.Origin == decl.FromYAML: // key: [Team] is key: Team
		out.Key = b.modelRef(c.KeyParts[0].Model, "channel key", c.Origin)
	case len(c.KeyParts) > 0:
		b.compositeKey(c, out)
	default:
		out.Key = b.modelRef(c.Key, "channel key", c.Origin)
	}
	out.Message = b.namedType(c.Message, "channel message")
	if c.Prefix != nil {
		out.Prefix = c.Prefix.Value
		if err := checkPrefix(c.Prefix.Value); err != "" {
			b.diags.Add(c.Prefix.Pos, "channel prefix %q %s", c.Prefix.Value, err)
		}
	}
	b.checkSubjectLen(c, out)
	return out
}

// checkPrefix allows prefixes that are safe in bus subjects (the key
// identifier that follows is checked by the Ref constructor).
func checkPrefix(p string) string {
	if len(p) > 64 {
		return "is longer than 64 bytes"
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == ':' || r == '-' || r == '_' || r == '/') {
			return fmt.Sprintf("contains %q; use letters, digits and : - _ /", r)
		}
	}
	return ""
}

func (b *builder) bus(e *decl.EventBus) *EventBus {
	out := &EventBus{Name: e.Name.Name, Doc: e.Doc, Pos: e.Name.Pos}
	seen := map[string]diag.Pos{}
	goNames := map[string]string{}
	for _, t := range e.Topics {
		if prev, ok := seen[t.Name.Value]; ok {
			b.diags.Add(t.Name.Pos, "topic %q is already declared at %s", t.Name.Value, prev)
			continue
		}
		seen[t.Name.Value] = t.Name.Pos
		if !validTopic(t.Name.Value) {
			b.diags.AddHint(t.Name.Pos, "use dot-separated words, e.g. room.message", "invalid topic name %q", t.Name.Value)
			continue
		}
		g := GoName(t.Name.Value)
		if t.GoName.Name != "" {
			g = t.GoName.Name
			if !isExportedIdent(g) {
				b.diags.Add(t.GoName.Pos, "topic Go name %q is not an exported Go identifier", g)
				continue
			}
		}
		if other, ok := goNames[g]; ok {
			b.diags.Add(t.Name.Pos, "topics %q and %q both become Emit%s", other, t.Name.Value, g)
			continue
		}
		goNames[g] = t.Name.Value
		p := b.namedType(t.Payload, "payload")
		if p == nil {
			continue
		}
		out.Topics = append(out.Topics, &Topic{Name: t.Name.Value, GoName: g, Payload: p})
	}
	if len(e.Topics) == 0 {
		b.diags.Add(e.Name.Pos, "event bus %s has no topics", e.Name.Name)
	}
	return out
}

func validTopic(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" || GoName(part) == "" {
			return false
		}
		for _, r := range part {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
				return false
			}
		}
	}
	return true
}
