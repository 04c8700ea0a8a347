package ws

// frameQueue is a FIFO of encoded frames. It starts without storage and
// grows on demand, so an idle connection costs nothing here.
type frameQueue struct {
	buf  [][]byte
	head int
	n    int
}

func (q *frameQueue) len() int { return q.n }

func (q *frameQueue) push(b []byte) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)%len(q.buf)] = b
	q.n++
}

func (q *frameQueue) pop() ([]byte, bool) {
	if q.n == 0 {
		return nil, false
	}
	b := q.buf[q.head]
	q.buf[q.head] = nil
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	if q.n == 0 {
		q.head = 0
	}
	return b, true
}

// clear empties the queue and returns how many frames and bytes it held;
// it keeps no storage.
func (q *frameQueue) clear() (frames, bytes int) {
	for i := 0; i < q.n; i++ {
		bytes += len(q.buf[(q.head+i)%len(q.buf)])
	}
	frames = q.n
	*q = frameQueue{}
	return frames, bytes
}

func (q *frameQueue) grow() {
	nb := make([][]byte, max(4, 2*len(q.buf)))
	for i := 0; i < q.n; i++ {
		nb[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = nb, 0
}
