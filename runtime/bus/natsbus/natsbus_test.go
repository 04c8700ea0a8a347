package natsbus_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/bus/bustest"
	"github.com/jsgen-dev/jsgen/runtime/bus/natsbus"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func quiet() natsbus.Option {
	return natsbus.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// open connects a bus to url and closes it when the test ends.
func open(t *testing.T, url string, opts ...natsbus.Option) *natsbus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := natsbus.New(ctx, url, append([]natsbus.Option{quiet()}, opts...)...)
	if err != nil {
		t.Fatalf("New(%s): %v", url, err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func TestConformance(t *testing.T) {
	srv := bustest.StartNATS(t)
	bustest.RunConformance(t, bustest.Target{
		Open: func(t *testing.T, queueSize int) (bus.Bus, bus.Bus) {
			var opts []natsbus.Option
			if queueSize > 0 {
				opts = append(opts, natsbus.WithQueueSize(queueSize))
			}
			return open(t, srv.URL(), opts...), open(t, srv.URL(), opts...)
		},
		RefusesWildcards: true,
	})
}

func TestInvalidSubjects(t *testing.T) {
	srv := bustest.StartNATS(t)
	b := open(t, srv.URL())
	ctx := context.Background()
	for _, s := range []string{"*", ">", "a.*", "a.>", "*.a", "a..b", ".a", "a.", "a b", "a\tb", "a\nb", "a\x00b",
		strings.Repeat("x", natsbus.MaxSubjectLen+1)} {
		if err := b.Publish(ctx, s, nil); !errors.Is(err, natsbus.ErrInvalidSubject) {
			t.Errorf("Publish(%q) = %v", s, err)
		}
		if _, err := b.Subscribe(ctx, s, func(string, []byte) {}); !errors.Is(err, natsbus.ErrInvalidSubject) {
			t.Errorf("Subscribe(%q) = %v", s, err)
		}
	}
	// Literal characters that are not wildcard tokens are fine.
	for _, s := range []string{"a*", "a>b", "room:lobby", "x-y_z.1", strings.Repeat("x", natsbus.MaxSubjectLen)} {
		if _, err := b.Subscribe(ctx, s, func(string, []byte) {}); err != nil {
			t.Errorf("Subscribe(%q) = %v", s, err)
		}
	}
	if st := b.Stats(); st.Dropped != 0 || st.Published != 0 {
		t.Fatalf("refused publishes were counted: %+v", st)
	}
}

// TestInterest checks the node holds one NATS subscription per subject
// with local subscribers, and none once they are gone.
func TestInterest(t *testing.T) {
	srv := bustest.StartNATS(t)
	b := open(t, srv.URL())
	base := srv.Server().NumSubscriptions()
	ctx := context.Background()
	var subs []bus.Subscription
	for range 3 {
		s, err := b.Subscribe(ctx, "room.a", func(string, []byte) {})
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
	}
	s, err := b.Subscribe(ctx, "room.b", func(string, []byte) {})
	if err != nil {
		t.Fatal(err)
	}
	subs = append(subs, s)
	if n := srv.Server().NumSubscriptions() - base; n != 2 {
		t.Fatalf("server has %d subscriptions, want 2 (one per subject)", n)
	}
	if n := b.ConnStats().Subjects; n != 2 {
		t.Fatalf("ConnStats.Subjects = %d", n)
	}
	for _, s := range subs {
		if err := s.Unsubscribe(); err != nil {
			t.Fatal(err)
		}
	}
	bustest.WaitFor(t, "server-side unsubscribe", func() bool { return srv.Server().NumSubscriptions() == base })
}

func TestURLs(t *testing.T) {
	srv := bustest.StartNATS(t, bustest.NATSAuth("alice", "s3cr:t/"))
	ctx := context.Background()
	good := "nats://alice:" + url.PathEscape("s3cr:t/") + "@" + srv.Addr()
	b := open(t, good, natsbus.WithName("test-node"))
	c := bustest.NewCollector()
	if _, err := b.Subscribe(ctx, "x", c.Handle); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "x", []byte("authenticated")); err != nil {
		t.Fatal(err)
	}
	c.WaitN(t, 1)

	for _, bad := range []string{
		"nats://alice:wrong@" + srv.Addr(),
		"nats://" + srv.Addr(),
	} {
		_, err := natsbus.New(ctx, bad, quiet(), natsbus.WithMaxReconnects(0))
		if err == nil {
			t.Fatalf("New(%s) connected without the right credentials", bad)
		}
		if strings.Contains(err.Error(), "wrong") {
			t.Fatalf("error leaks the password: %v", err)
		}
	}
	for _, bad := range []string{"", "http://" + srv.Addr(), "nats://", "nats://:4222", "redis://x:1", "nats://a:b@%zz"} {
		_, err := natsbus.New(ctx, bad, quiet())
		if !errors.Is(err, natsbus.ErrURL) {
			t.Errorf("New(%q) = %v, want ErrURL", bad, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := natsbus.New(cancelled, good, quiet()); !errors.Is(err, context.Canceled) {
		t.Errorf("New with a cancelled context: %v", err)
	}
}

func TestTLS(t *testing.T) {
	files := bustest.NewTLS(t)
	srv := bustest.StartNATS(t, bustest.NATSTLS(files.Server))
	if !strings.HasPrefix(srv.URL(), "tls://") {
		t.Fatalf("URL %s", srv.URL())
	}
	b := open(t, srv.URL(), natsbus.WithTLSConfig(files.Client))
	c := bustest.NewCollector()
	ctx := context.Background()
	if _, err := b.Subscribe(ctx, "x", c.Handle); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "x", []byte("over tls")); err != nil {
		t.Fatal(err)
	}
	c.WaitN(t, 1)
	// Without the test CA the server's certificate is refused.
	if _, err := natsbus.New(ctx, srv.URL(), quiet(), natsbus.WithMaxReconnects(0)); err == nil {
		t.Fatal("connected to a server with an untrusted certificate")
	}
}

// stateLog records state-handler calls.
type stateLog struct {
	mu     sync.Mutex
	states []bus.State
}

func (l *stateLog) record(s bus.State, _ error) {
	l.mu.Lock()
	l.states = append(l.states, s)
	l.mu.Unlock()
}

func (l *stateLog) get() []bus.State {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]bus.State(nil), l.states...)
}

func TestMaxReconnectsGivesUp(t *testing.T) {
	srv := bustest.StartNATS(t)
	var states stateLog
	b := open(t, srv.URL(), natsbus.WithMaxReconnects(1), natsbus.WithReconnectWait(10*time.Millisecond),
		natsbus.WithStateHandler(states.record))
	srv.Stop()
	bustest.WaitFor(t, "StateClosed", func() bool {
		s := states.get()
		return len(s) > 0 && s[len(s)-1] == bus.StateClosed
	})
	if got := states.get(); got[0] != bus.StateDisconnected {
		t.Fatalf("states %v", got)
	}
	ctx := context.Background()
	if err := b.Publish(ctx, "x", nil); !errors.Is(err, natsbus.ErrDisconnected) {
		t.Fatalf("Publish after giving up: %v", err)
	}
	if _, err := b.Subscribe(ctx, "x", func(string, []byte) {}); !errors.Is(err, bus.ErrClosed) {
		t.Fatalf("Subscribe after giving up: %v", err)
	}
	if b.Connected() {
		t.Fatal("Connected after giving up")
	}
}

// TestInboundOverflowIsCounted floods a subscriber whose inbound buffer
// holds one message: whatever NATS drops as a slow consumer is counted, so
// delivered + dropped always equals what was published.
func TestInboundOverflowIsCounted(t *testing.T) {
	srv := bustest.StartNATS(t)
	a := open(t, srv.URL())
	b := open(t, srv.URL(), natsbus.WithInboundSize(1), natsbus.WithQueueSize(1<<16))
	ctx := context.Background()
	var got atomic.Int64
	sub, err := b.Subscribe(ctx, "flood", func(string, []byte) { got.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	for range n {
		if err := a.Publish(ctx, "flood", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	bustest.WaitFor(t, "every message delivered or counted as dropped", func() bool {
		return uint64(got.Load())+b.Stats().Dropped == n
	})
	dropped := b.Stats().Dropped
	t.Logf("%d delivered, %d dropped by the NATS client", got.Load(), dropped)
	// The count survives the subscription.
	if err := sub.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	if d := b.Stats().Dropped; d != dropped {
		t.Fatalf("Dropped went from %d to %d after Unsubscribe", dropped, d)
	}
}

// TestMaxPayload publishes more than the server accepts: the error comes
// back at once, the message is counted as lost, and the connection stays up.
func TestMaxPayload(t *testing.T) {
	srv := bustest.StartNATS(t) // max_payload 1 MiB
	b := open(t, srv.URL())
	ctx := context.Background()
	if err := b.Publish(ctx, "big", make([]byte, 2<<20)); err == nil {
		t.Fatal("oversized publish accepted")
	}
	if st := b.Stats(); st.Dropped != 1 || st.Published != 0 {
		t.Fatalf("stats %+v", st)
	}
	c := bustest.NewCollector()
	if _, err := b.Subscribe(ctx, "small", c.Handle); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "small", []byte("fine")); err != nil {
		t.Fatal(err)
	}
	c.WaitN(t, 1)
	if !b.Connected() {
		t.Fatal("disconnected by an oversized publish")
	}
}
