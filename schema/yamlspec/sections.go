package yamlspec

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/jsgen-dev/jsgen/schema/decl"
)

// The keys allowed at each level of jsgen.yaml, in the order the docs list
// them (the order of the "allowed keys" hint).
var (
	topKeys        = []string{"version", "package", "models", "messages", "unions", "channels", "events", "controllers"}
	modelKeys      = []string{"doc", "idMaxLength", "idMinLength", "idPattern", "idValues", "fields"}
	messageKeys    = []string{"doc", "fields"}
	fieldKeys      = []string{"type", "doc", "goName", "optional", "default", "values", "enumName", "minLength", "maxLength", "pattern", "min", "max", "minItems", "maxItems"}
	unionKeys      = []string{"doc", "discriminator", "default", "variants"}
	channelKeys    = []string{"doc", "key", "message", "prefix"}
	eventKeys      = []string{"doc", "topics"}
	controllerKeys = []string{"doc", "prefix", "auth", "guards", "handler", "routes"}
	routeKeys      = []string{"doc", "path", "params", "query", "in", "out", "auth", "guards", "handler"}
	authKeys       = []string{"identity"}
)

const topCtx = "the document"

// topLevel reads the root mapping into spec.
func (p *parser) topLevel(root *yaml.Node, spec *decl.Spec) {
	sawVersion := false
	p.fixedKeys(root, topCtx, topKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "version":
			sawVersion = true
			p.version(v)
		case "package":
			if id := p.optIdent(v, "`package`"); id != nil {
				spec.Package = *id
			}
		case "models":
			spec.Models = p.types(v, "model", modelKeys)
		case "messages":
			spec.Messages = p.types(v, "message", messageKeys)
		case "unions":
			spec.Unions = p.unions(v)
		case "channels":
			spec.Channels = p.channels(v)
		case "events":
			spec.Events = p.eventBuses(v)
		case "controllers":
			spec.Controllers = p.controllers(v)
		}
	})
	if !sawVersion {
		p.diags.AddHint(p.nodePos(root), "add `version: 1` at the top", "missing `version`")
	}
}

// version checks that the document declares version 1.
func (p *parser) version(v *yaml.Node) {
	if v.Kind != yaml.ScalarNode || isNull(v) {
		p.diags.AddHint(p.nodePos(v), "write `version: 1`", "`version` must be the number 1, found %s", describe(v))
		return
	}
	if v.Value != "1" {
		p.diags.AddHint(p.nodePos(v), "write `version: 1`", "unsupported version %s: this jsgen reads version 1", describe(v))
	}
}

// entries calls fn for every entry of a section (`models`, `unions`...),
// a mapping of names to declarations; kind names one entry ("model").
func (p *parser) entries(v *yaml.Node, section, kind string, fn func(k, v *yaml.Node)) {
	m, _ := p.mapping(v, "`"+section+"`", fmt.Sprintf("a mapping of %s names to %ss", kind, kind))
	p.eachPair(m, section, fn)
}

// body returns the mapping that declares the entry k of the given kind;
// ok is false (after a report) when it is something else.
func (p *parser) body(k, v *yaml.Node, kind string) (*yaml.Node, bool) {
	return p.mapping(v, kind+" "+k.Value, "a mapping")
}

// types reads the `models` or `messages` section.
func (p *parser) types(v *yaml.Node, kind string, keys []string) []*decl.Type {
	var out []*decl.Type
	p.entries(v, kind+"s", kind, func(k, v *yaml.Node) {
		if t := p.typeDecl(k, v, kind, keys); t != nil {
			out = append(out, t)
		}
	})
	return out
}

