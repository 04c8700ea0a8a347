package roomsync

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus/membus"
	"github.com/jsgen-dev/jsgen/runtime/room"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"

	"github.com/jsgen-dev/jsgen/runtime/bus/bustest"
)

func newMembus(t testing.TB) *membus.Bus {
	b := membus.New(membus.WithLogger(quiet()))
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// Joins, leaves and status changes on every node end up identical on
// every node, for 2 and 3 nodes.
func TestNodesAgree(t *testing.T) {
	for _, count := range []int{2, 3} {
		t.Run(fmt.Sprint(count, "nodes"), func(t *testing.T) {
			b := newMembus(t)
			opts := fast
			opts.DeadAfter = time.Hour // no node may be dropped here
			var nodes []*node
			for i := range count {
				nodes = append(nodes, startNode(t, b, fmt.Sprintf("N%d", i), opts))
			}
			first, last := nodes[0], nodes[count-1]

			aliceTab1 := first.join(t, "lobby", "alice", "N0-1")
			first.join(t, "dev", "alice", "N0-1")
			last.join(t, "lobby", "alice", "L-1") // alice's phone on another node
			bob := last.join(t, "lobby", "bob", "L-2")
			nodes[count/2].join(t, "ops", "carol", "M-1")
			first.set(t, "alice", "N0-1", room.StatusOnline)
			last.set(t, "alice", "L-1", room.StatusAway)
			last.set(t, "bob", "L-2", room.StatusBusy)
			view := waitAgree(t, nodes...)
			for _, n := range nodes {
				if got := n.memberList("lobby"); got != "alice(2) bob(1)" {
					t.Fatalf("%s: lobby = %q\n%s", n.id, got, view)
				}
				if p, _ := n.presence.Get(userRef("alice")); p.Status != room.StatusAway || len(p.Conns) != 2 {
					t.Fatalf("%s: alice's presence %+v", n.id, p)
				}
			}

			// Status change, a leave of one of two connections, a member leaving.
			first.set(t, "alice", "N0-1", room.StatusBusy)
			_ = aliceTab1.Close()
			_ = bob.Close()
			last.presence.Remove(userRef("bob"), "L-2")
			waitAgree(t, nodes...)
			for _, n := range nodes {
				if got := n.memberList("lobby"); got != "alice(1)" {
					t.Fatalf("%s: lobby = %q", n.id, got)
				}
				if got := n.memberList("dev"); got != "alice(1)" {
					t.Fatalf("%s: dev = %q", n.id, got)
				}
				if p, _ := n.presence.Get(userRef("alice")); p.Status != room.StatusBusy {
					t.Fatalf("%s: alice's status %v", n.id, p.Status)
				}
				if n.presence.Online(userRef("bob")) {
					t.Fatalf("%s: bob still online", n.id)
				}
				if peers := n.ms.Peers(); len(peers) != count-1 || slices.Contains(peers, n.id) {
					t.Fatalf("%s: peers %v", n.id, peers)
				}
			}
			for _, n := range nodes {
				st := n.ms.Stats()
				if st.EventsPublished == 0 || st.EventsReceived == 0 || st.EventsApplied == 0 || st.Invalid != 0 || st.NodesDropped != 0 {
					t.Fatalf("%s: members stats %+v", n.id, st)
				}
			}
		})
	}
}

// A node started after the others learns their state from the snapshots
// answering its start-up request. The heartbeat is long here, so only
// that request/response exchange can explain it.
func TestLateNodeLearnsState(t *testing.T) {
	b := newMembus(t)
	slow := Options{Heartbeat: time.Hour, Logger: quiet()}
	a := startNode(t, b, "A", slow)
	bn := startNode(t, b, "B", slow)
	a.join(t, "lobby", "alice", "A-1")
	a.join(t, "dev", "alice", "A-1")
	bn.join(t, "lobby", "bob", "B-1")
	a.set(t, "alice", "A-1", room.StatusAway)
	bn.set(t, "bob", "B-1", room.StatusOnline)
	want := waitAgree(t, a, bn)

	c := startNode(t, b, "C", slow)
	waitAgree(t, a, bn, c)
	if got := c.view(); got != want {
		t.Fatalf("late node sees\n%s\nwant\n%s", got, want)
	}
	// Counters move after the state they count: wait for them.
	waitFor(t, "C's counters", func() bool { return c.ms.Stats().SyncsApplied == 2 })
	if st := c.ms.Stats(); st.SyncsRequested != 1 || st.Gaps != 0 {
		t.Fatalf("late node members stats %+v", st)
	}
	// The start-up request was answered once by each; each older node
	// skipped the other's snapshot (already in step with it) or applied it.
	if st := a.ms.Stats(); st.SyncsServed < 2 {
		t.Fatalf("A served %d syncs", st.SyncsServed)
	}
}

// A node that stops publishing without a goodbye has its members and its
// presence removed from every other node within D + H.
func TestDeadNodeDropped(t *testing.T) {
	b := newMembus(t)
	opts := fast
	nodes := []*node{startNode(t, b, "A", opts), startNode(t, b, "B", opts), startNode(t, b, "C", opts)}
	a, bn, c := nodes[0], nodes[1], nodes[2]
	a.join(t, "lobby", "alice", "A-1")
	c.join(t, "lobby", "carol", "C-1")
	c.join(t, "lobby", "alice", "C-2")
	c.set(t, "carol", "C-1", room.StatusOnline)
	waitAgree(t, nodes...)
	if got := a.memberList("lobby"); got != "alice(2) carol(1)" {
		t.Fatalf("lobby = %q", got)
	}

	c.stop()
	killed := time.Now()
	load := bustest.MeasureLateness(t, opts.Heartbeat/4)
	gone := func(n *node) func() bool {
		return func() bool {
			return n.memberList("lobby") == "alice(1)" && !n.presence.Online(userRef("carol")) &&
				!slices.Contains(n.ms.Peers(), "C") && !slices.Contains(n.ps.Peers(), "C")
		}
	}
	waitFor(t, "A to drop C", gone(a))
	waitFor(t, "B to drop C", gone(bn))
	took, late := time.Since(killed), load.End()
	bound := 3*opts.Heartbeat + opts.Heartbeat
	t.Logf("dead node dropped after %v (bound D+H = %v; timers ran %v late)", took, bound, late)
	// The slack, and the lateness of timers measured meanwhile, absorb
	// scheduling delays of a loaded test machine; the presence TTL (60 s)
	// is far beyond them, so only DropNode can explain the removal.
	if took > bound+time.Second+late {
		t.Fatalf("dead node dropped after %v, bound %v (timers ran %v late)", took, bound, late)
	}
	for _, n := range []*node{a, bn} {
		// At least C (a stalled test machine may also make a live node
		// look dead for a moment; it is learned again).
		if st := n.ms.Stats(); st.NodesDropped < 1 {
			t.Fatalf("%s: members stats %+v", n.id, st)
		}
		if st := n.ps.Stats(); st.NodesDropped < 1 {
			t.Fatalf("%s: presence stats %+v", n.id, st)
		}
	}
	waitAgree(t, a, bn)
}

// An event lost in the middle of a node's stream is seen as a gap by the
// next event, and repaired by a sync.
func TestLostEventRepairedByGap(t *testing.T) {
	b := newMembus(t)
	slow := Options{Heartbeat: time.Hour, Logger: quiet()} // no heartbeat help
	a := startNode(t, b, "A", slow)
	bn := startNode(t, b, "B", slow)
	settle(t, a, bn)

	a.bus.discardNext("test.members.events", 1)
	a.join(t, "lobby", "alice", "A-1") // lost
	a.join(t, "lobby", "bob", "A-2")   // reveals the gap
	waitAgree(t, a, bn)
	if got := bn.memberList("lobby"); got != "alice(1) bob(1)" {
		t.Fatalf("B's lobby = %q", got)
	}
	waitFor(t, "B's counters", func() bool { return bn.ms.Stats().SyncsApplied >= 1 })
	if st := bn.ms.Stats(); st.Gaps != 1 || st.SyncsRequested != 2 {
		t.Fatalf("B's stats %+v", st)
	}
}

// A lost last event has no successor to reveal it: the heartbeat does.
func TestLostTailRepairedByHeartbeat(t *testing.T) {
	b := newMembus(t)
	a := startNode(t, b, "A", fast)
	bn := startNode(t, b, "B", fast)
	a.join(t, "lobby", "alice", "A-1")
	settle(t, a, bn)
	waitAgree(t, a, bn)

	before := bn.ms.Stats()
	a.bus.discardNext("test.members.events", 1)
	a.bus.discardNext("test.presence.events", 1)
	a.join(t, "lobby", "bob", "A-2") // lost, and nothing follows
	a.set(t, "bob", "A-2", room.StatusBusy)
	took := waitFor(t, "B to learn the lost tail", func() bool {
		p, _ := bn.presence.Get(userRef("bob"))
		return bn.memberList("lobby") == "alice(1) bob(1)" && p.Status == room.StatusBusy
	})
	t.Logf("lost tail repaired after %v (bound H + H/2 + RTT, H = %v)", took, fast.Heartbeat)
	// The heartbeat revealed the gap and a snapshot repaired it. Under load
	// a snapshot slower than the retry interval (2H) is requested again,
	// so there may be more than one of each: wait for at least one.
	waitFor(t, "B's counters", func() bool {
		st := bn.ms.Stats()
		return st.Gaps > before.Gaps && st.SyncsApplied > before.SyncsApplied
	})
	waitAgree(t, a, bn)
}

// During an outage of one node's bus connection both sides keep changing;
// publishes fail and are counted. After the connection is back, the
// heartbeats reveal what was lost and the nodes converge.
func TestBusOutageShort(t *testing.T) {
	b := newMembus(t)
	opts := fast
	opts.DeadAfter = time.Hour // the outage must not make the nodes drop each other
	a := startNode(t, b, "A", opts)
	bn := startNode(t, b, "B", opts)
	a.join(t, "lobby", "alice", "A-1")
	bn.join(t, "lobby", "bob", "B-1")
	waitAgree(t, a, bn)

	a.bus.down.Store(true)
	a.join(t, "dev", "alice", "A-1")
	a.set(t, "alice", "A-1", room.StatusAway)
	bn.join(t, "dev", "bob", "B-1")
	waitFor(t, "A's publishes to fail", func() bool {
		return a.ms.Stats().EventsDropped > 0 && a.ps.Stats().EventsDropped > 0
	})
	if bn.memberList("dev") != "bob(1)" || a.memberList("dev") != "alice(1)" {
		t.Fatalf("changes crossed the outage: A %q B %q", a.memberList("dev"), bn.memberList("dev"))
	}
	a.bus.down.Store(false)
	reconnected := time.Now()
	load := bustest.MeasureLateness(t, opts.Heartbeat/4)
	waitFor(t, "convergence", func() bool {
		return a.memberList("dev") == "alice(1) bob(1)" && bn.memberList("dev") == "alice(1) bob(1)"
	})
	took, late := time.Since(reconnected), load.End()
	t.Logf("converged %v after the outage (bound H + H/2 + RTT, H = %v; timers ran %v late)", took, opts.Heartbeat, late)
	if took > opts.Heartbeat*3/2+time.Second+late {
		t.Fatalf("converged after %v (timers ran %v late)", took, late)
	}
	waitAgree(t, a, bn)
	if st := a.ms.Stats(); st.PublishErrors == 0 {
		t.Fatalf("A's stats %+v", st)
	}
}

// An outage longer than D makes the nodes declare each other dead; after
// reconnection they learn each other again.
func TestBusOutageLong(t *testing.T) {
	b := newMembus(t)
	a := startNode(t, b, "A", fast)
	bn := startNode(t, b, "B", fast)
	a.join(t, "lobby", "alice", "A-1")
	bn.join(t, "lobby", "bob", "B-1")
	want := waitAgree(t, a, bn)

	a.bus.down.Store(true)
	waitFor(t, "the nodes to drop each other", func() bool {
		return len(a.ms.Peers()) == 0 && len(bn.ms.Peers()) == 0 && bn.memberList("lobby") == "bob(1)"
	})
	a.bus.down.Store(false)
	reconnected := time.Now()
	load := bustest.MeasureLateness(t, fast.Heartbeat/4)
	if got := waitAgree(t, a, bn); got != want {
		t.Fatalf("after reconnection\n%s\nwant\n%s", got, want)
	}
	took, late := time.Since(reconnected), load.End()
	t.Logf("relearned %v after the outage (bound H + RTT, H = %v; timers ran %v late)", took, fast.Heartbeat, late)
	if took > fast.Heartbeat+time.Second+late {
		t.Fatalf("relearned after %v (timers ran %v late)", took, late)
	}
}

// A node restarted under the same ID (a new epoch) replaces its old
// entries on the other nodes, even when it has no new event to send.
func TestRestartedNodeReplacesEntries(t *testing.T) {
	b := newMembus(t)
	// D is an hour: a loaded machine slow to start the new B must not make
	// A declare the old one dead, which would also forget its entries.
	opts := fast
	opts.DeadAfter = time.Hour
	a := startNode(t, b, "A", opts)
	old := startNode(t, b, "B", opts)
	old.join(t, "lobby", "bob", "B-1")
	old.set(t, "bob", "B-1", room.StatusOnline)
	waitAgree(t, a, old)
	old.stop()

	restarted := startNode(t, b, "B", opts)
	waitFor(t, "A to forget the old B's entries", func() bool {
		return a.memberList("lobby") == "" && !a.presence.Online(userRef("bob"))
	})
	if st := a.ms.Stats(); st.NodesDropped != 0 {
		t.Fatalf("restart handled as a death: %+v", st)
	}
	restarted.join(t, "lobby", "bob", "B-9")
	waitAgree(t, a, restarted)
	if got := a.memberList("lobby"); got != "bob(1)" {
		t.Fatalf("lobby = %q", got)
	}
}

// OnEvent never blocks the caller: with the publisher stuck on the bus
// and a queue of 1, joins return, the overflow is counted, and the peers
// repair the loss through the heartbeat once the bus moves again.
func TestFullQueueDropsAndRepairs(t *testing.T) {
	b := newMembus(t)
	opts := fast
	opts.Queue = 1
	opts.DeadAfter = time.Hour
	a := startNode(t, b, "A", opts)
	bn := startNode(t, b, "B", opts)
	settle(t, a, bn)

	a.bus.hold()
	for i := range 20 {
		a.join(t, "lobby", fmt.Sprintf("u%02d", i), fmt.Sprintf("A-%d", i)) // must not block
	}
	if st := a.ms.Stats(); st.EventsDropped == 0 {
		t.Fatalf("no event dropped: %+v", st)
	}
	a.bus.release()
	waitFor(t, "B to catch up", func() bool { return bn.members.Count(roomRef("lobby")) == 20 })
	waitFor(t, "B's counters", func() bool { st := bn.ms.Stats(); return st.Gaps > 0 && st.SyncsApplied > 0 })
}

// A snapshot bigger than MaxMessage travels in parts.
func TestLargeSnapshotInParts(t *testing.T) {
	b := newMembus(t)
	opts := Options{Heartbeat: time.Hour, MaxMessage: minMaxMessage, Logger: quiet()}
	a := startNode(t, b, "A", opts)
	const n = 600
	for i := range n {
		a.join(t, "lobby", fmt.Sprintf("user%03d", i), fmt.Sprintf("A-conn-%03d", i))
	}
	// Only the snapshot can tell C: every event is out before it starts.
	waitFor(t, "A's events to be published", func() bool { return a.ms.Stats().EventsPublished == n })
	snap, _ := a.members.Replica().Snapshot().MarshalBinary()
	if len(snap) < 3*minMaxMessage {
		t.Fatalf("snapshot of %d bytes is too small for the test", len(snap))
	}
	c := startNode(t, b, "C", opts)
	waitFor(t, "the late node to learn every member", func() bool { return c.members.Count(roomRef("lobby")) == n })
	waitFor(t, "C's counters", func() bool { return c.ms.Stats().SyncsApplied == 1 })
	if st := c.ms.Stats(); st.Invalid != 0 || st.SyncsSkipped != 0 {
		t.Fatalf("C's stats %+v", st)
	}
}

// Garbage on every subject is dropped and counted; replication goes on.
func TestGarbageIsCounted(t *testing.T) {
	b := newMembus(t)
	a := startNode(t, b, "A", fast)
	bn := startNode(t, b, "B", fast)
	ctx := context.Background()
	validEvent, _ := repl.Event{Kind: repl.EventJoin, Node: "X", Epoch: 1, Seq: 1, Room: "r", User: "u", Conn: "c"}.MarshalBinary()
	badUser, _ := repl.Event{Kind: repl.EventJoin, Node: "X", Epoch: 1, Seq: 1, Room: "r", User: "bad user", Conn: "c"}.MarshalBinary()
	badNode, _ := repl.Event{Kind: repl.EventJoin, Node: "a.b", Epoch: 1, Seq: 1, Room: "r", User: "u", Conn: "c"}.MarshalBinary()
	presenceKind, _ := repl.Event{Kind: repl.EventPresence, Node: "X", Epoch: 1, Seq: 2, User: "u", Conn: "c", Status: uint8(room.StatusOnline)}.MarshalBinary()
	badSnapshot := appendSnapshotPart(nil, 0, 1, repl.Snapshot{Node: "Y", Epoch: 1, Seq: 1,
		Events: []repl.Event{{Kind: repl.EventJoin, Node: "Y", Epoch: 1, Seq: 1, Room: "r", User: "u", Conn: "bad conn"}}})
	garbage := map[string][][]byte{
		"test.members.events":   {nil, []byte("junk"), validEvent[:len(validEvent)-1], badUser, badNode, presenceKind},
		"test.members.snapshot": {nil, []byte{1, 0, 0}, []byte{1, 5, 1, 1}, badSnapshot},
		"test.members.alive":    {nil, []byte{1, 0, 0, 1, 'X'}, []byte{1, 1, 1, 2, 'X'}, heartbeat{node: "X", epoch: 1}.appendBinary(nil)[:4]},
		"test.members.sync":     {nil, []byte{2}, syncRequest{from: "X", target: "*"}.appendBinary(nil)},
	}
	total := 0
	for subject, msgs := range garbage {
		for _, m := range msgs {
			if err := b.Publish(ctx, subject, m); err != nil {
				t.Fatal(err)
			}
			total++
		}
	}
	for _, n := range []*node{a, bn} {
		waitFor(t, "garbage to be counted", func() bool { return n.ms.Stats().Invalid == uint64(total) })
	}
	// Still working.
	a.join(t, "lobby", "alice", "A-1")
	bn.join(t, "lobby", "bob", "B-1")
	waitAgree(t, a, bn)
	if got := a.memberList("lobby"); got != "alice(1) bob(1)" {
		t.Fatalf("lobby = %q", got)
	}
	// X was heard from (its valid-looking but refused events); it never
	// owned anything here.
	if strings.Contains(a.view(), "/X") {
		t.Fatalf("garbage applied:\n%s", a.view())
	}
}

func TestStartErrors(t *testing.T) {
	b := newMembus(t)
	members, _ := room.NewMembers[Room, User](room.WithNodeID("A"))
	ctx := context.Background()
	for _, prefix := range []string{"", "a..b", ".a", "a.", "a.*", "a.>", "a b"} {
		if _, err := Start(ctx, b, prefix, members, Options{}); err == nil {
			t.Fatalf("prefix %q accepted", prefix)
		}
	}
	if _, err := Start(ctx, b, "p", members, Options{Heartbeat: time.Second, DeadAfter: time.Second}); err == nil {
		t.Fatal("DeadAfter <= Heartbeat accepted")
	}
	if _, err := Start(ctx, nil, "p", members, Options{}); err == nil {
		t.Fatal("nil bus accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Start(cancelled, b, "p", members, Options{}); err == nil {
		t.Fatal("cancelled context accepted")
	}
	closed := membus.New()
	_ = closed.Close()
	if _, err := Start(ctx, closed, "p", members, Options{}); err == nil {
		t.Fatal("closed bus accepted")
	}
}

// Cancelling Start's context stops the Sync (goleak checks the goroutines
// are gone); Close stays idempotent; a bus closed under a running Sync
// makes publishes fail without harm.
func TestContextAndClose(t *testing.T) {
	b := membus.New(membus.WithLogger(quiet()))
	members, _ := room.NewMembers[Room, User](room.WithNodeID("A"))
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, b, "p", members, fast)
	if err != nil {
		t.Fatal(err)
	}
	_ = b.Close()
	if _, err := members.Join(roomRef("r"), userRef("u"), "c"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failed publish to be counted", func() bool { return s.Stats().PublishErrors > 0 })
	cancel()
	waitFor(t, "the Sync to stop", func() bool {
		select {
		case <-s.done:
			return true
		default:
			return false
		}
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// A context cancelled while Start runs stops the Sync cleanly (the race
// detector checks the hand-over between Start and the AfterFunc's Close).
func TestCancelDuringStart(t *testing.T) {
	b := newMembus(t)
	members, _ := room.NewMembers[Room, User](room.WithNodeID("A"))
	for range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		go cancel()
		s, err := Start(ctx, b, "p", members, fast)
		if err != nil {
			continue // cancelled before Start checked it
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
