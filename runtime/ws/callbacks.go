package ws

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Session is one connection of a CallbackRoute, as the app serves it: Open
// returns it, the runtime calls its methods. It usually holds the
// connection's own state (its subscriptions, who the client is).
//
// The runtime calls OnMessage once per decoded and validated message, in
// arrival order, never concurrently, on the goroutine that reads the
// connection: until it returns, nothing more is read from this client
// (other connections are not affected), so it returns promptly and hands
// long work to a goroutine of its own. Returning an error, or panicking,
// closes the connection with 1011 "internal error", logged and counted,
// as a Route's Run returning one does.
//
// OnClose is called exactly once, after OnMessage has returned for the last
// time, as soon as the connection starts closing for any reason (the
// client left, Conn.Close, an error, Server.Shutdown). err is nil when
// the connection closed normally (code 1000 or 1001, from either side),
// else a *CloseError. ctx carries the connection's values but is never
// cancelled, so cleanup can still use it; Server.Shutdown waits for
// OnClose to return.
type Session[In any] interface {
	OnMessage(ctx context.Context, msg In) error
	OnClose(ctx context.Context, err error)
}

// CallbackRoute describes a WebSocket endpoint served by callbacks instead
// of a goroutine per connection: an idle connection costs only melody's
// read and write goroutines. Everything before the upgrade (Guard,
// Prepare, route guards) and the inbound checks (rate limit, UTF-8,
// Decode with its error frames) are those of Route.
type CallbackRoute[In any] struct {
	// Pattern is the http.ServeMux pattern, e.g. "GET /chat/room/{roomId}".
	Pattern string
	// Guard, when set, replaces the Server's guard for this route.
	Guard func(r *http.Request) (identity any, err error)
	// Authenticate makes the route require a bearer token (see
	// Route.Authenticate). Optional.
	Authenticate func(ctx context.Context, r *http.Request, token string) (identity any, expires time.Time, err error)
	// Guards run before the upgrade, after Prepare (see Route.Guards).
	Guards []RouteGuard
	// Prepare parses and validates path parameters and query before the
	// upgrade (see Route.Prepare). Optional.
	Prepare func(r *http.Request) (state any, status int, err error)
	// Decode turns one inbound text message into an In (see Route.Decode).
	// Required.
	Decode func(data []byte) (In, error)
	// Open runs once the connection is upgraded, before any OnMessage;
	// messages that arrive meanwhile wait. ctx is Conn.Context(). It returns
	// the connection's Session. A nil Session and a nil error close the
	// connection with 1000 once queued frames are written (as a Route's Run
	// returning nil does: Open has said all it had to say). An error or a
	// panic closes the connection with 1011 (logged and counted); the
	// Session's OnClose then still runs if a Session was returned with the
	// error. Required.
	Open func(ctx context.Context, c *Conn) (Session[In], error)
	// Commands are the route's commands (see Route.Commands). Optional.
	Commands *Commands
}

// CallbackHandler returns the http.Handler serving rt on s. It panics if rt
// has no Decode or Open (a programming error in the caller).
func CallbackHandler[In any](s *Server, rt CallbackRoute[In]) http.Handler {
	if rt.Decode == nil || rt.Open == nil {
		panic("ws: CallbackRoute " + rt.Pattern + " needs Decode and Open")
	}
	base := Route[In]{Pattern: rt.Pattern, Guard: rt.Guard, Authenticate: rt.Authenticate, Guards: rt.Guards, Prepare: rt.Prepare, Decode: rt.Decode, Commands: rt.Commands}
	return &routeHandler[In]{srv: s, rt: base, start: rt.start}
}

// HandleCallbacks registers rt on mux under rt.Pattern.
func HandleCallbacks[In any](mux *http.ServeMux, s *Server, rt CallbackRoute[In]) {
	mux.Handle(rt.Pattern, CallbackHandler(s, rt))
}

// CloseError says how a connection ended when it did not end normally; a
// Session's OnClose receives it.
type CloseError struct {
	// Code is the close code: the one the server sent, else the client's,
	// else 1006 when the connection ended without a close frame.
	Code int
	// Reason is the close frame's reason, when there was one.
	Reason string
	// ByClient is true when the client sent the close frame first.
	ByClient bool
}

