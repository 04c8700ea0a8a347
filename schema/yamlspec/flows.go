package yamlspec

import (
	"go.yaml.in/yaml/v3"

	"github.com/jsgen-dev/jsgen/schema/decl"
)

// unions reads the `unions` section.
func (p *parser) unions(v *yaml.Node) []*decl.Union {
	var out []*decl.Union
	p.entries(v, "unions", "union", func(k, v *yaml.Node) {
		if u := p.union(k, v); u != nil {
			out = append(out, u)
		}
	})
	return out
}

// union reads one union.
func (p *parser) union(k, v *yaml.Node) *decl.Union {
	m, ok := p.body(k, v, "union")
	if !ok {
		p.broken = append(p.broken, p.keyIdent(k))
		return nil
	}
	u := &decl.Union{Name: p.keyIdent(k), Origin: decl.FromYAML}
	ctx := "union " + k.Value
	p.fixedKeys(m, ctx, unionKeys, func(key string, _, v *yaml.Node) {
		sub := keyOf(key, ctx)
		switch key {
		case "doc":
			u.Doc = p.doc(v, sub)
		case "discriminator":
			u.Discriminator = p.optStr(v, sub)
		case "default":
			u.Default = p.optStr(v, sub)
		case "variants":
			u.Variants = p.variants(v, ctx)
		}
	})
	return u
}

// variants reads the `variants` of a union: discriminator value → message.
func (p *parser) variants(v *yaml.Node, ctx string) []decl.Variant {
	var out []decl.Variant
	m, _ := p.mapping(v, keyOf("variants", ctx), "a mapping of tags to message names")
	p.eachPair(m, "variants of "+ctx, func(k, v *yaml.Node) {
		if msg, ok := p.ident(v, "variant "+k.Value+" of "+ctx); ok {
			out = append(out, decl.Variant{Tag: decl.String{Value: k.Value, Pos: p.nodePos(k)}, Message: msg})
		}
	})
	return out
}

// channels reads the `channels` section.
func (p *parser) channels(v *yaml.Node) []*decl.Channel {
	var out []*decl.Channel
	p.entries(v, "channels", "channel", func(k, v *yaml.Node) {
		if c := p.channel(k, v); c != nil {
			out = append(out, c)
		}
	})
	return out
}

// channel reads one channel declaration; `key` and `message` are required.
func (p *parser) channel(k, v *yaml.Node) *decl.Channel {
	m, ok := p.body(k, v, "channel")
	if !ok {
		return nil
	}
	c := &decl.Channel{Name: p.keyIdent(k)}
	ctx := "channel " + k.Value
	var hasKey, hasMessage bool
	p.fixedKeys(m, ctx, channelKeys, func(key string, _, v *yaml.Node) {
		sub := keyOf(key, ctx)
		switch key {
		case "doc":
			c.Doc = p.doc(v, sub)
		case "key":
			switch {
			case v.Kind == yaml.SequenceNode:
				c.KeyParts, hasKey = p.keyParts(v, sub)
			case !isNull(v):
				c.Key, hasKey = p.ident(v, sub)
			}
		case "message":
			if !isNull(v) {
				c.Message, hasMessage = p.ident(v, sub)
			}
		case "prefix":
			c.Prefix = p.optStr(v, sub)
		}
	})
	ok = p.require(k, m, ctx, "key", "the model whose Ref keys the channels", hasKey)
	return keepIf(c, p.require(k, m, ctx, "message", "the message or union published", hasMessage) && ok)
}

// keyParts reads a composite channel key: a sequence of model names.
func (p *parser) keyParts(v *yaml.Node, subject string) ([]decl.KeyPart, bool) {
	items, _ := p.sequence(v, subject, "a model name or a sequence of model names")
	var out []decl.KeyPart
	ok := true
	for _, it := range items {
		id, good := p.ident(it, "each item of "+subject)
		if good {
			out = append(out, decl.KeyPart{Model: id})
		}
		ok = ok && good
	}
	if len(items) == 0 {
		p.diags.AddHint(p.nodePos(v), "e.g. key: [Lobby, Team]", "%s lists no model", subject)
		return nil, false
	}
	return out, ok
}

// require reports that the entry ctx (written at k, declared by the mapping
// m) lacks key, unless valid is true or the key has a non-null value in m
// (that value was then reported as wrong already). It returns valid.
func (p *parser) require(k, m *yaml.Node, ctx, key, what string, valid bool) bool {
	if !valid && !hasValue(m, key) {
		p.diags.AddHint(p.nodePos(k), "add `"+key+":` with "+what, "%s has no `%s`", ctx, key)
	}
	return valid
}

// hasValue reports whether the mapping m (nil: empty) gives key a value
// other than null.
func hasValue(m *yaml.Node, key string) bool {
	if m == nil {
		return false
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key && !isNull(m.Content[i+1]) {
			return true
		}
	}
	return false
}

// keepIf returns v when ok, and nil otherwise.
func keepIf[T any](v *T, ok bool) *T {
	if ok {
		return v
	}
	return nil
}

// eventBuses reads the `events` section.
func (p *parser) eventBuses(v *yaml.Node) []*decl.EventBus {
	var out []*decl.EventBus
	p.entries(v, "events", "event bus", func(k, v *yaml.Node) {
		if b := p.eventBus(k, v); b != nil {
			out = append(out, b)
		}
	})
	return out
}

// eventBus reads one event bus.
func (p *parser) eventBus(k, v *yaml.Node) *decl.EventBus {
	m, ok := p.body(k, v, "event bus")
	if !ok {
		return nil
	}
	b := &decl.EventBus{Name: p.keyIdent(k)}
	ctx := "event bus " + k.Value
	p.fixedKeys(m, ctx, eventKeys, func(key string, _, v *yaml.Node) {
		switch key {
		case "doc":
			b.Doc = p.doc(v, keyOf(key, ctx))
		case "topics":
			b.Topics = p.topics(v, ctx)
		}
	})
	return b
}

// topics reads the `topics` of an event bus: topic → payload name.
func (p *parser) topics(v *yaml.Node, ctx string) []decl.Topic {
	var out []decl.Topic
	m, _ := p.mapping(v, keyOf("topics", ctx), "a mapping of topics to payload names")
	p.eachPair(m, "topics of "+ctx, func(k, v *yaml.Node) {
		if payload, ok := p.ident(v, "topic "+k.Value+" of "+ctx); ok {
			out = append(out, decl.Topic{Name: decl.String{Value: k.Value, Pos: p.nodePos(k)}, Payload: payload})
		}
	})
	return out
}
