package ws

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/channel"
)

type fwdRoom struct{}

type fwdMsg struct{ Text string }

// forwardEnv serves "GET /sub/{room}": the handler subscribes to the room's
// channel (without a subscriber ID, so Forward's own exclude-sender check is
// what applies), sends {"id":ConnID}, then forwards until either side ends
// and reports Forward's result.
type forwardEnv struct {
	ch       *channel.Channels[fwdRoom, fwdMsg]
	encodes  atomic.Int64
	results  chan error
	url      string
	srv      *Server
	metrics  *recMetrics
	subReady chan struct{}
}

func newForwardEnv(t *testing.T, chOpts ...channel.Option) *forwardEnv {
	t.Helper()
	e := &forwardEnv{results: make(chan error, 16), subReady: make(chan struct{}, 16), metrics: newRecMetrics()}
	enc := func(b []byte, m fwdMsg) []byte {
		e.encodes.Add(1)
		return jsonFrame("text", m.Text)
	}
	e.ch = channel.New[fwdRoom, fwdMsg](enc, append([]channel.Option{channel.WithLogger(discardLogger())}, chOpts...)...)
	srv, err := New(WithMetrics(e.metrics), WithLogger(discardLogger()))
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
			sub := e.ch.Subscribe(c.State().(jsgenrt.Ref[fwdRoom]))
			defer sub.Close()
			_ = c.SendBytes(jsonFrame("id", c.ID()))
			e.subReady <- struct{}{}
			err := Forward(ctx, c, sub)
			e.results <- err
			return err
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

func (e *forwardEnv) dial(t *testing.T, room string) (*websocket.Conn, string) {
	t.Helper()
	c, _, err := websocket.DefaultDialer.DialContext(testCtx(t), e.url+room, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	id := strings.TrimSuffix(strings.TrimPrefix(read(t, c), `{"id":"`), `"}`)
	<-e.subReady
	return c, id
}

func ref(t *testing.T, id string) jsgenrt.Ref[fwdRoom] {
	r, err := jsgenrt.NewRef[fwdRoom]("room", id, 64)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestForwardDeliversSharedEncodingAndSkipsExcept(t *testing.T) {
	e := newForwardEnv(t)
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

func TestForwardEndsWithEitherSide(t *testing.T) {
	e := newForwardEnv(t)
	// The client leaves: Forward returns nil, the handler closes the
	// subscription.
	c, _ := e.dial(t, "r1")
	c.Close()
	if err := <-e.results; err != nil {
		t.Fatalf("client left: Forward returned %v, want nil", err)
	}
	e.metrics.waitFor(t, "connection ended", func(m *recMetrics) bool { return len(m.closed) == 1 })
	e.waitNoSubscribers(t, "r1") // the handler closes its subscription as it returns
	// The channel side ends: Forward returns the reason, the connection
	// closes with 1011.
	c, _ = e.dial(t, "r1")
	_ = e.ch.Close()
	if err := <-e.results; !errors.Is(err, channel.ErrChannelsClosed) {
		t.Fatalf("channels closed: Forward returned %v", err)
	}
	if code, _, _ := readClose(t, c); code != CloseInternal {
		t.Fatalf("close %d, want 1011", code)
	}
}

func TestForwardReportsOverflow(t *testing.T) {
	e := newForwardEnv(t, channel.WithQueueSize(2))
	r := ref(t, "r1")
	sub := e.ch.Subscribe(r)
	defer sub.Close()
	for i := range 3 { // the third overflows a queue of 2: the subscription ends
		e.ch.Publish(r, fwdMsg{fmt.Sprint(i)})
	}
	// Forward on a live connection whose subscription already overflowed.
	e.dial(t, "r2")
	var conn *Conn
	e.srv.mu.Lock()
	for k := range e.srv.conns {
		conn = k
	}
	e.srv.mu.Unlock()
	if err := Forward(context.Background(), conn, sub); !errors.Is(err, channel.ErrOverflow) {
		t.Fatalf("Forward on an overflowed subscription returned %v", err)
	}
}

// waitNoSubscribers waits until room has no subscriber left: a handler
// closes its subscription as it returns, after the connection has ended.
func (e *forwardEnv) waitNoSubscribers(t *testing.T, room string) {
	t.Helper()
	ctx := testCtx(t)
	for e.ch.Subscribers(ref(t, room)) != 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("%d subscribers left in %s after the client went", e.ch.Subscribers(ref(t, room)), room)
		case <-time.After(5 * time.Millisecond):
		}
	}
}
