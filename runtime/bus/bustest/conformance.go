package bustest

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

	"github.com/jsgen-dev/jsgen/runtime/bus"
)

// Target is a bus implementation under test.
type Target struct {
	// Open returns two connections to one fresh bus, as two cluster nodes
	// see it, each buffering queueSize messages per subscription. Both may
	// be the same value for an in-process bus. Open registers their Close
	// with t.Cleanup.
	Open func(t *testing.T, queueSize int) (a, b bus.Bus)
	// RefusesWildcards says Subscribe and Publish fail for subjects with a
	// "*" or ">" token. Otherwise such subjects must be literal.
	RefusesWildcards bool
}

// Wait is how long the suite waits for something that should happen; it
// only guards against hangs.
const Wait = 10 * time.Second

// settle is how long the suite waits before asserting that something did
// not happen (a message that must not arrive).
const settle = 50 * time.Millisecond

// RunConformance runs the bus.Bus conformance suite against target.
func RunConformance(t *testing.T, target Target) {
	tests := []struct {
		name string
		run  func(*testing.T, Target)
	}{
		{"CrossNode", testCrossNode},
		{"ExactSubjects", testExactSubjects},
		{"Wildcards", testWildcards},
		{"OrderPerPublisher", testOrder},
		{"Unsubscribe", testUnsubscribe},
		{"UnsubscribeInHandler", testUnsubscribeInHandler},
		{"Close", testClose},
		{"HandlerPanic", testHandlerPanic},
		{"SlowHandler", testSlowHandler},
		{"DataOwnership", testDataOwnership},
		{"Errors", testErrors},
		{"Bridge", testBridge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, target) })
	}
}

// Collector gathers the messages one handler receives.
type Collector struct {
	mu   sync.Mutex
	msgs []string
	got  chan struct{}
}

// NewCollector returns an empty collector.
func NewCollector() *Collector { return &Collector{got: make(chan struct{}, 1<<16)} }

// Handle is a bus.Handler recording string(data).
func (c *Collector) Handle(_ string, data []byte) {
	c.mu.Lock()
	c.msgs = append(c.msgs, string(data))
	c.mu.Unlock()
	select {
	case c.got <- struct{}{}:
	default:
	}
}

// Messages returns what was received so far.
func (c *Collector) Messages() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.msgs)
}

// WaitN waits until at least n messages were received and returns them; it
// fails t after Wait.
func (c *Collector) WaitN(t testing.TB, n int) []string {
	t.Helper()
	timeout := time.NewTimer(Wait)
	defer timeout.Stop()
	for {
		if msgs := c.Messages(); len(msgs) >= n {
			return msgs
		}
		select {
		case <-c.got:
		case <-timeout.C:
			t.Fatalf("bustest: timed out waiting for %d messages, have %q", n, c.Messages())
		}
	}
}

// WaitFor polls cond until it holds, failing t after Wait.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("bustest: timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func subscribe(t *testing.T, b bus.Bus, subject string, h bus.Handler) bus.Subscription {
	t.Helper()
	s, err := b.Subscribe(context.Background(), subject, h)
	if err != nil {
		t.Fatalf("Subscribe(%q): %v", subject, err)
	}
	return s
}

func publish(t testing.TB, b bus.Bus, subject, data string) {
	t.Helper()
	if err := b.Publish(context.Background(), subject, []byte(data)); err != nil {
		t.Fatalf("Publish(%q): %v", subject, err)
	}
}

func testCrossNode(t *testing.T, target Target) {
	a, b := target.Open(t, 0)
	onA, onB := NewCollector(), NewCollector()
	subscribe(t, a, "room.message", onA.Handle)
	subscribe(t, b, "room.message", onB.Handle)
	before := a.Stats().Published
	publish(t, a, "room.message", "hello")
	publish(t, a, "room.message", "end")
	want := []string{"hello", "end"}
	for node, c := range map[string]*Collector{"publishing node": onA, "other node": onB} {
		if got := c.WaitN(t, 2); !slices.Equal(got, want) {
			t.Errorf("%s got %q, want %q", node, got, want)
		}
	}
	if n := a.Stats().Published - before; n != 2 {
		t.Errorf("Stats.Published grew by %d, want 2", n)
	}
}

func testExactSubjects(t *testing.T, target Target) {
	a, b := target.Open(t, 0)
	subjects := []string{"room.a", "room.ab", "room", "room.a.b", "roo", "xroom.a"}
	got := map[string]*Collector{}
	for _, s := range subjects {
		got[s] = NewCollector()
		subscribe(t, b, s, got[s].Handle)
	}
	for _, s := range subjects {
		publish(t, a, s, "to "+s)
	}
	for _, s := range subjects {
		publish(t, a, s, "end")
	}
	for _, s := range subjects {
		if msgs := got[s].WaitN(t, 2); !slices.Equal(msgs, []string{"to " + s, "end"}) {
			t.Errorf("subscriber on %q got %q", s, msgs)
		}
	}
}

var wildcards = []string{"room.*", "room.>", "*", ">", "room.*.x", "*.a"}

