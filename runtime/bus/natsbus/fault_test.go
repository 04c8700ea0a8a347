package natsbus_test

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
	"github.com/jsgen-dev/jsgen/runtime/bus/natsbus"
)

// reconnectWait is the reconnect wait of the fault tests, and
// resumeBound the recovery bound they check: the package documents
// ReconnectWait + 100ms jitter + round trips; the extra second absorbs a
// loaded CI machine running the race detector.
const (
	reconnectWait = 100 * time.Millisecond
	resumeBound   = reconnectWait + 100*time.Millisecond + time.Second
)

// TestServerRestart stops the NATS server mid-stream and starts it again
// on the same port: publishes during the outage fail fast and are counted
// as lost, both nodes reconnect with their subscriptions, and cross-node
// delivery resumes within resumeBound.
func TestServerRestart(t *testing.T) {
	srv := bustest.StartNATS(t)
	var statesA, statesB stateLog
	a := open(t, srv.URL(), natsbus.WithReconnectWait(reconnectWait), natsbus.WithStateHandler(statesA.record))
	b := open(t, srv.URL(), natsbus.WithReconnectWait(reconnectWait), natsbus.WithStateHandler(statesB.record))
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

	// A steady stream from A while the server goes away and comes back.
	var sent, failed, other atomic.Int64
	stop := make(chan struct{})
	streamDone := make(chan struct{})
	go func() {
		defer close(streamDone)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			err := a.Publish(ctx, "room.x", fmt.Appendf(nil, "%d", i))
			switch {
			case err == nil:
				sent.Add(1)
			case errors.Is(err, natsbus.ErrDisconnected):
				failed.Add(1)
			default:
				other.Add(1)
				t.Errorf("unexpected publish error: %v", err)
			}
		}
	}()
	onB.WaitN(t, 10)

	srv.Stop()
	bustest.WaitFor(t, "both nodes to notice", func() bool { return !a.Connected() && !b.Connected() })
	failedBefore := failed.Load()
	bustest.WaitFor(t, "publishes during the outage", func() bool { return failed.Load() >= failedBefore+20 })
	// Publish fails fast while down: a single call returns at once.
	load := bustest.MeasureLateness(t, 10*time.Millisecond)
	start := time.Now()
	if err := a.Publish(ctx, "room.y", []byte("down")); !errors.Is(err, natsbus.ErrDisconnected) {
		t.Fatalf("Publish while down: %v", err)
	}
	if d, late := time.Since(start), load.End(); d > 100*time.Millisecond+late {
		t.Fatalf("Publish while down took %v (timers ran %v late)", d, late)
	}
	failed.Add(1)
	// Subscribing while down registers the subscription for later.
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
	close(stop)
	<-streamDone

	// Every subscription is back, including the one made while down, and
	// the other direction works too.
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

	// Losses: every failed publish was counted, nothing else was.
	if st, cs := a.Stats(), a.ConnStats(); cs.PublishLost != uint64(failed.Load()) || st.Dropped != cs.PublishLost {
		t.Fatalf("A counted %d lost (Stats %+v), publisher saw %d failures", cs.PublishLost, st, failed.Load())
	}
	if cs := a.ConnStats(); cs.Disconnects != 1 || cs.Reconnects != 1 {
		t.Fatalf("A conn stats %+v", cs)
	}
	want := []bus.State{bus.StateDisconnected, bus.StateConnected}
	for name, l := range map[string]*stateLog{"A": &statesA, "B": &statesB} {
		if got := l.get(); !slices.Equal(got, want) {
			t.Errorf("%s states %v, want %v", name, got, want)
		}
	}
	// Delivery never duplicated and kept publish order.
	seen := map[string]bool{}
	last := -1
	for _, m := range onB.Messages() {
		if seen[m] {
			t.Fatalf("duplicate delivery %q", m)
		}
		seen[m] = true
		var i int
		if _, err := fmt.Sscanf(m, "%d", &i); err == nil {
			if i <= last {
				t.Fatalf("out of order: %d after %d", i, last)
			}
			last = i
		}
	}
	t.Logf("stream: %d sent, %d lost during the outage", sent.Load(), failed.Load())
}

// TestCloseWhileDown closes buses whose server is gone: Close returns
// promptly and leaves no goroutine behind (goleak checks at exit).
func TestCloseWhileDown(t *testing.T) {
	srv := bustest.StartNATS(t)
	b := open(t, srv.URL(), natsbus.WithReconnectWait(reconnectWait))
	if _, err := b.Subscribe(context.Background(), "x", func(string, []byte) {}); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	bustest.WaitFor(t, "disconnect", func() bool { return !b.Connected() })
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}
