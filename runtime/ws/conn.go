package ws

import (
	"context"
	"io"
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
	auth     *connAuth // set before the upgrade on a route with Authenticate (see auth.go)

	// Set once by attach (before the handler and melody's pumps start),
	// read-only afterwards.
	wsc   *websocket.Conn
	out   *sockConn
	shard int // index of the Server's flusher that writes for it

	limiter  tokenBucket // only touched by melody's read goroutine
	lingered int64       // bytes ignored while closing; only touched by melody's read goroutine

	mu       sync.Mutex
	phase    phase
	attached bool
	broken   bool       // a socket write failed: nothing more is written
	final    bool       // the close frame is on its way: no data frame may follow it
	writing  bool       // a writer (the flusher or writeLoop) owns the write side
	queue    frameQueue // frames not yet written
	queued   int        // payload bytes queued or being written by writeLoop
	drained  chan struct{}
	req      closeReq // the close in progress (phase ≥ phaseClosing)

	closing  atomic.Bool  // phase != phaseOpen, read lock-free by the reader
	sentCode atomic.Int32 // close code sent by us or by gorilla
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
	c.shard = int(s.shards.Add(1) % uint32(len(s.flushers)))
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
func (c *Conn) QueuedBytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queued
}

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
	c.mu.Lock()
	if c.phase != phaseOpen || c.broken {
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
	c.queue.push(outFrame{p: b})
	start := c.attached && !c.writing
	if start {
		c.startWrite()
	}
	c.mu.Unlock()
	c.srv.opts.Metrics.QueueBytes(c.route, len(b))
	return nil
}

// startWrite gives the write side to the connection's flusher, or to a
// writer goroutine where non-blocking writes are not available. The
// caller holds mu, the queue is not empty, nothing owns the write side,
// and the connection is not gone (so the Server's WaitGroup is above
// zero).
func (c *Conn) startWrite() {
	c.writing = true
	if c.out.raw == nil || c.srv.opts.WriteBatchBytes < 0 {
		c.startWriter(false)
		return
	}
	c.srv.flushers[c.shard].add(c)
}

// flush runs on the connection's flusher, which owns the write side: it
// writes what is queued with one non-blocking writev. The rest of a
// partial write goes to a writer goroutine, which keeps the socket lock so
// no other frame cuts into the one it is finishing.
func (c *Conn) flush(b *writeBatch) {
	c.mu.Lock()
	if c.queue.len() == 0 || c.phase == phaseDone || c.broken || c.final {
		c.yieldWrite()
		c.mu.Unlock()
		return
	}
	b.take(&c.queue, c.srv.opts.WriteBatchBytes)
	c.mu.Unlock()
	if !c.out.mu.TryLock() { // gorilla is writing a control frame: wait elsewhere
		c.requeue(b, 0, false)
		return
	}
	if c.stopped(b) {
		c.out.mu.Unlock()
		return
	}
	n, err := c.out.raw.writev(b.bufs)
	switch {
	case err != nil:
		c.out.mu.Unlock()
		c.settle(b, b.frames(), b.payload, false)
		c.writeFailed(err, b.frames())
	case n < b.wire:
		c.requeue(b, n, true)
	default:
		c.out.mu.Unlock()
		c.settle(b, b.frames(), b.payload, true)
		c.mu.Lock()
		if c.queue.len() > 0 && c.phase != phaseDone && !c.broken {
			c.srv.flushers[c.shard].add(c) // more came meanwhile; still ours
		} else {
			c.yieldWrite()
		}
		c.mu.Unlock()
	}
}

// requeue puts back, in front of the queue, the frames of b that the
// socket did not take (n bytes of b were written), accounts for the
// others, and starts a writer goroutine for the rest; locked says the
// caller holds the socket lock, which passes to the writer.
func (c *Conn) requeue(b *writeBatch, n int, locked bool) {
	done, payload, rest := b.split(n)
	c.settle(b, done, payload, true)
	c.mu.Lock()
	if c.phase == phaseDone { // finish counted what was queued; rest was being written
		c.writing = false
		c.mu.Unlock()
		if locked {
			c.out.mu.Unlock()
		}
		c.srv.opts.Metrics.Dropped(c.route, "disconnected", len(rest))
		return
	}
	for i := len(rest) - 1; i >= 0; i-- {
		c.queue.pushFront(rest[i])
	}
	c.startWriter(locked)
	c.mu.Unlock()
}

