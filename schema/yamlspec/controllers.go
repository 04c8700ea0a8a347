package yamlspec

import (
	"go.yaml.in/yaml/v3"

	"github.com/jsgen-dev/jsgen/schema/decl"
)

// controllers reads the `controllers` section.
func (p *parser) controllers(v *yaml.Node) []*decl.Controller {
	var out []*decl.Controller
	p.entries(v, "controllers", "controller", func(k, v *yaml.Node) {
		if c := p.controller(k, v); c != nil {
			out = append(out, c)
		}
	})
	return out
}

// controller reads one controller.
func (p *parser) controller(k, v *yaml.Node) *decl.Controller {
	m, ok := p.body(k, v, "controller")
	if !ok {
		return nil
	}
	c := &decl.Controller{Name: p.keyIdent(k)}
	ctx := "controller " + k.Value
	p.fixedKeys(m, ctx, controllerKeys, func(key string, _, v *yaml.Node) {
		sub := keyOf(key, ctx)
		switch key {
		case "doc":
			c.Doc = p.doc(v, sub)
		case "prefix":
			c.Prefix = p.optStr(v, sub)
		case "auth":
			c.Auth = p.auth(v, sub)
		case "guards":
			c.Guards = p.names(v, sub)
		case "handler":
			c.Handler = p.optStr(v, sub)
		case "routes":
			c.Routes = p.routes(v, k.Value, ctx)
		}
	})
	return c
}

// routes reads the `routes` of the controller named owner.
func (p *parser) routes(v *yaml.Node, owner, ownerCtx string) []*decl.Route {
	var out []*decl.Route
	m, _ := p.mapping(v, keyOf("routes", ownerCtx), "a mapping of route names to routes")
	p.eachPair(m, "routes of "+ownerCtx, func(k, v *yaml.Node) {
		if r := p.route(k, v, owner); r != nil {
			out = append(out, r)
		}
	})
	return out
}

// route reads one route; `path` is required.
func (p *parser) route(k, v *yaml.Node, owner string) *decl.Route {
	ctx := "route " + owner + "." + k.Value
	m, ok := p.mapping(v, ctx, "a mapping")
	if !ok {
		return nil
	}
	r := &decl.Route{Name: p.keyIdent(k)}
	hasPath := false
	p.fixedKeys(m, ctx, routeKeys, func(key string, _, v *yaml.Node) {
		sub := keyOf(key, ctx)
		switch key {
		case "doc":
			r.Doc = p.doc(v, sub)
		case "path":
			if !isNull(v) {
				r.Path, hasPath = p.str(v, sub)
			}
		case "params":
			r.Params = p.params(v, ctx)
		case "query":
			r.Query = p.optIdent(v, sub)
		case "in":
			r.In = p.optIdent(v, sub)
		case "out":
			r.Out = p.outs(v, sub)
		case "auth":
			r.Auth = p.auth(v, sub)
		case "guards":
			r.Guards = p.names(v, sub)
		case "handler":
			r.Handler = p.optStr(v, sub)
		}
	})
	return keepIf(r, p.require(k, m, ctx, "path", "the route's path, e.g. /room/:roomId", hasPath))
}

// params reads the `params` of a route: path parameter → model name.
func (p *parser) params(v *yaml.Node, ctx string) []decl.Param {
	var out []decl.Param
	m, _ := p.mapping(v, keyOf("params", ctx), "a mapping of path parameters to model names")
	p.eachPair(m, "params of "+ctx, func(k, v *yaml.Node) {
		if model, ok := p.ident(v, "param "+k.Value+" of "+ctx); ok {
			out = append(out, decl.Param{Name: p.keyIdent(k), Model: model})
		}
	})
	return out
}

// outs reads `out`: one name or a sequence of names.
func (p *parser) outs(v *yaml.Node, subject string) []decl.Ident {
	switch {
	case isNull(v):
		return nil
	case v.Kind == yaml.ScalarNode:
		return []decl.Ident{{Name: v.Value, Pos: p.nodePos(v)}}
	case v.Kind != yaml.SequenceNode:
		p.diags.AddHint(p.nodePos(v), "write `out: Name` or `out: [A, B]`",
			"%s must be a name or a sequence of names, found %s", subject, describe(v))
		return nil
	}
	return p.names(v, subject)
}

// auth reads `auth: {identity: Model}`.
func (p *parser) auth(v *yaml.Node, subject string) *decl.Auth {
	m, ok := p.mapping(v, subject, "a mapping, e.g. {identity: User}")
	if !ok {
		return nil
	}
	a := &decl.Auth{Pos: p.nodePos(v)}
	has := false
	p.fixedKeys(m, subject, authKeys, func(key string, _, v *yaml.Node) {
		if key == "identity" {
			a.Identity, has = p.ident(v, keyOf(key, subject))
		}
	})
	if !has {
		p.diags.AddHint(p.nodePos(v), "write auth: {identity: User}, User being the model the token identifies",
			"%s has no identity", subject)
		return nil
	}
	return a
}

// names reads a sequence of names, e.g. `guards: [member, notBanned]`.
func (p *parser) names(v *yaml.Node, subject string) []decl.Ident {
	if isNull(v) {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		p.diags.AddHint(p.nodePos(v), "write a sequence, e.g. [roomMember]", "%s must be a sequence of names, found %s", subject, describe(v))
		return nil
	}
	var out []decl.Ident
	for _, it := range v.Content {
		if id, ok := p.ident(it, "each item of "+subject); ok {
			out = append(out, id)
		}
	}
	return out
}
