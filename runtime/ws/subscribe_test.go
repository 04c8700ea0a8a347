package ws

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/channel"
)

// newSubscribeEnv is forwardEnv's setup with a handler that relays through
// Subscribe instead of Forward and reports the subscription's end (its Err
// once the connection's context is done).
func newSubscribeEnv(t *testing.T, opts ...Option) *forwardEnv {
	t.Helper()
	e := &forwardEnv{results: make(chan error, 16), subReady: make(chan struct{}, 16), metrics: newRecMetrics()}
	enc := func(b []byte, m fwdMsg) []byte {
		e.encodes.Add(1)
		return jsonFrame("text", m.Text)
	}
	e.ch = channel.New[fwdRoom, fwdMsg](enc, channel.WithLogger(discardLogger()))
	srv, err := New(append([]Option{WithMetrics(e.metrics), WithLogger(discardLogger())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	mux := http.NewServeMux()
	Handle(mux, srv, Route[testMsg]{
		Pattern: "GET /sub/{room}",
		Prepare: func(r *http.Request) (any, int, error) {
			ref, err := jsgenrt.NewRef[fwdRoom]("room", r.PathValue("room"), 64)
			return ref, 0, err
		},
		Decode: decodeTestMsg,
		Run: func(ctx context.Context, c *Conn, _ iter.Seq[testMsg]) error {
			_ = c.SendBytes(jsonFrame("id", c.ID()))
			sub := Subscribe(e.ch, c.State().(jsgenrt.Ref[fwdRoom]), c)
			e.subReady <- struct{}{}
			<-ctx.Done()
			_, _ = sub.Next(context.Background()) // returns once the subscription has ended
			e.results <- sub.Err()
			return nil
		},
	})
	hs := httptest.NewServer(mux)
	e.url = "ws" + strings.TrimPrefix(hs.URL, "http") + "/sub/"
	t.Cleanup(func() {
		if err := srv.Shutdown(testCtx(t)); err != nil {
			t.Error(err)
		}
		hs.Close()
		_ = e.ch.Close()
	})
	return e
}

func TestSubscribeDeliversSharedEncodingAndSkipsSender(t *testing.T) {
	e := newSubscribeEnv(t)
	a, aID := e.dial(t, "r1")
	b, _ := e.dial(t, "r1")
	other, _ := e.dial(t, "r2")

	e.ch.PublishWith(ref(t, "r1"), fwdMsg{"to all"}, channel.PublishOptions{})
	e.ch.PublishWith(ref(t, "r1"), fwdMsg{"not to a"}, channel.PublishOptions{Except: aID})
	e.ch.Publish(ref(t, "r2"), fwdMsg{"r2 only"})
	e.ch.Publish(ref(t, "r1"), fwdMsg{"last"})

	if got := []string{read(t, a), read(t, a)}; got[0] != `{"text":"to all"}` || got[1] != `{"text":"last"}` {
		t.Fatalf("a (excluded from the second) got %q", got)
	}
	for i, want := range []string{"to all", "not to a", "last"} {
		if got := read(t, b); got != `{"text":"`+want+`"}` {
			t.Fatalf("b frame %d: %s", i, got)
		}
	}
	if got := read(t, other); got != `{"text":"r2 only"}` {
		t.Fatalf("r2 got %s", got)
	}
	if n := e.encodes.Load(); n != 4 {
		t.Fatalf("encoder ran %d times for 4 publishes to 5 deliveries, want 4 (once per publish)", n)
	}
}

// TestSubscribeEndsWithConnection: the subscription ends when its
// connection closes, without the handler closing it.
func TestSubscribeEndsWithConnection(t *testing.T) {
	e := newSubscribeEnv(t)
	c, _ := e.dial(t, "r1")
	if n := e.ch.Subscribers(ref(t, "r1")); n != 1 {
		t.Fatalf("%d subscribers, want 1", n)
	}
	c.Close()
	if err := <-e.results; err == nil {
		t.Fatal("subscription still active after its connection closed")
	}
	// The subscription reports its end before Close has removed it from
	// its key: wait for the removal.
	e.waitNoSubscribers(t, "r1")
}

// TestSubscribeSlowClient: a client that stops reading is closed as slow
// once its queue passes MaxQueueBytes, and its subscription ends with
// ErrSlowClient; the publisher never blocks on it.
func TestSubscribeSlowClient(t *testing.T) {
	e := newSubscribeEnv(t, WithMaxQueueBytes(64<<10))
	e.dial(t, "r1") // never reads again
	r := ref(t, "r1")
	big := strings.Repeat("x", 16<<10)
	for i := 0; e.ch.Subscribers(r) > 0; i++ {
		if i == 10000 {
			t.Fatal("a client that never reads was not cut after 160 MB")
		}
		e.ch.Publish(r, fwdMsg{big})
	}
	if err := <-e.results; !errors.Is(err, ErrSlowClient) {
		t.Fatalf("subscription ended with %v, want ErrSlowClient", err)
	}
	e.metrics.waitFor(t, "the slow client closed with 1013", func(m *recMetrics) bool {
		return m.slow == 1 && m.closed[CloseTryAgainLater] == 1
	})
}
