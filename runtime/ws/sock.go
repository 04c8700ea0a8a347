package ws

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// hijackWriter wraps the ResponseWriter handed to melody so that the
// connection gorilla hijacks is a sockConn the runtime also writes to.
type hijackWriter struct {
	http.ResponseWriter
	conn *sockConn // set by Hijack
}

// Hijack hijacks the underlying connection and wraps it in a sockConn.
// It then drops the ResponseWriter, which nothing may use after a hijack
// and which holds net/http's per-request buffers (≈ 10 KB) alive.
func (h *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nc, brw, err
	}
	h.ResponseWriter = nil
	h.conn = &sockConn{Conn: nc, mu: newWriteLock(), raw: newRawWriter(nc)}
	return h.conn, brw, nil
}

// Unwrap lets http.ResponseController reach the original writer.
func (h *hijackWriter) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// sockConn is a WebSocket's TCP (or TLS) connection. gorilla writes the
// handshake and control frames (ping, pong, close) through Write; the
// runtime writes data frames itself (Conn.flush, Conn.writeLoop). mu
// serializes the two, so frames never interleave, and each side writes
// with its own deadline: gorilla's SetWriteDeadline is recorded and
// applied inside Write, under mu. Every deadline is cleared again before
// mu is released, so a non-blocking write never meets a stale one.
type sockConn struct {
	net.Conn
	mu        writeLock
	deadline  atomic.Int64 // gorilla's write deadline in Unix ns; 0: none
	raw       *rawWriter   // non-blocking writes; nil where unsupported (TLS, non-Linux)
	closeSent atomic.Bool  // a close frame went out (set under mu): nothing may follow it
}

// closeFrameByte is the first byte of a close frame (FIN, opcode 8). The
// handshake response gorilla writes through Write starts with 'H'.
const closeFrameByte = 0x88

// SetWriteDeadline records gorilla's deadline for its next Write.
func (s *sockConn) SetWriteDeadline(t time.Time) error {
	s.deadline.Store(unixNano(t))
	return nil
}

// SetDeadline sets the read deadline and records the write deadline.
func (s *sockConn) SetDeadline(t time.Time) error {
	s.deadline.Store(unixNano(t))
	return s.Conn.SetReadDeadline(t)
}

// Write writes p whole, after any data frame in progress. Waiting for
// that frame counts against gorilla's deadline, as gorilla's own lock
// does.
func (s *sockConn) Write(p []byte) (int, error) {
	var d time.Time
	if ns := s.deadline.Load(); ns != 0 {
		d = time.Unix(0, ns)
	}
	if !s.mu.LockBefore(d) {
		return 0, errLockTimeout
	}
	defer s.mu.Unlock()
	if err := s.Conn.SetWriteDeadline(d); err != nil {
		return 0, err
	}
	if len(p) > 0 && p[0] == closeFrameByte {
		s.closeSent.Store(true)
	}
	n, err := s.Conn.Write(p)
	if !d.IsZero() {
		_ = s.Conn.SetWriteDeadline(time.Time{})
	}
	return n, err
}

// writeBuffers writes bufs whole with deadline d. The caller holds mu.
func (s *sockConn) writeBuffers(bufs *net.Buffers, d time.Time) error {
	if err := s.Conn.SetWriteDeadline(d); err != nil {
		return err
	}
	_, err := bufs.WriteTo(s.Conn)
	_ = s.Conn.SetWriteDeadline(time.Time{})
	return err
}

// writeLock is a mutex whose Lock can give up at a deadline. Like
// sync.Mutex, it may be unlocked by another goroutine than the one that
// locked it (a partly written frame hands the lock to the writer).
type writeLock struct{ ch chan struct{} }

func newWriteLock() writeLock { return writeLock{ch: make(chan struct{}, 1)} }

func (l writeLock) Lock()   { l.ch <- struct{}{} }
func (l writeLock) Unlock() { <-l.ch }
func (l writeLock) TryLock() bool {
	select {
	case l.ch <- struct{}{}:
		return true
	default:
		return false
	}
}

