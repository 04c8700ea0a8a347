package ws

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// Call reply codes: the "code" of a reply's "error" member. Commands add
// codes of their own with CallError.
const (
	CallNotFound       = "not_found"       // no command of that name on the route
	CallInvalidPayload = "invalid_payload" // the payload failed the command's decoder ("errors" has the paths)
	CallDuplicateID    = "duplicate_id"    // a call with that id is still in flight on the connection
	CallTooManyCalls   = "too_many_calls"  // the connection already has MaxCalls calls in flight
	CallTimeout        = "timeout"         // the command overran its timeout; its ctx is cancelled
	CallCanceled       = "canceled"        // the client cancelled the call; its ctx is cancelled
	CallDenied         = "denied"          // the command refused the caller (returned by commands)
	CallInternal       = "internal"        // the command failed or panicked; details are logged, not sent
	CallInvalidMessage = "invalid_message" // the call frame itself is malformed (unknown member, bad id, …)
	defaultCallTimeout = 10 * time.Second
	defaultMaxCalls    = 16
)

// Metrics.Error codes for calls whose outcome never reaches the client.
const (
	ErrCodeCallLate      = "call_late_result"      // a result or error arrived after the call timed out, was cancelled or the connection closed: dropped
	ErrCodeCallNotQueued = "call_reply_not_queued" // a reply could not be queued (connection closing or slow client)
	ErrCodeCallPanic     = "call_panic"            // a command panicked (replied with internal)
)

// CallError is a command's refusal, sent to the client as the reply's
// error: {"id":…,"error":{"code":Code,"message":Message,"errors":[…]}}.
// Return one (generated code builds them for the declared codes) from
// Command.Run; any other error is replied as "internal" and logged.
type CallError struct {
	Code    string
	Message string
	Errors  []jsgenrt.FieldError
}

// Error returns "<code>: <message>".
func (e *CallError) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// Command is one command of a route, typed by its payload P and result R.
// Generated code builds one per declared command and adds it to the
// route's Commands with AddCommand.
type Command[P, R any] struct {
	// Name is the "command" member that selects it. Required.
	Name string
	// Decode decodes and validates the payload's raw JSON (an object; "{}"
	// when the call has no payload). A *jsgenrt.Error's field errors are
	// replied as invalid_payload with their paths (relative to the
	// payload). It runs on the connection's read goroutine. Required.
	Decode func(payload []byte) (P, error)
	// Run executes the call on a goroutine of its own. ctx ends when the
	// client cancels, the timeout passes, the connection closes or the
	// server shuts down. A streaming command sends its items with s before
	// returning. Its result is replied with Encode; a *CallError as that
	// error; any other error, or a panic, as "internal". Required.
	Run func(ctx context.Context, c *Conn, p P, s *Stream) (R, error)
	// Encode appends the result's JSON to b. Required.
	Encode func(b []byte, r R) []byte
	// Timeout bounds Run (0: 10 s).
	Timeout time.Duration
}

// Commands is the command table of a route (Route.Commands,
// CallbackRoute.Commands). Build it with NewCommands and AddCommand before
// mounting the route; it is read-only afterwards and safe to share.
type Commands struct {
	byName   map[string]*command
	maxCalls int
}

// CommandsOption changes a Commands table's defaults.
type CommandsOption func(*Commands)

// WithMaxCalls sets how many calls may be in flight at once on one
// connection (default 16); one more is answered with too_many_calls.
func WithMaxCalls(n int) CommandsOption {
	return func(t *Commands) {
		if n > 0 {
			t.maxCalls = n
		}
	}
}

// NewCommands returns an empty command table.
func NewCommands(opts ...CommandsOption) *Commands {
	t := &Commands{byName: map[string]*command{}, maxCalls: defaultMaxCalls}
	for _, o := range opts {
		o(t)
	}
	return t
}

