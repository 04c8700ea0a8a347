package golang

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/jsgen-dev/jsgen/internal/genfile"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// ControllersFile holds the WebSocket controllers.
const ControllersFile = ir.GoControllersFile

const (
	wsPath    = "github.com/jsgen-dev/jsgen/runtime/ws"
	queryPath = "github.com/jsgen-dev/jsgen/runtime/query"
)

// controllersFile emits, per controller Chat and route room:
//
//	type ChatRoomParams struct{ RoomID jsgenrt.Ref[Room] }
//	type ChatRoomConn struct{ *ws.Conn; Params ChatRoomParams; Query RoomQuery; ... }
//	func (c *ChatRoomConn) Messages() iter.Seq[ClientMessage]
//	func (c *ChatRoomConn) Send(msg RoomEvent) error
//	type ChatHandlers interface{ Room(ctx context.Context, c *ChatRoomConn) error }
//	func MountChat(mux *http.ServeMux, h ChatHandlers, opts ...ws.Option) (*ws.Server, error)
//	func MountChatOn(mux *http.ServeMux, s *ws.Server, h ChatHandlers)
func (g *generator) controllersFile() (genfile.File, bool, error) {
	if len(g.prog.Controllers) == 0 {
		return genfile.File{}, false, nil
	}
	f := newFile(g.prog.Package)
	f.ImportName(wsPath, "ws")
	f.ImportName(queryPath, "query")
	for _, c := range g.prog.Controllers {
		for _, r := range c.Routes {
			g.emitRoute(f, c, r)
		}
		g.emitHandlers(f, c)
		g.emitMount(f, c)
	}
	out, err := render(ControllersFile, f)
	return out, true, err
}

// inType is the Go type a route's inbound frames decode to. A route without
// inbound frames takes none: any frame it gets is answered with an error.
func inType(r *ir.Route) jen.Code {
	if r.In == nil {
		return jen.Struct()
	}
	return jen.Id(r.In.Name)
}

func (g *generator) emitRoute(f *jen.File, c *ir.Controller, r *ir.Route) {
	name, n := r.Names.Stem, r.Names
	where := fmt.Sprintf("WS %s", r.Pattern)
	if len(r.Params) > 0 {
		f.Add(docComment(fmt.Sprintf("%sParams are the path parameters of %s, validated before the upgrade.", name, where)))
		f.Type().Id(n.Params).StructFunc(func(gr *jen.Group) {
			for _, p := range r.Params {
				gr.Comment(fmt.Sprintf("%s is the :%s path parameter.", p.GoName, p.Name))
				gr.Id(p.GoName).Qual(rtPath, "Ref").Types(jen.Id(p.Model))
			}
		})
		f.Line()
	}
	doc := declDoc(n.Conn, "", fmt.Sprintf("%sConn is one client connection on %s.", name, where))
	if r.Doc != "" {
		doc += "\n\n" + strings.TrimSpace(r.Doc)
	}
	f.Add(docComment(doc + "\n\nThe embedded *ws.Conn gives its stable ID, its Context (cancelled when the client\n" +
		"goes away or the server shuts down), the identity a guard attached, SendErrorFrame (the\n" +
		"runtime's error frame, which every route may send: refuse a frame for a reason of the app's\n" +
		"own without declaring an error message) and Close."))
	f.Type().Id(n.Conn).StructFunc(func(gr *jen.Group) {
		gr.Op("*").Qual(wsPath, "Conn")
		if len(r.Params) > 0 {
			gr.Comment("Params are the validated path parameters.")
			gr.Id(ir.FieldParams).Id(n.Params)
		}
		if r.Query != "" {
			gr.Comment("Query is the validated query; absent parameters have their defaults.")
			gr.Id(ir.FieldQuery).Id(r.Query)
		}
		if !r.Callbacks {
			gr.Id("msgs").Qual("iter", "Seq").Types(inType(r))
		}
		if r.Identity != "" {
			gr.Id("identity").Add(identityType(r))
		}
	})
	f.Line()
	if r.Identity != "" {
		f.Add(docComment(fmt.Sprintf("%s is who the connection's bearer token identifies (%s's %s): never\n"+
			"zero, since the route refuses a request without a valid token before the upgrade.", ir.ConnIdentity, c.Names.Handlers, ir.HandlerAuthenticate)))
		f.Func().Params(jen.Id("c").Op("*").Id(n.Conn)).Id(ir.ConnIdentity).Params().Add(identityType(r)).Block(
			jen.Return(jen.Id("c").Dot("identity")),
		)
		f.Line()
	}
	if r.Callbacks {
		g.emitSession(f, r)
	} else {
		emitMessages(f, r)
	}
	for i, o := range r.Out {
		method := n.Send[i]
		f.Add(docComment(fmt.Sprintf("%s encodes msg once and queues it for the client. It fails with ws.ErrClosed\n"+
			"once the connection is closing, and with ws.ErrSlowClient when the client cannot keep up\n"+
			"(the connection is then closed with a code saying so).", method)))
		f.Func().Params(jen.Id("c").Op("*").Id(n.Conn)).Id(method).Params(jen.Id("msg").Id(o.Name)).Error().Block(
			jen.Return(jen.Id("c").Dot("SendBytes").Call(g.encodeCall(o, jen.Id("msg")))),
		)
		f.Line()
	}
	g.emitPrepare(f, c, r)
	g.emitGuard(f, c, r)
}

