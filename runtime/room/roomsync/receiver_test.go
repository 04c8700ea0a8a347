package roomsync

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/room"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

// The receiver's decisions, driven by hand (no bus, no goroutines, a
// fake clock): node B receives what node A produces.
type receiverRig struct {
	t      *testing.T
	a, b   *room.Members[Room, User]
	events []repl.Event // A's events, in order
	rc     *receiver
	now    time.Time
}

func newRig(t *testing.T) *receiverRig {
	a, _ := room.NewMembers[Room, User](room.WithNodeID("A"), room.WithLogger(quiet()))
	b, _ := room.NewMembers[Room, User](room.WithNodeID("B"), room.WithLogger(quiet()))
	opts, _ := Options{Heartbeat: time.Second, Logger: quiet()}.withDefaults()
	s := &Sync{r: b.Replica(), node: "B", opts: opts, log: quiet(), ctl: newControl(), subj: newSubjects("p")}
	s.peers.Store(new([]string))
	g := &receiverRig{t: t, a: a, b: b, now: time.Unix(1000, 0)}
	g.rc = &receiver{s: s, peers: make(map[string]*peer), grace: opts.Heartbeat / 4, retry: 2 * opts.Heartbeat,
		started: g.now.Add(-time.Hour)}
	a.Replica().OnEvent(func(e repl.Event) { g.events = append(g.events, e) })
	return g
}

// join makes A join user and returns the event it produced.
func (g *receiverRig) join(user string) repl.Event {
	g.t.Helper()
	if _, err := g.a.Join(roomRef("lobby"), userRef(user), "A-"+user); err != nil {
		g.t.Fatal(err)
	}
	return g.events[len(g.events)-1]
}

func (g *receiverRig) snapshot(s repl.Snapshot) {
	for _, data := range splitSnapshot(s, minMaxMessage) {
		p, err := parseSnapshotPart(data)
		if err != nil {
			g.t.Fatal(err)
		}
		g.rc.snapshotPart(&p, g.now)
	}
}

func (g *receiverRig) requests() []string {
	targets, _ := g.rc.s.ctl.take()
	return targets
}

func (g *receiverRig) lobby() string {
	var users []string
	for _, m := range g.b.Members(roomRef("lobby")) {
		users = append(users, m.User.ID())
	}
	return fmt.Sprint(users)
}

func TestReceiverHoldsEventsDuringSync(t *testing.T) {
	g := newRig(t)
	e1, _, e3 := g.join("u1"), g.join("u2"), g.join("u3")
	g.rc.event(e1, g.now)
	g.rc.event(e3, g.now) // e2 lost: gap, applied, sync requested
	if got := g.requests(); !slices.Equal(got, []string{"A"}) {
		t.Fatalf("requests %q", got)
	}
	current := g.a.Replica().Snapshot() // seq 3; an older one (seq 2) arrives first
	old := repl.Snapshot{Node: "A", Epoch: current.Epoch, Seq: 2, Events: slices.Clone(current.Events[:2])}
	for i := range old.Events {
		old.Events[i].Seq = 2
	}
	e4 := g.join("u4")
	g.rc.event(e4, g.now) // held
	if g.lobby() != "[u1 u3]" || g.rc.s.n.eventsBuffered.Load() != 1 {
		t.Fatalf("lobby %s, buffered %d", g.lobby(), g.rc.s.n.eventsBuffered.Load())
	}
	g.snapshot(old) // older than e3, applied already: skipped, still pending
	if st := g.rc.s.Stats(); st.SyncsSkipped != 1 || st.SyncsApplied != 0 || !g.rc.peers["A"].pending {
		t.Fatalf("stale snapshot: %+v", st)
	}
	// A straggler of another epoch held meanwhile is discarded after the sync.
	g.rc.event(repl.Event{Kind: repl.EventJoin, Node: "A", Epoch: current.Epoch + 1, Seq: 1,
		Room: "lobby", User: "ghost", Conn: "A-ghost"}, g.now)
	g.snapshot(current) // seq 3: applied, then e4 (and the straggler is dropped)
	if got := g.lobby(); got != "[u1 u2 u3 u4]" {
		t.Fatalf("after the sync B's lobby is %s", got)
	}
	st := g.rc.s.Stats()
	if st.SyncsApplied != 1 || st.EventsDiscarded != 1 || g.rc.peers["A"].pending || g.rc.peers["A"].last != 4 {
		t.Fatalf("after the sync: %+v, peer %+v", st, g.rc.peers["A"])
	}
	// Another node's answer, matching what was applied: skipped unread.
	g.snapshot(g.a.Replica().Snapshot())
	if st := g.rc.s.Stats(); st.SyncsSkipped != 2 || st.SyncsApplied != 1 {
		t.Fatalf("up-to-date snapshot: %+v", st)
	}
}

