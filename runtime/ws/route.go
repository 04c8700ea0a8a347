package ws

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"slices"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// Route describes one WebSocket endpoint whose inbound messages decode to
// In. Generated code builds one per controller route; everything it needs
// from the runtime is here.
type Route[In any] struct {
	// Pattern is the http.ServeMux pattern, e.g. "GET /chat/room/{roomId}".
	// It also labels the route in metrics and logs.
	Pattern string
	// Guard, when set, replaces the Server's guard for this route (see
	// Options.Guard). Not used when Authenticate is set.
	Guard func(r *http.Request) (identity any, err error)
	// Authenticate, when set, makes the route require a bearer token
	// (Authorization: Bearer T, or the access_token query parameter) and
	// takes the place of the guards above. Before the upgrade, a missing or
	// malformed token is refused with 401; otherwise Authenticate checks the
	// token (AuthenticateWith builds one from an auth.Verifier) and returns
	// the connection's identity (Conn.Identity) and when the token expires
	// (zero: never). Its error refuses the upgrade: a *RefusalError (Refuse)
	// with its status, anything else with 401. Prepare, the route guards and
	// the handler see the request without access_token, and the token is
	// kept out of responses and logs. At expires the connection is closed
	// with CloseTokenExpired (4001) unless Conn.Reauthenticate moved it.
	Authenticate func(ctx context.Context, r *http.Request, token string) (identity any, expires time.Time, err error)
	// Guards run before the upgrade, after Prepare, in order, before the
	// route guards of the Server's options (Options.RouteGuards); the first
	// error refuses the upgrade as those do. Nil guards are skipped.
	// Generated code puts a route's declared guards here.
	Guards []RouteGuard
	// Prepare parses and validates path parameters and query before the
	// upgrade. Its state is attached to the connection (Conn.State). An
	// error refuses the upgrade with status (400 when status is 0) and a
	// JSON error body: a *jsgenrt.Error keeps its code and field errors, a
	// *RefusalError its status and code. Optional.
	Prepare func(r *http.Request) (state any, status int, err error)
	// Decode turns one inbound text message (valid UTF-8, within
	// ReadLimit) into an In. An error is answered with an error frame and
	// the connection stays open: return a *jsgenrt.Error to control its
	// code and field errors. Required.
	Decode func(data []byte) (In, error)
	// Run is the handler. msgs yields decoded messages until the connection
	// closes; ctx is Conn.Context(). Returning nil closes with 1000 after
	// queued frames are written; an error or a panic closes with 1011.
	// Required.
	Run func(ctx context.Context, c *Conn, msgs iter.Seq[In]) error
	// Commands, when set, are the route's commands: a frame with a
	// "command" or "cancel" member is a call (see Commands), every other
	// frame goes to Decode. Optional.
	Commands *Commands
}

// Handler returns the http.Handler serving rt on s. It panics if rt has no
// Decode or Run (a programming error in the caller).
func Handler[In any](s *Server, rt Route[In]) http.Handler {
	if rt.Decode == nil || rt.Run == nil {
		panic("ws: Route " + rt.Pattern + " needs Decode and Run")
	}
	return &routeHandler[In]{srv: s, rt: rt, start: rt.loop}
}

// Handle registers rt on mux under rt.Pattern.
func Handle[In any](mux *http.ServeMux, s *Server, rt Route[In]) {
	mux.Handle(rt.Pattern, Handler(s, rt))
}

type routeHandler[In any] struct {
	srv *Server
	rt  Route[In]
	// start returns what a new connection's inbound messages go to and the
	// handler the connection runs: the Messages loop (Route.loop) or the
	// callbacks (CallbackRoute).
	start func(s *Server) (deliverer, func(context.Context, *Conn) error)
}

// loop is the handler form of Route: a goroutine per connection running
// Run over the inbox.
func (rt Route[In]) loop(s *Server) (deliverer, func(context.Context, *Conn) error) {
	box := &inbox[In]{decode: rt.Decode, ch: make(chan In, s.opts.InboxSize)}
	return box, func(ctx context.Context, c *Conn) error { return rt.Run(ctx, c, box.seq(ctx)) }
}

