package ws

import "github.com/jsgen-dev/jsgen/runtime/internal/ring"

// outFrame is one queued text frame: its payload, shared with every other
// connection it was sent to, and how many bytes of the whole frame (header
// then payload) are already on the wire.
type outFrame struct {
	p    []byte
	sent int
}

// frameQueue is a FIFO of outbound frames. It starts without storage and
// grows on demand, so an idle connection costs nothing here.
type frameQueue struct {
	r ring.Ring[outFrame]
}

func (q *frameQueue) len() int { return q.r.Len() }

func (q *frameQueue) push(f outFrame) { q.r.Push(f) }

// pushFront puts f before every queued frame (the rest of a frame a
// non-blocking write started).
func (q *frameQueue) pushFront(f outFrame) { q.r.PushFront(f) }

func (q *frameQueue) front() *outFrame { return q.r.Front() }

func (q *frameQueue) pop() (outFrame, bool) { return q.r.Pop() }

// discard empties the queue except for a frame partly on the wire (it must
// be finished, or the stream would be corrupt) and returns how many frames
// and payload bytes it dropped. An emptied queue keeps no storage.
func (q *frameQueue) discard() (frames, bytes int) {
	var keep outFrame
	partial := q.r.Len() > 0 && q.front().sent > 0
	if partial {
		keep, _ = q.pop()
	}
	frames, bytes = q.clear()
	if partial {
		q.push(keep)
	}
	return frames, bytes
}

// clear empties the queue, partial frame included, and returns how many
// frames and payload bytes it held; it keeps no storage.
func (q *frameQueue) clear() (frames, bytes int) {
	frames = q.r.Len()
	for i := range frames {
		bytes += len(q.r.At(i).p)
	}
	q.r.Reset()
	return frames, bytes
}
