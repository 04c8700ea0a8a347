package yamlspec

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/jsgen-dev/jsgen/schema/decl"
)

// describe says what n is, for the "found ..." part of a message.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	if isNull(n) && n.Value == "" {
		return "nothing"
	}
	v := n.Value
	if utf8.RuneCountInString(v) > 40 {
		v = string([]rune(v)[:40]) + "..."
	}
	return strconv.Quote(v)
}

// isNull reports whether n is a plain null scalar ("", "~", "null").
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// quoted reports whether the scalar n was written as a string for sure:
// quoted, a block scalar, or tagged !!str.
func quoted(n *yaml.Node) bool {
	const stringStyles = yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle | yaml.LiteralStyle | yaml.FoldedStyle
	return n.Style&stringStyles != 0 || n.Style&yaml.TaggedStyle != 0 && n.Tag == "!!str"
}

// keyOf names key k of the thing described by ctx, as the subject of a
// message: "`fields` of model Room".
func keyOf(k, ctx string) string {
	return fmt.Sprintf("`%s` of %s", k, ctx)
}

// alias reports an alias: jsgen.yaml does not support them, which also rules
// out any exponential expansion.
func (p *parser) alias(n *yaml.Node) {
	p.diags.AddHint(p.nodePos(n), "write the value out in full",
		"YAML aliases are not supported (*%s)", n.Value)
}

// eachPair calls fn for every key/value pair of the mapping m (nil: none) in
// file order, after reporting and skipping pairs whose key is not a plain
// scalar or repeats an earlier key, and pairs whose value is an alias. ctx
// describes m in messages ("fields of model Room").
func (p *parser) eachPair(m *yaml.Node, ctx string, fn func(k, v *yaml.Node)) {
	if m == nil {
		return
	}
	first := make(map[string]*yaml.Node, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if !p.checkKey(k, ctx) {
			continue
		}
		if prev, dup := first[k.Value]; dup {
			p.diags.Add(p.nodePos(k), "duplicate key %q in %s (first at line %d)", k.Value, ctx, prev.Line)
			continue
		}
		first[k.Value] = k
		if v.Kind == yaml.AliasNode {
			p.alias(v)
			continue
		}
		fn(k, v)
	}
}

// checkKey reports a mapping key that is not a plain scalar name.
func (p *parser) checkKey(k *yaml.Node, ctx string) bool {
	switch {
	case k.Kind == yaml.AliasNode:
		p.alias(k)
		return false
	case k.Kind != yaml.ScalarNode:
		p.diags.Add(p.nodePos(k), "keys of %s must be names, found %s", ctx, describe(k))
		return false
	case k.Tag == "!!merge":
		p.diags.AddHint(p.nodePos(k), "write the keys out in full", "YAML merge keys (<<) are not supported")
		return false
	}
	return true
}

// fixedKeys is eachPair for a mapping whose keys are a fixed set: it reports
// keys outside allowed, with a suggestion, and calls fn for the others.
func (p *parser) fixedKeys(m *yaml.Node, ctx string, allowed []string, fn func(key string, k, v *yaml.Node)) {
	p.eachPair(m, ctx, func(k, v *yaml.Node) {
		for _, a := range allowed {
			if k.Value == a {
				fn(a, k, v)
				return
			}
		}
		p.diags.AddHint(p.nodePos(k), unknownKeyHint(k.Value, allowed), "unknown key %q in %s", k.Value, ctx)
	})
}

// mapping returns v when it is a mapping and nil when it is null (an empty
// mapping); otherwise it reports that subject must be want and returns
// false.
func (p *parser) mapping(v *yaml.Node, subject, want string) (*yaml.Node, bool) {
	switch {
	case v.Kind == yaml.MappingNode:
		return v, true
	case isNull(v):
		return nil, true
	}
	p.diags.Add(p.nodePos(v), "%s must be %s, found %s", subject, want, describe(v))
	return nil, false
}

// sequence returns the items of v when it is a sequence, none when it is
// null; otherwise it reports that subject must be want and returns false.
func (p *parser) sequence(v *yaml.Node, subject, want string) ([]*yaml.Node, bool) {
	switch {
	case v.Kind == yaml.SequenceNode:
		return v.Content, true
	case isNull(v):
		return nil, true
	}
	p.diags.AddHint(p.nodePos(v), "write a list: [a, b]", "%s must be %s, found %s", subject, want, describe(v))
	return nil, false
}

// scalar reports, unless v is a scalar, that subject must be want.
func (p *parser) scalar(v *yaml.Node, subject, want string) bool {
	switch v.Kind {
	case yaml.ScalarNode:
		return true
	case yaml.AliasNode:
		p.alias(v)
		return false
	}
	p.diags.Add(p.nodePos(v), "%s must be %s, found %s", subject, want, describe(v))
	return false
}

// str reads a string value.
func (p *parser) str(v *yaml.Node, subject string) (decl.String, bool) {
	if !p.scalar(v, subject, "a string") {
		return decl.String{}, false
	}
	return decl.String{Value: v.Value, Pos: p.nodePos(v)}, true
}

// optStr reads an optional string value: nil when absent (null) or wrong.
func (p *parser) optStr(v *yaml.Node, subject string) *decl.String {
	if isNull(v) {
		return nil
	}
	if s, ok := p.str(v, subject); ok {
		return &s
	}
	return nil
}

// ident reads a required name; null is reported as missing.
func (p *parser) ident(v *yaml.Node, subject string) (decl.Ident, bool) {
	if isNull(v) {
		p.diags.Add(p.nodePos(v), "%s must be a name, found nothing", subject)
		return decl.Ident{}, false
	}
	if !p.scalar(v, subject, "a name") {
		return decl.Ident{}, false
	}
	return decl.Ident{Name: v.Value, Pos: p.nodePos(v)}, true
}

// optIdent reads an optional name: nil when absent (null) or wrong.
func (p *parser) optIdent(v *yaml.Node, subject string) *decl.Ident {
	if isNull(v) {
		return nil
	}
	if id, ok := p.ident(v, subject); ok {
		return &id
	}
	return nil
}

// keyIdent is the name written as mapping key k.
func (p *parser) keyIdent(k *yaml.Node) decl.Ident {
	return decl.Ident{Name: k.Value, Pos: p.nodePos(k)}
}

// literal reads a scalar as written, for package ir to interpret.
func (p *parser) literal(v *yaml.Node, subject string) *decl.Literal {
	if !p.scalar(v, subject, "a single value") {
		return nil
	}
	return &decl.Literal{Text: v.Value, Quoted: quoted(v), Pos: p.nodePos(v)}
}

// doc reads documentation text, without surrounding blank space.
func (p *parser) doc(v *yaml.Node, subject string) string {
	if isNull(v) || !p.scalar(v, subject, "a string") {
		return ""
	}
	return strings.TrimSpace(v.Value)
}