// AddCommand adds cmd to t. It panics when cmd lacks Name, Decode, Run or
// Encode, or when t already has a command of that name (programming errors
// of the caller).
func AddCommand[P, R any](t *Commands, cmd Command[P, R]) {
	if cmd.Name == "" || cmd.Decode == nil || cmd.Run == nil || cmd.Encode == nil {
		panic("ws: Command " + cmd.Name + " needs Name, Decode, Run and Encode")
	}
	if _, dup := t.byName[cmd.Name]; dup {
		panic("ws: Command " + cmd.Name + " added twice")
	}
	timeout := cmd.Timeout
	if timeout <= 0 {
		timeout = defaultCallTimeout
	}
	t.byName[cmd.Name] = &command{name: cmd.Name, timeout: timeout, prepare: func(payload []byte) (callRun, error) {
		p, err := cmd.Decode(payload)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, c *Conn, s *Stream, b []byte) ([]byte, error) {
			r, err := cmd.Run(ctx, c, p, s)
			if err != nil {
				return b, err
			}
			return cmd.Encode(b, r), nil
		}, nil
	}}
}

// callRun runs a decoded call and appends its encoded result to b.
type callRun func(ctx context.Context, c *Conn, s *Stream, b []byte) ([]byte, error)

// command is a Command with its types erased.
type command struct {
	name    string
	timeout time.Duration
	prepare func(payload []byte) (callRun, error)
}

// deliverer returns the per-connection dispatcher: call frames go to the
// table, every other frame to next (the route's messages).
func (t *Commands) deliverer(next deliverer) deliverer {
	return &callDeliverer{t: t, next: next, inFlight: map[string]*call{}}
}

// callDeliverer dispatches one connection's calls.
type callDeliverer struct {
	t    *Commands
	next deliverer

	mu       sync.Mutex
	inFlight map[string]*call // calls not answered yet, by id
	running  int              // calls whose Run has not returned (the MaxCalls limit)
}

// call is one call in flight. mu orders its frames: once done is set,
// nothing more is sent for it.
type call struct {
	id     string
	cancel context.CancelFunc
	stream Stream // the call's sink, allocated with it

	mu   sync.Mutex
	done bool
}

func (d *callDeliverer) deliver(c *Conn, data []byte) {
	if !isCallFrame(data) {
		d.next.deliver(c, data)
		return
	}
	env, err := decodeEnvelope(data)
	if err != nil {
		d.refuseEnvelope(c, env.id, err)
		return
	}
	if env.cancel {
		d.cancelCall(c, env.id)
		return
	}
	cmd := d.t.byName[env.command]
	if cmd == nil {
		d.reply(c, env.id, CallNotFound, "no command "+quote(env.command), nil)
		return
	}
	payload := env.payload
	if payload == nil {
		payload = []byte("{}")
	}
	run, err := cmd.prepare(payload)
	if err != nil {
		d.refusePayload(c, env.id, err)
		return
	}
	d.start(c, cmd, strings.Clone(env.id), run)
}

// refuseEnvelope answers a malformed call frame: a reply when its id was
// readable, else an error frame.
func (d *callDeliverer) refuseEnvelope(c *Conn, id string, err error) {
	code, msg, errs := CallInvalidMessage, "invalid call frame", []jsgenrt.FieldError(nil)
	var je *jsgenrt.Error
	if errors.As(err, &je) {
		if je.Code != "" {
			code = je.Code
		}
		msg, errs = je.Message, je.Errors
	}
	if id == "" {
		c.srv.opts.Metrics.Error(c.route, code)
		d.send(c, AppendErrorFrame(nil, code, msg, errs))
		return
	}
	d.reply(c, id, code, msg, errs)
}

func (d *callDeliverer) refusePayload(c *Conn, id string, err error) {
	msg, errs := "invalid payload", []jsgenrt.FieldError(nil)
	var je *jsgenrt.Error
	if errors.As(err, &je) {
		if je.Message != "" {
			msg = je.Message
		}
		errs = je.Errors
	} else {
		msg = err.Error()
	}
	d.reply(c, id, CallInvalidPayload, msg, errs)
}

