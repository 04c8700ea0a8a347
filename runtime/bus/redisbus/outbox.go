package redisbus

import (
	"fmt"
	"sync"

	"github.com/jsgen-dev/jsgen/runtime/bus"
)

// Bounds of one pipeline and of the buffers kept for reuse.
const (
	maxBatch      = 1024    // messages per pipeline
	maxBatchBytes = 1 << 20 // bytes (subjects + payloads) per pipeline, unless one message is larger
	maxSpareBytes = 4 << 20 // a payload buffer grown beyond this is not kept for reuse
	maxSpareMsgs  = 8 * maxBatch
)

// outbox is the bus's bounded, ordered publish queue. Publish appends to it
// (copying the payload); the bus's writer goroutine takes everything queued
// at once and sends it in pipelines. Messages count against the bounds from
// the moment they are accepted until the writer has settled them (sent or
// lost), so what is in the writer's hands is bounded too.
//
// Payloads are appended back to back to one buffer per batch, and the
// writer hands its sent batch back for reuse, so in the steady state a
// publish copies its payload without allocating.
type outbox struct {
	maxMsgs  int
	maxBytes int
	wake     chan struct{} // holds a token while pending is non-empty or the outbox is closed

	mu      sync.Mutex
	pending batch // accepted, not yet taken by the writer
	msgs    int   // accepted and not yet settled
	bytes   int   // their subjects and payloads
	closed  bool
}

// batch is a run of queued messages in publish order.
type batch struct {
	msgs []message
	data []byte // the payloads, back to back
}

// message is one queued PUBLISH; its payload is data[start:end] of its batch.
type message struct {
	subject    string
	start, end int
}

func newOutbox(maxMsgs, maxBytes int) *outbox {
	return &outbox{maxMsgs: maxMsgs, maxBytes: maxBytes, wake: make(chan struct{}, 1)}
}

// msgSize is what a message counts against the byte bound.
func msgSize(subject string, payloadLen int) int { return len(subject) + payloadLen }

// push appends a copy of data to the queue. It fails with bus.ErrClosed
// after close, and with an error wrapping ErrQueueFull when the message
// would exceed either bound (an empty queue accepts one message of any
// size, so the byte bound never makes a message unpublishable).
func (o *outbox) push(subject string, data []byte) error {
	n := msgSize(subject, len(data))
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return bus.ErrClosed
	}
	if o.msgs >= o.maxMsgs || (o.msgs > 0 && o.bytes+n > o.maxBytes) {
		return fmt.Errorf("%w (%d messages, %d bytes queued)", ErrQueueFull, o.msgs, o.bytes)
	}
	if len(o.pending.msgs) == 0 {
		o.signal()
	}
	o.pending.add(subject, data)
	o.msgs++
	o.bytes += n
	return nil
}

// signal leaves a wake-up token for the writer if there is none.
func (o *outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// take hands the writer everything pending, in order, and gives it spare's
// place; last reports that the outbox is closed, so nothing will follow.
func (o *outbox) take(spare batch) (b batch, last bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	b, o.pending = o.pending, spare
	return b, o.closed
}

// settle releases n messages of total size bytes from the bounds, once the
// writer has sent or lost them.
func (o *outbox) settle(n, bytes int) {
	o.mu.Lock()
	o.msgs -= n
	o.bytes -= bytes
	o.mu.Unlock()
}

// close refuses further pushes and wakes the writer for its last take.
func (o *outbox) close() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	o.signal()
}

// queued returns how many messages are accepted and not yet settled.
func (o *outbox) queued() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.msgs
}

func (b *batch) add(subject string, data []byte) {
	start := len(b.data)
	b.data = append(b.data, data...)
	b.msgs = append(b.msgs, message{subject: subject, start: start, end: len(b.data)})
}

// payload returns m's payload; it is valid until the batch is recycled.
func (b *batch) payload(m message) []byte { return b.data[m.start:m.end:m.end] }

// chunk returns the end of the pipeline starting at msgs[i]: at most
// maxBatch messages and maxBatchBytes bytes, at least one message. bytes is
// the chunk's size.
func (b *batch) chunk(i int) (end, bytes int) {
	end = i
	for end < len(b.msgs) && end-i < maxBatch {
		m := b.msgs[end]
		n := msgSize(m.subject, m.end-m.start)
		if end > i && bytes+n > maxBatchBytes {
			break
		}
		bytes += n
		end++
	}
	return end, bytes
}

// recycle empties b for reuse, dropping buffers a burst grew too large and
// references to the subjects it held.
func (b batch) recycle() batch {
	clear(b.msgs)
	b.msgs, b.data = b.msgs[:0], b.data[:0]
	if cap(b.msgs) > maxSpareMsgs {
		b.msgs = nil
	}
	if cap(b.data) > maxSpareBytes {
		b.data = nil
	}
	return b
}
