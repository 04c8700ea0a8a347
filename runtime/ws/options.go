package ws

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// Defaults applied by New to every zero-valued Options field.
const (
	DefaultReadLimit        = 64 << 10 // bytes per inbound message
	DefaultMaxQueueBytes    = 1 << 20  // outbound bytes queued per connection
	DefaultMessageRate      = 50       // inbound messages per second, sustained
	DefaultMessageBurst     = 100      // inbound messages in a burst
	DefaultInboxSize        = 16       // decoded messages waiting for the handler
	DefaultInboundWait      = 5 * time.Second
	DefaultWriteWait        = 10 * time.Second
	DefaultPongWait         = 30 * time.Second
	DefaultPingPeriod       = 20 * time.Second
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultFlushTimeout     = 5 * time.Second
	DefaultCloseTimeout     = 2 * time.Second
	DefaultLingerTimeout    = 2 * time.Second
	DefaultLingerBytes      = 4 << 20
	DefaultWriteBatchBytes  = 32 << 10
)

// Options configures a Server. The zero value of every field means its
// default; New never leaves a field unset.
type Options struct {
	// AllowedOrigins lists origins ("https://app.example.com", compared
	// whole and ASCII-case-insensitively, no wildcards) allowed besides the
	// same origin. An upgrade whose Origin header is present, names another
	// host than the request's Host and is not listed is refused with 403
	// before the upgrade.
	AllowedOrigins []string
	// RequireOrigin refuses upgrades that carry no Origin header (403).
	// Browsers always send one, so the default (false) admits non-browser
	// clients, which cross-site request forgery cannot reach anyway.
	RequireOrigin bool
	// CheckOrigin, when set, replaces the same-origin + AllowedOrigins
	// check entirely (RequireOrigin is then ignored).
	CheckOrigin func(r *http.Request) bool

	// Guard runs before the upgrade on every route that has no Guard of its
	// own. It returns the identity attached to the connection
	// (Conn.Identity) or an error refusing it: use Refuse(401 or 403, msg);
	// any other error refuses with 403 and is logged.
	Guard func(r *http.Request) (identity any, err error)
	// RouteGuards run before the upgrade on the route whose Pattern is the
	// key, after Guard and after the route's Prepare has validated the path
	// parameters and query: identity is what Guard returned (nil without
	// one), state what Prepare returned. Several guards of one route run in
	// order and the first error refuses the upgrade, as Guard's does.
	// Generated code adds them through typed options (With<Controller><Route>Guard)
	// that hand the guard the route's typed parameters and query.
	RouteGuards map[string][]RouteGuard

	// ReadLimit is the largest inbound message in bytes (a message over it
	// is answered with close 1009). Default 64 KiB.
	ReadLimit int64
	// MaxQueueBytes bounds the bytes queued for one connection and not yet
	// written. A frame that would exceed it disconnects the client as slow
	// (close 1013). Default 1 MiB.
	MaxQueueBytes int
	// MessageRate and MessageBurst are the per-connection token bucket for
	// inbound messages: MessageRate tokens per second, at most MessageBurst
	// saved. A message without a token gets an error frame (code
	// "rate_limited") and close 1008. Defaults 50/s and 100; a negative
	// MessageRate disables the limit.
	MessageRate  float64
	MessageBurst int
	// InboxSize is how many decoded messages may wait for the handler.
	// When it is full the connection's reader waits up to InboundWait for
	// the handler to take one, then closes the connection with 1013 (the
	// handler is not consuming its messages). Defaults 16 and 5 s.
	InboxSize   int
	InboundWait time.Duration

	// WriteWait bounds every socket write. Default 10 s.
	WriteWait time.Duration
	// PongWait is how long a connection may stay silent (no pong) before it
	// is dropped; PingPeriod (< PongWait) is how often it is pinged.
	// Defaults 30 s and 20 s.
	PongWait   time.Duration
	PingPeriod time.Duration
	// HandshakeTimeout bounds writing the upgrade response. Default 10 s.
	HandshakeTimeout time.Duration
	// FlushTimeout bounds how long a closing connection waits for its
	// queued frames to be written before the close frame. Default 5 s.
	FlushTimeout time.Duration
	// CloseTimeout bounds writing the close frame. Default 2 s.
	CloseTimeout time.Duration
	// LingerTimeout and LingerBytes bound the lingering close: once the
	// server has sent a close frame (whatever the code: 1000, 1001, 1002,
	// 1007, 1008, 1009, 1011, 1013, …) it writes nothing more but keeps
	// reading, and discarding, what the client still sends until the client
	// replies with its close frame or closes the connection, LingerTimeout
	// passes or LingerBytes have been discarded; only then is the socket
	// closed. Closing a socket while the client's bytes are still arriving
	// resets the connection, and the client may then lose the close frame
	// and report 1006 instead of the code sent (RFC 6455 §7.1.1). Defaults
	// 2 s and 4 MiB: a client that was sending a message of up to about
	// 4 MiB when the close frame went out (one over ReadLimit, typically)
	// can finish it and read the close code. A negative LingerTimeout
	// closes the socket as soon as the close frame is written.
	// Server.Shutdown waits for lingering connections only until its
	// context ends.
	LingerTimeout time.Duration
	LingerBytes   int64
	// WriteBatchBytes caps how many bytes of queued frames one vectored
	// socket write carries (each message stays its own WebSocket frame).
	// Default 32 KiB. Negative: one frame per write, by a writer goroutine
	// per connection instead of the Server's flushers.
	WriteBatchBytes int

	// MaxConnections caps open connections on the Server; upgrades past it
	// get 503. Zero means no cap.
	MaxConnections int
	// NodeID prefixes every connection ID so IDs are unique across nodes
	// (WithNodeID). Default: jsgenrt.NewNodeID().
	NodeID jsgenrt.NodeID

	// Logger receives the runtime's logs. Default slog.Default().
	Logger *slog.Logger
	// Metrics receives the runtime's counters. Default: none.
	Metrics Metrics
}

