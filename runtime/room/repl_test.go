package room

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/channel"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

// bus is an in-memory stand-in for the cluster adapter: it records the
// events a node publishes (OnEvent) so the test decides when, and in
// which order, other nodes receive them.
type bus struct {
	mu     sync.Mutex
	events []repl.Event
}

func (b *bus) publish(e repl.Event) {
	// Round-trip through the wire form, as a real adapter would.
	data, err := e.MarshalBinary()
	if err != nil {
		panic(err)
	}
	var d repl.Event
	if err := d.UnmarshalBinary(data); err != nil {
		panic(err)
	}
	b.mu.Lock()
	b.events = append(b.events, d)
	b.mu.Unlock()
}

func (b *bus) take() []repl.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.events
	b.events = nil
	return out
}

func applyAll(t *testing.T, apply func(repl.Event) error, events []repl.Event) {
	t.Helper()
	for _, e := range events {
		if err := apply(e); err != nil {
			t.Fatalf("Apply(%+v): %v", e, err)
		}
	}
}

func TestMembersReplication(t *testing.T) {
	a, clock := newMembers(t, WithNodeID("A"))
	b, _ := newMembers(t, WithNodeID("B"), WithClock(clock))
	var busA bus
	a.onEvent(busA.publish)
	var recB recorder
	b.OnChange(recB.add)

	h1 := mustJoin(t, a, "r", "alice", "A-1")
	clock.Advance(time.Second)
	mustJoin(t, a, "r", "alice", "A-2") // second connection: no member transition
	mustJoin(t, b, "r", "bob", "B-1")   // local on B

	evs := busA.take()
	if len(evs) != 2 || evs[0].Kind != repl.EventJoin || evs[0].Seq != 1 || evs[1].Seq != 2 || evs[0].Node != "A" || evs[0].Epoch == 0 {
		t.Fatalf("events = %+v", evs)
	}
	applyAll(t, b.apply, evs)
	ms := b.Members(roomRef("r"))
	if got := userIDs(ms); !slices.Equal(got, []string{"alice", "bob"}) || ms[0].Conns != 2 || !ms[0].JoinedAt.Equal(t0) {
		t.Fatalf("B sees %+v", ms)
	}
	conns := b.Connections(roomRef("r"), userRef("alice"))
	if len(conns) != 2 || conns[0].Node != "A" {
		t.Fatalf("B sees alice's connections %+v", conns)
	}
	// Applying the same events again (duplicates) changes nothing.
	applyAll(t, b.apply, evs)
	if st := b.Stats(); st.Applied != 2 || st.Ignored != 2 {
		t.Fatalf("B stats %+v", st)
	}

	_ = h1.Close()
	a.LeaveAll("A-2")
	applyAll(t, b.apply, busA.take())
	if got := userIDs(b.Members(roomRef("r"))); !slices.Equal(got, []string{"bob"}) {
		t.Fatalf("after A's leaves B sees %v", got)
	}
	var kinds []string
	for _, c := range recB.changes {
		kinds = append(kinds, c.Kind.String()+" "+c.User.ID()+" "+c.Reason.String()+" "+map[bool]string{true: "local", false: "remote"}[c.Local])
	}
	want := []string{"joined bob local local", "joined alice remote remote", "left alice remote remote"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("B changes = %q, want %q", kinds, want)
	}
	// Own events are ignored.
	var busB bus
	b.onEvent(busB.publish)
	mustJoin(t, b, "r2", "bob", "B-1")
	for _, e := range busB.take() {
		if err := b.apply(e); err != nil {
			t.Fatal(err)
		}
	}
	if b.Count(roomRef("r2")) != 1 || b.Connections(roomRef("r2"), userRef("bob"))[0].Node != "B" {
		t.Fatal("own event re-applied")
	}
}

