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
			gr.Id("Params").Id(n.Params)
		}
		if r.Query != "" {
			gr.Comment("Query is the validated query; absent parameters have their defaults.")
			gr.Id("Query").Id(r.Query)
		}
		if !r.Callbacks {
			gr.Id("msgs").Qual("iter", "Seq").Types(inType(r))
		}
	})
	f.Line()
	if r.Callbacks {
		g.emitSession(f, r)
	} else {
		emitMessages(f, r)
	}
	for i, o := range r.Out {
		method := "Send" + o.Name
		if i == 0 {
			method = "Send"
		}
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
	n := r.Names
	f.Add(docComment("Messages yields the client's frames, decoded and validated, until the connection\n" +
		"closes. Invalid frames never reach it: the client gets an error frame instead and\nthe connection stays open."))
	f.Func().Params(jen.Id("c").Op("*").Id(n.Conn)).Id("Messages").Params().Qual("iter", "Seq").Types(inType(r)).Block(
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
		gr.Id("Request").Op("*").Qual("net/http", "Request")
		gr.Comment("Identity is what the server's guard (ws.WithGuard) returned; nil without one.")
		gr.Id("Identity").Any()
		if len(r.Params) > 0 {
			gr.Comment("Params are the validated path parameters.")
			gr.Id("Params").Id(n.Params)
		}
		if r.Query != "" {
			gr.Comment("Query is the validated query; absent parameters have their defaults.")
			gr.Id("Query").Id(r.Query)
		}
	})
	f.Line()
	once := "once the server's guard has passed"
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
			b.Id("u").Op(":=").Id(n.Upgrade).Values(jen.Dict{jen.Id("Request"): jen.Id("r"), jen.Id("Identity"): jen.Id("identity")})
			if len(r.Params) > 0 || r.Query != "" {
				b.If(jen.List(jen.Id("st"), jen.Id("ok")).Op(":=").Id("state").Assert(jen.Op("*").Id(n.State)), jen.Id("ok")).BlockFunc(func(b *jen.Group) {
					if len(r.Params) > 0 {
						b.Id("u").Dot("Params").Op("=").Id("st").Dot("params")
					}
					if r.Query != "" {
						b.Id("u").Dot("Query").Op("=").Id("st").Dot("query")
					}
				})
			}
			b.Return(jen.Id("guard").Call(jen.Id("r").Dot("Context").Call(), jen.Id("u")))
		}))),
	)
	f.Line()
}

// encodeCall encodes v of type t into a new slice.
func (g *generator) encodeCall(t *ir.Type, v *jen.Statement) jen.Code {
	if t.Kind == ir.UnionK {
		return jen.Id(g.unionNames(t.Name).Append).Call(jen.Nil(), v)
	}
	return v.Dot("AppendJSON").Call(jen.Nil())
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
	})
	f.Line()
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
			if r.Callbacks {
				g.callbackMount(gr, r, decode)
				continue
			}
			gr.Qual(wsPath, "Handle").Call(jen.Id("mux"), jen.Id("s"), jen.Qual(wsPath, "Route").Types(inType(r)).Values(jen.Dict{
				jen.Id("Pattern"): jen.Lit("GET " + r.Pattern),
				jen.Id("Prepare"): jen.Id(n.Prepare),
				jen.Id("Decode"):  decode,
				jen.Id("Run"): jen.Func().Params(
					jen.Id("ctx").Qual("context", "Context"), jen.Id("c").Op("*").Qual(wsPath, "Conn"), jen.Id("msgs").Qual("iter", "Seq").Types(inType(r)),
				).Error().BlockFunc(func(b *jen.Group) {
					if len(r.Params) > 0 || r.Query != "" {
						b.Id("st").Op(":=").Id("c").Dot("State").Call().Assert(jen.Op("*").Id(n.State))
					}
					b.Return(jen.Id("h").Dot(n.Handler.Method).Call(jen.Id("ctx"), jen.Op("&").Id(n.Conn).ValuesFunc(func(v *jen.Group) {
						v.Id("Conn").Op(":").Id("c")
						if len(r.Params) > 0 {
							v.Id("Params").Op(":").Id("st").Dot("params")
						}
						if r.Query != "" {
							v.Id("Query").Op(":").Id("st").Dot("query")
						}
						v.Id("msgs").Op(":").Id("msgs")
					})))
				}),
			}))
		}
	})
	f.Line()
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
