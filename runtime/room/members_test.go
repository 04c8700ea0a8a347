package room

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func newMembers(t testing.TB, options ...MembersOption) (*Members[Room, User], *ManualClock) {
	t.Helper()
	var opts membersConfig
	for _, o := range options {
		o.applyMembers(&opts)
	}
	clock := NewManualClock(t0)
	if opts.Clock == nil {
		opts.Clock = clock
	}
	if opts.NodeID == "" {
		opts.NodeID = "n1"
	}
	m, err := membersFrom[Room, User](opts)
	if err != nil {
		t.Fatal(err)
	}
	return m, clock
}

func mustJoin(t testing.TB, m *Members[Room, User], room, user, conn string) *Membership[Room, User] {
	t.Helper()
	h, err := m.Join(roomRef(room), userRef(user), conn)
	if err != nil {
		t.Fatalf("Join(%s, %s, %s): %v", room, user, conn, err)
	}
	return h
}

// recorder collects member changes.
type recorder struct {
	mu      sync.Mutex
	changes []MemberChange[Room, User]
}

func (r *recorder) add(c MemberChange[Room, User]) {
	r.mu.Lock()
	r.changes = append(r.changes, c)
	r.mu.Unlock()
}

func (r *recorder) summary() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.changes {
		out = append(out, fmt.Sprintf("%s %s %s", c.Kind, c.Room, c.User))
	}
	return out
}

func userIDs(ms []Member[User]) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.User.ID())
	}
	return out
}

