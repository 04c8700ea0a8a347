package ts

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// routePlan is what the module says about one WebSocket route.
type routePlan struct {
	c        *ir.Controller
	r        *ir.Route
	in       string // the TypeScript type send takes
	events   []*event
	tagged   [][3]string // disc, tag, event
	untagged []untagged
}

// event is one key of a route's events map and the types it carries.
type event struct {
	key   string
	types []string
}

// untagged describes an outbound message without a tag, recognised by its
// members.
type untagged struct {
	event    string
	fields   []string
	required []string
}

// plan works out every route's events and how received frames map onto
// them. ir.Build refuses outbound tags named like a lifecycle event of the
// client; meeting one here is an internal error.
func (g *generator) plan() ([]*routePlan, error) {
	var plans []*routePlan
	for _, c := range g.p.Controllers {
		for _, r := range c.Routes {
			rp, err := g.planRoute(c, r)
			if err != nil {
				return nil, err
			}
			plans = append(plans, rp)
		}
	}
	return plans, nil
}

func (g *generator) planRoute(c *ir.Controller, r *ir.Route) (*routePlan, error) {
	rp := &routePlan{c: c, r: r, in: "never"}
	if r.In != nil {
		if err := g.checkType(r.In); err != nil {
			return nil, fmt.Errorf("ts: route %s.%s: inbound type: %w", c.Name, r.Name, err)
		}
		rp.in = r.In.Name
	}
	for _, t := range r.Out {
		if err := g.checkType(t); err != nil {
			return nil, fmt.Errorf("ts: route %s.%s: outbound type: %w", c.Name, r.Name, err)
		}
		switch t.Kind {
		case ir.UnionK:
			u := g.p.Union(t.Name)
			for _, v := range u.Variants {
				if slices.Contains(ir.TSLifecycleEvents, v.Tag) {
					return nil, fmt.Errorf("ts: route %s.%s: union %s has a variant tagged %q, a lifecycle event of the client", c.Name, r.Name, u.Name, v.Tag)
				}
				rp.addTagged(u.Discriminator, v.Tag, variantType(v.Message, u.Discriminator, v.Tag, false))
			}
		case ir.MessageK:
			m := g.p.Message(t.Name)
			if own, ok := g.own[m.Name]; ok {
				if slices.Contains(ir.TSLifecycleEvents, own.tag) {
					return nil, fmt.Errorf("ts: route %s.%s: outbound message %s is tagged %q, a lifecycle event of the client", c.Name, r.Name, m.Name, own.tag)
				}
				rp.addTagged(own.disc, own.tag, variantType(m.Name, own.disc, own.tag, false))
				continue
			}
			rp.addUntagged(m)
		default:
			return nil, fmt.Errorf("ts: route %s.%s: outbound type %s is a %s, not a message or union", c.Name, r.Name, t.Name, t.Kind)
		}
	}
	rp.addEvent("error", "JsgenErrorFrame")
	rp.addEvent("open", "JsgenOpenEvent")
	rp.addEvent("close", "JsgenCloseEvent")
	// The runtime's error frame comes first in the "error" event's type.
	for _, e := range rp.events {
		if e.key == "error" && len(e.types) > 1 {
			e.types = append([]string{"JsgenErrorFrame"}, e.types[:len(e.types)-1]...)
		}
	}
	return rp, nil
}

func (rp *routePlan) addTagged(disc, tag, typ string) {
	entry := [3]string{disc, tag, tag}
	if !slices.Contains(rp.tagged, entry) {
		rp.tagged = append(rp.tagged, entry)
	}
	rp.addEvent(tag, typ)
}

func (rp *routePlan) addUntagged(m *ir.Message) {
	for _, u := range rp.untagged {
		if u.event == m.Name {
			return
		}
	}
	u := untagged{event: m.Name, fields: []string{}, required: []string{}}
	for _, f := range m.Fields {
		u.fields = append(u.fields, f.Name)
		if !f.Optional && f.Default == nil {
			u.required = append(u.required, f.Name)
		}
	}
	rp.untagged = append(rp.untagged, u)
	rp.addEvent(m.Name, m.Name)
}

