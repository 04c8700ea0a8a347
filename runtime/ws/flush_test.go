package ws

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// flushWrites returns how many connection flushes (one writev each at
// most) the Server's flushers have done.
func flushWrites(s *Server) int64 {
	var n int64
	for _, f := range s.flushers {
		f.mu.Lock()
		n += f.flushed
		f.mu.Unlock()
	}
	return n
}

// TestFlushBatchesOnOneCPU: with one scheduler thread (GOMAXPROCS=1, as in
// a container limited to one CPU) and a burst of broadcasts from many
// publisher goroutines that are all ready to run, the flusher lets them
// queue first and writes several frames per connection with each writev,
// instead of writing after every publisher (one frame per write).
func TestFlushBatchesOnOneCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("non-blocking flushes are Linux-only; elsewhere frames go through a writer goroutine per connection")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	e := newEnv(t, envConfig{opts: []Option{WithMetrics(nopMetrics{})}})
	if len(e.srv.flushers) != 1 {
		t.Fatalf("%d flushers at GOMAXPROCS=1, want 1", len(e.srv.flushers))
	}
	const members, publishers = 20, 16
	conns := e.dialMany(t, "burst", members)
	e.waitRoom(t, "burst", members)
	// Let the members' joins be written before measuring.
	waitFlushersIdle(t, e.srv)
	before := flushWrites(e.srv)

	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if n := e.rooms.broadcast("burst", jsonFrame("i", string(rune('a'+i))), ""); n != members {
				t.Errorf("broadcast reached %d of %d", n, members)
			}
		}()
	}
	close(start)
	wg.Wait()
	readAll(t, conns, publishers)
	waitFlushersIdle(t, e.srv)
	writes := flushWrites(e.srv) - before
	perWrite := float64(publishers*members) / float64(writes)
	t.Logf("%d frames in %d flushes: %.1f frames per write", publishers*members, writes, perWrite)
	if perWrite <= 2 {
		t.Fatalf("%.2f frames per write at GOMAXPROCS=1 (%d flushes for %d frames): the flusher wrote between publishers instead of batching",
			perWrite, writes, publishers*members)
	}
}

// TestFlushWritesLoneFrame: at GOMAXPROCS=1 a single frame to an idle
// server is written although no other frame follows it (the flusher's
// yield does not wait for more), and the flusher then stops.
func TestFlushWritesLoneFrame(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	e := newEnv(t, envConfig{})
	c := e.dial(t, "solo", nil)
	e.waitRoom(t, "solo", 1)
	if n := e.rooms.broadcast("solo", jsonFrame("k", "v"), ""); n != 1 {
		t.Fatalf("broadcast reached %d", n)
	}
	if got := read(t, c); got != string(jsonFrame("k", "v")) {
		t.Fatalf("read %q", got)
	}
	waitFlushersIdle(t, e.srv)
}

// readAll reads n frames on every conn.
func readAll(t *testing.T, conns []*websocket.Conn, n int) {
	t.Helper()
	errs := make(chan error, len(conns))
	for _, c := range conns {
		go func() {
			_ = c.SetReadDeadline(time.Now().Add(testTimeout))
			for range n {
				if _, _, err := c.ReadMessage(); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range conns {
		if err := <-errs; err != nil {
			t.Fatalf("member read: %v", err)
		}
	}
}

// waitFlushersIdle waits until no flusher goroutine runs (polling, under a
// generous deadline).
func waitFlushersIdle(t *testing.T, s *Server) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		idle := true
		for _, f := range s.flushers {
			f.mu.Lock()
			idle = idle && !f.running
			f.mu.Unlock()
		}
		if idle {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the flushers are still running")
		}
		time.Sleep(time.Millisecond)
	}
}