// ServeHTTP refuses what must not be upgraded — server closing (503), not
// a WebSocket handshake (400), cross-site origin (403), missing or refused
// token (401, see Route.Authenticate), guard refusal (401/403), invalid
// parameters (400) — each with a JSON error body, then
// upgrades through melody and serves the connection until it ends.
func (h *routeHandler[In]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s, route := h.srv, h.rt.Pattern
	if s.isShuttingDown() {
		s.refuse(w, route, http.StatusServiceUnavailable, CodeUnavailable, "server is shutting down", nil)
		return
	}
	if r.Method != http.MethodGet || !isUpgrade(r) {
		s.refuse(w, route, http.StatusBadRequest, CodeNotWebSocket, "expected a WebSocket handshake", nil)
		return
	}
	if !s.checkOrigin(r) {
		s.refuse(w, route, http.StatusForbidden, CodeForbidden, "origin not allowed", nil)
		return
	}
	identity, authn, r, ok := h.identify(w, r)
	if !ok {
		return
	}
	state, ok := h.prepare(w, r)
	if !ok {
		return
	}
	if !h.routeGuards(w, r, identity, state) {
		return
	}
	in, run := h.start(s)
	if h.rt.Commands != nil {
		in = h.rt.Commands.deliverer(in)
	}
	c := newConn(s, route, r.RemoteAddr, identity, state, in, r.Context())
	h.startAuth(c, authn)
	s.serve(w, r, c, run)
}

func (h *routeHandler[In]) guard(w http.ResponseWriter, r *http.Request) (any, bool) {
	g := h.rt.Guard
	if g == nil {
		g = h.srv.opts.Guard
	}
	if g == nil {
		return nil, true
	}
	identity, err := g(r)
	if err == nil {
		return identity, true
	}
	h.refuseGuard(w, err)
	return nil, false
}

// routeGuards runs the route's guards (Route.Guards, then
// Options.RouteGuards) in order and
// refuses the upgrade with the first one's error.
func (h *routeHandler[In]) routeGuards(w http.ResponseWriter, r *http.Request, identity, state any) bool {
	for _, g := range slices.Concat(h.rt.Guards, h.srv.opts.RouteGuards[h.rt.Pattern]) {
		if g == nil {
			continue
		}
		if err := g(r, identity, state); err != nil {
			h.refuseGuard(w, err)
			return false
		}
	}
	return true
}

// refuseGuard answers a guard's refusal: a *RefusalError with its status
// (403 when it is not a 4xx or 5xx status, so a refusal never upgrades),
// code and message; any other error with 403, logged and not sent.
func (h *routeHandler[In]) refuseGuard(w http.ResponseWriter, err error) {
	var ref *RefusalError
	if errors.As(err, &ref) {
		status, code := ref.Status, ref.Code
		if status < 400 || status > 599 {
			h.srv.opts.Logger.Warn("ws: guard refused with a status that is not an error; sending 403", "route", h.rt.Pattern, "status", status)
			status, code = http.StatusForbidden, CodeForbidden
		}
		if code == "" {
			code = codeForStatus(status)
		}
		h.srv.refuse(w, h.rt.Pattern, status, code, ref.Message, nil)
		return
	}
	h.srv.opts.Logger.Warn("ws: guard failed", "route", h.rt.Pattern, "err", err)
	h.srv.refuse(w, h.rt.Pattern, http.StatusForbidden, CodeForbidden, "forbidden", nil)
}

func (h *routeHandler[In]) prepare(w http.ResponseWriter, r *http.Request) (any, bool) {
	if h.rt.Prepare == nil {
		return nil, true
	}
	state, status, err := h.rt.Prepare(r)
	if err == nil {
		return state, true
	}
	if status == 0 {
		status = http.StatusBadRequest
	}
	var (
		ref *RefusalError
		je  *jsgenrt.Error
	)
	switch {
	case errors.As(err, &ref):
		h.srv.refuse(w, h.rt.Pattern, ref.Status, ref.Code, ref.Message, nil)
	case errors.As(err, &je):
		code := je.Code
		if code == "" {
			code = jsgenrt.CodeInvalidMessage
		}
		h.srv.refuse(w, h.rt.Pattern, status, code, je.Message, je.Errors)
	default:
		h.srv.refuse(w, h.rt.Pattern, status, CodeBadRequest, err.Error(), nil)
	}
	return nil, false
}
