package ws

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/olahol/melody"
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

// Conn is one WebSocket connection on a Route. Its methods are safe for
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

	// Set once by attach (before the handler and melody's pumps start),
	// read-only afterwards.
	sess *melody.Session
	wsc  *websocket.Conn

	limiter tokenBucket // only touched by melody's read goroutine

	mu       sync.Mutex
	phase    phase
	attached bool
	queue    frameQueue // frames not yet handed to melody
	inflight int        // frames handed to melody and not yet reported written
	queued   int        // bytes in queue + in flight
	drained  chan struct{}
	req      closeReq // the close in progress (phase ≥ phaseClosing)

	pending  atomic.Int32 // inflight + queue.len(), read lock-free by batchConn
	closing  atomic.Bool  // phase != phaseOpen, read lock-free by the reader
	overflow atomic.Bool  // melody reported ErrMessageBufferFull (a bug: must not happen)
	sentCode atomic.Int32 // close code sent by us or by gorilla
	peerCode atomic.Int32 // close code the client sent
	readDone chan struct{}
	doneOnce sync.Once

	roomsMu sync.Mutex
	rooms   map[roomKey]struct{}
	left    bool
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
	c.limiter.init(s.opts.MessageRate, s.opts.MessageBurst)
	return c
}

// ID returns the connection's ID, "<node>-<n>": unique across the
// Server's lifetime and, through the node prefix, across nodes. It is the
// value to pass as Broadcast's except and as a channel subscriber ID.
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
func (c *Conn) QueuedBytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queued
}

// SendBytes queues one pre-encoded text frame. It never blocks on the
// network. The frame is shared, not copied: the caller must not modify b
// afterwards (the same slice may go to many connections). Frames are
// written in the order SendBytes accepted them.
//
// It returns ErrClosed once the connection is closing, and ErrSlowClient
// when b would push the queued bytes past MaxQueueBytes: the connection is
// then closed with 1013 and its queued frames are discarded (counted as
// dropped). A frame larger than MaxQueueBytes is accepted only when
// nothing is queued.
func (c *Conn) SendBytes(b []byte) error {
	c.mu.Lock()
	if c.phase != phaseOpen {
		c.mu.Unlock()
		return ErrClosed
	}
	if c.queued > 0 && c.queued+len(b) > c.srv.opts.MaxQueueBytes {
		c.mu.Unlock()
		c.srv.opts.Metrics.SlowClient(c.route)
		c.srv.opts.Metrics.Error(c.route, ErrCodeSlowClient)
		c.closeWith(closeReq{code: CloseTryAgainLater, reason: "slow client: outbound queue limit exceeded", mode: discardQueue, cause: ErrCodeSlowClient})
		c.srv.opts.Metrics.Dropped(c.route, ErrCodeSlowClient, 1)
		return ErrSlowClient
	}
	c.queued += len(b)
	if c.attached && c.inflight < sendWindow && c.queue.len() == 0 {
		c.handOver(b)
	} else {
		c.queue.push(b)
	}
	c.pending.Store(int32(c.inflight + c.queue.len()))
	c.mu.Unlock()
	c.srv.opts.Metrics.QueueBytes(c.route, len(b))
	c.checkOverflow()
	return nil
}

// handOver gives b to melody's writer. The caller holds mu and has checked
// inflight < sendWindow, so melody's channel (capacity sendWindow) has room
// and its drop-when-full path is never taken.
func (c *Conn) handOver(b []byte) {
	c.inflight++
	_ = c.sess.Write(b) // fails only once the session is closed: the connection is gone
}

// onSent runs on melody's writer goroutine after a data frame was written:
// it hands over the next queued frame and settles the byte count.
func (c *Conn) onSent(b []byte) {
	c.mu.Lock()
	if c.phase == phaseDone {
		c.mu.Unlock()
		return
	}
	c.inflight--
	c.queued -= len(b)
	if next, ok := c.queue.pop(); ok {
		c.handOver(next)
	}
	c.pending.Store(int32(c.inflight + c.queue.len()))
	if c.drained != nil && c.inflight == 0 && c.queue.len() == 0 {
		close(c.drained)
		c.drained = nil
	}
	c.mu.Unlock()
	m := c.srv.opts.Metrics
	m.FrameOut(c.route, len(b))
	m.QueueBytes(c.route, -len(b))
	c.checkOverflow()
}