// cancelCall ends the call id with "canceled" and cancels its ctx. A
// cancel for an id not in flight (already answered) is ignored.
func (d *callDeliverer) cancelCall(c *Conn, id string) {
	d.mu.Lock()
	cl := d.inFlight[id]
	d.mu.Unlock()
	if cl == nil {
		return
	}
	d.finish(c, cl, appendCallError(nil, cl.id, CallCanceled, "canceled by the client", nil))
	cl.cancel()
}

// start reserves id and runs the call on its own goroutine, answering
// duplicate_id or too_many_calls instead when it cannot.
func (d *callDeliverer) start(c *Conn, cmd *command, id string, run callRun) {
	d.mu.Lock()
	if _, dup := d.inFlight[id]; dup {
		d.mu.Unlock()
		d.reply(c, id, CallDuplicateID, "a call with this id is in flight", nil)
		return
	}
	if d.running >= d.t.maxCalls {
		d.mu.Unlock()
		d.reply(c, id, CallTooManyCalls, "too many calls in flight", nil)
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, cmd.timeout)
	cl := &call{id: id, cancel: cancel}
	d.inFlight[id] = cl
	d.running++
	d.mu.Unlock()
	// The connection's ServeHTTP (running this read) is counted, so the
	// counter is > 0: Shutdown waits for the call.
	c.srv.wg.Add(1)
	go d.run(ctx, c, cmd, cl, run)
}

// run runs one call and replies with its outcome, unless the call already
// ended (timeout, cancel, disconnect): then the outcome is dropped and
// counted.
func (d *callDeliverer) run(ctx context.Context, c *Conn, cmd *command, cl *call, run callRun) {
	defer c.srv.wg.Done()
	expired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(expired)
		d.expire(ctx, c, cl)
	})
	frame := d.outcome(ctx, c, cmd, cl, run)
	if !stop() {
		<-expired // started: let it finish, so nothing of the call outlives it
	}
	ended := ctx.Err() != nil
	if ended {
		// The call ended (timeout, cancel, disconnect) before its outcome:
		// the ending's reply, not the outcome, is the call's last frame.
		d.expire(ctx, c, cl)
	}
	if ended || !d.finish(c, cl, frame) {
		c.srv.opts.Metrics.Error(c.route, ErrCodeCallLate)
		c.srv.log(c, slog.LevelDebug, "call outcome dropped: the call had already ended", slog.String("command", cmd.name), slog.String("call_id", cl.id))
	}
	cl.cancel()
	d.mu.Lock()
	d.running--
	d.mu.Unlock()
}

// expire ends a call whose ctx ended before Run returned: "timeout" when
// its deadline passed; nothing when the client cancelled (already
// answered) or the connection closed.
func (d *callDeliverer) expire(ctx context.Context, c *Conn, cl *call) {
	var frame []byte
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && c.ctx.Err() == nil {
		frame = appendCallError(nil, cl.id, CallTimeout, "the call timed out", nil)
	}
	d.finish(c, cl, frame)
}

