package ir

import (
	"strings"

	"github.com/jsgen-dev/jsgen/schema/decl"
	"github.com/jsgen-dev/jsgen/schema/diag"
)

func (b *builder) controller(c *decl.Controller) *Controller {
	out := &Controller{Name: c.Name.Name, Doc: c.Doc, Pos: c.Name.Pos}
	if c.Prefix != nil {
		out.Prefix = strings.TrimSuffix(c.Prefix.Value, "/")
		if out.Prefix != "" {
			if msg := checkPathSegments(out.Prefix); msg != "" {
				b.diags.Add(c.Prefix.Pos, "controller prefix %q %s", c.Prefix.Value, msg)
			} else if strings.Contains(out.Prefix, ":") {
				b.diags.Add(c.Prefix.Pos, "controller prefix %q must not contain path parameters", c.Prefix.Value)
			}
		}
	}
	callbacks := b.handlerForm(c.Handler, "controller "+c.Name.Name, c.Origin)
	names := map[string]diag.Pos{}
	for _, r := range c.Routes {
		name := lowerCamel(GoName(r.Name.Name))
		if prev, ok := names[name]; ok {
			b.diags.Add(r.Name.Pos, "route %q of controller %s is already declared at %s", r.Name.Name, c.Name.Name, prev)
			continue
		}
		names[name] = r.Name.Pos
		if route := b.route(out, r, c.Origin); route != nil {
			b.routeAuth(c, r, route)
			route.Callbacks = callbacks
			if r.Handler != nil {
				route.Callbacks = b.handlerForm(r.Handler, "route "+c.Name.Name+"."+r.Name.Name, c.Origin)
			}
			out.Routes = append(out.Routes, route)
		}
	}
	if len(c.Routes) == 0 {
		b.diags.Add(c.Name.Pos, "controller %s has no routes", c.Name.Name)
	}
	return out
}

func (b *builder) route(c *Controller, r *decl.Route, origin decl.Origin) *Route {
	out := &Route{Name: lowerCamel(GoName(r.Name.Name)), GoName: GoName(r.Name.Name), Doc: r.Doc, Path: r.Path.Value, Pos: r.Name.Pos}
	if !isExportedIdent(out.GoName) {
		b.diags.Add(r.Name.Pos, "route name %q does not make a Go identifier", r.Name.Name)
		return nil
	}
	if msg := checkPathSegments(r.Path.Value); msg != "" {
		b.diags.AddHint(r.Path.Pos, formHint(origin, "e.g. path: /room/:roomId", `e.g. jsgen:"ws=/room/:roomId"`), "route path %q %s", r.Path.Value, msg)
		return nil
	}
	declared := map[string]decl.Param{}
	for _, p := range r.Params {
		if prev, ok := declared[p.Name.Name]; ok {
			b.diags.Add(p.Name.Pos, "path parameter %q is declared twice (first at %s)", p.Name.Name, prev.Name.Pos)
			continue
		}
		declared[p.Name.Name] = p
	}
	var pattern strings.Builder
	pattern.WriteString(c.Prefix)
	used := map[string]bool{}
	for _, seg := range strings.Split(strings.Trim(r.Path.Value, "/"), "/") {
		if seg == "" {
			continue
		}
		pattern.WriteByte('/')
		name, isParam := strings.CutPrefix(seg, ":")
		if !isParam {
			pattern.WriteString(seg)
			continue
		}
		pattern.WriteString("{" + name + "}")
		if used[name] {
			b.diags.Add(r.Path.Pos, "path parameter :%s appears twice in %q", name, r.Path.Value)
			continue
		}
		used[name] = true
		p, ok := declared[name]
		if !ok {
			hint := formHint(origin, "add params: {"+name+": SomeModel}",
				"declare it in the route's Params struct: "+GoName(name)+" jsgenrt.Ref[SomeModel] `json:\""+name+"\"`")
			b.diags.AddHint(r.Path.Pos, hint, "path parameter :%s of route %s has no model", name, r.Name.Name)
			continue
		}
		if p.Model.Name == "" {
			continue // a front-end reported its type
		}
		model := b.modelRef(p.Model, "path parameter :"+name, origin)
		out.Params = append(out.Params, &Param{Name: name, GoName: GoName(name), Model: model})
	}
	for _, p := range r.Params {
		if !used[p.Name.Name] {
			b.diags.Add(p.Name.Pos, "parameter %q is not in the path %q", p.Name.Name, r.Path.Value)
		}
	}
	if pattern.Len() == 0 {
		pattern.WriteByte('/')
	}
	out.Pattern = pattern.String()
	if r.Query != nil {
		if t := b.namedType(*r.Query, "query"); t != nil {
			if t.Kind != MessageK {
				b.diags.Add(r.Query.Pos, "query %s must be a message, not a union", r.Query.Name)
			} else {
				out.Query = t.Name
			}
		}
	}
	if r.In != nil {
		out.In = b.namedType(*r.In, "inbound type")
	}
	for _, o := range r.Out {
		if t := b.namedType(o, "outbound type"); t != nil {
			out.Out = append(out.Out, t)
			if t.Kind == UnionK {
				b.checkErrorTag(t.Name, r.Name.Name)
			}
		}
	}
	return out
}

// checkErrorTag reports a variant of the outbound union named union whose
// frames would read as the runtime's error frame ({"type":"error",...}),
// which every route may send: clients could not tell the two apart.
func (b *builder) checkErrorTag(union, route string) {
	for _, u := range b.unions {
		if u.Name.Name != union || (u.Discriminator != nil && u.Discriminator.Value != "type") {
			continue
		}
		for _, v := range u.Variants {
			if v.Tag.Value == "error" {
				b.diags.AddHint(v.Tag.Pos, "choose another tag; to refuse something, send the runtime's error frame (SendErrorFrame)",
					"variant %q of union %s, sent by route %s, would look like the runtime's error frame {\"type\":\"error\",...}", v.Tag.Value, union, route)
			}
		}
	}
}

// checkPathSegments says what is wrong with a route path or prefix, or "".
func checkPathSegments(p string) string {
	if !strings.HasPrefix(p, "/") {
		return "must start with /"
	}
	for _, seg := range strings.Split(strings.Trim(p, "/"), "/") {
		if seg == "" && p != "/" {
			return "has an empty segment"
		}
		name, isParam := strings.CutPrefix(seg, ":")
		if isParam && (name == "" || !isIdentLike(name)) {
			return "has an invalid parameter :" + name
		}
		if !isParam && strings.ContainsAny(seg, "{}*?#% ") {
			return "has a segment with one of {}*?#% or space: " + seg
		}
	}
	return ""
}

func isIdentLike(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}