// startWriter starts writeLoop for a caller holding mu and owning the
// write side (c.writing), on a connection that is not gone (so the
// Server's WaitGroup is above zero).
func (c *Conn) startWriter(locked bool) {
	c.srv.wg.Add(1)
	go c.writeLoop(locked)
}

// writeLoop writes the queue in batches of up to WriteBatchBytes, each
// with one vectored write bounded by WriteWait, until the queue is empty.
// It owns the write side (c.writing) and, if locked, already holds the
// socket lock because the queue's first frame is partly on the wire.
func (c *Conn) writeLoop(locked bool) {
	defer c.srv.wg.Done()
	b := c.srv.batches.get()
	defer c.srv.batches.put(b)
	for {
		c.mu.Lock()
		if c.queue.len() == 0 || c.phase == phaseDone || c.broken {
			c.yieldWrite()
			c.mu.Unlock()
			if locked {
				c.out.mu.Unlock()
			}
			return
		}
		b.take(&c.queue, c.srv.opts.WriteBatchBytes)
		c.mu.Unlock()
		if !locked {
			c.out.mu.Lock()
			if c.stopped(b) {
				c.out.mu.Unlock()
				return
			}
		}
		err := c.out.writeBuffers(&b.bufs, time.Now().Add(c.srv.opts.WriteWait))
		c.out.mu.Unlock()
		locked = false
		c.settle(b, b.frames(), b.payload, err == nil)
		if err != nil {
			c.writeFailed(err, b.frames())
		}
	}
}

// settle takes the first frames frames of b, payload bytes in all, off
// the queued count, and counts them as written unless the write failed
// (writeFailed counts them as dropped).
func (c *Conn) settle(b *writeBatch, frames, payload int, written bool) {
	c.mu.Lock()
	live := c.phase != phaseDone // finish has zeroed the count otherwise
	if live {
		c.queued -= payload
	}
	c.mu.Unlock()
	m := c.srv.opts.Metrics
	if live && payload > 0 {
		m.QueueBytes(c.route, -payload)
	}
	if !written {
		return
	}
	for _, f := range b.taken[:frames] {
		m.FrameOut(c.route, len(f.p))
	}
}

// writeFailed handles a socket write that failed (the peer is gone, or
// took nothing for WriteWait): frames frames were lost, the queue is
// dropped (counted) and the socket closed, which ends the read side.
func (c *Conn) writeFailed(err error, frames int) {
	c.srv.onWriteError(c, err)
	c.mu.Lock()
	c.broken = true
	if c.phase == phaseOpen {
		c.phase = phaseClosing
		c.closing.Store(true)
		c.req = closeReq{cause: "write_failed"}
	}
	n, bytes := c.queue.clear()
	if c.phase != phaseDone {
		c.queued -= bytes
	} else {
		bytes = 0
	}
	c.mu.Unlock()
	c.cancel()
	m := c.srv.opts.Metrics
	if frames+n > 0 {
		m.Dropped(c.route, "write_failed", frames+n)
	}
	if bytes > 0 {
		m.QueueBytes(c.route, -bytes)
	}
	_ = c.wsc.Close()
}

// yieldWrite gives up the write side. The caller holds mu.
func (c *Conn) yieldWrite() {
	c.writing = false
	c.signalDrained()
}