// emitMessages emits the Messages method of a route's connection in the
// loop form.
func emitMessages(f *jen.File, r *ir.Route) {
	f.Add(docComment("Messages yields the client's frames, decoded and validated, until the connection\n" +
		"closes. Invalid frames never reach it: the client gets an error frame instead and\nthe connection stays open."))
	f.Func().Params(jen.Id("c").Op("*").Id(r.Names.Conn)).Id(ir.ConnMessages).Params().Qual("iter", "Seq").Types(inType(r)).Block(
		jen.Return(jen.Id("c").Dot("msgs")),
	)
	f.Line()
}

// emitGuard emits the request a route's guard decides on and the typed
// option that installs the guard:
//
//	type ChatRoomUpgrade struct{ Request *http.Request; Identity any; Params ChatRoomParams; Query RoomQuery }
//	func WithChatRoomGuard(guard func(ctx context.Context, u ChatRoomUpgrade) error) ws.Option
func (g *generator) emitGuard(f *jen.File, c *ir.Controller, r *ir.Route) {
	name, n := r.Names.Stem, r.Names
	where := fmt.Sprintf("WS %s", r.Pattern)
	f.Add(docComment(fmt.Sprintf("%sUpgrade is a request to connect to %s as the route's guard sees it\n"+
		"(With%sGuard): validated, not yet upgraded.", name, where, name)))
	f.Type().Id(n.Upgrade).StructFunc(func(gr *jen.Group) {
		gr.Comment("Request is the HTTP upgrade request.")
		gr.Id(ir.FieldRequest).Op("*").Qual("net/http", "Request")
		if r.Identity != "" {
			gr.Comment("Identity is who the request's bearer token identifies.")
			gr.Id(ir.FieldIdentity).Add(identityType(r))
		} else {
			gr.Comment("Identity is what the server's guard (ws.WithGuard) returned; nil without one.")
			gr.Id(ir.FieldIdentity).Any()
		}
		if len(r.Params) > 0 {
			gr.Comment("Params are the validated path parameters.")
			gr.Id(ir.FieldParams).Id(n.Params)
		}
		if r.Query != "" {
			gr.Comment("Query is the validated query; absent parameters have their defaults.")
			gr.Id(ir.FieldQuery).Id(r.Query)
		}
	})
	f.Line()
	once := "once the server's guard has passed"
	if r.Identity != "" {
		once = "once the bearer token has been verified (" + ir.HandlerAuthenticate + ")"
	}
	if len(r.Guards) > 0 {
		once += ", the route's declared guards have passed"
	}
	switch {
	case len(r.Params) > 0 && r.Query != "":
		once += " and the path parameters and query are valid"
	case len(r.Params) > 0:
		once += " and the path parameters are valid"
	case r.Query != "":
		once += " and the query is valid"
	}
	f.Add(docComment(fmt.Sprintf("With%sGuard returns an option for Mount%s (or ws.New) that runs guard before\n"+
		"every upgrade on %s,\n%s; ctx is the request's context.\n"+
		"A nil error lets the client connect. ws.Refuse(status, reason) refuses it with that status\n"+
		"(401, 403, 404, 409, ...) and a JSON error body carrying reason; any other error refuses it\n"+
		"with 403 and is logged, not sent. A refused request is never upgraded. Several guards of\n"+
		"one route run in order; the first refusal wins. Other routes are not affected.", name, c.Name, where, once)))
	f.Func().Id(n.Guard).Params(
		jen.Id("guard").Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("u").Id(n.Upgrade)).Error(),
	).Qual(wsPath, "Option").Block(
		jen.If(jen.Id("guard").Op("==").Nil()).Block(jen.Return(jen.Func().Params(jen.Op("*").Qual(wsPath, "Options")).Block())),
		jen.Return(jen.Qual(wsPath, "WithRouteGuard").Call(jen.Lit("GET "+r.Pattern), jen.Func().Params(
			jen.Id("r").Op("*").Qual("net/http", "Request"), jen.List(jen.Id("identity"), jen.Id("state")).Any(),
		).Error().BlockFunc(func(b *jen.Group) {
			upgradeValue(b, r)
			b.Return(jen.Id("guard").Call(jen.Id("r").Dot("Context").Call(), jen.Id("u")))
		}))),
	)
	f.Line()
}