// checkOverflow closes the connection if melody ever dropped a frame, so
// no drop is silent even if the window invariant were broken.
func (c *Conn) checkOverflow() {
	if c.overflow.Load() {
		c.srv.opts.Metrics.Error(c.route, ErrCodeMelodyOverflow)
		c.closeWith(closeReq{code: CloseInternal, reason: "internal error: frame lost", mode: discardQueue, cause: ErrCodeMelodyOverflow})
	}
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
// cancelled and a goroutine (tracked by the Server) writes the close frame
// and tears the connection down. Only the first call has an effect. It
// never blocks and takes no Hub lock, so it is safe inside Broadcast.
func (c *Conn) closeWith(req closeReq) {
	c.mu.Lock()
	if c.phase != phaseOpen {
		c.mu.Unlock()
		return
	}
	c.phase = phaseClosing
	c.closing.Store(true)
	c.req = req
	var dropped, droppedBytes int
	if req.mode == discardQueue {
		dropped, droppedBytes = c.queue.clear()
		c.queued -= droppedBytes
		c.pending.Store(int32(c.inflight))
	}
	start := c.attached
	if start {
		c.srv.wg.Add(1) // the connection's ServeHTTP is still counted, so the counter is > 0
	}
	c.mu.Unlock()
	c.cancel()
	if dropped > 0 {
		c.srv.opts.Metrics.Dropped(c.route, req.cause, dropped)
		c.srv.opts.Metrics.QueueBytes(c.route, -droppedBytes)
	}
	if start {
		go c.runClose(req)
	}
}

// runClose writes the close frame and ends the connection: it leaves every
// room, waits for queued frames (flush mode), writes the close frame with
// a deadline, waits for the client's close reply, then closes the socket.
// Each wait is bounded, so it ends even if the client never reads again.
func (c *Conn) runClose(req closeReq) {
	defer c.srv.wg.Done()
	c.leaveAll()
	o := &c.srv.opts
	if req.mode == flushQueue {
		c.waitDrained(o.FlushTimeout)
	}
	c.sentCode.CompareAndSwap(0, int32(req.code))
	payload := websocket.FormatCloseMessage(req.code, req.reason)
	if err := c.wsc.WriteControl(websocket.CloseMessage, payload, time.Now().Add(o.CloseTimeout)); err != nil {
		c.srv.log(c, slog.LevelDebug, "close frame not written", slog.Int("code", req.code), slog.Any("err", err))
	}
	t := time.NewTimer(o.CloseTimeout)
	select {
	case <-c.readDone:
	case <-t.C:
	}
	t.Stop()
	_ = c.wsc.Close()
}

// waitDrained waits until every queued frame is written, the connection is
// gone, or d passes.
func (c *Conn) waitDrained(d time.Duration) {
	c.mu.Lock()
	if c.inflight == 0 && c.queue.len() == 0 || c.phase == phaseDone {
		c.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	c.drained = ch
	c.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
	case <-c.readDone:
	case <-t.C:
	}
}

// attach binds the upgraded session. It runs on the HTTP goroutine before
// melody starts its pumps. It reports whether the handler should run (not
// when a close, e.g. shutdown, arrived during the upgrade).
func (c *Conn) attach(s *melody.Session, bw *batchConn) bool {
	c.mu.Lock()
	c.sess = s
	c.wsc = s.WebsocketConnection()
	c.attached = true
	for c.inflight < sendWindow { // frames queued before the upgrade finished
		b, ok := c.queue.pop()
		if !ok {
			break
		}
		c.handOver(b)
	}
	closing := c.phase != phaseOpen
	if closing {
		c.srv.wg.Add(1)
	}
	req := c.req
	c.mu.Unlock()
	if bw != nil {
		bw.arm(c.morePending)
	}
	if closing {
		go c.runClose(req)
		return false
	}
	return true
}

// morePending reports whether frames are queued behind the one being
// written (which is itself counted until onSent).
func (c *Conn) morePending() bool { return c.pending.Load() > 1 }

// finish runs once the read side has ended (melody's disconnect) or the
// upgrade failed: it marks the connection gone, counts undelivered frames
// as dropped, cancels the context and leaves every room.
func (c *Conn) finish() (dropped int, cause string) {
	c.doneOnce.Do(func() {
		c.mu.Lock()
		cause = c.req.cause
		if cause == "" {
			cause = "disconnected"
		}
		c.phase = phaseDone
		c.closing.Store(true)
		n, _ := c.queue.clear()
		dropped = n + c.inflight
		bytes := c.queued
		c.inflight, c.queued = 0, 0
		c.pending.Store(0)
		if c.drained != nil {
			close(c.drained)
			c.drained = nil
		}
		c.mu.Unlock()
		close(c.readDone)
		c.cancel()
		c.leaveAll()
		if bytes != 0 {
			c.srv.opts.Metrics.QueueBytes(c.route, -bytes)
		}
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
