package ws

import (
	"bufio"
	"encoding/binary"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// hijackWriter wraps the ResponseWriter handed to melody so that the
// connection gorilla hijacks is a batchConn.
type hijackWriter struct {
	http.ResponseWriter
	batch int        // WriteBatchBytes; < 0: no batching
	conn  *batchConn // set by Hijack
}

// Hijack hijacks the underlying connection and, unless batching is off,
// wraps it in a batchConn.
func (h *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil || h.batch < 0 {
		return nc, brw, err
	}
	h.conn = &batchConn{Conn: nc, max: h.batch}
	return h.conn, brw, nil
}

// Unwrap lets http.ResponseController reach the original writer.
func (h *hijackWriter) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// batchConn gathers consecutive server frames into one socket write.
//
// gorilla writes every frame with one Write call (or, for a frame larger
// than its write buffer, two: header plus start, then the rest), always
// while holding the connection's write lock, so Write is never called
// concurrently. batchConn follows the frame boundaries in that byte
// stream. When a frame ends and the runtime says more data frames are
// already queued behind it (more), the bytes are kept and Write returns;
// otherwise — no more queued, a control frame (ping, pong, close), or
// WriteBatchBytes reached — everything kept plus the new bytes go out in
// one write (writev). Each message stays its own WebSocket frame; a batch
// only saves syscalls, and adds no latency: the last queued frame always
// flushes.
//
// Before arm (the upgrade response) and after an unexpected byte stream
// it passes writes straight through.
type batchConn struct {
	net.Conn
	max  int
	more atomic.Pointer[func() bool]

	// Touched only inside Write (serialized by gorilla's write lock).
	buf       *[]byte
	remaining uint64 // bytes left of the current frame
	inControl bool   // the current frame is a control frame
	broken    bool   // stream not understood: pass through from now on
}

var batchPool sync.Pool // *[]byte

// arm starts batching; more reports whether frames are queued behind the
// one being written.
func (b *batchConn) arm(more func() bool) { b.more.Store(&more) }

// Write implements net.Conn.
func (b *batchConn) Write(p []byte) (int, error) {
	more := b.more.Load()
	if more == nil || b.broken {
		return b.flush(p)
	}
	control, ok := b.scan(p)
	if !ok {
		b.broken = true
		return b.flush(p)
	}
	kept := 0
	if b.buf != nil {
		kept = len(*b.buf)
	}
	if kept+len(p) > b.max || (b.remaining == 0 && (control || !(*more)())) {
		return b.flush(p)
	}
	b.keep(p)
	return len(p), nil
}

// scan follows frame boundaries through p, reporting whether a control
// frame ended in it. It fails if a frame header is split across writes,
// which gorilla never does.
func (b *batchConn) scan(p []byte) (control, ok bool) {
	for len(p) > 0 {
		if b.remaining == 0 {
			n, size, isControl, ok := parseFrameHeader(p)
			if !ok {
				return control, false
			}
			b.inControl = isControl
			b.remaining = uint64(n) + size
		}
		take := min(b.remaining, uint64(len(p)))
		b.remaining -= take
		p = p[take:]
		if b.remaining == 0 && b.inControl {
			control = true
		}
	}
	return control, true
}

// parseFrameHeader returns the header length and payload length of the
// frame starting at p, and whether it is a control frame.
func parseFrameHeader(p []byte) (hdr int, payload uint64, control, ok bool) {
	if len(p) < 2 {
		return 0, 0, false, false
	}
	control = p[0]&0x08 != 0
	hdr = 2
	payload = uint64(p[1] & 0x7f)
	switch payload {
	case 126:
		hdr = 4
		if len(p) < hdr {
			return 0, 0, false, false
		}
		payload = uint64(binary.BigEndian.Uint16(p[2:4]))
	case 127:
		hdr = 10
		if len(p) < hdr {
			return 0, 0, false, false
		}
		payload = binary.BigEndian.Uint64(p[2:10])
	}
	if p[1]&0x80 != 0 { // masked (never from a server, handled anyway)
		hdr += 4
		if len(p) < hdr {
			return 0, 0, false, false
		}
	}
	return hdr, payload, control, true
}

// keep appends p to the pending batch.
func (b *batchConn) keep(p []byte) {
	if b.buf == nil {
		if v, ok := batchPool.Get().(*[]byte); ok {
			b.buf = v
		} else {
			s := make([]byte, 0, b.max)
			b.buf = &s
		}
	}
	*b.buf = append(*b.buf, p...)
}

// flush writes the pending batch followed by p in one write (appending p
// when it is small, writev otherwise) and returns the pending buffer to
// the pool. It reports len(p) on success.
func (b *batchConn) flush(p []byte) (int, error) {
	if b.buf == nil {
		return b.Conn.Write(p)
	}
	kept := len(*b.buf)
	var n int64
	var err error
	if kept+len(p) <= b.max {
		*b.buf = append(*b.buf, p...)
		var m int
		m, err = b.Conn.Write(*b.buf)
		n = int64(m)
	} else {
		bufs := net.Buffers{*b.buf, p}
		n, err = bufs.WriteTo(b.Conn)
	}
	*b.buf = (*b.buf)[:0]
	batchPool.Put(b.buf)
	b.buf = nil
	if err != nil {
		return int(max(0, n-int64(kept))), err
	}
	return len(p), nil
}
