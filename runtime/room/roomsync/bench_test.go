package roomsync

import (
	"fmt"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus/membus"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

// BenchmarkReplicatedJoin measures one join on node A until node B has
// applied it, over membus: the enqueue in the caller, the publisher, the
// bus, decoding and Apply. Joins are pipelined; the timer stops when B
// holds them all.
func BenchmarkReplicatedJoin(b *testing.B) {
	bus := membus.New(membus.WithLogger(quiet()), membus.WithQueueSize(1<<16))
	b.Cleanup(func() { _ = bus.Close() })
	opts := Options{Heartbeat: time.Hour, Queue: 1 << 16, Logger: quiet()}
	a := startNode(b, bus, "A", opts)
	bn := startNode(b, bus, "B", opts)
	settle(b, a, bn)
	conns := make([]string, b.N)
	for i := range conns {
		conns[i] = fmt.Sprintf("A-%d", i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i, c := range conns {
		if _, err := a.members.Join(roomRef(fmt.Sprint("r", i%64)), userRef(c), c); err != nil {
			b.Fatal(err)
		}
	}
	// Lost events (a full bus queue) are repaired by syncs, so count the
	// state, not the applied events.
	deadline := time.Now().Add(time.Minute)
	for total(bn) < b.N {
		if time.Now().After(deadline) {
			b.Fatalf("B holds %d of %d members; stats %+v", total(bn), b.N, bn.ms.Stats())
		}
		time.Sleep(50 * time.Microsecond)
	}
	b.StopTimer()
	st := bn.ms.Stats()
	b.ReportMetric(float64(st.SyncsApplied), "syncs")
}

func total(n *node) int {
	sum := 0
	for i := range 64 {
		sum += n.members.Count(roomRef(fmt.Sprint("r", i)))
	}
	return sum
}

// BenchmarkEnqueue measures what replication adds to a local change: the
// OnEvent callback that queues the event (the publisher drains it).
func BenchmarkEnqueue(b *testing.B) {
	bus := newMembus(b)
	n := startNode(b, bus, "A", Options{Heartbeat: time.Hour, Queue: 1 << 20, Logger: quiet()})
	e := repl.Event{Kind: repl.EventJoin, Node: "A", Epoch: 1, Room: "lobby", User: "alice", Conn: "A-1"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		e.Seq = uint64(i + 1)
		n.ms.enqueue(e)
	}
}