// LockBefore locks, waiting no later than d (zero: no limit), and reports
// whether it did.
func (l writeLock) LockBefore(d time.Time) bool {
	if l.TryLock() {
		return true
	}
	if d.IsZero() {
		l.Lock()
		return true
	}
	wait := time.Until(d)
	if wait <= 0 {
		return false
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case l.ch <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

// errLockTimeout is gorilla's write failing because a data frame held the
// socket past gorilla's deadline.
var errLockTimeout error = lockTimeout{}

type lockTimeout struct{}

func (lockTimeout) Error() string {
	return "ws: write: i/o timeout waiting for the frame being written"
}
func (lockTimeout) Timeout() bool   { return true }
func (lockTimeout) Temporary() bool { return true }

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// maxHeader is the longest header of an unmasked frame.
const maxHeader = 10

// appendFrameHeader appends the header of a final, unmasked text frame with an
// n-byte payload (RFC 6455 §5.2).
func appendFrameHeader(b []byte, n int) []byte {
	const finText = 0x81
	switch {
	case n <= 125:
		return append(b, finText, byte(n))
	case n <= 0xffff:
		return append(b, finText, 126, byte(n>>8), byte(n))
	default:
		u := uint64(n)
		return append(b, finText, 127, byte(u>>56), byte(u>>48), byte(u>>40), byte(u>>32),
			byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
	}
}

// headerLen is len(appendFrameHeader(nil, n)).
func headerLen(n int) int {
	switch {
	case n <= 125:
		return 2
	case n <= 0xffff:
		return 4
	default:
		return maxHeader
	}
}

// copyLimit is the largest payload a batch copies next to its header
// instead of giving it an iovec of its own.
const copyLimit = 1024

// maxIovecs bounds the buffers of one batch (Linux's IOV_MAX is 1024).
const maxIovecs = 512

// writeBatch gathers queued frames into one vectored write. Small frames
// are copied, with their headers, into one contiguous buffer; larger
// payloads are referenced, not copied. Batches are pooled per Server, so
// only connections being written to hold one.
type writeBatch struct {
	scratch []byte
	bufs    net.Buffers // what the write consumes
	store   net.Buffers // bufs' backing array, kept for reuse
	seg     int         // start of the scratch segment not yet in bufs
	taken   []outFrame  // the frames, as they were in the queue
	payload int         // their payload bytes (what QueuedBytes counts)
	wire    int         // bytes to write
}

// frames returns how many frames the batch holds.
func (b *writeBatch) frames() int { return len(b.taken) }

// wireLen is how many bytes of f are still to be written.
func wireLen(f outFrame) int { return headerLen(len(f.p)) + len(f.p) - f.sent }

// take moves frames from q into the batch: at least one, then more while
// the batch stays within limit bytes (limit < 0: one frame per write).
func (b *writeBatch) take(q *frameQueue, limit int) {
	b.scratch, b.seg, b.taken, b.payload, b.wire = b.scratch[:0], 0, b.taken[:0], 0, 0
	b.bufs = b.store[:0]
	for q.len() > 0 {
		f := q.front()
		n := wireLen(*f)
		if len(b.taken) > 0 && (limit < 0 || b.wire+n > limit || len(b.bufs) >= maxIovecs-2) {
			break
		}
		b.add(*f)
		b.wire += n
		q.pop()
	}
	b.cut()
	b.store = b.bufs[:0]
}

// split divides the batch after n of its bytes were written: it returns
// how many frames, with how many payload bytes, were written whole, and
// the rest, the first of them with its sent count advanced.
func (b *writeBatch) split(n int) (done, payload int, rest []outFrame) {
	for i, f := range b.taken {
		w := wireLen(f)
		if n < w {
			rest = b.taken[i:]
			rest[0].sent += n
			return i, payload, rest
		}
		n -= w
		payload += len(f.p)
	}
	return len(b.taken), payload, nil
}

// add appends the unsent part of f.
func (b *writeBatch) add(f outFrame) {
	b.taken = append(b.taken, f)
	b.payload += len(f.p)
	hl := headerLen(len(f.p))
	if f.sent < hl {
		var h [maxHeader]byte
		b.scratch = append(b.scratch, appendFrameHeader(h[:0], len(f.p))[f.sent:]...)
		f.sent = hl
	}
	rest := f.p[f.sent-hl:]
	if len(rest) <= copyLimit {
		b.scratch = append(b.scratch, rest...)
		return
	}
	b.cut()
	b.bufs = append(b.bufs, rest)
}

// cut ends the current scratch segment, adding it to bufs if not empty.
// Segments already in bufs stay valid when scratch grows: growing copies
// to a new array and never writes the old one.
func (b *writeBatch) cut() {
	if len(b.scratch) > b.seg {
		b.bufs = append(b.bufs, b.scratch[b.seg:len(b.scratch):len(b.scratch)])
		b.seg = len(b.scratch)
	}
}

// reset drops the batch's references to payloads before pooling.
func (b *writeBatch) reset() {
	clear(b.store[:cap(b.store)])
	clear(b.taken[:cap(b.taken)])
	b.bufs = nil
	if cap(b.scratch) > 64<<10 {
		b.scratch = nil
	}
}

// batchPool hands out writeBatches.
type batchPool struct{ p sync.Pool }

func (bp *batchPool) get() *writeBatch {
	if b, ok := bp.p.Get().(*writeBatch); ok {
		return b
	}
	return &writeBatch{}
}

func (bp *batchPool) put(b *writeBatch) {
	b.reset()
	bp.p.Put(b)
}