// upgradeValue emits the statements that build u, the route's Upgrade,
// from the arguments of a ws.RouteGuard (r, identity, state).
func upgradeValue(b *jen.Group, r *ir.Route) {
	n := r.Names
	identity := jen.Id("identity")
	if r.Identity != "" {
		b.List(jen.Id("id"), jen.Id("_")).Op(":=").Id("identity").Assert(identityType(r))
		identity = jen.Id("id")
	}
	b.Id("u").Op(":=").Id(n.Upgrade).Values(jen.Dict{jen.Id(ir.FieldRequest): jen.Id("r"), jen.Id(ir.FieldIdentity): identity})
	if len(r.Params) > 0 || r.Query != "" {
		b.If(jen.List(jen.Id("st"), jen.Id("ok")).Op(":=").Id("state").Assert(jen.Op("*").Id(n.State)), jen.Id("ok")).BlockFunc(func(b *jen.Group) {
			if len(r.Params) > 0 {
				b.Id("u").Dot(ir.FieldParams).Op("=").Id("st").Dot("params")
			}
			if r.Query != "" {
				b.Id("u").Dot(ir.FieldQuery).Op("=").Id("st").Dot("query")
			}
		})
	}
}

// identityType is the Go type of the identity of a route that declares one.
func identityType(r *ir.Route) *jen.Statement {
	return jen.Qual(rtPath, "Ref").Types(jen.Id(r.Identity))
}

// encodeCall encodes v of type t into a new slice.
func (g *generator) encodeCall(t *ir.Type, v *jen.Statement) jen.Code {
	if t.Kind == ir.UnionK {
		return jen.Id(g.unionNames(t.Name).Append).Call(jen.Nil(), v)
	}
	return v.Dot(ir.MethodAppendJSON).Call(jen.Nil())
}

