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
// broadcast. Under load the flusher falls behind a little, frames
// accumulate per connection, and each syscall carries several of them: the
// busier the server, the fewer syscalls per frame, with no timer and no
// delay when it is idle. An idle connection costs nothing here.
type flusher struct {
	srv     *Server
	mu      sync.Mutex
	list    []*writer
	spare   []*writer
	running bool
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
		if cap(list) <= 1<<16 {
			f.spare = list[:0]
		}
		f.mu.Unlock()
	}
}