// Option changes Options; New applies them in order, each changing only
// what it names, and then gives every field still zero its default.
type Option func(*Options)

// WithNodeID sets the node ID that prefixes every connection ID: give the
// process's one jsgenrt.NodeID to the server, the channel bridges and the
// room services alike, so that a connection ID names its node everywhere.
func WithNodeID(id jsgenrt.NodeID) Option { return func(o *Options) { o.NodeID = id } }

// WithAllowedOrigins adds exact origins allowed besides the same origin.
func WithAllowedOrigins(origins ...string) Option {
	return func(o *Options) { o.AllowedOrigins = append(o.AllowedOrigins, origins...) }
}

// WithRequireOrigin refuses upgrades that carry no Origin header (see
// Options.RequireOrigin).
func WithRequireOrigin() Option { return func(o *Options) { o.RequireOrigin = true } }

// WithCheckOrigin replaces the origin check entirely (see
// Options.CheckOrigin).
func WithCheckOrigin(f func(r *http.Request) bool) Option {
	return func(o *Options) { o.CheckOrigin = f }
}

// WithGuard sets the server-wide guard run before every upgrade.
func WithGuard(g func(r *http.Request) (identity any, err error)) Option {
	return func(o *Options) { o.Guard = g }
}

// RouteGuard decides, before the upgrade, whether a request may connect to
// one route (see Options.RouteGuards). It returns nil to let it through, or
// an error refusing it: use Refuse (401, 403, 404, 409, ...) to choose the
// status and reason; any other error refuses with 403 and is logged, not
// sent.
type RouteGuard func(r *http.Request, identity, state any) error

// WithRouteGuard adds g to the guards of the route with the given pattern
// (Route.Pattern, e.g. "GET /chat/room/{roomId}"). Prefer the typed
// options generated per route, which call it.
func WithRouteGuard(pattern string, g RouteGuard) Option {
	return func(o *Options) {
		if g == nil {
			return
		}
		guards := make(map[string][]RouteGuard, len(o.RouteGuards)+1)
		for k, v := range o.RouteGuards {
			guards[k] = v
		}
		guards[pattern] = append(guards[pattern][:len(guards[pattern]):len(guards[pattern])], g)
		o.RouteGuards = guards
	}
}

// WithReadLimit sets the largest inbound message in bytes.
func WithReadLimit(n int64) Option { return func(o *Options) { o.ReadLimit = n } }

// WithMaxQueueBytes sets the per-connection outbound queue bound in bytes.
func WithMaxQueueBytes(n int) Option { return func(o *Options) { o.MaxQueueBytes = n } }

