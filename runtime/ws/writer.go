package ws

import (
	"net"
	"sync"
	"time"
)

// Opcodes of the control frames a writer sends (RFC 6455 §5.5). Data
// frames are text frames (outFrame.ctl 0).
const (
	opClose = 0x8
	opPing  = 0x9
	opPong  = 0xA
)

// writerMetrics is what a writer reports besides its return values. Its
// methods run on whichever goroutine is writing and must not block.
type writerMetrics interface {
	// FrameOut: one data frame of the given payload size was written.
	FrameOut(bytes int)
	// QueueBytes: queued data bytes changed by delta.
	QueueBytes(delta int)
	// Dropped: frames data frames were discarded for reason.
	Dropped(reason string, frames int)
	// WriteFailed: a socket write failed; the writer has closed the socket.
	// closing says the connection was already closing.
	WriteFailed(err error, closing bool)
}

// writerConfig is what a Server's writers share.
type writerConfig struct {
	maxQueue   int           // MaxQueueBytes
	batchBytes int           // WriteBatchBytes (< 0: one frame per write, writer goroutine only)
	writeWait  time.Duration // bound of every blocking write
	pingPeriod time.Duration
	wg         *sync.WaitGroup // the Server's: counts writer goroutines and flushers
	batches    *batchPool
}

// writer is a connection's outbound side, and the only code that writes to
// its socket: data frames, pings, pongs and the close frame all go through
// its queue, so no frame can cut into another. gorilla only reads (see
// readSide).
//
// Which goroutine writes is decided under mu by busy: while busy, exactly
// one of the connection's flusher (Flush, one non-blocking writev) and a
// writer goroutine (writeLoop, blocking writes bounded by WriteWait) runs
// the write side; the flusher passes it to a writer goroutine when the
// socket takes only part of a batch. Nobody else touches the socket's
// write half, so it needs no lock.
//
// An idle writer has no goroutine and no buffer: only its ping timer.
type writer struct {
	cfg  *writerConfig
	f    *flusher
	m    writerMetrics
	nc   net.Conn    // set by Attach
	raw  *rawWriter  // non-blocking writes; nil where unsupported (TLS, non-Linux)
	ping *time.Timer // sends a ping every pingPeriod once attached

	mu       sync.Mutex
	queue    frameQueue
	queued   int           // data payload bytes queued or being written
	drained  chan struct{} // closed when the queue is written, or nothing more can be
	attached bool          // the socket is there: writing may start
	busy     bool          // a flusher or writer goroutine owns the write side
	stopped  bool          // no new data frames (the connection is closing)
	final    bool          // the close frame is queued: nothing may follow it
	broken   bool          // a write failed: nothing more is written
	gone     bool          // the connection ended: nothing more is written or counted
}

// Enqueue queues one data frame, shared and not copied. It returns
// ErrClosed once the writer stopped, and ErrSlowClient, queuing nothing,
// when p would push the queued bytes past MaxQueueBytes (a frame larger
// than that is accepted when nothing is queued).
func (w *writer) Enqueue(p []byte) error {
	w.mu.Lock()
	if w.stopped || w.broken || w.gone {
		w.mu.Unlock()
		return ErrClosed
	}
	if w.queued > 0 && w.queued+len(p) > w.cfg.maxQueue {
		w.mu.Unlock()
		return ErrSlowClient
	}
	w.queued += len(p)
	w.queue.push(outFrame{p: p})
	if w.attached && !w.busy {
		w.start()
	}
	w.mu.Unlock()
	w.m.QueueBytes(len(p))
	return nil
}

// Pong queues a pong carrying p ahead of queued data frames.
func (w *writer) Pong(p []byte) {
	w.mu.Lock()
	w.control(outFrame{p: p, ctl: opPong})
	w.mu.Unlock()
}

// sendPing runs on the ping timer: it queues a ping ahead of queued data
// frames and re-arms the timer, until the writer is done.
func (w *writer) sendPing() {
	w.mu.Lock()
	if w.control(outFrame{ctl: opPing}) {
		w.ping.Reset(w.cfg.pingPeriod)
	}
	w.mu.Unlock()
}

// control queues a control frame before every queued frame but one partly
// on the wire, and reports whether it did (not after the close frame).
// At most one ping and one pong wait at a time, so a client that pings
// without reading cannot grow the queue: a pong not yet written takes the
// newest ping's payload instead (RFC 6455 §5.5.3), a ping not yet written
// makes another unnecessary. The caller holds mu.
func (w *writer) control(f outFrame) bool {
	if w.final || w.broken || w.gone {
		return false
	}
	if p := w.queue.pendingControl(f.ctl); p != nil {
		p.p = f.p
		return true
	}
	w.queue.pushUrgent(f)
	if w.attached && !w.busy {
		w.start()
	}
	return true
}