func testWildcards(t *testing.T, target Target) {
	a, b := target.Open(t, 0)
	ctx := context.Background()
	legit := map[string]*Collector{}
	for _, s := range []string{"room.a", "room.a.x", "room.b.c", "x.a"} {
		legit[s] = NewCollector()
		subscribe(t, b, s, legit[s].Handle)
	}
	for _, w := range wildcards {
		l := NewCollector()
		_, subErr := b.Subscribe(ctx, w, l.Handle)
		pubErr := a.Publish(ctx, w, []byte("sentinel "+w))
		if target.RefusesWildcards {
			if subErr == nil || pubErr == nil {
				t.Errorf("wildcard subject %q accepted: Subscribe: %v, Publish: %v", w, subErr, pubErr)
			}
			continue
		}
		if subErr != nil || pubErr != nil {
			t.Fatalf("literal subject %q refused: Subscribe: %v, Publish: %v", w, subErr, pubErr)
		}
		// Publishing on other subjects must not reach the subscriber on
		// w: it sees exactly the message published on w itself.
		for s := range legit {
			publish(t, a, s, "probe")
		}
		publish(t, a, w, "after "+w)
		if got := l.WaitN(t, 2); !slices.Equal(got, []string{"sentinel " + w, "after " + w}) {
			t.Errorf("subscriber on %q got %q", w, got)
		}
	}
	// A publish on a wildcard subject never reached the literal ones.
	for s, c := range legit {
		publish(t, a, s, "end")
		msgs := c.WaitN(t, 1)
		want := "end"
		if !target.RefusesWildcards {
			want = strings.Repeat("probe,", len(wildcards)) + "end"
			msgs = c.WaitN(t, len(wildcards)+1)
		}
		if strings.Join(msgs, ",") != want {
			t.Errorf("subscriber on %q got %q, want %s", s, msgs, want)
		}
	}
}

