package ws

import (
	"net"
	"sync"
)

// maxHeader is the longest header of an unmasked frame.
const maxHeader = 10

// appendFrameHeader appends the header of a final, unmasked text frame with an
// n-byte payload (RFC 6455 §5.2).
func appendFrameHeader(b []byte, n int) []byte { return appendFrameHeaderOp(b, 0, n) }

// appendFrameHeaderOp appends the header of a final, unmasked frame of kind ctl
// (0: text, else a control opcode) with an n-byte payload.
func appendFrameHeaderOp(b []byte, ctl byte, n int) []byte {
	b0 := byte(0x81) // FIN, text
	if ctl != 0 {
		b0 = 0x80 | ctl
	}
	switch {
	case n <= 125:
		return append(b, b0, byte(n))
	case n <= 0xffff:
		return append(b, b0, 126, byte(n>>8), byte(n))
	default:
		u := uint64(n)
		return append(b, b0, 127, byte(u>>56), byte(u>>48), byte(u>>40), byte(u>>32),
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
	payload int         // their data payload bytes (what QueuedBytes counts)
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
// how many frames, with how many data payload bytes, were written whole, and
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
		if f.ctl == 0 {
			payload += len(f.p)
		}
	}
	return len(b.taken), payload, nil
}

// add appends the unsent part of f.
func (b *writeBatch) add(f outFrame) {
	b.taken = append(b.taken, f)
	if f.ctl == 0 {
		b.payload += len(f.p)
	}
	hl := headerLen(len(f.p))
	if f.sent < hl {
		var h [maxHeader]byte
		b.scratch = append(b.scratch, appendFrameHeaderOp(h[:0], f.ctl, len(f.p))[f.sent:]...)
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
