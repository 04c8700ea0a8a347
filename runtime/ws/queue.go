package ws

import "github.com/jsgen-dev/jsgen/runtime/internal/ring"

// outFrame is one queued frame: its payload (for a data frame, shared
// with every other connection it was sent to), how many bytes of the whole
// frame (header then payload) are already on the wire, and its kind: 0 for
// a text data frame, else the opcode of a control frame (opPing, opPong,
// opClose).
type outFrame struct {
	p    []byte
	sent int
	ctl  byte
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

// pendingControl returns the queued control frame of kind ctl that no
// write has started, or nil. Control frames sit at the front (pushUrgent),
// behind at most one partly written frame and one control frame of the
// other kind.
func (q *frameQueue) pendingControl(ctl byte) *outFrame {
	for i := range min(q.r.Len(), 3) {
		if f := q.r.At(i); f.ctl == ctl && f.sent == 0 {
			return f
		}
	}
	return nil
}

// pushUrgent puts control frame f before every queued frame except one
// partly on the wire (it must be finished first).
func (q *frameQueue) pushUrgent(f outFrame) {
	if q.r.Len() > 0 && q.front().sent > 0 {
		partial, _ := q.pop()
		q.r.PushFront(f)
		q.r.PushFront(partial)
		return
	}
	q.r.PushFront(f)
}

func (q *frameQueue) front() *outFrame { return q.r.Front() }

func (q *frameQueue) pop() (outFrame, bool) { return q.r.Pop() }

// discard empties the queue except for a frame partly on the wire (it must
// be finished, or the stream would be corrupt) and returns how many data
// frames and payload bytes it dropped (control frames are not counted). An
// emptied queue keeps no storage.
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
// data frames and payload bytes it held; it keeps no storage.
func (q *frameQueue) clear() (frames, bytes int) {
	for i := range q.r.Len() {
		if f := q.r.At(i); f.ctl == 0 {
			frames++
			bytes += len(f.p)
		}
	}
	q.r.Reset()
	return frames, bytes
}
