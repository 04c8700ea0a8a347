package ws

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// dialMany connects n clients to room with at most 32 handshakes in flight,
// and waits until all have joined.
func (e *testEnv) dialMany(t testing.TB, room string, n int) []*websocket.Conn {
	t.Helper()
	conns := make([]*websocket.Conn, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, _, err := e.dialer().DialContext(testCtx(t), e.url+room, nil)
			if err != nil {
				errs <- err
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	close(errs)
	t.Cleanup(func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	})
	if err := <-errs; err != nil {
		t.Fatalf("dial: %v", err)
	}
	e.waitRoom(t, room, n)
	return conns
}

// waitRoom waits until n handlers have joined room (joins are counted by
// the test route, cumulatively).
func (e *testEnv) waitRoom(t testing.TB, room string, n int) {
	t.Helper()
	e.metrics.waitFor(t, fmt.Sprintf("%d joins of %s", n, room), func(m *recMetrics) bool { return m.joins[room] >= n })
}

func TestBroadcastToThousandClients(t *testing.T) {
	const clients, frames = 1000, 20
	e := newEnv(t, envConfig{})
	conns := e.dialMany(t, "big", clients)
	e.dial(t, "other", nil) // a member of another room must not receive anything
	e.waitRoom(t, "other", 1)

	var wg sync.WaitGroup
	fail := make(chan string, clients)
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range frames {
				_, b, err := c.ReadMessage()
				if err != nil {
					fail <- fmt.Sprintf("client %d frame %d: %v", i, k, err)
					return
				}
				if want := fmt.Sprintf(`{"k":%d}`, k); string(b) != want {
					fail <- fmt.Sprintf("client %d: got %s, want %s", i, b, want)
					return
				}
			}
		}()
	}
	for k := range frames {
		if n := e.rooms.broadcast("big", fmt.Appendf(nil, `{"k":%d}`, k), ""); n != clients {
			t.Fatalf("broadcast %d queued for %d connections, want %d", k, n, clients)
		}
	}
	wg.Wait()
	close(fail)
	for f := range fail {
		t.Error(f)
	}
	e.metrics.waitFor(t, "all frames written", func(m *recMetrics) bool { return m.out == clients*frames })
	if n := e.metrics.snapshot(func(m *recMetrics) any { return m.out }).(int); n != clients*frames {
		t.Fatalf("%d frames out, want %d (the other room's member must get none)", n, clients*frames)
	}
}

func TestBroadcastExceptAndMembership(t *testing.T) {
	e := newEnv(t, envConfig{})
	a := e.dial(t, "r1", nil)
	b := e.dial(t, "r1", nil)
	e.waitRoom(t, "r1", 2)
	send(t, a, `{"type":"id"}`)
	aID := strings.TrimSuffix(strings.TrimPrefix(read(t, a), `{"id":"`), `"}`)

	send(t, a, `{"type":"broadcast","text":"all"}`) // sender included
	for _, c := range []*websocket.Conn{a, b} {
		if got := read(t, c); got != `{"from":"`+aID+`:all"}` {
			t.Fatalf("broadcast: %s", got)
		}
	}
	send(t, a, `{"type":"broadcast","text":"others","n":1}`) // sender excluded
	if got := read(t, b); got != `{"from":"`+aID+`:others"}` {
		t.Fatalf("broadcast except: %s", got)
	}
	send(t, a, `{"type":"echo","text":"next"}`) // a got nothing in between
	if got := read(t, a); got != `{"echo":"next"}` {
		t.Fatalf("sender received its own excluded broadcast: %s", got)
	}
	if n := e.rooms.members("r1"); n != 2 {
		t.Fatalf("%d members, want 2", n)
	}

	a.Close()
	b.Close()
	e.metrics.waitFor(t, "both closed", func(m *recMetrics) bool { return m.closed[1006]+m.closed[1000] == 2 })
	e.rooms.waitEmpty(t, "after disconnect")
	if n, rooms := e.rooms.members("r1"), e.rooms.count(); n != 0 || rooms != 0 {
		t.Fatalf("after disconnect: %d members, %d rooms; want none", n, rooms)
	}
}