func TestMembersReplicationGapAndRestart(t *testing.T) {
	a, clock := newMembers(t, WithNodeID("A"))
	b, _ := newMembers(t, WithNodeID("B"), WithClock(clock))
	var busA bus
	a.onEvent(busA.publish)
	mustJoin(t, a, "r", "u1", "c1")
	mustJoin(t, a, "r", "u2", "c2")
	mustJoin(t, a, "r", "u3", "c3")
	evs := busA.take()

	if err := b.apply(evs[0]); err != nil {
		t.Fatal(err)
	}
	err := b.apply(evs[2]) // evs[1] lost
	var gap *repl.GapError
	if !errors.As(err, &gap) || !errors.Is(err, repl.ErrGap) || gap.Node != "A" || gap.Want != 2 || gap.Got != 3 {
		t.Fatalf("want a gap error, got %v", err)
	}
	if b.Count(roomRef("r")) != 2 { // applied anyway
		t.Fatalf("Count = %d", b.Count(roomRef("r")))
	}
	if err := b.apply(evs[1]); err != nil { // late: older than applied, ignored
		t.Fatal(err)
	}
	if b.Count(roomRef("r")) != 2 || b.Stats().Gaps != 1 {
		t.Fatalf("Count = %d, stats %+v", b.Count(roomRef("r")), b.Stats())
	}
	// Resynchronise from A's snapshot: u2 appears.
	if err := b.syncNode(a.snapshot()); err != nil {
		t.Fatal(err)
	}
	if got := userIDs(b.Members(roomRef("r"))); len(got) != 3 {
		t.Fatalf("after sync %v", got)
	}

	// A restarts: a new Members with the same node ID and a new epoch. Its
	// first event drops everything B held from the old A.
	a2, _ := newMembers(t, WithNodeID("A"), WithClock(clock))
	var busA2 bus
	a2.onEvent(busA2.publish)
	mustJoin(t, a2, "r", "u9", "c9")
	applyAll(t, b.apply, busA2.take())
	if got := userIDs(b.Members(roomRef("r"))); !slices.Equal(got, []string{"u9"}) {
		t.Fatalf("after A restarted B sees %v", got)
	}
	// A first event with seq > 1 from an unknown node is a gap.
	c, _ := newMembers(t, WithNodeID("C"), WithClock(clock))
	var busC bus
	c.onEvent(busC.publish)
	mustJoin(t, c, "x", "u", "c1")
	mustJoin(t, c, "x", "v", "c2")
	if err := b.apply(busC.take()[1]); !errors.Is(err, repl.ErrGap) {
		t.Fatalf("first event seq 2: %v", err)
	}
}

func TestMembersDropNode(t *testing.T) {
	a, clock := newMembers(t, WithNodeID("A"))
	b, _ := newMembers(t, WithNodeID("B"), WithClock(clock))
	var busA bus
	a.onEvent(busA.publish)
	mustJoin(t, a, "r1", "alice", "A-1")
	mustJoin(t, a, "r2", "alice", "A-1")
	mustJoin(t, a, "r1", "bob", "A-2")
	mustJoin(t, b, "r1", "bob", "B-1") // bob also on B: stays a member
	applyAll(t, b.apply, busA.take())
	var rec recorder
	b.OnChange(rec.add)

	n, err := b.dropNode("A")
	if err != nil || n != 3 {
		t.Fatalf("DropNode = %d, %v", n, err)
	}
	if got := userIDs(b.Members(roomRef("r1"))); !slices.Equal(got, []string{"bob"}) || b.Count(roomRef("r2")) != 0 {
		t.Fatalf("after drop r1=%v r2=%d", got, b.Count(roomRef("r2")))
	}
	got := rec.summary()
	slices.Sort(got)
	if want := []string{"left r1 alice", "left r2 alice"}; !slices.Equal(got, want) {
		t.Fatalf("changes %v, want %v", got, want)
	}
	for _, c := range rec.changes {
		if c.Reason != ReasonNodeDown || c.Local {
			t.Fatalf("change %+v", c)
		}
	}
	if _, err := b.dropNode("B"); !errors.Is(err, repl.ErrOwnNode) {
		t.Fatalf("dropping own node: %v", err)
	}
	if _, err := b.dropNode("no.de"); !errors.Is(err, ErrInvalidID) {
		t.Fatalf("bad node: %v", err)
	}
	// After a drop, the node's sequence restarts from scratch: a new event
	// with seq 4 from the same epoch is a gap, not a duplicate.
	mustJoin(t, a, "r3", "carol", "A-3")
	if err := b.apply(busA.take()[0]); !errors.Is(err, repl.ErrGap) || b.Count(roomRef("r3")) != 1 {
		t.Fatalf("after drop: %v, count %d", err, b.Count(roomRef("r3")))
	}
}