func (rp *routePlan) addEvent(key, typ string) {
	for _, e := range rp.events {
		if e.key == key {
			if !slices.Contains(e.types, typ) {
				e.types = append(e.types, typ)
			}
			return
		}
	}
	rp.events = append(rp.events, &event{key: key, types: []string{typ}})
}

// route writes a route's types, its frame table and its connect function.
func (g *generator) route(rp *routePlan) {
	c, r, n := rp.c, rp.r, rp.r.Names
	g.section(fmt.Sprintf("Route %s.%s: WS %s", c.Name, r.Name, r.Pattern))
	if len(r.Params) > 0 {
		g.doc("", fmt.Sprintf("The path parameters of %s.", r.Pattern))
		fmt.Fprintf(&g.buf, "export interface %s {\n", n.Params)
		for _, p := range r.Params {
			ref := g.tsRef(p.Model)
			g.doc("  ", fmt.Sprintf("The %s in the path (percent-encoded by %s).", ref, n.TSConnect))
			fmt.Fprintf(&g.buf, "  %s: %s;\n", propName(p.Name), ref)
		}
		g.buf.WriteString("}\n\n")
	}
	g.args(rp)
	g.doc("", fmt.Sprintf("What a client of %s receives, by event type: the frames the server sends, "+
		`"error" for error frames, and the connection's "open" and "close".`, r.Pattern))
	fmt.Fprintf(&g.buf, "export interface %s {\n", n.TSEvents)
	for _, e := range rp.events {
		fmt.Fprintf(&g.buf, "  %s: %s;\n", propName(e.key), eventType(e.types))
	}
	g.buf.WriteString("}\n\n")
	sends := "it sends " + rp.in
	if rp.in == "never" {
		sends = "it sends nothing"
	}
	g.doc("", fmt.Sprintf("A client of %s: %s and receives %s.", r.Pattern, sends, n.TSEvents))
	fmt.Fprintf(&g.buf, "export type %s = JsgenClient<%s, %s>;\n\n", n.TSClient, rp.in, n.TSEvents)
	g.frameTable(rp)
	g.connect(rp)
}

// eventType joins the types an event carries, parenthesising intersections.
func eventType(types []string) string {
	if len(types) == 1 {
		return types[0]
	}
	parts := make([]string, len(types))
	for i, t := range types {
		if strings.Contains(t, "&") {
			t = "(" + t + ")"
		}
		parts[i] = t
	}
	return strings.Join(parts, " | ")
}

// args writes <Route>Args, what the connect function needs for the URL.
// Parts that have nothing required are optional.
func (g *generator) args(rp *routePlan) {
	r, n := rp.r, rp.r.Names
	fmt.Fprintf(&g.buf, "/** What %s needs to build the URL. */\n", n.TSConnect)
	if len(r.Params) == 0 && r.Query == "" {
		fmt.Fprintf(&g.buf, "export interface %s {}\n\n", n.TSArgs)
		return
	}
	fmt.Fprintf(&g.buf, "export interface %s {\n", n.TSArgs)
	if len(r.Params) > 0 {
		fmt.Fprintf(&g.buf, "  params: %s;\n", n.Params)
	}
	if r.Query != "" {
		g.doc("  ", "The query parameters; the server gives absent optional ones their defaults.")
		opt := "?"
		if g.queryRequired(r) {
			opt = ""
		}
		fmt.Fprintf(&g.buf, "  query%s: %s;\n", opt, r.Query)
	}
	g.buf.WriteString("}\n\n")
}

// queryRequired reports whether the route's query has a required field.
func (g *generator) queryRequired(r *ir.Route) bool {
	q := g.p.Message(r.Query)
	if q == nil {
		return false
	}
	for _, f := range q.Fields {
		if !f.Optional && f.Default == nil {
			return true
		}
	}
	return false
}

// argsRequired reports whether the connect function's args are required.
func (g *generator) argsRequired(r *ir.Route) bool {
	return len(r.Params) > 0 || r.Query != "" && g.queryRequired(r)
}

