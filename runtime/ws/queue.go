package ws

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
	buf  []outFrame
	head int
	n    int
}

func (q *frameQueue) len() int { return q.n }

func (q *frameQueue) push(f outFrame) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)%len(q.buf)] = f
	q.n++
}

// pushFront puts f before every queued frame (the rest of a frame a
// non-blocking write started).
func (q *frameQueue) pushFront(f outFrame) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.head = (q.head - 1 + len(q.buf)) % len(q.buf)
	q.buf[q.head] = f
	q.n++
}

func (q *frameQueue) front() *outFrame { return &q.buf[q.head] }

func (q *frameQueue) pop() (outFrame, bool) {
	if q.n == 0 {
		return outFrame{}, false
	}
	f := q.buf[q.head]
	q.buf[q.head] = outFrame{}
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	if q.n == 0 {
		q.head = 0
	}
	return f, true
}

// discard empties the queue except for a frame partly on the wire (it must
// be finished, or the stream would be corrupt) and returns how many frames
// and payload bytes it dropped. An emptied queue keeps no storage.
func (q *frameQueue) discard() (frames, bytes int) {
	var keep outFrame
	partial := q.n > 0 && q.front().sent > 0
	if partial {
		keep, _ = q.pop()
	}
	for i := 0; i < q.n; i++ {
		bytes += len(q.buf[(q.head+i)%len(q.buf)].p)
	}
	frames = q.n
	*q = frameQueue{}
	if partial {
		q.push(keep)
	}
	return frames, bytes
}

// clear empties the queue, partial frame included, and returns how many
// frames and payload bytes it held; it keeps no storage.
func (q *frameQueue) clear() (frames, bytes int) {
	for i := 0; i < q.n; i++ {
		bytes += len(q.buf[(q.head+i)%len(q.buf)].p)
	}
	frames = q.n
	*q = frameQueue{}
	return frames, bytes
}

func (q *frameQueue) grow() {
	nb := make([]outFrame, max(4, 2*len(q.buf)))
	for i := 0; i < q.n; i++ {
		nb[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = nb, 0
}
