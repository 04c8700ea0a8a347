package ws

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

type phase uint8

const (
	phaseOpen    phase = iota // sending allowed
	phaseClosing              // close requested: no new frames, close frame on its way
	phaseDone                 // the read side ended; the connection is gone
)

// closeMode says what happens to frames still queued when a close starts.
type closeMode uint8

const (
	flushQueue   closeMode = iota // write them (bounded by FlushTimeout), then the close frame
	discardQueue                  // drop them (counted), write the close frame at once
)

type closeReq struct {
	code   int
	reason string
	mode   closeMode
	cause  string // Dropped reason for discarded frames
}

// Conn is one WebSocket connection on a Route: its identity and its
// lifecycle (open, closing, done). Its outbound frames go through its
// writer, which alone writes to the socket. Its methods are safe for
// concurrent use. Generated code wraps it in a typed connection.
type Conn struct {
	srv      *Server
	route    string
	id       string
	identity any
	state    any
	remote   string
	ctx      context.Context
	cancel   context.CancelFunc
	in       deliverer
	auth     *connAuth // set before the upgrade on a route with Authenticate (see auth.go)
	out      writer    // reports to (*connMetrics)(c)

	nc       net.Conn    // the socket below gorilla; set once by attach
	limiter  tokenBucket // only touched by melody's read goroutine
	lingered int64       // bytes ignored while closing; only touched by melody's read goroutine

	mu       sync.Mutex
	phase    phase
	attached bool
	req      closeReq // the close in progress (phase ≥ phaseClosing)
	onDone   []func() // started once ctx is cancelled (afterDone)

	closing  atomic.Bool  // phase != phaseOpen, read lock-free by the reader
	sentCode atomic.Int32 // close code sent by the runtime
	peerCode atomic.Int32 // close code the client sent
	readDone chan struct{}
	doneOnce sync.Once
}

func newConn(s *Server, route, remote string, identity, state any, in deliverer, parent context.Context) *Conn {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	c := &Conn{
		srv:      s,
		route:    route,
		id:       s.ids.next(),
		identity: identity,
		state:    state,
		remote:   remote,
		ctx:      ctx,
		cancel:   cancel,
		in:       in,
		readDone: make(chan struct{}),
	}
	c.out.cfg = &s.out
	c.out.f = s.flushers[s.shards.Add(1)%uint32(len(s.flushers))]
	c.out.m = (*connMetrics)(c)
	c.limiter.init(s.opts.MessageRate, s.opts.MessageBurst)
	return c
}

// ID returns the connection's ID, "<node>-<n>": unique across the
// Server's lifetime and, through the node prefix, across nodes. It is the
// value to pass as a channel publish's Except and as a subscriber ID.
func (c *Conn) ID() string { return c.id }

// Context returns a context cancelled as soon as the connection starts
// closing for any reason: the client left, the handler returned, the
// server is shutting down, or the runtime closed it (slow client, rate
// limit, protocol error). It carries the upgrade request's values.
func (c *Conn) Context() context.Context { return c.ctx }

// Identity returns what the guard returned for this connection (nil
// without a guard).
func (c *Conn) Identity() any { return c.identity }

// State returns what the route's Prepare returned (nil without Prepare).
func (c *Conn) State() any { return c.state }

// Route returns the pattern of the Route the connection came through.
func (c *Conn) Route() string { return c.route }

// RemoteAddr returns the client's address as the HTTP server saw it.
func (c *Conn) RemoteAddr() string { return c.remote }

// QueuedBytes returns how many outbound bytes are queued and not yet
// written to the socket.
func (c *Conn) QueuedBytes() int { return c.out.QueuedBytes() }

// SendBytes queues one pre-encoded text frame. It never blocks on the
// network: the connection's flusher writes the frame, together with any
// others queued for the connection by then, with one non-blocking writev
// (Linux, plain TCP); what the socket does not take goes to a writer
// goroutine that waits for the client. The frame is shared, not copied:
// the caller must not modify b afterwards (the same slice may go to many
// connections). Frames are written in the order SendBytes accepted them.
//
// It returns ErrClosed once the connection is closing, and ErrSlowClient
// when b would push the queued bytes past MaxQueueBytes: the connection is
// then closed with 1013 and its queued frames are discarded (counted as
// dropped). A frame larger than MaxQueueBytes is accepted only when
// nothing is queued.
func (c *Conn) SendBytes(b []byte) error {
	err := c.out.Enqueue(b)
	if err == ErrSlowClient {
		m := c.srv.opts.Metrics
		m.SlowClient(c.route)
		m.Error(c.route, ErrCodeSlowClient)
		c.closeWith(closeReq{code: CloseTryAgainLater, reason: "slow client: outbound queue limit exceeded", mode: discardQueue, cause: ErrCodeSlowClient})
		m.Dropped(c.route, ErrCodeSlowClient, 1)
	}
	return err
}