func TestReceiverHeartbeatAheadAndDeath(t *testing.T) {
	g := newRig(t)
	g.rc.event(g.join("u1"), g.now)
	epoch := g.a.Replica().Snapshot().Epoch
	g.join("u2") // lost

	// The heartbeat announces seq 2: a grace period first (the event may
	// be on its way), then a sync.
	g.rc.heartbeat(heartbeat{node: "A", epoch: epoch, seq: 2}, g.now)
	g.rc.check(g.now.Add(g.rc.grace / 2))
	if got := g.requests(); len(got) != 0 {
		t.Fatalf("requested %q within the grace period", got)
	}
	g.rc.check(g.now.Add(g.rc.grace))
	if got := g.requests(); !slices.Equal(got, []string{"A"}) {
		t.Fatalf("requests %q", got)
	}
	// An unanswered request is repeated after the retry interval.
	g.rc.check(g.now.Add(g.rc.grace + g.rc.retry/2))
	if got := g.requests(); len(got) != 0 {
		t.Fatalf("repeated too early: %q", got)
	}
	g.rc.check(g.now.Add(g.rc.grace + g.rc.retry))
	if got := g.requests(); !slices.Equal(got, []string{"A"}) {
		t.Fatalf("not repeated: %q", got)
	}
	g.snapshot(g.a.Replica().Snapshot())
	if g.lobby() != "[u1 u2]" {
		t.Fatalf("lobby %s", g.lobby())
	}

	// A heartbeat ahead only until the event arrives causes no sync.
	g.now = g.now.Add(time.Second)
	e3 := g.join("u3")
	g.rc.heartbeat(heartbeat{node: "A", epoch: epoch, seq: 3}, g.now)
	g.rc.event(e3, g.now)
	g.rc.check(g.now.Add(g.rc.grace))
	if got := g.requests(); len(got) != 0 {
		t.Fatalf("spurious request %q", got)
	}

	// A new epoch (restart) in a heartbeat asks at once.
	g.rc.heartbeat(heartbeat{node: "A", epoch: epoch + 1, seq: 0}, g.now)
	if got := g.requests(); !slices.Equal(got, []string{"A"}) {
		t.Fatalf("restart: requests %q", got)
	}

	// Silent for DeadAfter: dropped, entries removed.
	g.rc.check(g.now.Add(g.rc.s.opts.DeadAfter - time.Millisecond))
	if len(g.rc.peers) != 1 {
		t.Fatal("dropped too early")
	}
	g.rc.check(g.now.Add(g.rc.s.opts.DeadAfter))
	if len(g.rc.peers) != 0 || g.lobby() != "[]" || len(g.rc.s.Peers()) != 0 || g.rc.s.Stats().NodesDropped != 1 {
		t.Fatalf("not dropped: lobby %s peers %v", g.lobby(), g.rc.s.Peers())
	}
}

// A node first heard through its heartbeat during the start-up window is
// awaited (its answer to the start-up request is coming), not asked again;
// after the window it is asked.
func TestReceiverStartupWindow(t *testing.T) {
	g := newRig(t)
	g.rc.started = g.now
	g.rc.heartbeat(heartbeat{node: "A", epoch: 5, seq: 3}, g.now)
	if got := g.requests(); len(got) != 0 || !g.rc.peers["A"].pending {
		t.Fatalf("requests %q, peer %+v", got, g.rc.peers["A"])
	}
	g.rc.heartbeat(heartbeat{node: "C", epoch: 5, seq: 0}, g.now) // nothing to learn
	if g.rc.peers["C"].pending {
		t.Fatal("empty node awaited")
	}
	g.rc.check(g.now.Add(g.rc.retry)) // no answer came: ask
	if got := g.requests(); !slices.Equal(got, []string{"A"}) {
		t.Fatalf("requests %q", got)
	}
	later := g.now.Add(time.Hour)
	g.rc.heartbeat(heartbeat{node: "D", epoch: 5, seq: 1}, later)
	if got := g.requests(); !slices.Equal(got, []string{"D"}) {
		t.Fatalf("after the window: requests %q", got)
	}
}
