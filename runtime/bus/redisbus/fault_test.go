package redisbus_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/jsgen-dev/jsgen/runtime/bus"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus/bustest"
	"github.com/jsgen-dev/jsgen/runtime/bus/redisbus"
)

// reconnectWait is the reconnect wait of the fault tests, and resumeBound
// the recovery bound they check: the package documents ReconnectWait + a
// round trip; the extra second absorbs a loaded CI machine running the
// race detector.
const (
	reconnectWait = 100 * time.Millisecond
	resumeBound   = reconnectWait + time.Second
)

// stream publishes on subject every 2ms until stop is closed, counting
// successes and ErrDisconnected failures; anything else fails the test.
type stream struct {
	sent, failed atomic.Int64
	stop, done   chan struct{}
}

func startStream(t *testing.T, b *redisbus.Bus, subject string) *stream {
	s := &stream{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for i := 0; ; i++ {
			select {
			case <-s.stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			err := b.Publish(context.Background(), subject, fmt.Appendf(nil, "%d", i))
			switch {
			case err == nil:
				s.sent.Add(1)
			case errors.Is(err, redisbus.ErrDisconnected):
				s.failed.Add(1)
			default:
				// The instant the server dies, an in-flight PUBLISH fails
				// with the socket's error: lost too, and counted.
				s.failed.Add(1)
				t.Logf("publish error: %v", err)
			}
		}
	}()
	return s
}

func (s *stream) halt() {
	close(s.stop)
	<-s.done
}

// checkOrder fails t if a numeric message repeats or goes backwards.
func checkOrder(t *testing.T, msgs []string) {
	t.Helper()
	last := -1
	for _, m := range msgs {
		var i int
		if _, err := fmt.Sscanf(m, "%d", &i); err != nil {
			continue
		}
		if i <= last {
			t.Fatalf("message %d after %d: duplicate or out of order", i, last)
		}
		last = i
	}
}

// TestServerRestart kills redis-server (SIGKILL) mid-stream and starts it
// again on the same port: publishes during the outage fail fast and are
// counted as lost, both nodes get their subscriptions back (checked on the
// server), and cross-node delivery resumes within resumeBound.
func TestServerRestart(t *testing.T) {
	srv := bustest.StartRedis(t)
	var statesA, statesB stateLog
	a := open(t, srv.URL(), redisbus.WithReconnectWait(reconnectWait), redisbus.WithStateHandler(statesA.record))
	b := open(t, srv.URL(), redisbus.WithReconnectWait(reconnectWait), redisbus.WithStateHandler(statesB.record))
	ctx := context.Background()
	onB, onA := bustest.NewCollector(), bustest.NewCollector()
	for _, s := range []string{"room.x", "room.y"} {
		if _, err := b.Subscribe(ctx, s, onB.Handle); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Subscribe(ctx, "room.back", onA.Handle); err != nil {
		t.Fatal(err)
	}
	st := startStream(t, a, "room.x")
	onB.WaitN(t, 10)

	srv.Kill()
	bustest.WaitFor(t, "both nodes to notice", func() bool { return !a.Connected() && !b.Connected() })
	failedBefore := st.failed.Load()
	bustest.WaitFor(t, "publishes during the outage", func() bool { return st.failed.Load() >= failedBefore+20 })
	load := bustest.MeasureLateness(t, 10*time.Millisecond)
	start := time.Now()
	if err := a.Publish(ctx, "room.y", []byte("down")); !errors.Is(err, redisbus.ErrDisconnected) {
		t.Fatalf("Publish while down: %v", err)
	}
	if d, late := time.Since(start), load.End(); d > 100*time.Millisecond+late {
		t.Fatalf("Publish while down took %v (timers ran %v late)", d, late)
	}
	st.failed.Add(1)
	late := bustest.NewCollector()
	if _, err := b.Subscribe(ctx, "room.late", late.Handle); err != nil {
		t.Fatalf("Subscribe while down: %v", err)
	}

	restarted := time.Now()
	load = bustest.MeasureLateness(t, 10*time.Millisecond)
	srv.Start(t)
	before := len(onB.Messages())
	onB.WaitN(t, before+1)
	resumed, lag := time.Since(restarted), load.End()
	t.Logf("cross-node delivery resumed %v after the server restarted (bound %v; timers ran %v late)", resumed, resumeBound, lag)
	if resumed > resumeBound+lag {
		t.Errorf("delivery resumed after %v, documented bound %v (timers ran %v late)", resumed, resumeBound, lag)
	}
	bustest.WaitFor(t, "both nodes connected", func() bool { return a.Connected() && b.Connected() })
	st.halt()

	// go-redis re-subscribed every channel, including the one subscribed
	// while down: the server has each exactly once.
	n := numSub(t, srv.URL(), "room.x", "room.y", "room.late", "room.back")
	for _, s := range []string{"room.x", "room.y", "room.late", "room.back"} {
		if n[s] != 1 {
			t.Fatalf("after restart PUBSUB NUMSUB = %v", n)
		}
	}
	for _, s := range []string{"room.y", "room.late"} {
		if err := a.Publish(ctx, s, []byte("after "+s)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Publish(ctx, "room.back", []byte("back")); err != nil {
		t.Fatal(err)
	}
	onA.WaitN(t, 1)
	late.WaitN(t, 1)
	bustest.WaitFor(t, "room.y", func() bool { return slices.Contains(onB.Messages(), "after room.y") })

	// Every publish refused during the outage was counted; so were those
	// accepted just before the kill whose pipeline then failed (the
	// publisher does not see those).
	stats, cs := a.Stats(), a.ConnStats()
	if failed := uint64(st.failed.Load()); cs.PublishLost < failed || stats.Dropped != cs.PublishLost {
		t.Fatalf("A counted %d lost (Stats %+v), publisher saw %d failures", cs.PublishLost, stats, failed)
	}
	t.Logf("lost after being accepted: %d", cs.PublishLost-uint64(st.failed.Load()))
	for name, bb := range map[string]*redisbus.Bus{"A": a, "B": b} {
		if cs := bb.ConnStats(); cs.Disconnects != 1 || cs.Reconnects != 1 {
			t.Errorf("%s conn stats %+v", name, cs)
		}
	}
	want := []bus.State{bus.StateDisconnected, bus.StateConnected}
	for name, l := range map[string]*stateLog{"A": &statesA, "B": &statesB} {
		if got := l.get(); !slices.Equal(got, want) {
			t.Errorf("%s states %v, want %v", name, got, want)
		}
	}
	checkOrder(t, onB.Messages())
	t.Logf("stream: %d sent, %d lost during the outage", st.sent.Load(), st.failed.Load())
}

// TestSilentConnectionLoss puts a proxy between the subscriber and Redis
// and freezes it (a partition: no error, no bytes). The bus notices within
// HealthInterval + PingTimeout, reconnects once the network is back, and
// delivery resumes.
func TestSilentConnectionLoss(t *testing.T) {
	srv := bustest.StartRedis(t)
	proxy := bustest.StartProxy(t, srv.Addr())
	const interval, timeout = 100 * time.Millisecond, 100 * time.Millisecond
	var states stateLog
	b := open(t, "redis://"+proxy.Addr(), redisbus.WithReconnectWait(reconnectWait),
		redisbus.WithHealthCheck(interval, timeout), redisbus.WithStateHandler(states.record))
	a := open(t, srv.URL())
	ctx := context.Background()
	onB := bustest.NewCollector()
	if _, err := b.Subscribe(ctx, "room.x", onB.Handle); err != nil {
		t.Fatal(err)
	}
	if err := a.Publish(ctx, "room.x", []byte("before")); err != nil {
		t.Fatal(err)
	}
	onB.WaitN(t, 1)

	proxy.Freeze()
	frozen := time.Now()
	load := bustest.MeasureLateness(t, 10*time.Millisecond)
	bustest.WaitFor(t, "the silent loss to be noticed", func() bool { return !b.Connected() })
	noticed, late := time.Since(frozen), load.End()
	t.Logf("silent loss noticed after %v (bound %v + %v; timers ran %v late)", noticed, interval, timeout, late)
	if bound := interval + timeout + time.Second + late; noticed > bound {
		t.Errorf("noticed after %v, want within %v", noticed, bound)
	}
	if err := b.Publish(ctx, "room.x", []byte("lost")); !errors.Is(err, redisbus.ErrDisconnected) {
		t.Fatalf("Publish while partitioned: %v", err)
	}

	proxy.Unfreeze()
	bustest.WaitFor(t, "reconnect", b.Connected)
	// The frozen connection swallowed bytes; the new one was re-subscribed.
	if err := a.Publish(ctx, "room.x", []byte("after")); err != nil {
		t.Fatal(err)
	}
	bustest.WaitFor(t, "delivery after the partition", func() bool {
		return slices.Contains(onB.Messages(), "after")
	})
	if got := states.get(); len(got) < 2 || got[0] != bus.StateDisconnected || got[len(got)-1] != bus.StateConnected {
		t.Fatalf("states %v", got)
	}
}

// TestCloseWhileDown closes a bus whose server is gone: Close returns
// promptly and leaves no goroutine behind (goleak checks at exit).
func TestCloseWhileDown(t *testing.T) {
	srv := bustest.StartRedis(t)
	var states stateLog
	b := open(t, srv.URL(), redisbus.WithReconnectWait(reconnectWait), redisbus.WithStateHandler(states.record))
	if _, err := b.Subscribe(context.Background(), "x", func(string, []byte) {}); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	bustest.WaitFor(t, "disconnect", func() bool { return !b.Connected() })
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := states.get(); !slices.Equal(got, []bus.State{bus.StateDisconnected, bus.StateClosed}) {
		t.Fatalf("states %v", got)
	}
}

// TestQueuedLostOnDisconnect queues messages behind a held writer and kills
// the server: once the bus knows it is down, the writer counts every queued
// message as lost instead of sending it, and new publishes fail fast.
func TestQueuedLostOnDisconnect(t *testing.T) {
	const n = 200
	srv := bustest.StartRedis(t)
	g := newGate()
	pub := open(t, srv.URL(), g.option(), redisbus.WithReconnectWait(reconnectWait))
	publishN(t, pub, "room.q", 0, 1)
	g.wait()
	publishN(t, pub, "room.q", 1, n)

	srv.Kill()
	bustest.WaitFor(t, "the disconnect to be noticed", func() bool { return !pub.Connected() })
	g.open()
	waitSettled(t, pub)
	if st, cs := pub.Stats(), pub.ConnStats(); st.Published != n || cs.PublishLost != n || st.Dropped != n || cs.Pipelines != 0 {
		t.Fatalf("after the disconnect: %+v, %+v; want %d accepted and lost, no pipeline", st, cs, n)
	}
	if err := pub.Publish(context.Background(), "room.q", nil); !errors.Is(err, redisbus.ErrDisconnected) {
		t.Fatalf("Publish while down: %v", err)
	}
}