// outcome runs the call and returns its reply frame.
func (d *callDeliverer) outcome(ctx context.Context, c *Conn, cmd *command, cl *call, run callRun) (frame []byte) {
	defer func() {
		if r := recover(); r != nil {
			c.srv.opts.Metrics.Error(c.route, ErrCodeCallPanic)
			c.srv.log(c, slog.LevelError, "command panicked", slog.String("command", cmd.name), slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
			frame = appendCallError(nil, cl.id, CallInternal, "internal error", nil)
		}
	}()
	b := append(appendCallID(nil, cl.id), `,"result":`...)
	cl.stream = Stream{c: c, cl: cl}
	b, err := run(ctx, c, &cl.stream, b)
	if err == nil {
		return append(b, '}')
	}
	var ce *CallError
	var je *jsgenrt.Error
	switch {
	case errors.As(err, &ce):
		return appendCallError(nil, cl.id, ce.Code, ce.Message, ce.Errors)
	case errors.As(err, &je):
		return appendCallError(nil, cl.id, je.Code, je.Message, je.Errors)
	}
	if ctx.Err() == nil {
		c.srv.opts.Metrics.Error(c.route, CallInternal)
		c.srv.log(c, slog.LevelError, "command failed", slog.String("command", cmd.name), slog.Any("err", err))
	}
	return appendCallError(nil, cl.id, CallInternal, "internal error", nil)
}

// finish ends cl, sending frame (when not nil) as its last frame. Its id
// is free for a new call from then on (the client may reuse it as soon as
// it reads the reply). It reports false when cl had already ended (frame
// not sent).
func (d *callDeliverer) finish(c *Conn, cl *call, frame []byte) bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.done {
		return false
	}
	cl.done = true
	d.mu.Lock()
	if d.inFlight[cl.id] == cl {
		delete(d.inFlight, cl.id)
	}
	d.mu.Unlock()
	if frame != nil {
		d.send(c, frame)
	}
	return true
}

// reply answers a call that never started with an error.
func (d *callDeliverer) reply(c *Conn, id, code, msg string, errs []jsgenrt.FieldError) {
	c.srv.opts.Metrics.Error(c.route, code)
	d.send(c, appendCallError(nil, id, code, msg, errs))
}

// send queues frame on the connection's writer; a frame it refuses is
// counted and logged.
func (d *callDeliverer) send(c *Conn, frame []byte) {
	if err := c.SendBytes(frame); err != nil {
		c.srv.opts.Metrics.Error(c.route, ErrCodeCallNotQueued)
		c.srv.log(c, slog.LevelDebug, "call reply not queued", slog.Any("err", err))
	}
}

// ErrCallEnded is what Stream.Send returns once its call has ended
// (cancelled, timed out, connection closed): the item was not sent and the
// command should return.
var ErrCallEnded = errors.New("ws: call ended")

// Stream sends the items of a streaming call, {"id":…,"next":ITEM}, before
// its reply. Items are sent in the order of Send calls; none is sent after
// the call ended.
type Stream struct {
	c  *Conn
	cl *call
}

// Send sends one item, the JSON value item (which must not be modified
// afterwards). It returns ErrCallEnded once the call has ended, or the
// connection's error when the item could not be queued.
func (s *Stream) Send(item []byte) error {
	frame := append(appendCallID(make([]byte, 0, len(item)+len(s.cl.id)+20), s.cl.id), `,"next":`...)
	frame = append(append(frame, item...), '}')
	s.cl.mu.Lock()
	defer s.cl.mu.Unlock()
	if s.cl.done {
		return ErrCallEnded
	}
	if err := s.c.SendBytes(frame); err != nil {
		s.c.srv.opts.Metrics.Error(s.c.route, ErrCodeCallNotQueued)
		return err
	}
	return nil
}

// SendItem encodes item with encode and sends it on s (see Stream.Send);
// generated streaming commands call it with the item type's encoder.
func SendItem[I any](s *Stream, encode func(b []byte, item I) []byte, item I) error {
	return s.Send(encode(nil, item))
}

func appendCallID(b []byte, id string) []byte {
	b = append(b, `{"id":`...)
	return jsgenrt.AppendJSONString(b, id)
}

// appendCallError appends {"id":…,"error":{"code","message","errors":[…]}}.
func appendCallError(b []byte, id, code, msg string, errs []jsgenrt.FieldError) []byte {
	if code == "" {
		code = CallInternal
	}
	b = append(appendCallID(b, id), `,"error":{"code":`...)
	b = jsgenrt.AppendJSONString(b, code)
	b = append(b, `,"message":`...)
	b = jsgenrt.AppendJSONString(b, msg)
	return append(appendFieldErrors(b, errs), "}}"...)
}

func quote(s string) string { return string(jsgenrt.AppendJSONString(nil, s)) }
