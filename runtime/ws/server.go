package ws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
	"github.com/olahol/melody"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// connKey is the melody session key holding the *Conn. The keys map is
// created by the runtime and never written afterwards, so reading it
// without melody's lock is safe.
const connKey = "jsgen.ws.conn"

// Server owns one melody instance, its connections and its room index.
// Routes are mounted on it with Handle or Handler. Its methods are safe
// for concurrent use.
type Server struct {
	opts     Options
	m        *melody.Melody
	ids      idGen
	batches  batchPool
	flushers []*flusher
	shards   atomic.Uint32 // hands out flusher indexes to connections

	mu       sync.Mutex
	conns    map[*Conn]struct{}
	shutting bool
	wg       sync.WaitGroup // ServeHTTP calls past admission, handlers, closers
	done     chan struct{}  // closed when Shutdown has finished waiting
	shutOnce sync.Once
}

// New returns a Server configured by opts on top of the defaults (see
// Options). It fails only on options that cannot work.
func New(opts ...Option) (*Server, error) {
	var o Options
	for _, opt := range opts {
		opt(&o)
	}
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{opts: o, conns: make(map[*Conn]struct{}), done: make(chan struct{})}
	s.ids.node = string(o.NodeID)
	s.m = s.newMelody()
	s.flushers = newFlushers(s)
	return s, nil
}

// newMelody builds the melody instance with jsgen's settings instead of
// melody's unsafe defaults: origin checked (melody allows any), read limit
// 64 KiB (melody: 512 B), compression off, write/pong/ping timings from
// Options, one message at a time per connection. melody's per-session
// channel gets one slot instead of 256: the runtime writes data frames
// itself (see Conn.SendBytes), so melody's writer only sends pings.
func (s *Server) newMelody() *melody.Melody {
	m := melody.New()
	m.Config.WriteWait = s.opts.WriteWait
	m.Config.PongWait = s.opts.PongWait
	m.Config.PingPeriod = s.opts.PingPeriod
	m.Config.MaxMessageSize = s.opts.ReadLimit
	m.Config.MessageBufferSize = 1
	m.Config.ConcurrentMessageHandling = false
	m.Upgrader = &websocket.Upgrader{
		HandshakeTimeout:  s.opts.HandshakeTimeout,
		ReadBufferSize:    1024,
		WriteBufferSize:   256,
		WriteBufferPool:   &sync.Pool{},
		CheckOrigin:       s.checkOrigin,
		EnableCompression: false,
		Error: func(w http.ResponseWriter, _ *http.Request, status int, reason error) {
			writeHTTPError(w, status, CodeBadRequest, reason.Error(), nil)
		},
	}
	m.HandleConnect(s.onConnect)
	m.HandleDisconnect(s.onDisconnect)
	m.HandleMessage(func(ss *melody.Session, b []byte) { connOf(ss).onMessage(false, b) })
	m.HandleMessageBinary(func(ss *melody.Session, b []byte) { connOf(ss).onMessage(true, b) })
	m.HandleError(s.onError)
	return m
}

func connOf(ss *melody.Session) *Conn { return ss.Keys[connKey].(*Conn) }

// NodeID returns the prefix of this Server's connection IDs.
func (s *Server) NodeID() jsgenrt.NodeID { return s.opts.NodeID }

// Options returns the effective options (defaults filled in).
func (s *Server) Options() Options { return s.opts }

// Len returns the number of connections admitted and not yet ended.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func (s *Server) isShuttingDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shutting
}