// Close closes the connection with code and reason after the frames
// already queued are written (bounded by FlushTimeout). code must be one
// an endpoint may send (1000-1003, 1007-1014, 3000-4999); any other is
// sent as 1011. The reason is cut to the 123 bytes a close frame allows.
// Only the first close of a connection has an effect.
func (c *Conn) Close(code int, reason string) {
	if !sendableCloseCode(code) {
		code = CloseInternal
	}
	c.closeWith(closeReq{code: code, reason: truncateReason(reason), mode: flushQueue, cause: "closed"})
}

// sendableCloseCode reports whether code may appear in a close frame
// (RFC 6455 §7.4: 1004-1006 and 1015 are reserved, 1016-2999 unassigned).
func sendableCloseCode(code int) bool {
	return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999
}

// closeWith starts closing: no more frames are accepted, the context is
// cancelled and a goroutine (tracked by the Server) has the close frame
// written and tears the connection down. Only the first call has an
// effect. It never blocks and takes no fan-out lock, so it is safe inside
// a channel delivery (Subscribe).
func (c *Conn) closeWith(req closeReq) {
	c.mu.Lock()
	if c.phase != phaseOpen {
		c.mu.Unlock()
		return
	}
	c.phase = phaseClosing
	c.closing.Store(true)
	c.req = req
	start := c.attached
	if start {
		c.srv.wg.Add(1) // the connection's ServeHTTP is still counted, so the counter is > 0
	}
	c.mu.Unlock()
	c.out.Stop(req.mode == discardQueue, req.cause)
	c.cancelContext()
	if start {
		go c.runClose(req)
	}
}

// runClose ends the connection: it waits for queued frames (flush mode,
// bounded by FlushTimeout), has the writer write the close frame (bounded
// by CloseTimeout), waits for the client's close reply, then closes the
// socket. Each wait is bounded, so it ends even if the client never reads
// again.
func (c *Conn) runClose(req closeReq) {
	defer c.srv.wg.Done()
	o := &c.srv.opts
	if req.mode == flushQueue {
		c.out.Drain(time.Now().Add(o.FlushTimeout))
	}
	if c.out.Close(closePayload(req.code, req.reason), req.cause) {
		c.sentCode.CompareAndSwap(0, int32(req.code))
		if !c.out.Drain(time.Now().Add(o.CloseTimeout)) {
			c.srv.log(c, slog.LevelDebug, "close frame not written", slog.Int("code", req.code))
		}
	}
	c.awaitPeerClose()
	_ = c.nc.Close()
}

// closePayload is the payload of a close frame with code and reason.
func closePayload(code int, reason string) []byte {
	return websocket.FormatCloseMessage(code, reason)
}

// awaitPeerClose is the lingering close after the runtime's close frame:
// melody's read loop goes on reading (and onMessage discarding, see
// Conn.ignore) until the client's close reply or disconnection ends it,
// or LingerTimeout passes.
func (c *Conn) awaitPeerClose() {
	d := c.srv.opts.LingerTimeout
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.readDone:
	case <-t.C:
	}
}

// ignore accounts for a message the client sent while the connection is
// closing. Past LingerBytes the socket is closed, which ends the read
// loop: the lingering close has read enough.
func (c *Conn) ignore(n int) {
	c.lingered += int64(n)
	if c.lingered > c.srv.opts.LingerBytes {
		_ = c.nc.Close()
	}
}

// readerFailed runs on melody's read goroutine when gorilla's reader
// refused what the client sent (a message over ReadLimit: 1009; a protocol
// error: 1002). The connection starts closing as for Close, except that
// the queued frames are dropped: the writer writes the close frame with
// payload at once, while the socket lingers (see lingerRaw).
func (c *Conn) readerFailed(payload []byte, cause string) {
	c.mu.Lock()
	open := c.phase == phaseOpen
	if open {
		c.phase = phaseClosing
		c.closing.Store(true)
		c.req = closeReq{cause: cause}
	}
	c.mu.Unlock()
	if open {
		c.cancelContext()
	}
	if !c.out.Close(payload, cause) {
		return
	}
	// Discard what the client is still sending while the writer sends the
	// close frame, so the client's write never stalls on a full socket;
	// then give the writer the time it still needs before melody closes
	// the socket.
	c.lingerRaw()
	if !c.out.Drain(time.Now().Add(c.srv.opts.CloseTimeout)) {
		c.srv.log(c, slog.LevelDebug, "close frame not written", slog.String("cause", cause))
	}
}

