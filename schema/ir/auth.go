package ir

import (
	"github.com/jsgen-dev/jsgen/schema/decl"
	"github.com/jsgen-dev/jsgen/schema/diag"
)

// routeAuth resolves the identity and the guards of route r of controller
// c: the route's own auth, else the controller's; the controller's guards,
// then the route's. One controller authenticates one model (its handlers
// have one Authenticate), so a route whose identity differs from another
// route's is refused.
func (b *builder) routeAuth(c *decl.Controller, r *decl.Route, out *Route) {
	a := c.Auth
	if r.Auth != nil {
		a = r.Auth
	}
	if a != nil {
		out.Identity = b.modelRef(a.Identity, "identity", c.Origin)
		if out.Identity != "" {
			b.sameIdentity(c, a)
		}
	}
	seen := map[string]diag.Pos{}
	for _, g := range append(append([]decl.Ident(nil), c.Guards...), r.Guards...) {
		goName := GoName(g.Name)
		switch {
		case !isExportedIdent(goName):
			b.diags.AddHint(g.Pos, "name it with letters and digits, e.g. roomMember", "guard name %q does not make a Go identifier", g.Name)
			continue
		case seen[goName] != diag.Pos{}:
			b.diags.AddHint(g.Pos, "list each guard once", "guard %q of route %s.%s is already listed at %s", g.Name, c.Name.Name, r.Name.Name, seen[goName])
			continue
		}
		seen[goName] = g.Pos
		out.Guards = append(out.Guards, &Guard{Name: g.Name, GoName: goName, Pos: g.Pos})
	}
}

// sameIdentity refuses an identity model that differs from the one an
// earlier route of the controller declared.
func (b *builder) sameIdentity(c *decl.Controller, a *decl.Auth) {
	if b.identities == nil {
		b.identities = map[string]*decl.Auth{}
	}
	prev, ok := b.identities[c.Name.Name]
	if !ok {
		b.identities[c.Name.Name] = a
		return
	}
	if prev.Identity.Name != a.Identity.Name {
		b.diags.AddHint(a.Identity.Pos, "authenticate "+prev.Identity.Name+" here too, or move the route to another controller",
			"controller %s authenticates %s (at %s); one controller has one Authenticate, so its routes share one identity model",
			c.Name.Name, prev.Identity.Name, prev.Identity.Pos)
	}
}

// checkHandlerMethods refuses two methods of one controller's handlers
// with the same name: a route's (Room, or OpenRoom in the callback form),
// Authenticate, or a guard's.
func (b *builder) checkHandlerMethods(c *Controller) {
	type use struct {
		what string
		pos  diag.Pos
	}
	by := map[string]use{}
	claim := func(name, what string, pos diag.Pos) {
		if prev, ok := by[name]; ok && prev.what != what {
			b.diags.AddHint(pos, "rename one of them", "%s makes the method %s of %sHandlers, which %s at %s makes too", what, name, c.Name, prev.what, prev.pos)
			return
		}
		by[name] = use{what, pos}
	}
	for _, r := range c.Routes {
		if r.Identity != "" {
			claim(HandlerAuthenticate, "the identity of the controller", c.Pos)
		}
		for _, g := range r.Guards {
			claim(GuardMethodFor(r.GoName, g.GoName), "guard "+g.Name+" of route "+r.Name, g.Pos)
		}
	}
	routes := map[string]diag.Pos{}
	for _, r := range c.Routes {
		m := r.Names.Handler.Method
		if prev, ok := routes[m]; ok {
			b.diags.AddHint(r.Pos, "rename one of the routes, or serve both in the same handler form",
				"route %s of controller %s makes the handler method %s, which the route at %s makes too", r.Name, c.Name, m, prev)
			continue
		}
		routes[m] = r.Pos
		claim(m, "route "+r.Name, r.Pos)
	}
}