// checkOrigin is the default origin policy: no Origin header is allowed
// unless RequireOrigin; otherwise the Origin's host must equal the
// request's Host (same origin) or the whole Origin must be in
// AllowedOrigins. Several Origin headers are refused.
func (s *Server) checkOrigin(r *http.Request) bool {
	if s.opts.CheckOrigin != nil {
		return s.opts.CheckOrigin(r)
	}
	vals := r.Header.Values("Origin")
	switch len(vals) {
	case 0:
		return !s.opts.RequireOrigin
	case 1:
	default:
		return false
	}
	origin := vals[0]
	for _, a := range s.opts.AllowedOrigins {
		if strings.EqualFold(origin, a) {
			return true
		}
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

func isUpgrade(r *http.Request) bool { return websocket.IsWebSocketUpgrade(r) }

// refuse answers a request that will not be upgraded and counts it.
func (s *Server) refuse(w http.ResponseWriter, route string, status int, code, msg string, errs []jsgenrt.FieldError) {
	s.opts.Metrics.Refused(route, status)
	writeHTTPError(w, status, code, msg, errs)
}

// admit registers c unless the Server is shutting down or full; an admitted
// request is counted in wg until release.
func (s *Server) admit(c *Conn) (status int, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.shutting:
		return http.StatusServiceUnavailable, "server is shutting down"
	case s.opts.MaxConnections > 0 && len(s.conns) >= s.opts.MaxConnections:
		return http.StatusServiceUnavailable, "too many connections"
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return 0, ""
}

func (s *Server) release(c *Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// serve upgrades and runs c. The session (melody's read loop) runs on a
// goroutine of its own, and serve returns as soon as the upgrade is done,
// so net/http releases the request's goroutine and buffers: an idle
// connection keeps only what its session needs.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, c *Conn, run func(context.Context, *Conn) error) {
	if status, msg := s.admit(c); status != 0 {
		s.refuse(w, c.route, status, CodeUnavailable, msg, nil)
		return
	}
	hw := &hijackWriter{ResponseWriter: w}
	upgraded := make(chan struct{})
	keys := map[string]any{connKey: c, runKey: run, hijackKey: hw, upgradedKey: upgraded}
	go s.session(hw, r, c, keys, upgraded)
	<-upgraded
}

// session runs melody's side of c until the connection ends. upgraded is
// closed once w is no longer used: by onConnect after a successful
// upgrade, or here after a failed one was answered.
//
// Its frame stays under melody's read loop for the connection's lifetime,
// so it is kept small: the Go runtime halves an idle goroutine's stack
// only while less than a quarter of it is in use.
func (s *Server) session(w http.ResponseWriter, r *http.Request, c *Conn, keys map[string]any, upgraded chan struct{}) {
	if err := s.m.HandleRequestWithKeys(w, r, keys); err != nil {
		s.upgradeFailed(w, c, err)
	}
	s.sessionEnded(c, upgraded)
}

// upgradeFailed answers a request melody did not upgrade.
//
//go:noinline
func (s *Server) upgradeFailed(w http.ResponseWriter, c *Conn, err error) {
	if errors.Is(err, melody.ErrClosed) {
		s.refuse(w, c.route, http.StatusServiceUnavailable, CodeUnavailable, "server is shutting down", nil)
	}
	// Otherwise the upgrader already answered (bad handshake).
	s.opts.Logger.Debug("ws: upgrade failed", "route", c.route, "err", err)
}

// sessionEnded lets serve return if the upgrade failed, and ends c.
//
//go:noinline
func (s *Server) sessionEnded(c *Conn, upgraded chan struct{}) {
	if !c.isAttached() {
		close(upgraded)
	}
	c.finish()
	s.release(c)
}

const (
	runKey      = "jsgen.ws.run"
	hijackKey   = "jsgen.ws.hijack"
	upgradedKey = "jsgen.ws.upgraded"
)

// onConnect runs on the session's goroutine right after the upgrade,
// before melody starts the connection's pumps: it binds the session,
// lets serve return, and starts the handler.
func (s *Server) onConnect(ss *melody.Session) {
	c := connOf(ss)
	hw := ss.Keys[hijackKey].(*hijackWriter)
	// Nothing reads the session's request (the runtime never exposes the
	// session): let its headers be collected while the connection lives.
	ss.Request = nil
	s.opts.Metrics.ConnOpened(c.route)
	ok := c.attach(ss, hw.conn)
	close(ss.Keys[upgradedKey].(chan struct{}))
	if !ok {
		return
	}
	run := ss.Keys[runKey].(func(context.Context, *Conn) error)
	s.wg.Add(1)
	go c.runHandler(run)
}

// onDisconnect runs on the HTTP goroutine once melody's read loop ended
// and the session is closed.
func (s *Server) onDisconnect(ss *melody.Session) {
	c := connOf(ss)
	if dropped, cause := c.finish(); dropped > 0 {
		s.opts.Metrics.Dropped(c.route, cause, dropped)
	}
	s.opts.Metrics.ConnClosed(c.route, c.closeCode())
}

// onError classifies what melody reports. It runs on melody's goroutines.
// Only the reader's failures (read limit, protocol error), reported on
// melody's read goroutine, lock the Conn and linger there (see
// Conn.readerClosed); the others may come while the Conn's mutex is held
// (inside Session.Write) and must not lock it.
func (s *Server) onError(ss *melody.Session, err error) {
	c := connOf(ss)
	var ce *websocket.CloseError
	var ne net.Error
	var op *net.OpError
	switch {
	case errors.Is(err, melody.ErrWriteClosed), errors.Is(err, melody.ErrSessionClosed),
		errors.Is(err, websocket.ErrCloseSent):
	case errors.As(err, &ce):
		c.peerCode.CompareAndSwap(0, int32(ce.Code))
	case errors.Is(err, websocket.ErrReadLimit):
		c.sentCode.CompareAndSwap(0, CloseTooBig)
		s.opts.Metrics.Error(c.route, ErrCodeMessageTooBig)
		c.readerClosed(ErrCodeMessageTooBig)
	case errors.As(err, &ne) && ne.Timeout():
		if c.closing.Load() {
			return
		}
		s.opts.Metrics.Error(c.route, ErrCodeTimeout)
		// gorilla hides the *net.OpError behind its own net.Error but keeps
		// the message, which starts with the operation: "write tcp …" or
		// "writev tcp …" for the writer, "read tcp …" for the pong wait.
		if errors.As(err, &op) && strings.HasPrefix(op.Op, "write") || strings.HasPrefix(err.Error(), "write") {
			s.opts.Metrics.SlowClient(c.route)
			s.log(c, slog.LevelInfo, "client too slow: write deadline passed", slog.Any("err", err))
		}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
	case strings.HasPrefix(err.Error(), "websocket: "):
		if !c.closing.Load() {
			c.sentCode.CompareAndSwap(0, CloseProtocolError)
			s.opts.Metrics.Error(c.route, ErrCodeProtocol)
			s.log(c, slog.LevelDebug, "protocol error", slog.Any("err", err))
		}
		c.readerClosed(ErrCodeProtocol)
	default:
		s.log(c, slog.LevelDebug, "connection error", slog.Any("err", err))
	}
}

// onWriteError classifies a failed data-frame write (see Conn.writeFailed).
func (s *Server) onWriteError(c *Conn, err error) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && !c.closing.Load() {
		s.opts.Metrics.Error(c.route, ErrCodeTimeout)
		s.opts.Metrics.SlowClient(c.route)
		s.log(c, slog.LevelInfo, "client too slow: write deadline passed", slog.Any("err", err))
		return
	}
	s.log(c, slog.LevelDebug, "write failed", slog.Any("err", err))
}

// log writes one record with the connection's ID and route.
func (s *Server) log(c *Conn, level slog.Level, msg string, attrs ...slog.Attr) {
	l := s.opts.Logger
	ctx := context.Background()
	if !l.Enabled(ctx, level) {
		return
	}
	attrs = append(attrs, slog.String("conn_id", c.id), slog.String("route", c.route))
	l.LogAttrs(ctx, level, "ws: "+msg, attrs...)
}

// Shutdown stops accepting upgrades (they get 503), closes every
// connection with 1001 "server shutting down" (frames still queued are
// discarded and counted), and waits for the handlers and connections to
// end. If ctx ends first it closes the remaining sockets outright and
// returns ctx's error. Calling it again waits for the same shutdown.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutOnce.Do(s.startShutdown)
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		s.hardCloseAll()
		return fmt.Errorf("ws: shutdown: %w", ctx.Err())
	}
}

func (s *Server) startShutdown() {
	s.mu.Lock()
	s.shutting = true
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.closeWith(closeReq{code: CloseGoingAway, reason: "server shutting down", mode: discardQueue, cause: "shutdown"})
	}
	go func() {
		s.wg.Wait()
		_ = s.m.Close() // no sessions are left; marks melody's hub closed
		close(s.done)
	}()
}

// hardCloseAll closes every remaining socket without a close frame.
func (s *Server) hardCloseAll() {
	s.mu.Lock()
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.mu.Lock()
		wsc := c.wsc
		c.mu.Unlock()
		if wsc != nil {
			_ = wsc.Close()
		}
	}
}