// emitPrepare emits the state a route's connection starts with, and the
// function that builds it from the request before the upgrade.
func (g *generator) emitPrepare(f *jen.File, c *ir.Controller, r *ir.Route) {
	name, n := r.Names.Stem, r.Names
	state := n.State
	f.Type().Id(state).StructFunc(func(gr *jen.Group) {
		if len(r.Params) > 0 {
			gr.Id("params").Id(n.Params)
		}
		if r.Query != "" {
			gr.Id("query").Id(r.Query)
		}
	})
	f.Line()
	if r.Query != "" {
		f.Var().Id(n.QueryFields).Op("=").Index().Qual(queryPath, "Field").ValuesFunc(func(gr *jen.Group) {
			for _, fl := range g.msgs[r.Query].Fields {
				t, array := fl.Type, false
				if t.Kind == ir.Array {
					t, array = t.Elem, true
				}
				items := []jen.Code{jen.Id("Name").Op(":").Lit(fl.Name), jen.Id("Kind").Op(":").Qual(queryPath, queryKind(t))}
				if array {
					items = append(items, jen.Id("Array").Op(":").True())
				}
				gr.Line().Values(items...)
			}
			gr.Line()
		})
		f.Line()
	}
	f.Comment(fmt.Sprintf("prepare%s validates the path parameters and query of r before the upgrade;", name))
	f.Comment("every problem is reported at once, and the upgrade is refused with 400.")
	f.Func().Id(n.Prepare).Params(jen.Id("r").Op("*").Qual("net/http", "Request")).Parens(jen.List(jen.Any(), jen.Int(), jen.Error())).BlockFunc(func(gr *jen.Group) {
		gr.Var().Id("st").Id(state)
		gr.Var().Id("errs").Qual(rtPath, "FieldErrors")
		for _, p := range r.Params {
			gr.If(jen.List(jen.Id("v"), jen.Err()).Op(":=").Id(g.models[p.Model].Names.Ref).Call(jen.Id("r").Dot("PathValue").Call(jen.Lit(p.Name))), jen.Err().Op("!=").Nil()).Block(
				jen.Id("errs").Dot("Add").Call(jen.Lit(p.Name), jen.Err().Dot("Error").Call()),
			).Else().Block(
				jen.Id("st").Dot("params").Dot(p.GoName).Op("=").Id("v"),
			)
		}
		if r.Query != "" {
			gr.If(jen.Id("q").Op(",").Err().Op(":=").Id(n.DecodeQuery).Call(jen.Id("r")), jen.Err().Op("!=").Nil()).Block(
				jen.Var().Id("qe").Op("*").Qual(rtPath, "Error"),
				jen.If(jen.Op("!").Qual("errors", "As").Call(jen.Err(), jen.Op("&").Id("qe"))).Block(
					jen.Return(jen.Nil(), jen.Qual("net/http", "StatusBadRequest"), jen.Err()),
				),
				jen.Id("errs").Op("=").Append(jen.Id("errs"), jen.Id("qe").Dot("Errors").Op("...")),
			).Else().Block(
				jen.Id("st").Dot("query").Op("=").Id("q"),
			)
		}
		gr.If(jen.Err().Op(":=").Id("errs").Dot("Err").Call(), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Nil(), jen.Qual("net/http", "StatusBadRequest"), jen.Err()),
		)
		gr.Return(jen.Op("&").Id("st"), jen.Lit(0), jen.Nil())
	})
	f.Line()
	if r.Query != "" {
		f.Comment(fmt.Sprintf("decode%sQuery reads the declared query parameters of r as a %s,", name, r.Query))
		f.Comment("with the same strict decoding, defaults and validation as a frame.")
		f.Func().Id(n.DecodeQuery).Params(jen.Id("r").Op("*").Qual("net/http", "Request")).Parens(jen.List(jen.Id(r.Query), jen.Error())).Block(
			jen.List(jen.Id("data"), jen.Err()).Op(":=").Qual(queryPath, "JSON").Call(jen.Id("r").Dot("URL").Dot("Query").Call(), jen.Id(n.QueryFields)),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id(r.Query).Values(), jen.Err())),
			jen.Return(jen.Id(g.decodeFunc(r.Query)).Call(jen.Id("data"))),
		)
		f.Line()
	}
}

func queryKind(t *ir.Type) string {
	switch t.Kind {
	case ir.Bool:
		return "Bool"
	case ir.Int, ir.Int64, ir.Timestamp:
		return "Int"
	case ir.Float64:
		return "Float"
	}
	return "String"
}

func (g *generator) emitHandlers(f *jen.File, c *ir.Controller) {
	doc := declDoc(c.Name, c.Doc, "") // the controller's own doc, if any
	text := handlersDoc(c)
	if doc != "" {
		text += "\n\n" + doc
	}
	f.Add(docComment(text))
	f.Type().Id(c.Names.Handlers).InterfaceFunc(func(gr *jen.Group) {
		for _, r := range c.Routes {
			handlerMethod(gr, r)
		}
		if r := identityRoute(c); r != nil {
			gr.Line()
			for _, line := range strings.Split(authenticateDoc(c), "\n") {
				gr.Comment(line)
			}
			gr.Id(ir.HandlerAuthenticate).Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("token").String()).Parens(
				jen.List(identityType(r), jen.Qual("time", "Time"), jen.Error()))
		}
		for _, r := range c.Routes {
			for _, g := range r.Guards {
				gr.Line()
				for _, line := range strings.Split(guardDoc(r, g), "\n") {
					gr.Comment(line)
				}
				gr.Id(g.Method).Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("u").Id(r.Names.Upgrade)).Error()
			}
		}
	})
	f.Line()
}

// identityRoute returns the first route of c that declares an identity
// (all such routes of a controller declare the same model), or nil.
func identityRoute(c *ir.Controller) *ir.Route {
	for _, r := range c.Routes {
		if r.Identity != "" {
			return r
		}
	}
	return nil
}

func authenticateDoc(c *ir.Controller) string {
	var where []string
	for _, r := range c.Routes {
		if r.Identity != "" {
			where = append(where, "WS "+r.Pattern)
		}
	}
	return fmt.Sprintf("%s checks the bearer token of a request to %s\n"+
		"(\"Authorization: Bearer T\" or the access_token query parameter; it is never logged\n"+
		"and never reaches the query) and returns whom it identifies and when it expires (zero:\n"+
		"never; the connection is closed with 4001 then). It runs first, before the upgrade and\n"+
		"before the path parameters and query are read; an error refuses the upgrade with 401,\n"+
		"or with the status of a ws.Refuse. Package auth verifies JWTs (auth.NewHS256...).",
		ir.HandlerAuthenticate, joinNames(where))
}