// Stop refuses new data frames from now on. With discard, the frames
// queued are dropped (counted under cause), except one partly on the wire,
// which is finished.
func (w *writer) Stop(discard bool, cause string) {
	w.mu.Lock()
	w.stopped = true
	var n, bytes int
	if discard {
		n, bytes = w.queue.discard()
		w.queued -= bytes
	}
	w.mu.Unlock()
	w.dropped(cause, n, bytes)
}

// Close queues the close frame with payload as the last frame: queued
// data frames are dropped (counted under cause), except one partly on the
// wire, and nothing is accepted after it. It reports whether it queued the
// frame: false when a close frame is already queued or nothing can be
// written any more. Drain waits for it to be written.
func (w *writer) Close(payload []byte, cause string) bool {
	w.mu.Lock()
	if w.final || w.broken || w.gone {
		w.mu.Unlock()
		return false
	}
	w.stopped, w.final = true, true
	n, bytes := w.queue.discard()
	w.queued -= bytes
	w.queue.push(outFrame{p: payload, ctl: opClose})
	if w.attached && !w.busy {
		w.start()
	}
	w.mu.Unlock()
	w.dropped(cause, n, bytes)
	return true
}

// Drain waits until everything queued is written, nothing more can be
// written (a write failed, the connection ended) or deadline passes. It
// reports whether everything was written.
func (w *writer) Drain(deadline time.Time) bool {
	w.mu.Lock()
	if w.broken || w.gone || !w.attached { // before Attach, nothing is written
		w.mu.Unlock()
		return false
	}
	if !w.busy && w.queue.len() == 0 {
		w.mu.Unlock()
		return true
	}
	if w.drained == nil {
		w.drained = make(chan struct{})
	}
	ch := w.drained
	w.mu.Unlock()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.broken && !w.gone && w.queue.len() == 0
}

// Attach gives the writer its socket: frames queued before are written,
// and pings start.
func (w *writer) Attach(nc net.Conn, raw *rawWriter) {
	w.mu.Lock()
	w.nc, w.raw, w.attached = nc, raw, true
	if w.queue.len() > 0 && !w.busy {
		w.start()
	}
	if !w.gone {
		w.ping = time.AfterFunc(w.cfg.pingPeriod, w.sendPing)
	}
	w.mu.Unlock()
}

// Detach ends the writer when the connection is gone: queued frames are
// dropped and returned (the caller counts them), queued bytes go back to
// zero, pings stop, and a write in progress is not counted any more.
func (w *writer) Detach() (dropped int) {
	w.mu.Lock()
	w.gone = true
	dropped, _ = w.queue.clear()
	bytes := w.queued
	w.queued = 0
	if w.ping != nil {
		w.ping.Stop()
	}
	w.signal()
	w.mu.Unlock()
	if bytes != 0 {
		w.m.QueueBytes(-bytes)
	}
	return dropped
}

// QueuedBytes returns the data bytes queued and not yet written.
func (w *writer) QueuedBytes() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.queued
}

// start gives the write side to the connection's flusher, or to a writer
// goroutine where non-blocking writes are not available. The caller holds
// mu, the queue is not empty, nothing owns the write side, and the
// connection is not gone (so the Server's WaitGroup is above zero).
func (w *writer) start() {
	w.busy = true
	if w.raw == nil || w.cfg.batchBytes < 0 {
		w.startLoop()
		return
	}
	w.f.add(w)
}

// startLoop starts writeLoop for a caller holding mu and owning the write
// side.
func (w *writer) startLoop() {
	w.cfg.wg.Add(1)
	go w.writeLoop()
}

// Flush runs on the connection's flusher, which owns the write side: it
// writes what is queued with one non-blocking writev. The rest of a
// partial write goes to a writer goroutine.
func (w *writer) Flush(b *writeBatch) {
	w.mu.Lock()
	if w.queue.len() == 0 || w.gone || w.broken {
		w.yield()
		w.mu.Unlock()
		return
	}
	b.take(&w.queue, w.cfg.batchBytes)
	w.mu.Unlock()
	n, err := w.raw.writev(b.bufs)
	switch {
	case err != nil:
		w.failed(err, b)
	case n < b.wire:
		w.requeue(b, n)
	default:
		w.settle(b, b.frames(), b.payload, true)
		w.mu.Lock()
		if w.queue.len() > 0 && !w.gone && !w.broken {
			w.f.add(w) // more came meanwhile; still ours
		} else {
			w.yield()
		}
		w.mu.Unlock()
	}
}

