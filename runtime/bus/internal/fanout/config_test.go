package fanout

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus"
)

type testConfig struct {
	Config
	own int
}

type testOption func(*testConfig)

// The shared options set their field of the embedded Config, keep the
// default where the value is out of range, and leave the rest alone.
func TestSharedOptions(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	tc := &tls.Config{ServerName: "x"}
	var states int
	c := testConfig{Config: DefaultConfig()}
	for _, o := range []testOption{
		WithLogger[*testConfig, testOption](logger),
		WithName[*testConfig, testOption]("node-1"),
		WithReconnectWait[*testConfig, testOption](3 * time.Second),
		WithQueueSize[*testConfig, testOption](0),
		WithTLSConfig[*testConfig, testOption](tc),
		WithConfirmWait[*testConfig, testOption](-1),
		WithStateHandler[*testConfig, testOption](func(bus.State, error) { states++ }),
		func(c *testConfig) { c.own = 7 },
	} {
		o(&c)
	}
	if c.Logger != logger || c.Name != "node-1" || c.ReconnectWait != 3*time.Second || c.QueueSize != 1 ||
		c.TLS != tc || c.ConfirmWait != DefaultConfirmWait || c.OnState == nil || c.own != 7 {
		t.Fatalf("config = %+v", c)
	}
	WithLogger[*testConfig, testOption](nil)(&c)
	WithReconnectWait[*testConfig, testOption](0)(&c)
	if c.Logger != logger || c.ReconnectWait != 3*time.Second {
		t.Fatalf("out-of-range values changed the config: %+v", c)
	}
	d := DefaultConfig()
	if d.Logger == nil || d.ReconnectWait != DefaultReconnectWait || d.QueueSize != DefaultQueueSize || d.ConfirmWait != DefaultConfirmWait {
		t.Fatalf("defaults = %+v", d)
	}
}

// CheckPublish refuses a done context, an invalid subject and a closed bus,
// in that order; PublishLost counts a loss unless the bus is closed.
func TestCheckPublishAndPublishLost(t *testing.T) {
	open := func() bool { return false }
	closed := func() bool { return true }
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := CheckPublish(ctx, "xbus", "a.b", closed); !errors.Is(err, context.Canceled) || err.Error() != "xbus: publish a.b: context canceled" {
		t.Errorf("done ctx: %v", err)
	}
	if err := CheckPublish(context.Background(), "xbus", "a.*", closed); !errors.Is(err, ErrInvalidSubject) {
		t.Errorf("wildcard subject: %v", err)
	}
	if err := CheckPublish(context.Background(), "xbus", "a.b", closed); !errors.Is(err, bus.ErrClosed) {
		t.Errorf("closed: %v", err)
	}
	if err := CheckPublish(context.Background(), "xbus", "a.b", open); err != nil {
		t.Errorf("valid publish refused: %v", err)
	}
	c := NewConn("xbus", slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	cause := errors.New("boom")
	if err := c.PublishLost("a.b", cause, open); !errors.Is(err, cause) || err.Error() != "xbus: publish a.b: boom" {
		t.Errorf("PublishLost = %v", err)
	}
	if err := c.PublishLost("a.b", cause, closed); !errors.Is(err, bus.ErrClosed) {
		t.Errorf("PublishLost after close = %v", err)
	}
	if st := c.Stats(New("xbus", 1, nil), 0); st.Dropped != 1 {
		t.Errorf("dropped = %d, want 1 (the loss before close only)", st.Dropped)
	}
}

// CheckSubscribe refuses a done context, an invalid subject and a nil
// handler.
func TestCheckSubscribe(t *testing.T) {
	h := func(string, []byte) {}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := CheckSubscribe(ctx, "xbus", "a.b", h); !errors.Is(err, context.Canceled) {
		t.Errorf("done ctx: %v", err)
	}
	if err := CheckSubscribe(context.Background(), "xbus", "a..b", h); !errors.Is(err, ErrInvalidSubject) {
		t.Errorf("empty token: %v", err)
	}
	if err := CheckSubscribe(context.Background(), "xbus", "a.b", nil); err == nil || err.Error() != "xbus: subscribe a.b: nil handler" {
		t.Errorf("nil handler: %v", err)
	}
	if err := CheckSubscribe(context.Background(), "xbus", "a.b", h); err != nil {
		t.Errorf("valid subscribe refused: %v", err)
	}
}

// A Subscription's Unsubscribe drops the subject on the transport once,
// when the subject's last local subscription goes, and is idempotent.
func TestSubscriptionDropsSubjectOnLast(t *testing.T) {
	tab := New("xbus", 4, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer tab.Close()
	var mu sync.Mutex
	var dropped []string
	drop := func(subject string) error {
		if mu.TryLock() {
			t.Error("drop called without the lock held")
			mu.Unlock()
		}
		dropped = append(dropped, subject)
		return nil
	}
	h := func(string, []byte) {}
	s1, _, err := tab.Add("a.b", h)
	if err != nil {
		t.Fatal(err)
	}
	s2, _, err := tab.Add("a.b", h)
	if err != nil {
		t.Fatal(err)
	}
	u1, u2 := NewSubscription(&mu, tab, s1, drop), NewSubscription(&mu, tab, s2, drop)
	for _, u := range []*Subscription{u1, u1, u2, u2} {
		if err := u.Unsubscribe(); err != nil {
			t.Fatal(err)
		}
	}
	if len(dropped) != 1 || dropped[0] != "a.b" {
		t.Fatalf("dropped %q, want [a.b] once", dropped)
	}
}