func testOrder(t *testing.T, target Target) {
	a, b := target.Open(t, 0)
	const n = 400
	c := NewCollector()
	subscribe(t, b, "s.order", c.Handle)
	var wg sync.WaitGroup
	for _, p := range []struct {
		name string
		bus  bus.Bus
	}{{"a", a}, {"b", b}} {
		wg.Go(func() {
			for i := range n {
				if err := p.bus.Publish(context.Background(), "s.order", fmt.Appendf(nil, "%s-%d", p.name, i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	msgs := c.WaitN(t, 2*n)
	next := map[string]int{}
	for _, m := range msgs {
		var name string
		var i int
		if _, err := fmt.Sscanf(strings.Replace(m, "-", " ", 1), "%s %d", &name, &i); err != nil {
			t.Fatalf("bad message %q", m)
		}
		if i != next[name] {
			t.Fatalf("publisher %s: got #%d, want #%d", name, i, next[name])
		}
		next[name]++
	}
	if next["a"] != n || next["b"] != n {
		t.Fatalf("received %v, want %d each", next, n)
	}
}

func testUnsubscribe(t *testing.T, target Target) {
	a, b := target.Open(t, 0)
	var late atomic.Int32
	var unsubscribed atomic.Bool
	s1 := subscribe(t, b, "s.unsub", func(string, []byte) {
		if unsubscribed.Load() {
			late.Add(1)
		}
	})
	keep := NewCollector()
	s2 := subscribe(t, b, "s.unsub", keep.Handle)
	publish(t, a, "s.unsub", "1")
	keep.WaitN(t, 1)
	WaitFor(t, "both handlers", func() bool { return b.Stats().Delivered >= 2 })
	unsubscribed.Store(true)
	for range 2 { // idempotent
		if err := s1.Unsubscribe(); err != nil {
			t.Fatalf("Unsubscribe: %v", err)
		}
	}
	publish(t, a, "s.unsub", "2")
	keep.WaitN(t, 2)
	time.Sleep(settle)
	if n := late.Load(); n != 0 {
		t.Fatalf("%d handler calls after Unsubscribe returned", n)
	}
	// Every subscription gone, then a new one: the subject works again.
	if err := s2.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	again := NewCollector()
	subscribe(t, b, "s.unsub", again.Handle)
	publish(t, a, "s.unsub", "3")
	if got := again.WaitN(t, 1); got[0] != "3" {
		t.Fatalf("resubscribed handler got %q", got)
	}
	if got := keep.Messages(); len(got) != 2 {
		t.Fatalf("unsubscribed collector got %q", got)
	}
}

func testUnsubscribeInHandler(t *testing.T, target Target) {
	a, b := target.Open(t, 0)
	var calls atomic.Int32
	var mu sync.Mutex
	var self bus.Subscription
	done := make(chan struct{})
	mu.Lock()
	self = subscribe(t, b, "s.self", func(string, []byte) {
		if calls.Add(1) > 1 {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if err := self.Unsubscribe(); err != nil {
			t.Error(err)
		}
		close(done)
	})
	mu.Unlock()
	publish(t, a, "s.self", "1")
	select {
	case <-done:
	case <-time.After(Wait):
		t.Fatal("handler did not run or Unsubscribe deadlocked")
	}
	publish(t, a, "s.self", "2")
	time.Sleep(settle)
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d handler calls, want 1", n)
	}
}

func testClose(t *testing.T, target Target) {
	a, b := target.Open(t, 0)
	ctx := context.Background()
	started := make(chan struct{})
	var finished atomic.Bool
	sub := subscribe(t, b, "s.close", func(string, []byte) {
		close(started)
		time.Sleep(20 * time.Millisecond)
		finished.Store(true)
	})
	publish(t, a, "s.close", "x")
	<-started
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if !finished.Load() {
		t.Fatal("Close returned while a handler was running")
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := sub.Unsubscribe(); err != nil {
		t.Fatalf("Unsubscribe after Close: %v", err)
	}
	if err := b.Publish(ctx, "s.close", nil); !errors.Is(err, bus.ErrClosed) {
		t.Fatalf("Publish after Close: %v", err)
	}
	if _, err := b.Subscribe(ctx, "s.close", func(string, []byte) {}); !errors.Is(err, bus.ErrClosed) {
		t.Fatalf("Subscribe after Close: %v", err)
	}
	if a == b {
		return
	}
	// The other node is unaffected.
	c := NewCollector()
	subscribe(t, a, "s.close", c.Handle)
	publish(t, a, "s.close", "still")
	c.WaitN(t, 1)
}

func testHandlerPanic(t *testing.T, target Target) {
	a, b := target.Open(t, 0)
	c := NewCollector()
	subscribe(t, b, "s.panic", func(s string, d []byte) {
		if string(d) == "boom" {
			panic("boom")
		}
		c.Handle(s, d)
	})
	publish(t, a, "s.panic", "boom")
	publish(t, a, "s.panic", "ok")
	if got := c.WaitN(t, 1); !slices.Equal(got, []string{"ok"}) {
		t.Fatalf("got %q", got)
	}
	WaitFor(t, "counters", func() bool { st := b.Stats(); return st.Failed == 1 && st.Delivered >= 1 })
}

func testSlowHandler(t *testing.T, target Target) {
	const queue, n = 8, 100
	a, b := target.Open(t, queue)
	release := make(chan struct{})
	defer close(release)
	fast := NewCollector()
	subscribe(t, b, "s.slow", func(string, []byte) { <-release })
	subscribe(t, b, "s.slow", fast.Handle)
	before := b.Stats().Dropped
	for i := range n {
		publish(t, a, "s.slow", fmt.Sprint(i))
		fast.WaitN(t, i+1) // keep the fast one from overflowing
	}
	// The stalled handler holds one message and queues `queue`; the rest
	// were dropped for it alone.
	dropped := b.Stats().Dropped - before
	if dropped < n-queue-1 || dropped > n-queue {
		t.Fatalf("dropped %d, want %d or %d", dropped, n-queue-1, n-queue)
	}
	if got := fast.Messages(); len(got) != n {
		t.Fatalf("fast subscriber got %d messages, want %d", len(got), n)
	}
}

func testDataOwnership(t *testing.T, target Target) {
	a, b := target.Open(t, 0)
	const n = 100
	var mu sync.Mutex
	var kept [][]byte
	got := NewCollector()
	subscribe(t, b, "s.data", func(s string, d []byte) {
		mu.Lock()
		kept = append(kept, d) // retained on purpose
		mu.Unlock()
		got.Handle(s, d)
	})
	buf := make([]byte, 0, 16)
	for i := range n {
		buf = fmt.Appendf(buf[:0], "msg-%03d", i)
		if err := a.Publish(context.Background(), "s.data", buf); err != nil {
			t.Fatal(err)
		}
		copy(buf, "XXXXXXX") // Publish must not retain the caller's slice
	}
	got.WaitN(t, n)
	mu.Lock()
	defer mu.Unlock()
	for i, d := range kept {
		if want := fmt.Sprintf("msg-%03d", i); string(d) != want {
			t.Fatalf("retained message %d = %q, want %q", i, d, want)
		}
	}
}

func testErrors(t *testing.T, target Target) {
	a, _ := target.Open(t, 0)
	ctx := context.Background()
	if err := a.Publish(ctx, "", nil); !errors.Is(err, bus.ErrEmptySubject) {
		t.Errorf("Publish(\"\"): %v", err)
	}
	if _, err := a.Subscribe(ctx, "", func(string, []byte) {}); !errors.Is(err, bus.ErrEmptySubject) {
		t.Errorf("Subscribe(\"\"): %v", err)
	}
	if _, err := a.Subscribe(ctx, "s", nil); err == nil {
		t.Error("nil handler accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := a.Publish(cancelled, "s", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Publish with a cancelled context: %v", err)
	}
	if _, err := a.Subscribe(cancelled, "s", func(string, []byte) {}); !errors.Is(err, context.Canceled) {
		t.Errorf("Subscribe with a cancelled context: %v", err)
	}
}
