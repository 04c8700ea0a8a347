package ws

// This file is the runtime's only contact with melody: the upgrade, the
// read loop and its callbacks. Everything melody hands back is mapped to
// the connection's typed session here (sessionOf).

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/olahol/melody"
)

// readBufferSize is gorilla's read buffer per connection, held for the
// connection's lifetime: small, since an idle connection's memory is what
// bounds how many a node holds (gorilla raises it to 125 bytes, a control
// frame's largest payload). A frame up to ≈ 250 bytes, a typical chat
// message, is read with one syscall; a larger one's rest is read straight
// into the message, so a small buffer costs at most one more read per
// frame, and inbound frames are rate-limited.
const readBufferSize = 256

// neverPing is melody's ping period: melody must never write (its writer
// would bypass the connection's writer), so its ticker never fires. The
// writer sends the pings (Options.PingPeriod).
const neverPing = time.Duration(1<<63 - 1)

// session is the runtime's typed state for one melody session. melody's
// Keys map stays nil (a map per connection costs ≈ 300 bytes): the state
// is reached through the socket gorilla reads from, the session's
// readSide (sessionOf).
type session struct {
	conn     *Conn
	run      func(context.Context, *Conn) error // the handler; cleared once started
	hijack   *hijackWriter                      // cleared once upgraded
	upgraded chan struct{}                      // closed (then nil) once the upgrade is done or failed
	side     *readSide                          // gorilla's view of the socket
}

// sessionOf returns the runtime's state for ss: gorilla's socket is the
// readSide Hijack made, which points back to the session.
func sessionOf(ss *melody.Session) *session {
	return ss.WebsocketConnection().NetConn().(*readSide).st
}

// newMelody builds the melody instance with jsgen's settings instead of
// melody's unsafe defaults: origin checked (melody allows any), read limit
// 64 KiB (melody: 512 B), compression off, pong wait from Options, one
// message at a time per connection. melody never writes: its ping ticker
// never fires (neverPing), its per-session channel (no slot instead of
// 256) is never used, and gorilla's own control-frame replies are
// replaced (onConnect). The connection's writer sends every frame.
func (s *Server) newMelody() *melody.Melody {
	m := melody.New()
	m.Config.WriteWait = s.opts.WriteWait
	m.Config.PongWait = s.opts.PongWait
	m.Config.PingPeriod = neverPing
	m.Config.MaxMessageSize = s.opts.ReadLimit
	m.Config.MessageBufferSize = 0
	m.Config.ConcurrentMessageHandling = false
	m.Upgrader = &websocket.Upgrader{
		HandshakeTimeout:  s.opts.HandshakeTimeout,
		ReadBufferSize:    readBufferSize,
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
	m.HandleMessage(func(ss *melody.Session, b []byte) { sessionOf(ss).conn.onMessage(false, b) })
	m.HandleMessageBinary(func(ss *melody.Session, b []byte) { sessionOf(ss).conn.onMessage(true, b) })
	m.HandleError(s.onError)
	return m
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
	st := &session{conn: c, run: run, upgraded: make(chan struct{})}
	st.hijack = &hijackWriter{ResponseWriter: w, st: st}
	upgraded := st.upgraded
	go s.session(st.hijack, r, st)
	<-upgraded
}

// session runs melody's side of st's connection until it ends. st.upgraded
// is closed once w is no longer used: by onConnect after a successful
// upgrade, or here after a failed one was answered.
//
// Its frame stays under melody's read loop for the connection's lifetime,
// so it is kept small: the Go runtime halves an idle goroutine's stack
// only while less than a quarter of it is in use.
func (s *Server) session(w http.ResponseWriter, r *http.Request, st *session) {
	if err := s.m.HandleRequestWithKeys(w, r, nil); err != nil {
		s.upgradeFailed(w, st.conn, err)
	}
	s.sessionEnded(st)
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
func (s *Server) sessionEnded(st *session) {
	c := st.conn
	if st.upgraded != nil { // onConnect never ran: the upgrade failed
		close(st.upgraded)
	}
	c.finish()
	s.release(c)
}

// onConnect runs on the session's goroutine right after the upgrade,
// before melody starts the connection's pumps: it takes the socket's write
// half away from gorilla (pongs and close replies go through the writer),
// binds the socket, lets serve return, and starts the handler.
func (s *Server) onConnect(ss *melody.Session) {
	st := sessionOf(ss)
	c := st.conn
	// Nothing reads the session's request (the runtime never exposes the
	// session): let its headers be collected while the connection lives.
	ss.Request = nil
	s.opts.Metrics.ConnOpened(c.route)
	side := st.hijack.conn
	side.seal()
	st.side, st.hijack = side, nil
	wsc := ss.WebsocketConnection()
	wsc.SetPingHandler(func(data string) error { c.out.Pong([]byte(data)); return nil })
	wsc.SetCloseHandler(func(code int, _ string) error { c.peerClosed(code); return nil })
	ok := c.attach(side.Conn, newRawWriter(side.Conn))
	close(st.upgraded)
	st.upgraded = nil // serve has its own reference; the connection keeps nothing
	if !ok {
		return
	}
	run := st.run
	st.run = nil
	s.wg.Add(1)
	go c.runHandler(run)
}

// onDisconnect runs on the HTTP goroutine once melody's read loop ended
// and the session is closed.
func (s *Server) onDisconnect(ss *melody.Session) {
	c := sessionOf(ss).conn
	if dropped, cause := c.finish(); dropped > 0 {
		s.opts.Metrics.Dropped(c.route, cause, dropped)
	}
	s.opts.Metrics.ConnClosed(c.route, c.closeCode())
}

// onError handles what melody reports, by type. melody never writes, so
// every error comes from the read loop, on melody's read goroutine.
func (s *Server) onError(ss *melody.Session, err error) { s.readError(sessionOf(ss), err) }

// readError classifies err, which ended st's read loop.
func (s *Server) readError(st *session, err error) {
	c := st.conn
	var ce *websocket.CloseError
	var ne net.Error
	var op *net.OpError
	switch {
	case errors.Is(err, melody.ErrWriteClosed), errors.Is(err, melody.ErrSessionClosed),
		errors.Is(err, websocket.ErrCloseSent), errors.Is(err, errReadOnly):
	case errors.As(err, &ce):
		c.peerCode.CompareAndSwap(0, int32(ce.Code))
	case errors.Is(err, websocket.ErrReadLimit):
		c.sentCode.CompareAndSwap(0, CloseTooBig)
		s.opts.Metrics.Error(c.route, ErrCodeMessageTooBig)
		c.readerFailed(closePayload(CloseTooBig, ""), ErrCodeMessageTooBig)
	case errors.As(err, &ne) && ne.Timeout():
		// The read deadline: no pong (nor anything else) for PongWait.
		if !c.closing.Load() {
			s.opts.Metrics.Error(c.route, ErrCodeTimeout)
		}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed), errors.As(err, &op):
		s.log(c, slog.LevelDebug, "connection ended", slog.Any("err", err))
	case st.side.refused() != nil:
		// gorilla found the client's frames malformed and tried to answer
		// with a close frame (1002 and its reason); the writer sends it.
		if !c.closing.Load() {
			c.sentCode.CompareAndSwap(0, CloseProtocolError)
			s.opts.Metrics.Error(c.route, ErrCodeProtocol)
			s.log(c, slog.LevelDebug, "protocol error", slog.Any("err", err))
		}
		c.readerFailed(st.side.refused(), ErrCodeProtocol)
	default:
		s.log(c, slog.LevelDebug, "connection error", slog.Any("err", err))
	}
}

// hijackWriter wraps the ResponseWriter handed to melody so that the
// connection gorilla hijacks is a readSide.
type hijackWriter struct {
	http.ResponseWriter
	st   *session
	conn *readSide // set by Hijack
}

// Hijack hijacks the underlying connection and wraps it in a readSide.
// It then drops the ResponseWriter, which nothing may use after a hijack
// and which holds net/http's per-request buffers (≈ 10 KB) alive.
func (h *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nc, brw, err
	}
	h.ResponseWriter = nil
	h.conn = &readSide{Conn: nc, st: h.st}
	return h.conn, brw, nil
}