func TestMembersSnapshotSync(t *testing.T) {
	a, clock := newMembers(t, WithNodeID("A"))
	b, _ := newMembers(t, WithNodeID("B"), WithClock(clock))
	var busA bus
	a.onEvent(busA.publish)
	mustJoin(t, a, "r", "alice", "A-1")
	mustJoin(t, a, "r", "bob", "A-2")
	h := mustJoin(t, a, "s", "carol", "A-3")
	mustJoin(t, b, "r", "dave", "B-1")
	applyAll(t, b.apply, busA.take())

	_ = h.Close()
	mustJoin(t, a, "r", "alice", "A-4")
	mustJoin(t, a, "t", "erin", "A-5")
	lost := busA.take() // B never sees these

	snap := a.snapshot()
	if snap.Node != "A" || snap.Seq != 6 || len(snap.Events) != 4 {
		t.Fatalf("snapshot %+v", snap)
	}
	if snap.Events[0].Room != "r" || snap.Events[0].User != "alice" || snap.Events[0].Conn != "A-1" {
		t.Fatalf("snapshot not sorted: %+v", snap.Events)
	}
	// Through the wire.
	data, _ := snap.MarshalBinary()
	var decoded repl.Snapshot
	if err := decoded.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	var rec recorder
	b.OnChange(rec.add)
	if err := b.syncNode(decoded); err != nil {
		t.Fatal(err)
	}
	if got := userIDs(b.Members(roomRef("r"))); !slices.Equal(got, []string{"alice", "bob", "dave"}) {
		t.Fatalf("r after sync %v", got)
	}
	if b.Count(roomRef("s")) != 0 || b.Count(roomRef("t")) != 1 {
		t.Fatalf("s=%d t=%d", b.Count(roomRef("s")), b.Count(roomRef("t")))
	}
	got := rec.summary()
	slices.Sort(got)
	if want := []string{"joined t erin", "left s carol"}; !slices.Equal(got, want) { // alice did not flap
		t.Fatalf("sync changes %v, want %v", got, want)
	}
	// Events up to the snapshot's seq are now ignored.
	applyAll(t, b.apply, lost)
	if b.Stats().Applied != 3 {
		t.Fatalf("stats %+v", b.Stats())
	}
	// An older snapshot is refused.
	old := snap
	old.Seq = 2
	old.Events = nil
	if err := b.syncNode(old); !errors.Is(err, repl.ErrStaleSnapshot) {
		t.Fatalf("stale snapshot: %v", err)
	}
	if err := b.syncNode(b.snapshot()); !errors.Is(err, repl.ErrOwnNode) {
		t.Fatalf("own snapshot: %v", err)
	}
	bad := snap
	bad.Events = slices.Clone(snap.Events)
	bad.Events[0].Node = "Z"
	if err := b.syncNode(bad); !errors.Is(err, repl.ErrInvalidEvent) {
		t.Fatalf("mixed snapshot: %v", err)
	}
}

func TestApplyRejectsInvalidEvents(t *testing.T) {
	m, _ := newMembers(t, WithNodeID("B"))
	p, _ := newPresence(t, WithNodeID("B"))
	good := repl.Event{Kind: repl.EventJoin, Node: "A", Epoch: 1, Seq: 1, Room: "r", User: "u", Conn: "c"}
	mutate := []func(*repl.Event){
		func(e *repl.Event) { e.Kind = repl.EventPresence },
		func(e *repl.Event) { e.Kind = 0 },
		func(e *repl.Event) { e.Node = "" },
		func(e *repl.Event) { e.Node = "a.b" },
		func(e *repl.Event) { e.Seq = 0 },
		func(e *repl.Event) { e.Room = "" },
		func(e *repl.Event) { e.Room = "a>b" },
		func(e *repl.Event) { e.User = "" },
		func(e *repl.Event) { e.Conn = "x y" },
	}
	for i, f := range mutate {
		e := good
		f(&e)
		if err := m.apply(e); !errors.Is(err, repl.ErrInvalidEvent) {
			t.Errorf("members case %d: %v", i, err)
		}
	}
	pgood := repl.Event{Kind: repl.EventPresence, Node: "A", Epoch: 1, Seq: 1, User: "u", Conn: "c", Status: uint8(StatusAway)}
	for i, f := range []func(*repl.Event){
		func(e *repl.Event) { e.Kind = repl.EventJoin },
		func(e *repl.Event) { e.Status = 0 },
		func(e *repl.Event) { e.Status = 7 },
		func(e *repl.Event) { e.User = "u*" },
	} {
		e := pgood
		f(&e)
		if err := p.apply(e); !errors.Is(err, repl.ErrInvalidEvent) {
			t.Errorf("presence case %d: %v", i, err)
		}
	}
	if m.Stats().Members != 0 || p.Stats().Entries != 0 {
		t.Fatal("an invalid event changed state")
	}
}

