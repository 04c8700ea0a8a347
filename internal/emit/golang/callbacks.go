package golang

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// The callback handler form (handler: callbacks). For controller Chat and
// route room it emits
//
//	type ChatRoomSession interface {
//		OnMessage(ctx context.Context, msg ClientMessage) error
//		OnClose(ctx context.Context, err error)
//	}
//
// the method OpenRoom(ctx, c *ChatRoomConn) (ChatRoomSession, error) on
// ChatHandlers, and a ws.CallbackRoute in MountChatOn. The connection type
// is the loop form's without Messages.

// emitSession emits the session interface of a route in the callback form.
func (g *generator) emitSession(f *jen.File, r *ir.Route) {
	n := r.Names
	doc := fmt.Sprintf("%s is one connection on WS %s, served by callbacks:\n"+
		"%s returns it when the connection opens (keep the connection's own state in it) and the\n"+
		"runtime calls its methods, with no goroutine per idle connection.", n.Handler.Session, r.Pattern, n.Handler.Method)
	if r.In == nil {
		doc += "\n\nThe route takes no frames from the client: OnMessage is never called (a frame is\n" +
			"answered with an error frame)."
	}
	f.Add(docComment(doc))
	f.Type().Id(n.Handler.Session).Interface(
		docComment("OnMessage handles one frame from the client, decoded and validated: invalid frames\n"+
			"never reach it (the client gets an error frame instead and the connection stays open).\n"+
			"Calls come in arrival order, one at a time, on the goroutine reading the connection:\n"+
			"nothing more is read from this client until it returns, so it returns promptly. An\n"+
			"error or a panic closes the connection with 1011 and is logged; Close on the\n"+
			"connection ends it with a code of the app's choice."),
		jen.Id(ir.SessionOnMessage).Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("msg").Add(inType(r))).Error(),
		docComment("OnClose runs once, after the last OnMessage, as soon as the connection starts closing\n"+
			"for any reason. err is nil when it closed with 1000 or 1001 (from either side), else a\n"+
			"*ws.CloseError with the code. ctx is never cancelled; the server's Shutdown waits for\n"+
			"OnClose to return."),
		jen.Id(ir.SessionOnClose).Params(jen.Id("ctx").Qual("context", "Context"), jen.Err().Error()),
	)
	f.Line()
}

// handlerMethod adds a route's method to the controller's Handlers
// interface: the loop form's Room(ctx, c) error or the callback form's
// OpenRoom(ctx, c) (ChatRoomSession, error).
func handlerMethod(gr *jen.Group, r *ir.Route) {
	n := r.Names
	params := []jen.Code{jen.Id("ctx").Qual("context", "Context"), jen.Id("c").Op("*").Id(n.Conn)}
	if !r.Callbacks {
		gr.Comment(fmt.Sprintf("%s serves WS %s.", n.Handler.Method, r.Pattern))
		gr.Id(n.Handler.Method).Params(params...).Error()
		return
	}
	gr.Add(docComment(fmt.Sprintf("%s serves WS %s by callbacks: it runs when a connection opens,\n"+
		"before any frame reaches it (frames that arrive meanwhile wait), and returns the\n"+
		"connection's %s. A nil session and a nil error close the connection with\n"+
		"1000 once queued frames are written. An error or a panic closes it with 1011; a session\n"+
		"returned with an error still gets its OnClose.", n.Handler.Method, r.Pattern, n.Handler.Session)))
	gr.Id(n.Handler.Method).Params(params...).Parens(jen.List(jen.Id(n.Handler.Session), jen.Error()))
}

// handlersDoc is the doc of a controller's Handlers interface.
func handlersDoc(c *ir.Controller) string {
	loop, callbacks := false, false
	for _, r := range c.Routes {
		loop = loop || !r.Callbacks
		callbacks = callbacks || r.Callbacks
	}
	text := fmt.Sprintf("%sHandlers is implemented by the app: one method per route of the %s controller.\n", c.Name, c.Name)
	switch {
	case loop && !callbacks:
		text += "A method runs for the lifetime of one connection. Returning nil closes it with 1000 after\n" +
			"queued frames are written; an error or a panic closes it with 1011 and is logged."
	case loop:
		text += "A route's method runs for the lifetime of one connection. Returning nil closes it with 1000\n" +
			"after queued frames are written; an error or a panic closes it with 1011 and is logged."
	}
	if loop && callbacks {
		text += "\n"
	}
	if callbacks {
		text += "An Open method (a route served by callbacks) returns the connection's session, whose\n" +
			"OnMessage and OnClose the runtime calls; Close on the connection ends it."
	}
	return text
}