func guardDoc(r *ir.Route, g *ir.Guard) string {
	return fmt.Sprintf("%s is the guard %s of WS %s: it runs before the upgrade, after the\n"+
		"token (when the route has one) and the path parameters and query are checked, in the\n"+
		"order the route lists its guards. nil lets the request through; ws.Refuse(status, reason)\n"+
		"refuses it with that status (401, 403, 404, 409, ...); any other error refuses it with 403\n"+
		"and is logged, not sent. A refused request is never upgraded.", g.Method, g.Name, r.Pattern)
}

func (g *generator) emitMount(f *jen.File, c *ir.Controller) {
	where := c.Prefix
	if where == "" {
		where = "/"
	}
	guards := make([]string, len(c.Routes))
	for i, r := range c.Routes {
		guards[i] = r.Names.Guard
	}
	f.Add(docComment(fmt.Sprintf("Mount%s creates a WebSocket server configured by opts (secure defaults: same-origin\n"+
		"upgrades only, 64 KiB read limit, rate limit, bounded outbound queues) and registers every\n"+
		"route of %s on mux under %s. Stop it with the server's Shutdown.\n\n"+
		"Guards run before the upgrade: ws.WithGuard for every route, and per route, with its typed\n"+
		"parameters and query, %s.", c.Name, c.Name, where, joinNames(guards))))
	f.Func().Id(c.Names.Mount).Params(
		jen.Id("mux").Op("*").Qual("net/http", "ServeMux"), jen.Id("h").Id(c.Names.Handlers), jen.Id("opts").Op("...").Qual(wsPath, "Option"),
	).Parens(jen.List(jen.Op("*").Qual(wsPath, "Server"), jen.Error())).Block(
		jen.List(jen.Id("s"), jen.Err()).Op(":=").Qual(wsPath, "New").Call(jen.Id("opts").Op("...")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Id(c.Names.MountOn).Call(jen.Id("mux"), jen.Id("s"), jen.Id("h")),
		jen.Return(jen.Id("s"), jen.Nil()),
	)
	f.Line()
	f.Add(docComment(fmt.Sprintf("Mount%sOn registers every route of %s on mux, served by s, which may serve other\ncontrollers too.", c.Name, c.Name)))
	f.Func().Id(c.Names.MountOn).Params(
		jen.Id("mux").Op("*").Qual("net/http", "ServeMux"), jen.Id("s").Op("*").Qual(wsPath, "Server"), jen.Id("h").Id(c.Names.Handlers),
	).BlockFunc(func(gr *jen.Group) {
		for _, r := range c.Routes {
			n := r.Names
			var decode jen.Code
			if r.In != nil {
				decode = jen.Id(g.decodeFunc(r.In.Name))
			} else {
				decode = jen.Func().Params(jen.Index().Byte()).Parens(jen.List(jen.Struct(), jen.Error())).Block(
					jen.Return(jen.Struct().Values(), jen.Op("&").Qual(rtPath, "Error").Values(jen.Dict{
						jen.Id("Code"):    jen.Lit("no_inbound"),
						jen.Id("Message"): jen.Lit("this route does not take frames from the client"),
					})),
				)
			}
			fields := jen.Dict{
				jen.Id("Pattern"): jen.Lit("GET " + r.Pattern),
				jen.Id("Prepare"): jen.Id(n.Prepare),
				jen.Id("Decode"):  decode,
			}
			if r.Identity != "" {
				fields[jen.Id("Authenticate")] = authenticateFunc(r)
			}
			if len(r.Guards) > 0 {
				fields[jen.Id("Guards")] = jen.Index().Qual(wsPath, "RouteGuard").ValuesFunc(func(v *jen.Group) {
					for _, gd := range r.Guards {
						v.Line().Func().Params(jen.Id("r").Op("*").Qual("net/http", "Request"), jen.List(jen.Id("identity"), jen.Id("state")).Any()).Error().BlockFunc(func(b *jen.Group) {
							upgradeValue(b, r)
							b.Return(jen.Id("h").Dot(gd.Method).Call(jen.Id("r").Dot("Context").Call(), jen.Id("u")))
						})
					}
					v.Line()
				})
			}
			if r.Callbacks {
				fields[jen.Id("Open")] = g.openFunc(r)
				gr.Qual(wsPath, "HandleCallbacks").Call(jen.Id("mux"), jen.Id("s"), jen.Qual(wsPath, "CallbackRoute").Types(inType(r)).Values(fields))
				continue
			}
			fields[jen.Id("Run")] = g.runFunc(r)
			gr.Qual(wsPath, "Handle").Call(jen.Id("mux"), jen.Id("s"), jen.Qual(wsPath, "Route").Types(inType(r)).Values(fields))
		}
	})
	f.Line()
}

// runFunc is the ws.Route's Run of a route in the loop form: the
// handlers' method with the typed connection.
func (g *generator) runFunc(r *ir.Route) jen.Code {
	return jen.Func().Params(
		jen.Id("ctx").Qual("context", "Context"), jen.Id("c").Op("*").Qual(wsPath, "Conn"), jen.Id("msgs").Qual("iter", "Seq").Types(inType(r)),
	).Error().BlockFunc(func(b *jen.Group) {
		b.Return(jen.Id("h").Dot(r.Names.Handler.Method).Call(jen.Id("ctx"), typedConn(b, r, jen.Id("msgs"))))
	})
}

// openFunc is the ws.CallbackRoute's Open of a route in the callback
// form: the handlers' Open method with the typed connection.
func (g *generator) openFunc(r *ir.Route) jen.Code {
	return jen.Func().Params(
		jen.Id("ctx").Qual("context", "Context"), jen.Id("c").Op("*").Qual(wsPath, "Conn"),
	).Parens(jen.List(jen.Qual(wsPath, "Session").Types(inType(r)), jen.Error())).BlockFunc(func(b *jen.Group) {
		conn := typedConn(b, r, nil)
		b.List(jen.Id("sess"), jen.Err()).Op(":=").Id("h").Dot(r.Names.Handler.Method).Call(jen.Id("ctx"), conn)
		b.Return(jen.Id("sess"), jen.Err())
	})
}

// typedConn adds to b the statements that read a connection's state and
// identity and returns the typed connection built from them; msgs is nil
// in the callback form.
func typedConn(b *jen.Group, r *ir.Route, msgs jen.Code) jen.Code {
	n := r.Names
	if len(r.Params) > 0 || r.Query != "" {
		b.Id("st").Op(":=").Id("c").Dot("State").Call().Assert(jen.Op("*").Id(n.State))
	}
	if r.Identity != "" {
		b.List(jen.Id("id"), jen.Id("_")).Op(":=").Id("c").Dot("Identity").Call().Assert(identityType(r))
	}
	return jen.Op("&").Id(n.Conn).ValuesFunc(func(v *jen.Group) {
		v.Id(ir.FieldEmbeddedWS).Op(":").Id("c")
		if len(r.Params) > 0 {
			v.Id(ir.FieldParams).Op(":").Id("st").Dot("params")
		}
		if r.Query != "" {
			v.Id(ir.FieldQuery).Op(":").Id("st").Dot("query")
		}
		if msgs != nil {
			v.Id("msgs").Op(":").Add(msgs)
		}
		if r.Identity != "" {
			v.Id("identity").Op(":").Id("id")
		}
	})
}

// authenticateFunc is the ws.Route's Authenticate of a route with an
// identity: the handlers' Authenticate, whose zero identity is refused.
func authenticateFunc(r *ir.Route) jen.Code {
	zero := jen.Return(jen.Nil(), jen.Qual("time", "Time").Values(), jen.Err())
	return jen.Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("_").Op("*").Qual("net/http", "Request"), jen.Id("token").String()).Parens(
		jen.List(jen.Any(), jen.Qual("time", "Time"), jen.Error()),
	).Block(
		jen.List(jen.Id("id"), jen.Id("expires"), jen.Err()).Op(":=").Id("h").Dot(ir.HandlerAuthenticate).Call(jen.Id("ctx"), jen.Id("token")),
		jen.If(jen.Err().Op("!=").Nil()).Block(zero),
		jen.If(jen.Id("id").Dot("IsZero").Call()).Block(
			jen.Return(jen.Nil(), jen.Qual("time", "Time").Values(), jen.Qual(wsPath, "Refuse").Call(jen.Qual("net/http", "StatusUnauthorized"), jen.Lit("the token identifies no one"))),
		),
		jen.Return(jen.Id("id"), jen.Id("expires"), jen.Nil()),
	)
}

// joinNames lists names as "a", "a and b" or "a, b and c".
func joinNames(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