// Unwrap lets http.ResponseController reach the original writer.
func (h *hijackWriter) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// readSide is the socket as gorilla sees it. gorilla writes the handshake
// response through it; once sealed (the upgrade is done) it only reads,
// and the connection's writer alone writes. A write gorilla still attempts
// after that — the close frame its reader wants to send for a malformed
// frame — fails with errReadOnly, writes nothing and is kept so the
// runtime can have the writer send it (refused). gorilla's write deadlines
// are ignored once sealed: the writer sets its own.
type readSide struct {
	net.Conn
	st     *session
	sealed atomic.Bool
	close  atomic.Pointer[[]byte] // payload of the close frame gorilla tried to write
}

// errReadOnly is what gorilla's writes get once the writer owns the socket.
var errReadOnly = errors.New("ws: gorilla may not write: the connection's writer owns the socket")

func (r *readSide) seal() { r.sealed.Store(true) }

// Write passes the handshake through; after it, it keeps the payload of a
// close frame and refuses everything.
func (r *readSide) Write(p []byte) (int, error) {
	if !r.sealed.Load() {
		return r.Conn.Write(p)
	}
	// A server's frame is unmasked; a control frame's length fits in p[1].
	if len(p) >= 2 && p[0] == 0x80|opClose && int(p[1]&0x7f) == len(p)-2 && r.close.Load() == nil {
		payload := append([]byte(nil), p[2:]...)
		r.close.Store(&payload)
	}
	return 0, errReadOnly
}

// refused returns the payload of the close frame gorilla tried to write,
// or nil.
func (r *readSide) refused() []byte {
	if p := r.close.Load(); p != nil {
		return *p
	}
	return nil
}

// SetWriteDeadline applies to the handshake only.
func (r *readSide) SetWriteDeadline(t time.Time) error {
	if r.sealed.Load() {
		return nil
	}
	return r.Conn.SetWriteDeadline(t)
}

// SetDeadline sets the read deadline, and the write deadline for the
// handshake only.
func (r *readSide) SetDeadline(t time.Time) error {
	if r.sealed.Load() {
		return r.Conn.SetReadDeadline(t)
	}
	return r.Conn.SetDeadline(t)
}
