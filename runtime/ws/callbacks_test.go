package ws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// cbEnv is a Server with a callback route "GET /cb/{room}" whose sessions
// record what happens to them as events ("open c1", "msg c1 echo:x",
// "close c1 <nil>"), in order per connection.
type cbEnv struct {
	srv     *Server
	http    *httptest.Server
	metrics *recMetrics
	logs    *logBuffer
	url     string
	events  chan string
	// openGate, when set, is waited on by Open (to hold messages back).
	openGate chan struct{}
}

func newCBEnv(t testing.TB, opts ...Option) *cbEnv {
	t.Helper()
	e := &cbEnv{metrics: newRecMetrics(), logs: &logBuffer{}, events: make(chan string, 4096)}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := New(append([]Option{WithMetrics(e.metrics), WithLogger(logger)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	mux := http.NewServeMux()
	HandleCallbacks(mux, srv, CallbackRoute[testMsg]{
		Pattern: "GET /cb/{room}",
		Prepare: prepareRoom,
		Decode:  decodeTestMsg,
		Open:    e.open,
	})
	e.http = httptest.NewServer(mux)
	e.url = "ws" + strings.TrimPrefix(e.http.URL, "http") + "/cb/"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		e.http.Close()
	})
	return e
}

func (e *cbEnv) open(ctx context.Context, c *Conn) (Session[testMsg], error) {
	if e.openGate != nil {
		<-e.openGate
	}
	e.events <- "open " + c.ID()
	switch c.State().(string) {
	case "openfail":
		return &cbSession{e: e, c: c}, errors.New("open failed on purpose")
	case "openpanic":
		panic("open panicked on purpose")
	case "opennil":
		return nil, nil
	}
	if err := c.SendBytes(jsonFrame("hello", c.ID())); err != nil {
		return nil, err
	}
	return &cbSession{e: e, c: c}, nil
}

type cbSession struct {
	e *cbEnv
	c *Conn
}

func (s *cbSession) OnMessage(ctx context.Context, m testMsg) error {
	s.e.events <- "msg " + s.c.ID() + " " + m.Type + ":" + m.Text
	switch m.Type {
	case "echo":
		return s.c.SendBytes(jsonFrame("echo", m.Text))
	case "fail":
		return errors.New("OnMessage failed on purpose")
	case "panic":
		panic("OnMessage panicked on purpose")
	case "quit":
		_ = s.c.SendBytes(jsonFrame("bye", m.Text))
		s.c.Close(4000, "bye "+m.Text)
	}
	return nil
}

func (s *cbSession) OnClose(ctx context.Context, err error) {
	if ctx.Err() != nil {
		s.e.events <- "close " + s.c.ID() + " with a cancelled context"
		return
	}
	s.e.events <- fmt.Sprintf("close %s %v", s.c.ID(), err)
}

func (e *cbEnv) dial(t testing.TB, room string) *websocket.Conn {
	t.Helper()
	c, resp, err := (&websocket.Dialer{HandshakeTimeout: testTimeout}).DialContext(testCtx(t), e.url+room, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (status %d)", room, err, status)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// next returns the next recorded event, failing after testTimeout.
func (e *cbEnv) next(t testing.TB) string {
	t.Helper()
	select {
	case ev := <-e.events:
		return ev
	case <-time.After(testTimeout):
		t.Fatal("no callback event within the test timeout")
		return ""
	}
}

// expect checks that the next events are want, with "ID" standing for id.
func (e *cbEnv) expect(t testing.TB, id string, want ...string) {
	t.Helper()
	for _, w := range want {
		w = strings.ReplaceAll(w, "ID", id)
		if got := e.next(t); got != w {
			t.Fatalf("event: got %q, want %q", got, w)
		}
	}
}

func helloID(t testing.TB, c *websocket.Conn) string {
	t.Helper()
	got := read(t, c)
	id, ok := strings.CutPrefix(got, `{"hello":"`)
	if !ok {
		t.Fatalf("first frame %q, want the hello frame Open sends", got)
	}
	return strings.TrimSuffix(id, `"}`)
}

func TestCallbacksOpenMessagesInOrderThenClose(t *testing.T) {
	e := newCBEnv(t)
	c := e.dial(t, "r1")
	id := helloID(t, c)
	for i := range 20 {
		send(t, c, fmt.Sprintf(`{"type":"echo","text":"m%d"}`, i))
	}
	send(t, c, `{"type":"nope"}`) // invalid: an error frame, OnMessage never sees it
	send(t, c, `{"type":"echo","text":"last"}`)
	for i := range 20 {
		if got, want := read(t, c), fmt.Sprintf(`{"echo":"m%d"}`, i); got != want {
			t.Fatalf("frame %d: %q, want %q", i, got, want)
		}
	}
	if f := parseErrFrame(t, read(t, c)); f.Code != "invalid_message" || len(f.Errors) != 1 || f.Errors[0].Path != "type" {
		t.Fatalf("error frame %+v", f)
	}
	if got := read(t, c); got != `{"echo":"last"}` {
		t.Fatalf("after the error frame: %q", got)
	}
	e.expect(t, id, "open ID")
	for i := range 20 {
		e.expect(t, id, fmt.Sprintf("msg ID echo:m%d", i))
	}
	e.expect(t, id, "msg ID echo:last")
	_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(testTimeout))
	e.expect(t, id, "close ID <nil>")
	e.metrics.waitFor(t, "the connection counted as closed", func(m *recMetrics) bool { return m.closed[CloseNormal] == 1 })
}

func TestCallbacksMessagesWaitForOpen(t *testing.T) {
	e := newCBEnv(t)
	e.openGate = make(chan struct{})
	c := e.dial(t, "r1")
	send(t, c, `{"type":"echo","text":"early1"}`)
	send(t, c, `{"type":"echo","text":"early2"}`)
	select {
	case ev := <-e.events:
		t.Fatalf("%q before Open returned", ev)
	case <-time.After(50 * time.Millisecond): // a chance for a wrong order to show; no wait for a condition
	}
	close(e.openGate)
	id := helloID(t, c)
	e.expect(t, id, "open ID", "msg ID echo:early1", "msg ID echo:early2")
	if got := read(t, c); got != `{"echo":"early1"}` {
		t.Fatalf("got %q", got)
	}
}

func TestCallbacksErrorAndPanicClose1011(t *testing.T) {
	e := newCBEnv(t)
	for _, typ := range []string{"fail", "panic"} {
		c := e.dial(t, "r1")
		id := helloID(t, c)
		send(t, c, `{"type":"`+typ+`"}`)
		if code, reason, _ := readClose(t, c); code != CloseInternal || reason != "internal error" {
			t.Fatalf("%s: close %d %q, want 1011", typ, code, reason)
		}
		e.expect(t, id, "open ID", "msg ID "+typ+":", "close ID ws: connection closed with 1011: internal error")
	}
	e.metrics.waitFor(t, "one handler error and one panic", func(m *recMetrics) bool {
		return m.errors[ErrCodeHandlerError] == 1 && m.errors[ErrCodeHandlerPanic] == 1
	})
	if logs := e.logs.String(); !strings.Contains(logs, "OnMessage panicked on purpose") || !strings.Contains(logs, "OnMessage failed on purpose") {
		t.Fatalf("logs do not say why:\n%s", logs)
	}
}

func TestCallbacksOpenFailureCloses1011NilSession1000(t *testing.T) {
	e := newCBEnv(t)
	for _, room := range []string{"openfail", "openpanic", "opennil"} {
		c := e.dial(t, room)
		want := CloseInternal
		if room == "opennil" { // nothing more to do: a normal close
			want = CloseNormal
		}
		if code, _, data := readClose(t, c); code != want || len(data) != 0 {
			t.Fatalf("%s: close %d after %q, want %d and no frame", room, code, data, want)
		}
		ev := e.next(t)
		if !strings.HasPrefix(ev, "open ") {
			t.Fatalf("%s: event %q", room, ev)
		}
		if room == "openfail" { // a Session returned with the error is still closed
			e.expect(t, strings.TrimPrefix(ev, "open "), "close ID ws: connection closed with 1011: internal error")
		}
	}
	e.metrics.waitFor(t, "a handler error and a panic", func(m *recMetrics) bool {
		return m.errors[ErrCodeHandlerError] == 1 && m.errors[ErrCodeHandlerPanic] == 1
	})
	if logs := e.logs.String(); !strings.Contains(logs, "open failed on purpose") || !strings.Contains(logs, "open panicked on purpose") {
		t.Fatalf("logs do not say why Open failed:\n%s", logs)
	}
}

func TestCallbacksCloseFromOnMessageFlushesFirst(t *testing.T) {
	e := newCBEnv(t)
	c := e.dial(t, "r1")
	id := helloID(t, c)
	send(t, c, `{"type":"quit","text":"now"}`)
	code, reason, data := readClose(t, c)
	if code != 4000 || reason != "bye now" || len(data) != 1 || data[0] != `{"bye":"now"}` {
		t.Fatalf("close %d %q after %q", code, reason, data)
	}
	e.expect(t, id, "open ID", "msg ID quit:now", "close ID ws: connection closed with 4000: bye now")
}

func TestCallbacksShutdownWaitsForOnClose(t *testing.T) {
	e := newCBEnv(t)
	c := e.dial(t, "r1")
	id := helloID(t, c)
	code := make(chan int, 1)
	go func() { // answers the close frame, so the server need not linger
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				var ce *websocket.CloseError
				if errors.As(err, &ce) {
					code <- ce.Code
				}
				close(code)
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// Shutdown returned: OnClose has run already (nil: 1001 is normal).
	select {
	case ev := <-e.events:
		if ev != "open "+id {
			t.Fatalf("event %q", ev)
		}
	default:
		t.Fatal("no open event")
	}
	select {
	case ev := <-e.events:
		if ev != "close "+id+" <nil>" {
			t.Fatalf("event %q", ev)
		}
	default:
		t.Fatal("Shutdown returned before OnClose")
	}
	if got := <-code; got != CloseGoingAway {
		t.Fatalf("close %d, want 1001", got)
	}
}

func TestCallbacksClientGoneCloseError(t *testing.T) {
	e := newCBEnv(t)
	c := e.dial(t, "r1")
	id := helloID(t, c)
	_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4001, "gone"), time.Now().Add(testTimeout))
	e.expect(t, id, "open ID", "close ID ws: connection closed with 4001 by the client")
}

// TestIdleGoroutinesPerConnection shows what an idle connection costs in
// goroutines: melody's read and write pumps for a CallbackRoute, plus the
// handler's for a Route. It counts the goroutines running melody or this
// package (not the process's total, which other tests' goroutines still
// exiting would skew) and polls until the count meets the form's bound.
func TestIdleGoroutinesPerConnection(t *testing.T) {
	const n = 40
	for _, form := range []struct {
		name  string
		url   func(t *testing.T) string
		ok    func(count int) bool
		want  string
		hello bool // Open greets the client: once read, Open has returned
	}{
		{"callbacks", func(t *testing.T) string { return newCBEnv(t).url + "r1" }, func(c int) bool { return c <= 2*n }, "≤ 2 per connection", true},
		{"loop", func(t *testing.T) string { return newEnv(t, envConfig{}).url + "r1" }, func(c int) bool { return c >= 3*n }, "≥ 3 per connection", false},
	} {
		t.Run(form.name, func(t *testing.T) {
			url := form.url(t)
			var conns []*websocket.Conn
			for range n {
				c, _, err := (&websocket.Dialer{HandshakeTimeout: testTimeout}).DialContext(testCtx(t), url, nil)
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
				if form.hello {
					helloID(t, c)
				}
			}
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			deadline := time.Now().Add(testTimeout)
			var count int
			for {
				count = serverGoroutines()
				if form.ok(count) || time.Now().After(deadline) {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			if !form.ok(count) {
				t.Fatalf("%d idle connections: %d goroutines run melody or package ws, want %s", n, count, form.want)
			}
			t.Logf("%d idle %s connections: %d goroutines (%.2f each)", n, form.name, count, float64(count)/n)
		})
	}
}

// serverGoroutines counts the goroutines whose stack runs melody or this
// package's server code, leaving out the tests' own goroutines.
func serverGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		m := runtime.Stack(buf, true)
		if m < len(buf) {
			buf = buf[:m]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "testing.tRunner") {
			continue
		}
		if strings.Contains(g, "github.com/olahol/melody.") || strings.Contains(g, "github.com/jsgen-dev/jsgen/runtime/ws.") {
			count++
		}
	}
	return count
}

// TestCallbacksNoMessageAfterClose closes connections (Shutdown) while
// their clients are still sending: OnClose runs exactly once per
// connection and no OnMessage follows it.
func TestCallbacksNoMessageAfterClose(t *testing.T) {
	e := newCBEnv(t)
	const n = 8
	var clients sync.WaitGroup
	for range n {
		c := e.dial(t, "r1")
		helloID(t, c)
		clients.Add(1)
		go func() {
			defer clients.Done()
			for i := range 400 { // bounded: the events channel holds them all
				if err := c.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, `{"type":"echo","text":"m%d"}`, i)); err != nil {
					return // the server closed
				}
				if _, _, err := c.NextReader(); err != nil {
					return
				}
			}
		}()
	}
	e.metrics.waitFor(t, "messages flowing on every connection", func(m *recMetrics) bool { return m.in >= 10*n })
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	clients.Wait()
	closed := map[string]int{}
	for len(e.events) > 0 {
		ev := <-e.events
		kind, rest, _ := strings.Cut(ev, " ")
		id, _, _ := strings.Cut(rest, " ")
		switch kind {
		case "close":
			closed[id]++
		case "msg":
			if closed[id] > 0 {
				t.Fatalf("%q after OnClose", ev)
			}
		}
	}
	if len(closed) != n {
		t.Fatalf("OnClose ran for %d connections, want %d", len(closed), n)
	}
	for id, k := range closed {
		if k != 1 {
			t.Fatalf("OnClose ran %d times for %s", k, id)
		}
	}
}
