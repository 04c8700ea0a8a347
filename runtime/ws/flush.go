package ws

import (
	"runtime"
	"sync"
)

// flusher writes queued frames for its share of a Server's connections.
// A connection with frames to send and no writer is added to its list;
// a goroutine, started when the list stops being empty and ending when it
// is empty again, takes each listed connection in turn and writes all its
// queued frames with one non-blocking writev (writer.Flush).
//
// Publishers thus never write to sockets, and one wake-up serves a whole
// broadcast. Before each pass the flusher yields to every goroutine that
// is ready to run (see yield), so publishers already woken queue their
// frames first, on one CPU as on many. Under load frames accumulate per
// connection while a pass runs, and each syscall carries several of them:
// the busier the server, the fewer syscalls per frame, with no timer and
// no delay when it is idle. An idle connection costs nothing here.
type flusher struct {
	srv     *Server
	mu      sync.Mutex
	list    []*writer
	spare   []*writer
	running bool
	flushed int64 // connection flushes done (one writev each at most), for tests
}

// newFlushers returns one flusher per usable CPU (at most 16).
func newFlushers(s *Server) []*flusher {
	fs := make([]*flusher, min(max(runtime.GOMAXPROCS(0), 1), 16))
	for i := range fs {
		fs[i] = &flusher{srv: s}
	}
	return fs
}

// add lists w, whose write side the caller gave to the flusher (w.busy,
// set under w.mu, so w is listed at most once). The Server's WaitGroup is
// above zero: w's connection is open, or the caller is the flusher itself.
func (f *flusher) add(w *writer) {
	f.mu.Lock()
	f.list = append(f.list, w)
	start := !f.running
	f.running = true
	f.mu.Unlock()
	if start {
		f.srv.wg.Add(1)
		go f.run()
	}
}

// run flushes listed connections until the list is empty.
func (f *flusher) run() {
	defer f.srv.wg.Done()
	b := f.srv.batches.get()
	defer f.srv.batches.put(b)
	for {
		f.yield()
		f.mu.Lock()
		list := f.list
		if len(list) == 0 {
			f.running = false
			f.mu.Unlock()
			return
		}
		f.list, f.spare = f.spare[:0], nil
		f.mu.Unlock()
		for i, w := range list {
			w.Flush(b)
			list[i] = nil
		}
		f.mu.Lock()
		f.flushed += int64(len(list))
		if cap(list) <= 1<<16 {
			f.spare = list[:0]
		}
		f.mu.Unlock()
	}
}

// yield lets the goroutines that are ready to run go first, before a pass:
// publishers about to queue more frames for the listed connections. On
// one CPU, a flusher started by a publisher is the scheduler's next
// goroutine and would otherwise run as soon as that publisher blocks,
// before the other publishers woken with it, and write one frame per
// connection and pass (the runtime's fairness check still runs the
// flusher after about 60 other goroutines, so a pass is never held back
// for long). With nothing else to run it returns at once: no timer, no
// delay.
func (f *flusher) yield() {
	runtime.Gosched()
}