// frameTable writes the constant that classifies received frames.
func (g *generator) frameTable(rp *routePlan) {
	fmt.Fprintf(&g.buf, "const %s: JsgenRoute = {\n", rp.r.Names.TSRoute)
	g.buf.WriteString("  tagged: [")
	if len(rp.tagged) > 0 {
		g.buf.WriteString("\n")
		for _, t := range rp.tagged {
			fmt.Fprintf(&g.buf, "    [%s, %s, %s],\n", quote(t[0]), quote(t[1]), quote(t[2]))
		}
		g.buf.WriteString("  ")
	}
	g.buf.WriteString("],\n")
	g.buf.WriteString("  untagged: [")
	if len(rp.untagged) > 0 {
		g.buf.WriteString("\n")
		for _, u := range rp.untagged {
			fmt.Fprintf(&g.buf, "    { event: %s, fields: [%s], required: [%s] },\n", quote(u.event), quoteList(u.fields), quoteList(u.required))
		}
		g.buf.WriteString("  ")
	}
	g.buf.WriteString("],\n")
	if rp.r.Identity != "" {
		g.buf.WriteString("  auth: true,\n")
	}
	g.buf.WriteString("};\n\n")
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quote(s)
	}
	return strings.Join(q, ", ")
}

// connect writes connect<Route>.
func (g *generator) connect(rp *routePlan) {
	c, r, n := rp.c, rp.r, rp.r.Names
	g.doc("", orDefault(r.Doc, fmt.Sprintf("%s is route %s of controller %s.", r.GoName, r.Name, c.Name)),
		fmt.Sprintf("Connects to %s under baseURL (ws:, wss:, http: or https:, with an optional path prefix; "+
			"\"\" in a browser for the page's own origin) and returns the client. "+
			"The client reconnects after a connection it did not close ends (see JsgenReconnectOptions) "+
			"until close() is called.", r.Pattern))
	argsDecl := "args: " + n.TSArgs
	if len(r.Params) == 0 && r.Query == "" {
		argsDecl = "_args: " + n.TSArgs + " = {}" // nothing to read: the URL is fixed
	} else if !g.argsRequired(r) {
		argsDecl += " = {}"
	}
	fmt.Fprintf(&g.buf, "export function %s(baseURL: string, %s, options: JsgenClientOptions = {}): %s {\n", n.TSConnect, argsDecl, n.TSClient)
	fmt.Fprintf(&g.buf, "  const path = %s;\n", pathExpr(r))
	query := "\"\""
	if q := g.p.Message(r.Query); q != nil {
		var b strings.Builder
		b.WriteString("jsgenQuery([\n")
		for _, f := range q.Fields {
			fmt.Fprintf(&b, "    [%s, args.query?.%s],\n", quote(f.Name), accessor(f.Name))
		}
		b.WriteString("  ])")
		query = b.String()
	}
	fmt.Fprintf(&g.buf, "  const query = %s;\n", query)
	fmt.Fprintf(&g.buf, "  return new JsgenConnection<%s, %s>(jsgenURL(baseURL, path, query), %s, options);\n", rp.in, n.TSEvents, n.TSRoute)
	g.buf.WriteString("}\n\n")
}

// accessor is how a property named name is read after "?.".
func accessor(name string) string {
	if isIdent(name) {
		return name
	}
	return "[" + quote(name) + "]"
}

// pathExpr is the expression building r's path: literal parts quoted,
// parameters percent-encoded.
func pathExpr(r *ir.Route) string {
	var parts []string
	rest := r.Pattern
	for rest != "" {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			parts = append(parts, quote(rest))
			break
		}
		if open > 0 {
			parts = append(parts, quote(rest[:open]))
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			parts = append(parts, quote(rest[open:]))
			break
		}
		param := rest[open+1 : open+end]
		parts = append(parts, "encodeURIComponent(args.params"+accessorDot(param)+")")
		rest = rest[open+end+1:]
	}
	if len(parts) == 0 {
		return `"/"`
	}
	return strings.Join(parts, " + ")
}

func accessorDot(name string) string {
	if isIdent(name) {
		return "." + name
	}
	return "[" + quote(name) + "]"
}
