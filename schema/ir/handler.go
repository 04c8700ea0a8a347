package ir

import (
	"github.com/jsgen-dev/jsgen/schema/decl"
)

// The handler forms a controller or route declares with `handler:`.
const (
	// HandlerLoop: one method per route runs for the connection's lifetime
	// and ranges over its messages (the default).
	HandlerLoop = "loop"
	// HandlerCallbacks: Open<Route> returns a session whose OnMessage and
	// OnClose the runtime calls; no goroutine per idle connection.
	HandlerCallbacks = "callbacks"
)

// HandlerNames are the Go names of what the app implements for a route.
type HandlerNames struct {
	// Method is the route's method on the controller's Handlers interface:
	// Room (loop form) or OpenRoom (callback form).
	Method string
	// Session is the callback form's per-connection interface, e.g.
	// ChatRoomSession; "" in the loop form.
	Session string
}

// HandlerNamesFor returns the handler names of the route whose Go name is
// route, of the controller called controller, in the callback form when
// callbacks is true.
func HandlerNamesFor(controller, route string, callbacks bool) HandlerNames {
	if !callbacks {
		return HandlerNames{Method: route}
	}
	return HandlerNames{Method: "Open" + route, Session: controller + route + "Session"}
}

// handlerForm checks a `handler:` value and reports whether it asks for
// callbacks; nil is the default, the loop.
func (b *builder) handlerForm(v *decl.String, subject string, origin decl.Origin) bool {
	if v == nil {
		return false
	}
	switch v.Value {
	case HandlerLoop:
		return false
	case HandlerCallbacks:
		return true
	}
	hint := formHint(origin, "write handler: callbacks (Open<Route> returns a session with OnMessage and OnClose) or handler: loop (the default: one method ranging over Messages())",
		"write handler=callbacks (Open<Route> returns a session with OnMessage and OnClose) or handler=loop (the default: one method ranging over Messages())")
	b.diags.AddHint(v.Pos, hint,
		"handler %q of %s must be %q or %q", v.Value, subject, HandlerLoop, HandlerCallbacks)
	return false
}