// TestSubscribeAfterCloseEnds: subscribing a connection that has already
// closed gives a subscription that ends at once, and no membership
// outlives the connection.
func TestSubscribeAfterCloseEnds(t *testing.T) {
	got := make(chan error, 1)
	var e *testEnv
	e = newEnv(t, envConfig{runOverride: func(ctx context.Context, c *Conn, _ iter.Seq[testMsg]) error {
		<-ctx.Done()
		sub := e.rooms.join("late", c)
		_, _ = sub.Next(context.Background()) // returns once the subscription has ended
		got <- sub.Err()
		return nil
	}})
	c := e.dial(t, "lobby", nil)
	c.Close()
	if err := <-got; err == nil {
		t.Fatal("a subscription made after the client left is still active")
	}
	if n := e.rooms.members("late"); n != 0 {
		t.Fatalf("membership leaked: %d members", n)
	}
}

// TestLeaveThenRejoin: closing a connection's subscription takes it out of
// the room (a broadcast reaches no one, the room is gone), and subscribing
// again makes it a member again that receives broadcasts.
func TestLeaveThenRejoin(t *testing.T) {
	rejoin := make(chan struct{})
	var e *testEnv
	e = newEnv(t, envConfig{runOverride: func(ctx context.Context, c *Conn, _ iter.Seq[testMsg]) error {
		sub := e.rooms.join("r", c)
		e.metrics.update(func() { e.metrics.joins["r"]++ })
		<-rejoin
		_ = sub.Close()
		if sub.Close() != nil || e.rooms.broadcast("r", []byte(`{"lost":true}`), "") != 0 || e.rooms.count() != 0 {
			return fmt.Errorf("room still present after its only member left")
		}
		sub = e.rooms.join("r", c)
		defer sub.Close()
		e.metrics.update(func() { e.metrics.joins["r"]++ })
		<-ctx.Done()
		return nil
	}})
	c := e.dial(t, "r", nil)
	e.waitRoom(t, "r", 1)
	close(rejoin)
	e.waitRoom(t, "r", 2)
	if n := e.rooms.broadcast("r", []byte(`{"back":true}`), ""); n != 1 {
		t.Fatalf("re-joined room has %d members, want 1", n)
	}
	if got := read(t, c); got != `{"back":true}` {
		t.Fatalf("after re-joining: %s, want the broadcast made after the re-join only", got)
	}
}

// paddedFrame is frame k of a stream: {"k":k,"p":"xxx…"} of size bytes.
func paddedFrame(k, size int) []byte {
	b := fmt.Appendf(nil, `{"k":%d,"p":"`, k)
	b = append(b, strings.Repeat("x", size-len(b)-2)...)
	return append(b, `"}`...)
}

// frameIndex returns k from a paddedFrame, or -1.
func frameIndex(b []byte) int {
	var k int
	if _, err := fmt.Sscanf(string(b), `{"k":%d,`, &k); err != nil {
		return -1
	}
	return k
}

// checkPrefix reports whether frames are paddedFrames 0, 1, 2, … in order
// (a contiguous prefix: nothing silently skipped).
func checkPrefix(frames []string) error {
	for i, f := range frames {
		if k := frameIndex([]byte(f)); k != i {
			return fmt.Errorf("frame %d has index %d: a frame was lost or reordered", i, k)
		}
	}
	return nil
}

