package ws

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
	"github.com/olahol/melody"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// Server owns one melody instance (see melody.go), its connections and the
// flushers their writers share.
// Routes are mounted on it with Handle or Handler. Its methods are safe
// for concurrent use.
type Server struct {
	opts     Options
	m        *melody.Melody
	ids      idGen
	batches  batchPool
	out      writerConfig // what every connection's writer shares
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
	s.out = writerConfig{maxQueue: o.MaxQueueBytes, batchBytes: o.WriteBatchBytes, writeWait: o.WriteWait,
		pingPeriod: o.PingPeriod, wg: &s.wg, batches: &s.batches}
	s.m = s.newMelody()
	s.flushers = newFlushers(s)
	return s, nil
}

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

// log writes one record with the connection's ID and route.
func (s *Server) log(c *Conn, level slog.Level, msg string, attrs ...slog.Attr) {
	logConn(s.opts.Logger, c.id, c.route, level, msg, attrs...)
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
		nc := c.nc
		c.mu.Unlock()
		if nc != nil {
			_ = nc.Close()
		}
	}
}