// requeue puts back, in front of the queue, the frames of b that the
// socket did not take (n bytes of b were written), accounts for the
// others, and passes the write side to a writer goroutine for the rest.
func (w *writer) requeue(b *writeBatch, n int) {
	done, payload, rest := b.split(n)
	w.settle(b, done, payload, true)
	w.mu.Lock()
	if w.gone { // Detach counted what was queued; rest was being written
		w.yield()
		w.mu.Unlock()
		w.m.Dropped("disconnected", dataFrames(rest))
		return
	}
	for i := len(rest) - 1; i >= 0; i-- {
		w.queue.pushFront(rest[i])
	}
	w.startLoop()
	w.mu.Unlock()
}

// writeLoop writes the queue in batches of up to WriteBatchBytes, each
// with one vectored write bounded by WriteWait, until the queue is empty.
// It owns the write side.
func (w *writer) writeLoop() {
	defer w.cfg.wg.Done()
	b := w.cfg.batches.get()
	defer w.cfg.batches.put(b)
	for {
		w.mu.Lock()
		if w.queue.len() == 0 || w.gone || w.broken {
			w.yield()
			w.mu.Unlock()
			return
		}
		b.take(&w.queue, w.cfg.batchBytes)
		w.mu.Unlock()
		if err := w.writeBlocking(&b.bufs); err != nil {
			w.failed(err, b)
			return
		}
		w.settle(b, b.frames(), b.payload, true)
	}
}

// writeBlocking writes bufs whole within WriteWait.
func (w *writer) writeBlocking(bufs *net.Buffers) error {
	if err := w.nc.SetWriteDeadline(time.Now().Add(w.cfg.writeWait)); err != nil {
		return err
	}
	_, err := bufs.WriteTo(w.nc)
	_ = w.nc.SetWriteDeadline(time.Time{})
	return err
}

// settle takes the first frames frames of b, payload data bytes in all,
// off the queued count, and counts their data frames as written unless
// the write failed (failed counts them as dropped).
func (w *writer) settle(b *writeBatch, frames, payload int, written bool) {
	w.mu.Lock()
	live := !w.gone // Detach has zeroed the count otherwise
	if live {
		w.queued -= payload
	}
	w.mu.Unlock()
	if live && payload > 0 {
		w.m.QueueBytes(-payload)
	}
	if !written {
		return
	}
	for _, f := range b.taken[:frames] {
		if f.ctl == 0 {
			w.m.FrameOut(len(f.p))
		}
	}
}

// failed handles a socket write that failed (the peer is gone, or took
// nothing for WriteWait): the batch and the queue are dropped (counted),
// the writer breaks and closes the socket, which ends the read side.
func (w *writer) failed(err error, b *writeBatch) {
	w.settle(b, b.frames(), b.payload, false)
	w.mu.Lock()
	w.broken = true
	closing := w.stopped
	n, bytes := w.queue.clear()
	if !w.gone {
		w.queued -= bytes
	} else {
		bytes = 0
	}
	w.yield()
	w.mu.Unlock()
	w.m.WriteFailed(err, closing)
	w.dropped("write_failed", dataFrames(b.taken)+n, bytes)
	_ = w.nc.Close()
}

// dropped reports frames dropped for cause and bytes leaving the queue.
func (w *writer) dropped(cause string, frames, bytes int) {
	if frames > 0 {
		w.m.Dropped(cause, frames)
	}
	if bytes > 0 {
		w.m.QueueBytes(-bytes)
	}
}

// yield gives up the write side. The caller holds mu.
func (w *writer) yield() {
	w.busy = false
	w.signal()
}

// signal wakes Drain once nothing is queued or being written, or nothing
// more can be. The caller holds mu.
func (w *writer) signal() {
	if w.drained != nil && (w.gone || w.broken || !w.busy && w.queue.len() == 0) {
		close(w.drained)
		w.drained = nil
	}
}

// dataFrames counts the data frames in fs.
func dataFrames(fs []outFrame) int {
	n := 0
	for _, f := range fs {
		if f.ctl == 0 {
			n++
		}
	}
	return n
}
