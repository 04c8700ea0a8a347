package ws

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/jsgen-dev/jsgen/runtime/channel"
)

// TestSilentClientDroppedAfterPongWait: a client that never answers pings
// is disconnected once PongWait passes, while a client that reads (and so
// answers pings) stays connected.
func TestSilentClientDroppedAfterPongWait(t *testing.T) {
	// PongWait leaves the reading client time to answer a ping on a loaded
	// machine; the silent one is dropped after it all the same.
	const pongWait = 1500 * time.Millisecond
	e := newEnv(t, envConfig{opts: []Option{func(o *Options) {
		o.PingPeriod, o.PongWait = 100*time.Millisecond, pongWait
	}}})
	alive := e.dial(t, "lobby", nil)
	frames := make(chan string, 16)
	go func() {
		for {
			_, b, err := alive.ReadMessage() // answers pings while reading
			if err != nil {
				close(frames)
				return
			}
			frames <- string(b)
		}
	}()
	// start comes before the dial: the server's read deadline is set during
	// the upgrade, before rawDial returns.
	start := time.Now()
	silent, _ := e.rawDial(t, "lobby") // gobwas: never reads, never pongs
	defer silent.Close()
	e.metrics.waitFor(t, "the silent client dropped", func(m *recMetrics) bool {
		return m.errors[ErrCodeTimeout] == 1 && m.closed[websocket.CloseAbnormalClosure] == 1
	})
	if d := time.Since(start); d < pongWait {
		t.Fatalf("dropped after %v, before PongWait", d)
	}
	send(t, alive, `{"type":"echo","text":"still"}`)
	if got := <-frames; got != `{"echo":"still"}` {
		t.Fatalf("reading client after the silent one was dropped: %q", got)
	}
}

// TestWriteDeadlineCutsStalledClient: a client whose socket stays full for
// WriteWait is cut (no close frame can get through), counted as slow, and
// its queued frames are counted as dropped.
func TestWriteDeadlineCutsStalledClient(t *testing.T) {
	e := newEnv(t, envConfig{sndBuf: 8 << 10,
		opts: []Option{WithMaxQueueBytes(64 << 20), func(o *Options) { o.WriteWait = 200 * time.Millisecond }},
		runOverride: func(ctx context.Context, c *Conn, _ iter.Seq[testMsg]) error {
			for k := range 256 {
				_ = c.SendBytes(paddedFrame(k, 8<<10))
			}
			<-ctx.Done()
			return nil
		}})
	e.dialRcvBuf(t, "lobby", 4<<10) // never reads
	e.metrics.waitFor(t, "the stalled client cut", func(m *recMetrics) bool {
		return m.slow == 1 && m.errors[ErrCodeTimeout] == 1 && m.dropped["write_failed"] > 0 && m.queue == 0
	})
}

// TestConcurrentMembershipAndBroadcast: joins, leaves, broadcasts and
// disconnects race each other (run under -race); afterwards every room
// is empty.
func TestConcurrentMembershipAndBroadcast(t *testing.T) {
	churn := newTestRooms()
	defer churn.ch.Close()
	var e *testEnv
	e = newEnv(t, envConfig{runOverride: func(ctx context.Context, c *Conn, _ iter.Seq[testMsg]) error {
		sub := e.rooms.join("c", c)
		defer sub.Close()
		e.metrics.update(func() { e.metrics.joins["c"]++ })
		subs := map[string]*channel.Subscription[[]byte]{}
		for i := 0; i < 100 && ctx.Err() == nil; i++ {
			if in := fmt.Sprint("x", i%3); subs[in] == nil {
				subs[in] = churn.join(in, c)
			}
			if leave := fmt.Sprint("x", (i+1)%3); subs[leave] != nil {
				_ = subs[leave].Close()
				delete(subs, leave)
			}
		}
		<-ctx.Done()
		for _, s := range subs {
			_ = s.Close()
		}
		return nil
	}})
	const clients = 100
	conns := e.dialMany(t, "c", clients)
	for _, c := range conns {
		go func() {
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				e.rooms.broadcast("c", fmt.Appendf(nil, `{"g":%d,"k":%d}`, g, k), "")
				churn.broadcast(fmt.Sprint("x", k%3), []byte(`{}`), "")
			}
		}()
	}
	for _, c := range conns[:clients/2] {
		c.Close()
	}
	e.metrics.waitFor(t, "half the clients gone", func(m *recMetrics) bool {
		n := 0
		for _, v := range m.closed {
			n += v
		}
		return n >= clients/2
	})
	close(stop)
	wg.Wait()
	e.rooms.waitMembers(t, "c", clients/2)
	for _, c := range conns[clients/2:] {
		c.Close()
	}
	e.metrics.waitFor(t, "all clients gone", func(m *recMetrics) bool {
		n := 0
		for _, v := range m.closed {
			n += v
		}
		return n == clients
	})
	e.rooms.waitEmpty(t, "room c")
	churn.waitEmpty(t, "churn rooms")
	if e.rooms.count() != 0 || churn.count() != 0 {
		t.Fatalf("rooms left: %d + %d", e.rooms.count(), churn.count())
	}
}