// peerClosed runs on melody's read goroutine when the client sent a close
// frame: the writer answers with the same code (RFC 6455 §5.5.1) before
// the read loop ends and the socket closes; queued frames are dropped.
func (c *Conn) peerClosed(code int) {
	c.peerCode.CompareAndSwap(0, int32(code))
	payload := []byte{}
	if code != websocket.CloseNoStatusReceived {
		payload = closePayload(code, "")
	}
	if c.out.Close(payload, "disconnected") {
		c.out.Drain(time.Now().Add(c.srv.opts.CloseTimeout))
	}
}

// lingerRaw reads and discards from the socket, below gorilla (whose
// reader has failed), until the client closes the connection, LingerBytes
// (less what was already ignored) have been read or LingerTimeout passes.
// It runs on melody's read goroutine; melody closes the socket when it
// returns. Server.Shutdown's hard close ends it early.
func (c *Conn) lingerRaw() {
	o := &c.srv.opts
	budget := o.LingerBytes - c.lingered
	if o.LingerTimeout <= 0 || budget <= 0 {
		return
	}
	nc := c.nc
	if err := nc.SetReadDeadline(time.Now().Add(o.LingerTimeout)); err != nil {
		return
	}
	n, _ := io.CopyN(io.Discard, nc, budget)
	c.lingered += n
}

// attach binds the upgraded socket (nc, below gorilla) and hands it to
// the writer. It runs on the session's goroutine before melody starts its
// pumps. It reports whether the handler should run (not when a close, e.g.
// shutdown, arrived during the upgrade).
func (c *Conn) attach(nc net.Conn, raw *rawWriter) bool {
	c.mu.Lock()
	c.nc = nc
	c.attached = true
	c.out.Attach(nc, raw) // under mu: runClose never starts before the writer has its socket
	closing := c.phase != phaseOpen
	if closing {
		c.srv.wg.Add(1)
	}
	req := c.req
	c.mu.Unlock()
	if closing {
		go c.runClose(req)
		return false
	}
	return true
}

// finish runs once the read side has ended (melody's disconnect) or the
// upgrade failed: it marks the connection gone, counts undelivered frames
// as dropped and cancels the context (which ends its subscriptions).
func (c *Conn) finish() (dropped int, cause string) {
	c.doneOnce.Do(func() {
		c.mu.Lock()
		cause = c.req.cause
		if cause == "" {
			cause = "disconnected"
		}
		c.phase = phaseDone
		c.closing.Store(true)
		c.mu.Unlock()
		dropped = c.out.Detach()
		close(c.readDone)
		c.cancelContext()
	})
	return dropped, cause
}

// closeCode is the code recorded for metrics: the one the server side sent,
// else the client's, else 1006 (abnormal closure).
func (c *Conn) closeCode() int {
	if code := c.sentCode.Load(); code != 0 {
		return int(code)
	}
	if code := c.peerCode.Load(); code != 0 {
		return int(code)
	}
	return websocket.CloseAbnormalClosure
}

// truncateReason cuts s to the 123 bytes a close frame's reason may hold,
// without splitting a UTF-8 sequence.
func truncateReason(s string) string {
	const maxReason = 123
	if len(s) <= maxReason {
		return s
	}
	s = s[:maxReason]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// afterDone runs f on a goroutine of its own once c's context is cancelled
// (at once if it already is), as context.AfterFunc(c.Context(), f) would,
// without a context registration's ≈ 600 bytes per connection.
func (c *Conn) afterDone(f func()) {
	c.mu.Lock()
	if c.ctx.Err() == nil {
		c.onDone = append(c.onDone, f)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	go f()
}

// cancelContext cancels c's context and starts what afterDone registered.
func (c *Conn) cancelContext() {
	c.cancel()
	c.mu.Lock()
	fs := c.onDone
	c.onDone = nil
	c.mu.Unlock()
	for _, f := range fs {
		go f()
	}
}