// typeDecl reads one model or message.
func (p *parser) typeDecl(k, v *yaml.Node, kind string, keys []string) *decl.Type {
	m, ok := p.body(k, v, kind)
	if !ok {
		p.broken = append(p.broken, p.keyIdent(k))
		return nil
	}
	t := &decl.Type{Name: p.keyIdent(k), Origin: decl.FromYAML}
	ctx := kind + " " + k.Value
	p.fixedKeys(m, ctx, keys, func(key string, _, v *yaml.Node) {
		switch key {
		case "doc":
			t.Doc = p.doc(v, keyOf(key, ctx))
		case "idMaxLength":
			t.IDMaxLength = p.literal(v, keyOf(key, ctx))
		case "idMinLength":
			t.IDMinLength = p.literal(v, keyOf(key, ctx))
		case "idPattern":
			t.IDPattern = p.optStr(v, keyOf(key, ctx))
		case "idValues":
			t.IDValues, t.IDValuesPos = p.values(v, keyOf(key, ctx)), p.nodePos(v)
		case "fields":
			t.Fields = p.fields(v, k.Value, ctx)
		}
	})
	return t
}

// fields reads the `fields` mapping of the type named owner.
func (p *parser) fields(v *yaml.Node, owner, ownerCtx string) []*decl.Field {
	var out []*decl.Field
	m, _ := p.mapping(v, keyOf("fields", ownerCtx), "a mapping of wire names to fields")
	p.eachPair(m, "fields of "+ownerCtx, func(k, v *yaml.Node) {
		if f := p.field(k, v, owner); f != nil {
			out = append(out, f)
		}
	})
	return out
}

// field reads one field: a type expression, or a mapping with `type`.
func (p *parser) field(k, v *yaml.Node, owner string) *decl.Field {
	ctx := fmt.Sprintf("field %s.%s", owner, k.Value)
	f := &decl.Field{Name: p.keyIdent(k)}
	switch {
	case v.Kind == yaml.ScalarNode && !isNull(v):
		f.Type = decl.String{Value: v.Value, Pos: p.nodePos(v)}
		return f
	case v.Kind == yaml.MappingNode:
		return p.fieldMapping(k, v, f, ctx)
	}
	hint := fmt.Sprintf("write `%s: string` or `%s: {type: string, optional: true}`", k.Value, k.Value)
	if v.Kind == yaml.SequenceNode {
		hint = `quote array types: "[]string"`
	}
	p.diags.AddHint(p.nodePos(v), hint, "%s must be a type or a mapping with `type`, found %s", ctx, describe(v))
	return nil
}

// fieldMapping reads the mapping form of a field into f.
func (p *parser) fieldMapping(k, m *yaml.Node, f *decl.Field, ctx string) *decl.Field {
	typeOK := false
	p.fixedKeys(m, ctx, fieldKeys, func(key string, _, v *yaml.Node) {
		sub := keyOf(key, ctx)
		switch key {
		case "type":
			if !isNull(v) {
				f.Type, typeOK = p.str(v, sub)
			}
		case "doc":
			f.Doc = p.doc(v, sub)
		case "goName":
			f.GoName, _ = p.ident(v, sub)
		case "enumName":
			f.EnumName, _ = p.ident(v, sub)
		case "values":
			f.Values = p.values(v, sub)
		case "pattern":
			f.Pattern = p.optStr(v, sub)
		default:
			p.fieldLiteral(f, key, p.literal(v, sub))
		}
	})
	return keepIf(f, p.require(k, m, ctx, "type", "the field's type, e.g. string", typeOK))
}

// fieldLiteral stores the literal of a modifier or constraint key.
func (p *parser) fieldLiteral(f *decl.Field, key string, lit *decl.Literal) {
	switch key {
	case "optional":
		f.Optional = lit
	case "default":
		f.Default = lit
	case "minLength":
		f.MinLength = lit
	case "maxLength":
		f.MaxLength = lit
	case "min":
		f.Min = lit
	case "max":
		f.Max = lit
	case "minItems":
		f.MinItems = lit
	case "maxItems":
		f.MaxItems = lit
	}
}

// values reads the enum values: a sequence of strings.
func (p *parser) values(v *yaml.Node, subject string) []decl.String {
	items, _ := p.sequence(v, subject, "a sequence of strings")
	var out []decl.String
	for _, it := range items {
		if s, ok := p.str(it, "each item of "+subject); ok {
			out = append(out, s)
		}
	}
	return out
}
