package roomsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/room"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Test models.
type (
	Room struct{}
	User struct{}
)

func roomRef(id string) jsgenrt.Ref[Room] { return jsgenrt.UncheckedRef[Room](id) }
func userRef(id string) jsgenrt.Ref[User] { return jsgenrt.UncheckedRef[User](id) }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fast are the options of most tests: H = 50 ms, D = 3H.
var fast = Options{Heartbeat: 50 * time.Millisecond, Logger: quiet()}

// node is one simulated server: its own Members and Presence, replicated
// over its own view of the shared bus.
type node struct {
	id       string
	bus      *faultyBus
	members  *room.Members[Room, User]
	presence *room.Presence[User]
	ms, ps   *Sync
}

func newNode(t testing.TB, b bus.Bus, id string) *node {
	t.Helper()
	members, err := room.NewMembers[Room, User](room.WithNodeID(jsgenrt.NodeID(id)), room.WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	presence, err := room.NewPresence[User](room.WithNodeID(jsgenrt.NodeID(id)), room.WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = presence.Close() })
	return &node{id: id, bus: &faultyBus{Bus: b}, members: members, presence: presence}
}

// startNode creates a node and starts replicating both services.
func startNode(t testing.TB, b bus.Bus, id string, opts Options) *node {
	t.Helper()
	n := newNode(t, b, id)
	n.start(t, opts)
	return n
}

func (n *node) start(t testing.TB, opts Options) {
	t.Helper()
	var err error
	if n.ms, err = Start(context.Background(), n.bus, "test.members", n.members, opts); err != nil {
		t.Fatal(err)
	}
	if n.ps, err = Start(context.Background(), n.bus, "test.presence", n.presence, opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.stop)
}

// stop closes both Syncs: the node goes silent without a goodbye.
func (n *node) stop() {
	_ = n.ms.Close()
	_ = n.ps.Close()
}

func (n *node) join(t testing.TB, r, u, conn string) *room.Membership[Room, User] {
	t.Helper()
	m, err := n.members.Join(roomRef(r), userRef(u), conn)
	if err != nil {
		t.Fatalf("%s: join %s %s %s: %v", n.id, r, u, conn, err)
	}
	return m
}

func (n *node) set(t testing.TB, u, conn string, st room.Status) {
	t.Helper()
	if err := n.presence.Set(userRef(u), conn, st); err != nil {
		t.Fatalf("%s: set %s %s: %v", n.id, u, conn, err)
	}
}

var (
	testRooms = []string{"lobby", "dev", "ops"}
	testUsers = []string{"alice", "bob", "carol", "dave", "erin"}
)

// view renders a node's whole replicated state (members of the test rooms
// with their connections and join times, presence of the test users).
func (n *node) view() string {
	var sb strings.Builder
	for _, r := range testRooms {
		fmt.Fprintf(&sb, "%s:", r)
		for _, m := range n.members.Members(roomRef(r)) {
			fmt.Fprintf(&sb, " %s@%d[", m.User.ID(), m.JoinedAt.UnixNano())
			for _, c := range n.members.Connections(roomRef(r), m.User) {
				fmt.Fprintf(&sb, " %s/%s", c.ID, c.Node)
			}
			sb.WriteString(" ]")
		}
		sb.WriteString("\n")
	}
	for _, u := range testUsers {
		p, ok := n.presence.Get(userRef(u))
		if !ok {
			continue
		}
		fmt.Fprintf(&sb, "%s %v:", u, p.Status)
		for _, c := range p.Conns {
			fmt.Fprintf(&sb, " %s/%s/%v", c.Conn, c.Node, c.Status)
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

// memberList is one node's "user(conns)" list of a room.
func (n *node) memberList(r string) string {
	var parts []string
	for _, m := range n.members.Members(roomRef(r)) {
		parts = append(parts, fmt.Sprintf("%s(%d)", m.User.ID(), m.Conns))
	}
	return strings.Join(parts, " ")
}

// hangGuard bounds every wait; it only guards against a hang, so it is
// far above any latency, even on a loaded machine.
const hangGuard = 30 * time.Second

// waitFor polls cond until it holds; the deadline only guards against a
// hang. It returns how long it took.
func waitFor(t testing.TB, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(hangGuard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(start)
}

// settle waits until the start-up exchanges of nodes (in start order) are
// over: node i has received a snapshot from as many nodes as were started
// before it, for both services. Tests that lose messages on purpose start
// after this, so that no answer to a start-up request (a snapshot taken
// later) repairs the loss before the mechanism under test does.
func settle(t testing.TB, nodes ...*node) {
	t.Helper()
	for i, n := range nodes {
		for _, s := range []*Sync{n.ms, n.ps} {
			waitFor(t, n.id+"'s start-up syncs", func() bool {
				st := s.Stats()
				return st.SyncsApplied+st.SyncsSkipped >= uint64(i)
			})
		}
	}
}

// waitAgree waits until every node has the same state and returns it.
func waitAgree(t testing.TB, nodes ...*node) string {
	t.Helper()
	var views []string
	agree := func() bool {
		views = views[:0]
		for _, n := range nodes {
			views = append(views, n.view())
		}
		for _, v := range views[1:] {
			if v != views[0] {
				return false
			}
		}
		return true
	}
	start := time.Now()
	for !agree() {
		if time.Since(start) > hangGuard {
			for i, n := range nodes {
				t.Logf("node %s:\n%s", n.id, views[i])
			}
			t.Fatal("nodes do not agree")
		}
		time.Sleep(2 * time.Millisecond)
	}
	return views[0]
}

var errBusDown = errors.New("test bus: down")

// faultyBus is one node's connection to a shared bus with injectable
// faults: it can discard chosen publishes silently, fail everything
// (an outage: publishes fail and nothing is delivered) and hold publishes.
type faultyBus struct {
	bus.Bus
	mu      sync.Mutex
	discard map[string]int // subject → publishes to discard silently
	down    atomic.Bool
	gate    chan struct{} // when non-nil, Publish waits for it to close
}

func (f *faultyBus) discardNext(subject string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.discard == nil {
		f.discard = make(map[string]int)
	}
	f.discard[subject] += n
}

func (f *faultyBus) hold() {
	f.mu.Lock()
	f.gate = make(chan struct{})
	f.mu.Unlock()
}

func (f *faultyBus) release() {
	f.mu.Lock()
	close(f.gate)
	f.gate = nil
	f.mu.Unlock()
}

func (f *faultyBus) Publish(ctx context.Context, subject string, data []byte) error {
	f.mu.Lock()
	gate := f.gate
	drop := f.discard[subject] > 0
	if drop {
		f.discard[subject]--
	}
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if f.down.Load() {
		return errBusDown
	}
	if drop {
		return nil
	}
	return f.Bus.Publish(ctx, subject, data)
}

func (f *faultyBus) Subscribe(ctx context.Context, subject string, h bus.Handler) (bus.Subscription, error) {
	return f.Bus.Subscribe(ctx, subject, func(subject string, data []byte) {
		if !f.down.Load() {
			h(subject, data)
		}
	})
}
