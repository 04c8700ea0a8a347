package ts

import (
	"bytes"
	"fmt"

	"github.com/jsgen-dev/jsgen/schema/diag"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// runtimeNames are the top-level names runtime.ts declares.
var runtimeNames = []string{
	"JsgenSocket", "JsgenWebSocketConstructor", "JsgenReconnectOptions", "JsgenClientOptions",
	"JsgenOpenEvent", "JsgenCloseEvent", "JsgenFieldError", "JsgenErrorFrame", "JsgenClient",
	"JsgenRoute", "JsgenGlobals", "JsgenQueryValue", "JsgenConnection",
	"jsgenGlobals", "JSGEN_CONNECTING", "JSGEN_OPEN", "jsgenURL", "jsgenQuery", "jsgenClassify",
}

// globalNames are the global types and values the module uses; a
// declaration of the same name would shadow them.
var globalNames = []string{
	"Array", "ReadonlyArray", "Map", "Math", "JSON", "String", "Object", "Error", "Infinity",
}

// generator writes one module.
type generator struct {
	p   *ir.Program
	buf bytes.Buffer
	// own maps a message that is a variant of exactly one union to that
	// union's discriminator and its tag: its encoder always writes them.
	own map[string]ownTag
}

type ownTag struct {
	union, disc, tag string
}

// newGenerator checks that the TypeScript names of p's declarations are
// distinct and free.
func newGenerator(p *ir.Program) (*generator, error) {
	g := &generator{p: p, own: map[string]ownTag{}}
	count := map[string]int{}
	for _, u := range p.Unions {
		for _, v := range u.Variants {
			count[v.Message]++
			g.own[v.Message] = ownTag{union: u.Name, disc: u.Discriminator, tag: v.Tag}
		}
	}
	for name, n := range count {
		if n != 1 {
			delete(g.own, name)
		}
	}
	if err := g.checkNames(); err != nil {
		return nil, err
	}
	return g, nil
}

// names records who declared each top-level name.
type names struct {
	by    map[string]string // name → description of its declarer
	diags diag.List
}

func (n *names) declare(name, what string, pos diag.Pos) {
	if prev, ok := n.by[name]; ok {
		n.diags.AddHint(pos, "rename one of them",
			"%s would be the TypeScript name %s, which is already %s", what, name, prev)
		return
	}
	n.by[name] = what
}

// checkNames reports declarations whose TypeScript names clash.
func (g *generator) checkNames() error {
	n := &names{by: map[string]string{}}
	for _, name := range runtimeNames {
		n.by[name] = "a name client.ts declares for its runtime"
	}
	for _, name := range globalNames {
		n.by[name] = "a JavaScript global the client uses"
	}
	for _, m := range g.p.Models {
		n.declare(m.Name, "model "+m.Name, m.Pos)
		n.declare(m.Name+"Ref", "the identifier type of model "+m.Name, m.Pos)
	}
	for _, e := range g.p.Enums {
		n.declare(e.Name, "enum "+e.Name, e.Pos)
	}
	for _, m := range g.p.Messages {
		n.declare(m.Name, "message "+m.Name, m.Pos)
	}
	for _, u := range g.p.Unions {
		n.declare(u.Name, "union "+u.Name, u.Pos)
	}
	for _, c := range g.p.Controllers {
		for _, r := range c.Routes {
			base := routeName(c, r)
			what := fmt.Sprintf("a name generated for route %s.%s", c.Name, r.Name)
			for _, name := range []string{base + "Params", base + "Args", base + "Events", base + "Client", "connect" + base, "jsgen" + base + "Route"} {
				n.declare(name, what, r.Pos)
			}
		}
	}
	return n.diags.Err()
}

// routeName is the stem of a route's generated names, e.g. "ChatRoom".
func routeName(c *ir.Controller, r *ir.Route) string {
	return c.Name + r.GoName
}