func TestMembersJoinLeave(t *testing.T) {
	m, clock := newMembers(t)
	var rec recorder
	m.OnChange(rec.add)

	a := mustJoin(t, m, "lobby", "alice", "c1")
	clock.Advance(time.Second)
	b := mustJoin(t, m, "lobby", "bob", "c2")

	if got := m.Count(roomRef("lobby")); got != 2 {
		t.Fatalf("Count = %d, want 2", got)
	}
	ms := m.Members(roomRef("lobby"))
	if got := userIDs(ms); !slices.Equal(got, []string{"alice", "bob"}) {
		t.Fatalf("Members = %v", got)
	}
	if !ms[0].JoinedAt.Equal(t0) || !ms[1].JoinedAt.Equal(t0.Add(time.Second)) || ms[0].Conns != 1 {
		t.Fatalf("Members = %+v", ms)
	}
	if a.Room().ID() != "lobby" || a.User().ID() != "alice" || a.Conn() != "c1" {
		t.Fatalf("handle fields: %s %s %s", a.Room(), a.User(), a.Conn())
	}

	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	_ = a.Close() // idempotent
	if got := userIDs(m.Members(roomRef("lobby"))); !slices.Equal(got, []string{"bob"}) {
		t.Fatalf("after leave Members = %v", got)
	}
	_ = b.Close()
	if m.Count(roomRef("lobby")) != 0 || len(m.Members(roomRef("lobby"))) != 0 {
		t.Fatal("room not empty")
	}
	if s := m.Stats(); s.Rooms != 0 || s.Members != 0 || s.LocalConns != 0 {
		t.Fatalf("Stats after everyone left = %+v", s)
	}
	want := []string{"joined lobby alice", "joined lobby bob", "left lobby alice", "left lobby bob"}
	if got := rec.summary(); !slices.Equal(got, want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
	var nilHandle *Membership[Room, User]
	if err := nilHandle.Close(); err != nil {
		t.Fatal("nil handle Close:", err)
	}
}

func TestMembersManyConnectionsPerUser(t *testing.T) {
	m, clock := newMembers(t)
	var rec recorder
	m.OnChange(rec.add)
	var hs []*Membership[Room, User]
	for i := range 5 {
		hs = append(hs, mustJoin(t, m, "r", "alice", fmt.Sprintf("tab%d", i)))
		clock.Advance(time.Millisecond)
	}
	if m.Count(roomRef("r")) != 1 {
		t.Fatalf("Count = %d, want 1 member for 5 connections", m.Count(roomRef("r")))
	}
	ms := m.Members(roomRef("r"))
	if ms[0].Conns != 5 || !ms[0].JoinedAt.Equal(t0) {
		t.Fatalf("member = %+v", ms[0])
	}
	conns := m.Connections(roomRef("r"), userRef("alice"))
	if len(conns) != 5 || conns[0].ID != "tab0" || conns[4].ID != "tab4" || conns[0].Node != "n1" {
		t.Fatalf("Connections = %+v", conns)
	}
	// Closing the first tab keeps the member and their JoinedAt.
	_ = hs[0].Close()
	if ms := m.Members(roomRef("r")); len(ms) != 1 || ms[0].Conns != 4 || !ms[0].JoinedAt.Equal(t0) {
		t.Fatalf("after first tab left: %+v", ms)
	}
	for _, h := range hs[1:4] {
		_ = h.Close()
	}
	if !m.IsMember(roomRef("r"), userRef("alice")) {
		t.Fatal("alice left while a tab is open")
	}
	_ = hs[4].Close()
	if m.IsMember(roomRef("r"), userRef("alice")) {
		t.Fatal("alice still a member with no connection")
	}
	if got, want := rec.summary(), []string{"joined r alice", "left r alice"}; !slices.Equal(got, want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
}

func TestMembersOrderIsDeterministic(t *testing.T) {
	m, clock := newMembers(t)
	// Same join time: ordered by user identifier.
	for _, u := range []string{"carol", "alice", "bob"} {
		mustJoin(t, m, "r", u, "c-"+u)
	}
	clock.Advance(time.Second)
	mustJoin(t, m, "r", "aaron", "c-aaron")
	if got := userIDs(m.Members(roomRef("r"))); !slices.Equal(got, []string{"alice", "bob", "carol", "aaron"}) {
		t.Fatalf("Members = %v", got)
	}
	buf := make([]Member[User], 0, 8)
	buf = m.AppendMembers(buf[:0], roomRef("r"))
	if len(buf) != 4 || cap(buf) != 8 {
		t.Fatalf("AppendMembers len %d cap %d", len(buf), cap(buf))
	}
	if got := m.Members(roomRef("nowhere")); got != nil {
		t.Fatalf("unknown room: %v", got)
	}
}

func TestMembersRoomsOf(t *testing.T) {
	m, _ := newMembers(t)
	mustJoin(t, m, "b", "alice", "c1")
	h := mustJoin(t, m, "a", "alice", "c1")
	mustJoin(t, m, "a", "alice", "c2")
	mustJoin(t, m, "c", "bob", "c3")
	rooms := m.RoomsOf(userRef("alice"))
	if len(rooms) != 2 || rooms[0].ID() != "a" || rooms[1].ID() != "b" {
		t.Fatalf("RoomsOf(alice) = %v", rooms)
	}
	_ = h.Close()
	if got := m.RoomsOf(userRef("alice")); len(got) != 2 {
		t.Fatalf("alice still in a via c2; RoomsOf = %v", got)
	}
	m.LeaveAll("c2")
	if got := m.RoomsOf(userRef("alice")); len(got) != 1 || got[0].ID() != "b" {
		t.Fatalf("RoomsOf = %v", got)
	}
	if got := m.RoomsOf(userRef("nobody")); len(got) != 0 {
		t.Fatalf("RoomsOf(nobody) = %v", got)
	}
}

func TestMembersJoinErrors(t *testing.T) {
	m, _ := newMembers(t)
	mustJoin(t, m, "r", "alice", "c1")
	cases := []struct {
		room, user, conn string
		want             error
	}{
		{"r", "alice", "c1", ErrAlreadyJoined},
		{"other", "bob", "c1", ErrConnUser},
		{"", "alice", "c2", ErrInvalidID},
		{"r", "", "c2", ErrInvalidID},
		{"r", "alice", "", ErrInvalidID},
		{"a.b", "alice", "c2", ErrInvalidID},
		{"r", "al ice", "c2", ErrInvalidID},
		{"r", "alice", "c\x00", ErrInvalidID},
		{strings.Repeat("x", 256), "alice", "c2", ErrInvalidID},
	}
	for _, c := range cases {
		_, err := m.Join(roomRef(c.room), userRef(c.user), c.conn)
		if !errors.Is(err, c.want) {
			t.Errorf("Join(%.20q, %q, %q) = %v, want %v", c.room, c.user, c.conn, err, c.want)
		}
	}
	var idErr *IDError
	_, err := m.Join(roomRef("r"), userRef("alice"), "")
	if !errors.As(err, &idErr) || idErr.What != "connection" {
		t.Fatalf("want *IDError for the connection, got %v", err)
	}
	if s := m.Stats(); s.Members != 1 || s.LocalConns != 1 {
		t.Fatalf("failed joins changed state: %+v", s)
	}
}

func TestMembersLimits(t *testing.T) {
	m, _ := newMembers(t, WithLimits(Limits{RoomsPerConn: 2, MembersPerRoom: 2, ConnsPerMember: 2, MaxIDLength: 8}))
	if l := m.Limits(); l.RoomsPerConn != 2 || l.MaxIDLength != 8 {
		t.Fatalf("Limits = %+v", l)
	}

	mustJoin(t, m, "r1", "alice", "c1")
	mustJoin(t, m, "r2", "alice", "c1")
	_, err := m.Join(roomRef("r3"), userRef("alice"), "c1")
	var le *LimitError
	if !errors.Is(err, ErrTooManyRooms) || !errors.Is(err, ErrLimit) || !errors.As(err, &le) || le.Max != 2 || le.Key != "c1" {
		t.Fatalf("third room: %v", err)
	}
	if !strings.Contains(err.Error(), "Limits.RoomsPerConn = 2") {
		t.Fatalf("message %q does not name the limit", err)
	}

	mustJoin(t, m, "r1", "bob", "c2")
	if _, err := m.Join(roomRef("r1"), userRef("carol"), "c3"); !errors.Is(err, ErrRoomFull) {
		t.Fatalf("third member: %v", err)
	}
	// A member's further connection is not a new member.
	mustJoin(t, m, "r1", "bob", "c4")
	if _, err := m.Join(roomRef("r1"), userRef("bob"), "c5"); !errors.Is(err, ErrTooManyConns) {
		t.Fatalf("third connection: %v", err)
	}
	if _, err := m.Join(roomRef("123456789"), userRef("bob"), "c6"); !errors.Is(err, ErrInvalidID) {
		t.Fatalf("9-byte id with MaxIDLength 8: %v", err)
	}
	if got := m.Count(roomRef("r1")); got != 2 {
		t.Fatalf("Count = %d", got)
	}
	// The conn index was not touched by the refused joins.
	if s := m.Stats(); s.LocalConns != 3 {
		t.Fatalf("LocalConns = %d, want 3 (c1, c2, c4)", s.LocalConns)
	}
}

func TestMembersDefaultLimits(t *testing.T) {
	m, _ := newMembers(t)
	want := Limits{RoomsPerConn: 100, MembersPerRoom: 10_000, ConnsPerMember: 32, MaxIDLength: 255}
	if got := m.Limits(); got != want {
		t.Fatalf("Limits = %+v, want %+v", got, want)
	}
	if _, err := NewMembers[Room, User](WithNodeID("bad.node")); !errors.Is(err, ErrInvalidID) {
		t.Fatalf("bad node ID: %v", err)
	}
	d, err := NewMembers[Room, User]()
	if err != nil || checkNodeID(d.NodeID()) != nil {
		t.Fatalf("default node ID %q: %v", d.NodeID(), err)
	}
}

func TestMembersLeaveAll(t *testing.T) {
	m, _ := newMembers(t)
	var rec recorder
	m.OnChange(rec.add)
	h1 := mustJoin(t, m, "r1", "alice", "c1")
	mustJoin(t, m, "r2", "alice", "c1")
	mustJoin(t, m, "r2", "alice", "c2")
	if n := m.LeaveAll("c1"); n != 2 {
		t.Fatalf("LeaveAll = %d, want 2", n)
	}
	if n := m.LeaveAll("c1"); n != 0 {
		t.Fatalf("second LeaveAll = %d", n)
	}
	if m.Count(roomRef("r1")) != 0 || m.Count(roomRef("r2")) != 1 {
		t.Fatalf("counts r1=%d r2=%d", m.Count(roomRef("r1")), m.Count(roomRef("r2")))
	}
	// The same connection joins r1 again; the stale handle must not remove it.
	h2 := mustJoin(t, m, "r1", "alice", "c1")
	_ = h1.Close()
	if !m.IsMember(roomRef("r1"), userRef("alice")) {
		t.Fatal("stale handle removed the new membership")
	}
	_ = h2.Close()
	if m.IsMember(roomRef("r1"), userRef("alice")) {
		t.Fatal("new handle did not leave")
	}
	for _, c := range rec.changes {
		if c.Kind == MemberLeft && c.Room.ID() == "r1" && c.Reason != ReasonDisconnect && c.Reason != ReasonLocal {
			t.Fatalf("unexpected reason %v", c.Reason)
		}
	}
	if got, want := rec.summary(), []string{"joined r1 alice", "joined r2 alice", "left r1 alice", "joined r1 alice", "left r1 alice"}; !slices.Equal(got, want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
	if rec.changes[2].Reason != ReasonDisconnect || rec.changes[4].Reason != ReasonLocal {
		t.Fatalf("reasons %v %v", rec.changes[2].Reason, rec.changes[4].Reason)
	}
}

func TestMembersLeaveOnDone(t *testing.T) {
	m, _ := newMembers(t)
	left := make(chan MemberChange[Room, User], 1)
	m.OnChange(func(c MemberChange[Room, User]) {
		if c.Kind == MemberLeft {
			left <- c
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	mustJoin(t, m, "r", "alice", "c1") // handle deliberately never closed
	m.LeaveOnDone(ctx, "c1")
	cancel()
	select {
	case c := <-left:
		if c.Reason != ReasonDisconnect || c.Conn != "c1" {
			t.Fatalf("change = %+v", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no leave after the context ended")
	}
	if m.Stats().LocalConns != 0 || m.Count(roomRef("r")) != 0 {
		t.Fatalf("left behind: %+v", m.Stats())
	}
}

func TestMembersChangeFields(t *testing.T) {
	m, clock := newMembers(t)
	var rec recorder
	m.OnChange(rec.add)
	h := mustJoin(t, m, "r", "alice", "c1")
	clock.Advance(time.Minute)
	_ = h.Close()
	j, l := rec.changes[0], rec.changes[1]
	if j.Kind != MemberJoined || !j.JoinedAt.Equal(t0) || !j.At.Equal(t0) || j.Conn != "c1" || j.Node != "n1" || !j.Local || j.Reason != ReasonLocal {
		t.Fatalf("join change = %+v", j)
	}
	if l.Kind != MemberLeft || !l.JoinedAt.Equal(t0) || !l.At.Equal(t0.Add(time.Minute)) || !l.Local {
		t.Fatalf("leave change = %+v", l)
	}
}

// A callback may call back into Members: the nested change is delivered
// after the callback returns, in order, exactly once.
func TestMembersReentrantCallback(t *testing.T) {
	m, _ := newMembers(t)
	var rec recorder
	var once sync.Once
	m.OnChange(func(c MemberChange[Room, User]) {
		rec.add(c)
		if c.Kind == MemberJoined && c.User.ID() == "alice" {
			once.Do(func() {
				if m.Count(c.Room) != 1 {
					t.Errorf("Count inside callback = %d", m.Count(c.Room))
				}
				mustJoin(t, m, "r", "bot", "bot-conn")
				rec.add(MemberChange[Room, User]{Kind: 99}) // marks where the nested Join returned
			})
		}
	})
	mustJoin(t, m, "r", "alice", "c1")
	got := rec.summary()
	want := []string{"joined r alice", "MemberChangeKind(99)  ", "joined r bot"}
	if !slices.Equal(got, want) {
		t.Fatalf("changes = %q, want %q", got, want)
	}
}

func TestMembersCallbackPanicIsContained(t *testing.T) {
	m, _ := newMembers(t, WithLogger(discardLogger()))
	var n atomic.Int32
	m.OnChange(func(MemberChange[Room, User]) { panic("boom") })
	remove := m.OnChange(func(MemberChange[Room, User]) { n.Add(1) })
	mustJoin(t, m, "r", "alice", "c1")
	mustJoin(t, m, "r", "bob", "c2")
	if n.Load() != 2 {
		t.Fatalf("second callback ran %d times, want 2", n.Load())
	}
	remove()
	mustJoin(t, m, "r", "carol", "c3")
	if n.Load() != 2 {
		t.Fatal("removed callback still called")
	}
}

// Many goroutines join and leave with many connections per user: the
// transitions each callback sees are exact and consistent per (room, user).
func TestMembersConcurrentExactTransitions(t *testing.T) {
	m, _ := newMembers(t)
	type key struct{ room, user string }
	var mu sync.Mutex
	state := map[key]int{} // +1 on joined, -1 on left: must stay in {0, 1}
	var joined, left int
	var bad atomic.Int32
	m.OnChange(func(c MemberChange[Room, User]) {
		mu.Lock()
		defer mu.Unlock()
		k := key{c.Room.ID(), c.User.ID()}
		switch c.Kind {
		case MemberJoined:
			state[k]++
			joined++
		case MemberLeft:
			state[k]--
			left++
		}
		if state[k] < 0 || state[k] > 1 {
			bad.Add(1)
		}
	})

	const (
		goroutines = 16
		rounds     = 200
		rooms      = 4
		users      = 6
	)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				room := fmt.Sprintf("r%d", (g+i)%rooms)
				user := fmt.Sprintf("u%d", (g*7+i)%users)
				conn := fmt.Sprintf("g%d-%d", g, i)
				h, err := m.Join(roomRef(room), userRef(user), conn)
				if err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 {
					m.LeaveAll(conn)
				}
				_ = h.Close()
			}
		}()
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d out-of-order or duplicate transitions", bad.Load())
	}
	if joined != left || joined == 0 {
		t.Fatalf("joined %d, left %d", joined, left)
	}
	for k, v := range state {
		if v != 0 {
			t.Fatalf("%v ends with state %d", k, v)
		}
	}
	if s := m.Stats(); s.Rooms != 0 || s.Members != 0 || s.LocalConns != 0 {
		t.Fatalf("leftovers: %+v", s)
	}
}

// Concurrent first joins of distinct users: exactly one MemberJoined each,
// and Count matches.
func TestMembersConcurrentJoinCounts(t *testing.T) {
	m, _ := newMembers(t)
	var joins atomic.Int64
	m.OnChange(func(c MemberChange[Room, User]) {
		if c.Kind == MemberJoined {
			joins.Add(1)
		}
	})
	const users, connsPerUser = 50, 4
	var wg sync.WaitGroup
	handles := make(chan *Membership[Room, User], users*connsPerUser)
	for u := range users {
		for c := range connsPerUser {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h, err := m.Join(roomRef("big"), userRef(fmt.Sprint("u", u)), fmt.Sprintf("u%d-c%d", u, c))
				if err != nil {
					t.Error(err)
					return
				}
				handles <- h
			}()
		}
	}
	wg.Wait()
	close(handles)
	if joins.Load() != users || m.Count(roomRef("big")) != users {
		t.Fatalf("joins %d, Count %d, want %d", joins.Load(), m.Count(roomRef("big")), users)
	}
	for _, mem := range m.Members(roomRef("big")) {
		if mem.Conns != connsPerUser {
			t.Fatalf("%s has %d conns", mem.User, mem.Conns)
		}
	}
	var wg2 sync.WaitGroup
	for h := range handles {
		wg2.Add(1)
		go func() { defer wg2.Done(); _ = h.Close() }()
	}
	wg2.Wait()
	if m.Count(roomRef("big")) != 0 {
		t.Fatal("room not empty")
	}
}

// Large rooms take the binary-search paths of the member order; joins with
// out-of-order times (a remote connection that joined earlier) too.
func TestMembersLargeRoomOrder(t *testing.T) {
	m, clock := newMembers(t, WithNodeID("B"))
	const n = 600
	hs := make([]*Membership[Room, User], 0, n)
	for i := range n {
		if i%3 == 0 {
			clock.Advance(time.Millisecond) // groups of three share a join time
		}
		hs = append(hs, mustJoin(t, m, "big", fmt.Sprintf("u%04d", (i*7919)%n), fmt.Sprint("c", i)))
	}
	// A remote connection that joined before everyone moves its member to the front.
	if err := m.apply(repl.Event{Kind: repl.EventJoin, Node: "A", Epoch: 1, Seq: 1, Room: "big", User: "u0300", Conn: "A-1", At: t0.UnixNano()}); err != nil {
		t.Fatal(err)
	}
	checkSorted := func() {
		t.Helper()
		ms := m.Members(roomRef("big"))
		for i := 1; i < len(ms); i++ {
			a, b := ms[i-1], ms[i]
			if a.JoinedAt.After(b.JoinedAt) || (a.JoinedAt.Equal(b.JoinedAt) && a.User.ID() >= b.User.ID()) {
				t.Fatalf("order broken at %d: %+v then %+v", i, a, b)
			}
		}
	}
	checkSorted()
	if first := m.Members(roomRef("big"))[0]; first.User.ID() != "u0300" || first.Conns != 2 {
		t.Fatalf("first member %+v", first)
	}
	for i := 0; i < n; i += 2 {
		_ = hs[(i*31)%n].Close()
	}
	checkSorted()
	if got := m.Count(roomRef("big")); got != n/2+1 { // u0300 stays through its remote connection
		left := 0
		for _, h := range hs {
			if !h.closed.Load() {
				left++
			}
		}
		t.Fatalf("Count = %d, open handles %d", got, left)
	}
}