// WithRateLimit sets the inbound token bucket (perSecond < 0 disables it).
func WithRateLimit(perSecond float64, burst int) Option {
	return func(o *Options) { o.MessageRate, o.MessageBurst = perSecond, burst }
}

// WithInbox sets how many decoded messages may wait for the handler and
// how long the reader waits for room before closing the connection (see
// Options.InboxSize).
func WithInbox(size int, wait time.Duration) Option {
	return func(o *Options) { o.InboxSize, o.InboundWait = size, wait }
}

// WithWriteWait bounds every socket write.
func WithWriteWait(d time.Duration) Option { return func(o *Options) { o.WriteWait = d } }

// WithPing sets how often a connection is pinged and how long it may stay
// silent before it is dropped (period < pongWait).
func WithPing(period, pongWait time.Duration) Option {
	return func(o *Options) { o.PingPeriod, o.PongWait = period, pongWait }
}

// WithHandshakeTimeout bounds writing the upgrade response.
func WithHandshakeTimeout(d time.Duration) Option {
	return func(o *Options) { o.HandshakeTimeout = d }
}

// WithCloseTimeouts sets how long a closing connection waits for its
// queued frames (flush), then for writing the close frame (closeFrame).
func WithCloseTimeouts(flush, closeFrame time.Duration) Option {
	return func(o *Options) { o.FlushTimeout, o.CloseTimeout = flush, closeFrame }
}

// WithWriteBatchBytes caps the bytes one vectored socket write carries
// (see Options.WriteBatchBytes; negative: one frame per write).
func WithWriteBatchBytes(n int) Option { return func(o *Options) { o.WriteBatchBytes = n } }

// WithMaxConnections caps open connections on the Server (0: no cap).
func WithMaxConnections(n int) Option { return func(o *Options) { o.MaxConnections = n } }

// WithLinger sets how long, and for how many bytes, a connection keeps
// reading and discarding after the server's close frame before its
// socket is closed (see Options.LingerTimeout).
func WithLinger(timeout time.Duration, maxBytes int64) Option {
	return func(o *Options) { o.LingerTimeout, o.LingerBytes = timeout, maxBytes }
}

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(o *Options) { o.Logger = l } }

// WithMetrics sets the metrics sink (see NewPrometheus).
func WithMetrics(m Metrics) Option { return func(o *Options) { o.Metrics = m } }

// withDefaults returns o with every zero field set to its default, or an
// error for values that cannot work.
func (o Options) withDefaults() (Options, error) {
	setDefault(&o.ReadLimit, DefaultReadLimit)
	setDefault(&o.MaxQueueBytes, DefaultMaxQueueBytes)
	setDefault(&o.MessageRate, DefaultMessageRate)
	setDefault(&o.MessageBurst, DefaultMessageBurst)
	setDefault(&o.InboxSize, DefaultInboxSize)
	setDefault(&o.InboundWait, DefaultInboundWait)
	setDefault(&o.WriteWait, DefaultWriteWait)
	setDefault(&o.PongWait, DefaultPongWait)
	setDefault(&o.PingPeriod, DefaultPingPeriod)
	setDefault(&o.HandshakeTimeout, DefaultHandshakeTimeout)
	setDefault(&o.FlushTimeout, DefaultFlushTimeout)
	setDefault(&o.CloseTimeout, DefaultCloseTimeout)
	setDefault(&o.LingerTimeout, DefaultLingerTimeout)
	setDefault(&o.LingerBytes, DefaultLingerBytes)
	setDefault(&o.WriteBatchBytes, DefaultWriteBatchBytes)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Metrics == nil {
		o.Metrics = nopMetrics{}
	}
	switch {
	case o.ReadLimit < 0 || o.MaxQueueBytes < 0 || o.InboxSize < 0 || o.MessageBurst < 0 || o.LingerBytes < 0:
		return o, fmt.Errorf("ws: negative limit in options")
	case o.PingPeriod >= o.PongWait:
		return o, fmt.Errorf("ws: PingPeriod %v must be shorter than PongWait %v", o.PingPeriod, o.PongWait)
	case o.MaxConnections < 0:
		return o, fmt.Errorf("ws: negative MaxConnections %d", o.MaxConnections)
	}
	if o.NodeID == "" {
		o.NodeID = jsgenrt.NewNodeID()
	} else if err := o.NodeID.Check(); err != nil {
		return o, fmt.Errorf("ws: NodeID: %w", err)
	}
	return o, nil
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}