// Error returns "ws: connection closed with <code>[: <reason>]".
func (e *CloseError) Error() string {
	s := "ws: connection closed with " + strconv.Itoa(e.Code)
	if e.ByClient {
		s += " by the client"
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// errOpened is what a callback route's handler goroutine returns once Open
// succeeded: the connection stays open (see Conn.handlerReturned).
var errOpened = errors.New("ws: callbacks opened")

// start builds the callbacks of one new connection.
func (rt CallbackRoute[In]) start(*Server) (deliverer, func(context.Context, *Conn) error) {
	cb := &callbacks[In]{decode: rt.Decode, open: rt.Open, opened: make(chan struct{})}
	return cb, cb.run
}

// callbacks serves one connection of a CallbackRoute. Open runs on the
// short-lived goroutine the Server starts for a handler; OnMessage on
// melody's read goroutine; OnClose on a goroutine started when the
// connection's context ends. mu orders OnClose after the last OnMessage.
type callbacks[In any] struct {
	decode func([]byte) (In, error)
	open   func(context.Context, *Conn) (Session[In], error)
	opened chan struct{} // closed once Open returned

	mu     sync.Mutex
	sess   Session[In] // set before opened is closed; nil unless Open succeeded
	closed bool        // OnClose has started: no more OnMessage
}

// run calls Open. With a Session and no error it arranges for OnClose and
// returns errOpened, so the goroutine ends and the connection stays open;
// otherwise it returns Open's error (nil without a Session), which closes
// the connection as a Route's Run returning it does.
func (cb *callbacks[In]) run(ctx context.Context, c *Conn) error {
	sess, err := cb.callOpen(ctx, c)
	if err == nil {
		cb.sess = sess // OnMessage only for a session Open succeeded with
	}
	close(cb.opened)
	if sess != nil {
		// The handler goroutine is still counted, so the counter is > 0.
		c.srv.wg.Add(1)
		c.afterDone(func() { cb.finish(c, sess) }) // ctx is c's context
	}
	if err != nil || sess == nil {
		return err
	}
	return errOpened
}

func (cb *callbacks[In]) callOpen(ctx context.Context, c *Conn) (sess Session[In], err error) {
	defer func() {
		if r := recover(); r != nil {
			sess, err = nil, &panicError{value: r, stack: debug.Stack()}
		}
	}()
	return cb.open(ctx, c)
}

// deliver decodes data and passes it to OnMessage once Open has returned
// (an invalid message gets an error frame and never reaches it). An error
// or a panic from OnMessage closes the connection with 1011.
func (cb *callbacks[In]) deliver(c *Conn, data []byte) {
	msg, err := cb.decode(data)
	if err != nil {
		c.answerInvalid(err)
		return
	}
	select {
	case <-cb.opened:
	case <-c.ctx.Done():
		return
	}
	cb.mu.Lock()
	if cb.closed || cb.sess == nil {
		cb.mu.Unlock()
		return
	}
	err = cb.callMessage(c, msg)
	cb.mu.Unlock()
	if err != nil {
		c.handlerReturned(err)
	}
}

func (cb *callbacks[In]) callMessage(c *Conn, msg In) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r, stack: debug.Stack()}
		}
	}()
	return cb.sess.OnMessage(c.ctx, msg)
}

// finish runs OnClose once the connection's context has ended, after any
// OnMessage in progress, and releases the Server's count of it.
func (cb *callbacks[In]) finish(c *Conn, sess Session[In]) {
	defer c.srv.wg.Done()
	cb.mu.Lock()
	cb.closed = true
	cb.mu.Unlock()
	ctx := context.WithoutCancel(c.ctx)
	defer func() {
		if r := recover(); r != nil {
			c.srv.opts.Metrics.Error(c.route, ErrCodeHandlerPanic)
			c.srv.log(c, slog.LevelError, "OnClose panicked", slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
		}
	}()
	sess.OnClose(ctx, closeErrorOf(c))
}

// closeErrorOf says how c ended: nil for 1000 or 1001 from either side,
// else a *CloseError. The server's close request wins over the client's
// code, which wins over 1006.
func closeErrorOf(c *Conn) error {
	c.mu.Lock()
	req := c.req
	c.mu.Unlock()
	e := &CloseError{Code: req.code, Reason: req.reason}
	if e.Code == 0 {
		e.Code = int(c.sentCode.Load()) // gorilla's 1009 or 1002
	}
	if e.Code == 0 {
		if peer := int(c.peerCode.Load()); peer != 0 {
			e.Code, e.ByClient = peer, true
		}
	}
	switch e.Code {
	case 0:
		e.Code = websocket.CloseAbnormalClosure
	case CloseNormal, CloseGoingAway:
		return nil
	}
	return e
}