func TestPresenceReplication(t *testing.T) {
	a, clock := newPresence(t, WithNodeID("A"), WithTTL(time.Minute))
	b, _ := newPresence(t, WithNodeID("B"), WithTTL(time.Minute), WithClock(clock))
	var busA bus
	a.onEvent(busA.publish)
	var recB presenceRecorder
	b.OnChange(recB.add)

	mustSet(t, a, "alice", "A-1", StatusBusy)
	clock.Advance(time.Second)
	if err := a.Heartbeat(userRef("alice"), "A-1"); err != nil {
		t.Fatal(err)
	}
	mustSet(t, b, "alice", "B-1", StatusOnline) // alice also on B, set later: her status is online
	evs := busA.take()
	if len(evs) != 2 || evs[0].Kind != repl.EventPresence || evs[1].Kind != repl.EventPresence || evs[1].At != t0.Add(time.Second).UnixNano() || evs[1].Since != t0.UnixNano() {
		t.Fatalf("events %+v", evs)
	}
	applyAll(t, b.apply, evs)
	got, ok := b.Get(userRef("alice"))
	if !ok || len(got.Conns) != 2 || got.Status != StatusOnline || got.Conns[0].Node != "A" || got.Conns[0].Status != StatusBusy {
		t.Fatalf("B: Get = %+v", got)
	}

	a.Remove(userRef("alice"), "A-1")
	applyAll(t, b.apply, busA.take())
	if got, _ := b.Get(userRef("alice")); len(got.Conns) != 1 {
		t.Fatalf("after remote remove: %+v", got)
	}
	if want := []string{"online alice online<- local"}; !slices.Equal(recB.summary(), want) {
		t.Fatalf("B changes %q, want %q", recB.summary(), want)
	}
}

// A remote entry expires on the receiving node TTL after its last event,
// even if its owner died without a word.
func TestPresenceRemoteEntriesExpire(t *testing.T) {
	a, clock := newPresence(t, WithNodeID("A"), WithTTL(time.Minute))
	b, _ := newPresence(t, WithNodeID("B"), WithTTL(time.Minute), WithClock(clock))
	var busA bus
	a.onEvent(busA.publish)
	mustSet(t, a, "alice", "A-1", StatusOnline)
	_ = a.Close() // A dies; its janitor will never announce the expiry
	clock.Advance(30 * time.Second)
	sub := b.WatchUser(userRef("alice"))
	defer sub.Close()
	applyAll(t, b.apply, busA.take()) // received late: lives until now + TTL on B
	if c := next(t, sub); c.Kind != PresenceOnline || c.Local {
		t.Fatalf("change %+v", c)
	}
	clock.Advance(59 * time.Second)
	if !b.Online(userRef("alice")) {
		t.Fatal("remote entry expired early")
	}
	clock.Advance(time.Second)
	c := next(t, sub)
	if c.Kind != PresenceOffline || c.Reason != ReasonExpired || c.Node != "A" || c.Local {
		t.Fatalf("change %+v", c)
	}
}

func TestPresenceDropNodeAndSync(t *testing.T) {
	a, clock := newPresence(t, WithNodeID("A"))
	b, _ := newPresence(t, WithNodeID("B"), WithClock(clock))
	var busA bus
	a.onEvent(busA.publish)
	mustSet(t, a, "alice", "A-1", StatusAway)
	mustSet(t, a, "bob", "A-2", StatusOnline)
	mustSet(t, b, "bob", "B-1", StatusOnline)
	applyAll(t, b.apply, busA.take())
	n, err := b.dropNode("A")
	if err != nil || n != 2 {
		t.Fatalf("DropNode = %d, %v", n, err)
	}
	if b.Online(userRef("alice")) || !b.Online(userRef("bob")) {
		t.Fatal("wrong users left after DropNode")
	}
	if _, err := b.dropNode("B"); !errors.Is(err, repl.ErrOwnNode) {
		t.Fatal(err)
	}

	busA.take()
	mustSet(t, a, "carol", "A-3", StatusBusy)
	a.Remove(userRef("bob"), "A-2")
	snap := a.snapshot()
	if len(snap.Events) != 2 || snap.Events[0].User != "alice" || snap.Events[1].User != "carol" || snap.Seq != 4 {
		t.Fatalf("snapshot %+v", snap)
	}
	if err := b.syncNode(snap); err != nil {
		t.Fatal(err)
	}
	if got, ok := b.Get(userRef("carol")); !ok || got.Status != StatusBusy || got.Conns[0].Node != "A" {
		t.Fatalf("carol after sync: %+v", got)
	}
	if got, _ := b.Get(userRef("bob")); len(got.Conns) != 1 {
		t.Fatalf("bob after sync: %+v", got)
	}
	// The buffered events up to seq 4 are ignored now.
	applyAll(t, b.apply, busA.take())
	if b.Stats().Ignored < 2 {
		t.Fatalf("stats %+v", b.Stats())
	}
}