// TestStalledClientDisconnected: a member that stops reading is
// disconnected as slow (1013) once its queue passes MaxQueueBytes, the
// frames it did get are a contiguous prefix (none silently skipped), and
// every other member keeps receiving every frame.
func TestStalledClientDisconnected(t *testing.T) {
	const readers, frameSize, queueLimit, after = 20, 8 << 10, 64 << 10, 50
	e := newEnv(t, envConfig{sndBuf: 16 << 10, opts: []Option{WithMaxQueueBytes(queueLimit), func(o *Options) { o.CloseTimeout, o.LingerTimeout = 300*time.Millisecond, 300*time.Millisecond }}})
	stalled := e.dialRcvBuf(t, "room", 16<<10)
	e.waitRoom(t, "room", 1)
	conns := e.dialMany(t, "room", readers)
	e.waitRoom(t, "room", readers+1)

	got := make(chan int, readers)
	fail := make(chan error, readers)
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for want := 0; ; want++ {
				_, b, err := c.ReadMessage()
				if err != nil {
					return // the test is over (cleanup closed it)
				}
				if k := frameIndex(b); k != want {
					fail <- fmt.Errorf("reader got frame %d, want %d", k, want)
					return
				}
				got <- want
			}
		}()
	}
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	})
	ctx := testCtx(t)
	// broadcast sends frame k and waits until every reader has it (so the
	// readers never fall behind; only the stalled member does).
	broadcast := func(k int) {
		e.rooms.broadcast("room", paddedFrame(k, frameSize), "")
		for range readers {
			select {
			case <-got:
			case err := <-fail:
				t.Fatal(err)
			case <-ctx.Done():
				t.Fatalf("readers did not all receive frame %d", k)
			}
		}
	}
	k := 0
	for ; e.metrics.snapshot(func(m *recMetrics) any { return m.slow }).(int) == 0; k++ {
		if k == 2000 {
			t.Fatal("the stalled client was never disconnected")
		}
		broadcast(k)
	}
	t.Logf("stalled client disconnected after %d frames", k)
	e.metrics.waitFor(t, "the stalled client closed as slow", func(m *recMetrics) bool {
		return m.closed[CloseTryAgainLater] == 1 && m.dropped[ErrCodeSlowClient] > 0 && m.errors[ErrCodeSlowClient] == 1
	})
	e.rooms.waitMembers(t, "room", readers) // the slow one has left
	for range after {
		broadcast(k)
		k++
	}
	if slow := e.metrics.snapshot(func(m *recMetrics) any { return m.slow }).(int); slow != 1 {
		t.Fatalf("%d slow-client disconnects, want 1 (readers must not be cut)", slow)
	}
	_, _, data := readClose(t, stalled)
	if err := checkPrefix(data); err != nil {
		t.Fatal(err)
	}
	if len(data) >= k {
		t.Fatalf("stalled client received %d of %d frames", len(data), k)
	}
}

// TestSlowClientSeesClose1013: a client that reads, but slower than the
// server queues frames past MaxQueueBytes, receives an in-order prefix of
// the frames and then close 1013 with a reason saying why.
func TestSlowClientSeesClose1013(t *testing.T) {
	const frameSize, frames = 8 << 10, 100
	e := newEnv(t, envConfig{sndBuf: 8 << 10, opts: []Option{WithMaxQueueBytes(64 << 10)},
		runOverride: func(ctx context.Context, c *Conn, _ iter.Seq[testMsg]) error {
			for k := range frames {
				if err := c.SendBytes(paddedFrame(k, frameSize)); err != nil {
					return err // ErrSlowClient: the connection is already closing
				}
			}
			<-ctx.Done()
			return nil
		}})
	c := e.dialRcvBuf(t, "lobby", 4<<10)
	code, reason, data := readClose(t, c)
	if code != CloseTryAgainLater || !strings.HasPrefix(reason, "slow client") {
		t.Fatalf("close %d %q after %d frames, want 1013 slow client", code, reason, len(data))
	}
	if err := checkPrefix(data); err != nil {
		t.Fatal(err)
	}
	if len(data) == frames {
		t.Fatal("all frames arrived: the queue bound never applied")
	}
	e.metrics.waitFor(t, "drops counted", func(m *recMetrics) bool {
		return m.slow == 1 && m.dropped[ErrCodeSlowClient] > 0 && m.closed[1013] == 1
	})
}
