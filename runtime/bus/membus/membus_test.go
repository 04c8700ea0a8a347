package membus

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func quiet() Option { return WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))) }

// collector gathers handler calls for one subscription.
type collector struct {
	mu   sync.Mutex
	msgs []string
	got  chan struct{}
}

func newCollector() *collector { return &collector{got: make(chan struct{}, 1<<16)} }

func (c *collector) handle(subject string, data []byte) {
	c.mu.Lock()
	c.msgs = append(c.msgs, subject+"="+string(data))
	c.mu.Unlock()
	c.got <- struct{}{}
}

func (c *collector) wait(t *testing.T, n int) []string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for range n {
		select {
		case <-c.got:
		case <-timeout:
			t.Fatalf("timed out waiting for %d messages", n)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.msgs)
}

func TestPublishSubscribe(t *testing.T) {
	b := New(quiet())
	defer b.Close()
	ctx := context.Background()
	c1, c2, other := newCollector(), newCollector(), newCollector()
	for subject, c := range map[string]*collector{"a.b": c1, "a.b.c": other} {
		if _, err := b.Subscribe(ctx, subject, c.handle); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Subscribe(ctx, "a.b", c2.handle); err != nil {
		t.Fatal(err)
	}
	buf := []byte("one")
	if err := b.Publish(ctx, "a.b", buf); err != nil {
		t.Fatal(err)
	}
	copy(buf, "XXX") // Publish must not retain the caller's slice
	if err := b.Publish(ctx, "a.b", []byte("two")); err != nil {
		t.Fatal(err)
	}
	want := []string{"a.b=one", "a.b=two"}
	if got := c1.wait(t, 2); !slices.Equal(got, want) {
		t.Fatalf("c1 got %q", got)
	}
	if got := c2.wait(t, 2); !slices.Equal(got, want) {
		t.Fatalf("c2 got %q", got)
	}
	// Subjects are exact: "a.b.c" got nothing published on "a.b".
	if err := b.Publish(ctx, "a.b.c", []byte("lit")); err != nil {
		t.Fatal(err)
	}
	if got := other.wait(t, 1); !slices.Equal(got, []string{"a.b.c=lit"}) {
		t.Fatalf("exact subject got %q", got)
	}
	waitDelivered(t, b, 5)
	if st := b.Stats(); st.Published != 3 || st.Delivered != 5 || st.Dropped != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestOrderPerPublisher(t *testing.T) {
	b := New(quiet(), WithQueueSize(2000))
	defer b.Close()
	c := newCollector()
	if _, err := b.Subscribe(context.Background(), "s", c.handle); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 1000 {
		msg := strings.Repeat("x", i%7) + string(rune('a'+i%26))
		want = append(want, "s="+msg)
		if err := b.Publish(context.Background(), "s", []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.wait(t, 1000); !slices.Equal(got, want) {
		t.Fatal("messages out of order")
	}
}

func TestSlowHandlerNeverBlocksPublisher(t *testing.T) {
	var logs strings.Builder
	var logMu sync.Mutex
	b := New(WithQueueSize(4), WithLogger(slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return logs.Write(p)
	}), nil))))
	defer b.Close()
	release := make(chan struct{})
	fast := newCollector()
	ctx := context.Background()
	if _, err := b.Subscribe(ctx, "s", func(string, []byte) { <-release }); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Subscribe(ctx, "s", fast.handle); err != nil {
		t.Fatal(err)
	}
	const n = 100
	for i := range n {
		if err := b.Publish(ctx, "s", []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		fast.wait(t, 1) // keep the fast one from overflowing
	}
	close(release)
	st := b.Stats()
	// The stalled handler holds one message and queues 4; the rest drop.
	if st.Dropped < n-5 || st.Dropped > n-4 {
		t.Fatalf("dropped %d, want %d or %d", st.Dropped, n-5, n-4)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(logs.String(), "dropped") {
		t.Fatalf("drops not logged: %s", logs.String())
	}
}

// waitDelivered waits until n handler calls have returned (Delivered is
// counted after the handler returns, so after the test saw its effect).
func waitDelivered(t *testing.T, b *Bus, n uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for b.Stats().Delivered < n {
		if time.Now().After(deadline) {
			t.Fatalf("delivered %d, want %d", b.Stats().Delivered, n)
		}
		time.Sleep(time.Millisecond)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestHandlerPanicIsContained(t *testing.T) {
	b := New(quiet())
	defer b.Close()
	c := newCollector()
	if _, err := b.Subscribe(context.Background(), "s", func(s string, d []byte) {
		if string(d) == "boom" {
			panic("boom")
		}
		c.handle(s, d)
	}); err != nil {
		t.Fatal(err)
	}
	_ = b.Publish(context.Background(), "s", []byte("boom"))
	_ = b.Publish(context.Background(), "s", []byte("ok"))
	if got := c.wait(t, 1); !slices.Equal(got, []string{"s=ok"}) {
		t.Fatalf("got %q", got)
	}
	waitDelivered(t, b, 1)
	if st := b.Stats(); st.Failed != 1 || st.Delivered != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestUnsubscribe(t *testing.T) {
	b := New(quiet())
	defer b.Close()
	ctx := context.Background()
	c := newCollector()
	sub, err := b.Subscribe(ctx, "s", c.handle)
	if err != nil {
		t.Fatal(err)
	}
	_ = b.Publish(ctx, "s", []byte("1"))
	c.wait(t, 1)
	waitDelivered(t, b, 1)
	if err := sub.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	if err := sub.Unsubscribe(); err != nil {
		t.Fatal("second Unsubscribe:", err)
	}
	_ = b.Publish(ctx, "s", []byte("2"))
	if st := b.Stats(); st.Delivered != 1 {
		t.Fatalf("delivered after unsubscribe: %+v", st)
	}

	// Unsubscribing from inside the handler does not deadlock.
	done := make(chan struct{})
	var self bus.Subscription
	var mu sync.Mutex
	mu.Lock()
	self, err = b.Subscribe(ctx, "t", func(string, []byte) {
		mu.Lock()
		defer mu.Unlock()
		_ = self.Unsubscribe()
		close(done)
	})
	mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	_ = b.Publish(ctx, "t", nil)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("handler did not run")
	}
}

func TestErrors(t *testing.T) {
	b := New(quiet())
	ctx := context.Background()
	if err := b.Publish(ctx, "", nil); !errors.Is(err, bus.ErrEmptySubject) {
		t.Fatalf("empty subject: %v", err)
	}
	if _, err := b.Subscribe(ctx, "", func(string, []byte) {}); !errors.Is(err, bus.ErrEmptySubject) {
		t.Fatalf("empty subject: %v", err)
	}
	if _, err := b.Subscribe(ctx, "s", nil); err == nil {
		t.Fatal("nil handler accepted")
	}
	// What NATS and Redis refuse, membus refuses: code that runs on it
	// runs on them.
	for _, subject := range []string{"a.*", "a.>", "a..b", ".a", "a b", strings.Repeat("x", MaxSubjectLen+1)} {
		if err := b.Publish(ctx, subject, nil); !errors.Is(err, ErrInvalidSubject) {
			t.Errorf("publish on %.20q: %v, want ErrInvalidSubject", subject, err)
		}
		if _, err := b.Subscribe(ctx, subject, func(string, []byte) {}); !errors.Is(err, ErrInvalidSubject) {
			t.Errorf("subscribe on %.20q: %v, want ErrInvalidSubject", subject, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.Publish(cancelled, "s", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled publish: %v", err)
	}
	if _, err := b.Subscribe(cancelled, "s", func(string, []byte) {}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled subscribe: %v", err)
	}
	sub, _ := b.Subscribe(ctx, "s", func(string, []byte) {})
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if err := sub.Unsubscribe(); err != nil {
		t.Fatal("Unsubscribe after Close:", err)
	}
	if err := b.Publish(ctx, "s", nil); !errors.Is(err, bus.ErrClosed) {
		t.Fatalf("publish after close: %v", err)
	}
	if _, err := b.Subscribe(ctx, "s", func(string, []byte) {}); !errors.Is(err, bus.ErrClosed) {
		t.Fatalf("subscribe after close: %v", err)
	}
}

func TestCloseWaitsForHandlers(t *testing.T) {
	b := New(quiet())
	started := make(chan struct{})
	var finished bool
	if _, err := b.Subscribe(context.Background(), "s", func(string, []byte) {
		close(started)
		time.Sleep(20 * time.Millisecond)
		finished = true
	}); err != nil {
		t.Fatal(err)
	}
	_ = b.Publish(context.Background(), "s", nil)
	<-started
	_ = b.Close()
	if !finished {
		t.Fatal("Close returned while a handler was running")
	}
}

func TestConcurrentUse(t *testing.T) {
	b := New(quiet(), WithQueueSize(64))
	defer b.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			subject := string(rune('a' + g%3))
			for range 200 {
				sub, err := b.Subscribe(ctx, subject, func(string, []byte) {})
				if err != nil {
					t.Error(err)
					return
				}
				_ = b.Publish(ctx, subject, []byte("x"))
				_ = sub.Unsubscribe()
			}
		})
	}
	wg.Wait()
}

func BenchmarkPublish(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(map[int]string{1: "subs=1", 100: "subs=100"}[n], func(b *testing.B) {
			bs := New(quiet(), WithQueueSize(1<<16))
			defer bs.Close()
			for range n {
				_, _ = bs.Subscribe(context.Background(), "s", func(string, []byte) {})
			}
			data := []byte(`{"type":"message","content":"hello"}`)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				_ = bs.Publish(context.Background(), "s", data)
			}
		})
	}
}