// signalDrained wakes waitDrained once nothing is queued or being written.
// The caller holds mu.
func (c *Conn) signalDrained() {
	if c.drained != nil && !c.writing && c.queue.len() == 0 {
		close(c.drained)
		c.drained = nil
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
// never blocks and takes no fan-out lock, so it is safe inside a channel
// delivery (Subscribe).
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
		dropped, droppedBytes = c.queue.discard()
		c.queued -= droppedBytes
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

// runClose writes the close frame and ends the connection: it waits for
// queued frames (flush mode), writes the close frame with a deadline, waits for the client's close reply, then closes the socket.
// Each wait is bounded, so it ends even if the client never reads again.
func (c *Conn) runClose(req closeReq) {
	defer c.srv.wg.Done()
	o := &c.srv.opts
	if req.mode == flushQueue {
		c.waitDrained(o.FlushTimeout)
	}
	c.finalize(req.cause)
	c.sentCode.CompareAndSwap(0, int32(req.code))
	payload := websocket.FormatCloseMessage(req.code, req.reason)
	if err := c.wsc.WriteControl(websocket.CloseMessage, payload, time.Now().Add(o.CloseTimeout)); err != nil {
		c.srv.log(c, slog.LevelDebug, "close frame not written", slog.Int("code", req.code), slog.Any("err", err))
	}
	c.awaitPeerClose()
	_ = c.wsc.Close()
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
		_ = c.wsc.Close()
	}
}

// readerClosed runs on melody's read goroutine when gorilla's reader
// failed after writing a close frame itself (message over ReadLimit:
// 1009; a protocol error: 1002). The connection starts closing as for
// Close, except that the close frame is already out: no data frame may
// follow it. Then the socket lingers (see lingerRaw).
func (c *Conn) readerClosed(cause string) {
	c.mu.Lock()
	open := c.phase == phaseOpen
	if open {
		c.phase = phaseClosing
		c.closing.Store(true)
		c.req = closeReq{cause: cause}
	}
	c.mu.Unlock()
	if open {
		c.cancel()
	}
	c.finalize(cause)
	if c.out.closeSent.Load() {
		c.lingerRaw()
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
	nc := c.out.Conn
	if err := nc.SetReadDeadline(time.Now().Add(o.LingerTimeout)); err != nil {
		return
	}
	n, _ := io.CopyN(io.Discard, nc, budget)
	c.lingered += n
}

// finalize stops data frames before the close frame is written: what is
// still queued (FlushTimeout passed, or the close discards) is dropped and
// counted, except a frame partly on the wire, which its writer finishes
// before the close frame can take the socket. A writer that takes the
// socket after this drops its batch (see Conn.stopped).
func (c *Conn) finalize(cause string) {
	c.mu.Lock()
	c.final = true
	n, bytes := c.queue.discard()
	live := c.phase != phaseDone
	if live {
		c.queued -= bytes
	}
	c.mu.Unlock()
	if n > 0 {
		c.srv.opts.Metrics.Dropped(c.route, cause, n)
	}
	if live && bytes > 0 {
		c.srv.opts.Metrics.QueueBytes(c.route, -bytes)
	}
}

// stopped is checked by a writer that has just taken the socket for the
// batch b (none of it on the wire yet): if the close frame may already be
// out, the batch is dropped and counted, the writer gives up the write
// side, and stopped reports true. The caller holds the socket lock and
// keeps responsibility for releasing it.
func (c *Conn) stopped(b *writeBatch) bool {
	c.mu.Lock()
	if !c.final && c.out.closeSent.Load() { // gorilla's reader sent it (1009, 1002)
		c.final = true
	}
	if !c.final {
		c.mu.Unlock()
		return false
	}
	c.yieldWrite()
	c.mu.Unlock()
	c.settle(b, b.frames(), b.payload, false)
	c.srv.opts.Metrics.Dropped(c.route, "closed", b.frames())
	return true
}

// waitDrained waits until every queued frame is written, the connection is
// gone, or d passes.
func (c *Conn) waitDrained(d time.Duration) {
	c.mu.Lock()
	if !c.writing && c.queue.len() == 0 || c.phase == phaseDone || c.broken {
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

// attach binds the upgraded session. It runs on the session's goroutine
// before melody starts its pumps. It reports whether the handler should
// run (not when a close, e.g. shutdown, arrived during the upgrade).
func (c *Conn) attach(s *melody.Session, out *sockConn) bool {
	c.mu.Lock()
	c.wsc = s.WebsocketConnection()
	c.out = out
	c.attached = true
	if c.queue.len() > 0 { // frames sent before the upgrade finished
		c.startWrite()
	}
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

// isAttached reports whether the upgrade succeeded.
func (c *Conn) isAttached() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.attached
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
		dropped, _ = c.queue.clear()
		bytes := c.queued
		c.queued = 0
		if c.drained != nil {
			close(c.drained)
			c.drained = nil
		}
		c.mu.Unlock()
		close(c.readDone)
		c.cancel()
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