// Announce publishes local transitions only: in a two-node setup each
// transition is announced once, by the node owning the connection.
func TestAnnounceLocalOnly(t *testing.T) {
	a, clock := newMembers(t, WithNodeID("A"))
	b, _ := newMembers(t, WithNodeID("B"), WithClock(clock))
	var busA bus
	a.onEvent(busA.publish)
	chB := channel.New[Room, string](nil)
	defer chB.Close()
	sub := chB.Subscribe(roomRef("r"))
	defer sub.Close()
	remove := Announce(b, chB, func(c MemberChange[Room, User]) (string, bool) {
		return c.Kind.String() + " " + c.User.ID(), c.User.ID() != "skipme"
	})
	mustJoin(t, a, "r", "alice", "A-1") // remote for B: not announced by B
	applyAll(t, b.apply, busA.take())
	mustJoin(t, b, "r", "skipme", "B-0")
	h := mustJoin(t, b, "r", "bob", "B-1")
	_ = h.Close()
	if got := next(t, sub); got != "joined bob" {
		t.Fatalf("got %q", got)
	}
	if got := next(t, sub); got != "left bob" {
		t.Fatalf("got %q", got)
	}
	none(t, sub)
	remove()
	mustJoin(t, b, "r", "carol", "B-2")
	none(t, sub)
}

func TestPresenceApplyGapRestartAndLimits(t *testing.T) {
	b, clock := newPresence(t, WithNodeID("B"), WithPresenceLimits(PresenceLimits{MaxConnsPerUser: 2}))
	if b.NodeID() != "B" || b.TTL() != time.Minute {
		t.Fatalf("NodeID %q TTL %v", b.NodeID(), b.TTL())
	}
	ev := func(epoch, seq uint64, user, conn string) repl.Event {
		return repl.Event{Kind: repl.EventPresence, Node: "A", Epoch: epoch, Seq: seq, User: user, Conn: conn,
			Status: uint8(StatusOnline), At: clock.Now().UnixNano(), Since: clock.Now().UnixNano()}
	}
	if err := b.apply(ev(1, 1, "alice", "A-1")); err != nil {
		t.Fatal(err)
	}
	var gap *repl.GapError
	if err := b.apply(ev(1, 3, "bob", "A-2")); !errors.As(err, &gap) || gap.Want != 2 {
		t.Fatalf("gap: %v", err)
	}
	if err := b.apply(ev(1, 3, "bob", "A-2")); err != nil { // duplicate
		t.Fatal(err)
	}
	// Remote entries are bounded too.
	if err := b.apply(ev(1, 4, "alice", "A-3")); err != nil {
		t.Fatal(err)
	}
	if err := b.apply(ev(1, 5, "alice", "A-4")); !errors.Is(err, ErrTooManyConns) {
		t.Fatalf("third remote conn: %v", err)
	}
	// A restarted: its old entries go before the new one is applied.
	var rec presenceRecorder
	b.OnChange(rec.add)
	if err := b.apply(ev(2, 1, "carol", "A-9")); err != nil {
		t.Fatal(err)
	}
	got := rec.summary()
	slices.Sort(got)
	want := []string{"offline alice online<-online node-restart", "offline bob online<-online node-restart", "online carol online<- remote"}
	if !slices.Equal(got, want) {
		t.Fatalf("changes %q, want %q", got, want)
	}
	if s := b.Stats(); s.Entries != 1 || s.Gaps != 1 || s.Ignored != 1 {
		t.Fatalf("stats %+v", s)
	}
	// Own node's events are ignored.
	if err := b.apply(repl.Event{Kind: repl.EventPresenceRemove, Node: "B", Epoch: 1, Seq: 1, User: "x", Conn: "y"}); err != nil {
		t.Fatal(err)
	}
	if err := b.syncNode(repl.Snapshot{Node: "B", Epoch: 1}); !errors.Is(err, repl.ErrOwnNode) {
		t.Fatalf("own snapshot: %v", err)
	}
}
