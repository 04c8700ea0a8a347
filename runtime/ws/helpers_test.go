package ws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/channel"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testTimeout bounds every wait in a test.
const testTimeout = 20 * time.Second

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// recMetrics records every Metrics event and lets tests wait for a
// condition on them without sleeping.
type recMetrics struct {
	mu       sync.Mutex
	changed  chan struct{}
	opened   int
	closed   map[int]int
	refused  map[int]int
	in, out  int
	errors   map[string]int
	dropped  map[string]int
	slow     int
	queue    int
	outBytes int
	joins    map[string]int // by the test route's handler
}

func newRecMetrics() *recMetrics {
	return &recMetrics{
		changed: make(chan struct{}),
		closed:  map[int]int{},
		refused: map[int]int{},
		errors:  map[string]int{},
		dropped: map[string]int{},
		joins:   map[string]int{},
	}
}

func (m *recMetrics) update(f func()) {
	m.mu.Lock()
	f()
	close(m.changed)
	m.changed = make(chan struct{})
	m.mu.Unlock()
}

func (m *recMetrics) ConnOpened(string)               { m.update(func() { m.opened++ }) }
func (m *recMetrics) ConnClosed(_ string, code int)   { m.update(func() { m.closed[code]++ }) }
func (m *recMetrics) Refused(_ string, status int)    { m.update(func() { m.refused[status]++ }) }
func (m *recMetrics) FrameIn(string, int)             { m.update(func() { m.in++ }) }
func (m *recMetrics) Error(_, code string)            { m.update(func() { m.errors[code]++ }) }
func (m *recMetrics) Dropped(_, reason string, n int) { m.update(func() { m.dropped[reason] += n }) }
func (m *recMetrics) SlowClient(string)               { m.update(func() { m.slow++ }) }
func (m *recMetrics) QueueBytes(_ string, d int)      { m.update(func() { m.queue += d }) }
func (m *recMetrics) FrameOut(_ string, n int)        { m.update(func() { m.out++; m.outBytes += n }) }
func (m *recMetrics) snapshot(f func(m *recMetrics) any) any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return f(m)
}

// waitFor waits until cond (called with the lock held) is true.
func (m *recMetrics) waitFor(t testing.TB, what string, cond func(m *recMetrics) bool) {
	t.Helper()
	ctx := testCtx(t)
	for {
		m.mu.Lock()
		ok, ch := cond(m), m.changed
		m.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			m.mu.Lock()
			defer m.mu.Unlock()
			t.Fatalf("timed out waiting for %s; metrics: opened=%d closed=%v refused=%v errors=%v dropped=%v slow=%d queue=%d",
				what, m.opened, m.closed, m.refused, m.errors, m.dropped, m.slow, m.queue)
		}
	}
}

// logBuffer collects slog output.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testMsg is the inbound message of the test route.
type testMsg struct {
	Type string `json:"type"`
	Text string `json:"text"`
	N    int    `json:"n"`
}

// decodeTestMsg decodes strictly (unknown fields refused) and validates:
// type must be one of a few words, text at most 100 bytes.
func decodeTestMsg(b []byte) (testMsg, error) {
	var m testMsg
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, &jsgenrt.Error{Code: jsgenrt.CodeInvalidJSON, Message: "invalid JSON: " + err.Error()}
	}
	if dec.More() {
		return m, &jsgenrt.Error{Code: jsgenrt.CodeInvalidJSON, Message: "trailing data"}
	}
	var errs jsgenrt.FieldErrors
	switch m.Type {
	case "echo", "fail", "panic", "quit", "burst", "identity", "state", "broadcast", "id":
	default:
		errs.Add("type", "unknown message type")
	}
	if len(m.Text) > 100 {
		errs.Add("text", fmt.Sprintf("%d bytes, at most 100", len(m.Text)))
	}
	return m, errs.Err()
}

// testEnv is a Server with the test route mounted on a real listener.
type testEnv struct {
	srv     *Server
	rooms   *testRooms
	http    *httptest.Server
	metrics *recMetrics
	logs    *logBuffer
	url     string // ws://host/room/
	decoded chan testMsg
	ctxDone chan string // conn IDs whose handler saw ctx done
	// violations counts messages that reached the decoder although invalid
	// UTF-8 or over the read limit (must stay 0).
	violations atomic.Int64
}

type envConfig struct {
	opts        []Option
	sndBuf      int  // server socket send buffer (0: default)
	tls         bool // serve over TLS (wss://), where frames go through writer goroutines
	runOverride func(ctx context.Context, c *Conn, msgs iter.Seq[testMsg]) error
}

// newEnv starts a Server whose route "GET /room/{room}" joins the room
// (subscribes to it on e.rooms),
// then handles messages:
//
//	echo      → sends {"echo":text}
//	id        → sends {"id":ConnID}
//	identity  → sends {"identity":Identity}
//	state     → sends {"state":State}
//	broadcast → broadcasts {"from":ID,"text":text} to the room (except sender when n==1)
//	burst     → sends n frames {"i":k} then returns nil
//	fail      → returns an error; panic → panics; quit → returns nil
func newEnv(t testing.TB, cfg envConfig) *testEnv {
	t.Helper()
	e := &testEnv{metrics: newRecMetrics(), logs: &logBuffer{}, decoded: make(chan testMsg, 1024), ctxDone: make(chan string, 4096)}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts := append([]Option{WithMetrics(e.metrics), WithLogger(logger)}, cfg.opts...)
	srv, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.rooms = newTestRooms()
	run := cfg.runOverride
	if run == nil {
		run = e.run
	}
	mux := http.NewServeMux()
	Handle(mux, srv, Route[testMsg]{
		Pattern: "GET /room/{room}",
		Prepare: prepareRoom,
		Decode: func(b []byte) (testMsg, error) {
			if !utf8.Valid(b) || int64(len(b)) > srv.opts.ReadLimit {
				e.violations.Add(1)
			}
			m, err := decodeTestMsg(b)
			if err == nil {
				select {
				case e.decoded <- m:
				default:
				}
			}
			return m, err
		},
		Run: run,
	})
	hs := httptest.NewUnstartedServer(mux)
	if cfg.sndBuf > 0 {
		hs.Listener = &bufListener{Listener: hs.Listener, sndBuf: cfg.sndBuf}
	}
	if cfg.tls {
		hs.StartTLS()
	} else {
		hs.Start()
	}
	e.http = hs
	e.url = "ws" + strings.TrimPrefix(hs.URL, "http") + "/room/"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
		_ = e.rooms.ch.Close()
	})
	return e
}

// prepareRoom validates the {room} path parameter: 1-20 letters/digits.
func prepareRoom(r *http.Request) (any, int, error) {
	room := r.PathValue("room")
	var errs jsgenrt.FieldErrors
	if room == "" || len(room) > 20 {
		errs.Add("room", "1 to 20 characters")
	}
	for _, c := range room {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			errs.Add("room", "letters and digits only")
			break
		}
	}
	if err := errs.Err(); err != nil {
		return nil, http.StatusBadRequest, err
	}
	if room == "teapot" {
		return nil, http.StatusTeapot, errors.New("no coffee here")
	}
	return room, 0, nil
}

func (e *testEnv) run(ctx context.Context, c *Conn, msgs iter.Seq[testMsg]) error {
	room := c.State().(string)
	sub := e.rooms.join(room, c)
	defer sub.Close()
	e.metrics.update(func() { e.metrics.joins[room]++ })
	defer func() {
		if ctx.Err() != nil {
			e.ctxDone <- c.ID()
		}
	}()
	for m := range msgs {
		switch m.Type {
		case "echo":
			_ = c.SendBytes(jsonFrame("echo", m.Text))
		case "id":
			_ = c.SendBytes(jsonFrame("id", c.ID()))
		case "identity":
			_ = c.SendBytes(jsonFrame("identity", fmt.Sprint(c.Identity())))
		case "state":
			_ = c.SendBytes(jsonFrame("state", fmt.Sprint(c.State())))
		case "broadcast":
			except := ""
			if m.N == 1 {
				except = c.ID()
			}
			e.rooms.broadcast(room, jsonFrame("from", c.ID()+":"+m.Text), except)
		case "burst":
			for i := range min(m.N, 10000) {
				_ = c.SendBytes(fmt.Appendf(nil, `{"i":%d}`, i))
			}
			return nil
		case "fail":
			return errors.New("handler failed on purpose")
		case "panic":
			panic("handler panicked on purpose")
		case "quit":
			return nil
		}
	}
	return nil
}

func jsonFrame(key, val string) []byte {
	b := append([]byte(`{`), jsgenrt.AppendJSONString(nil, key)...)
	b = append(b, ':')
	b = jsgenrt.AppendJSONString(b, val)
	return append(b, '}')
}

// bufListener sets the send buffer of accepted connections (to make a
// non-reading client fill the server's socket quickly).
type bufListener struct {
	net.Listener
	sndBuf int
}

func (l *bufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(l.sndBuf)
	}
	return c, err
}

// dial connects a gorilla client to room.
func (e *testEnv) dial(t testing.TB, room string, hdr http.Header) *websocket.Conn {
	t.Helper()
	c, resp, err := e.dialer().DialContext(testCtx(t), e.url+room, hdr)
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

func (e *testEnv) dialer() *websocket.Dialer {
	d := &websocket.Dialer{HandshakeTimeout: testTimeout}
	if e.http.TLS != nil {
		d.TLSClientConfig = e.http.Client().Transport.(*http.Transport).TLSClientConfig
	}
	return d
}

// dialRcvBuf dials with a small client receive buffer.
func (e *testEnv) dialRcvBuf(t testing.TB, room string, rcvBuf int) *websocket.Conn {
	t.Helper()
	d := e.dialer()
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			_ = nc.(*net.TCPConn).SetReadBuffer(rcvBuf)
		}
		return nc, err
	}
	c, _, err := d.DialContext(testCtx(t), e.url+room, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func send(t testing.TB, c *websocket.Conn, s string) {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		t.Fatalf("send %q: %v", s, err)
	}
}

// read reads one text message with the test deadline.
func read(t testing.TB, c *websocket.Conn) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(testTimeout))
	typ, b, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.TextMessage {
		t.Fatalf("read: message type %d", typ)
	}
	return string(b)
}

// readClose reads until the connection ends and returns the close code
// and reason the server sent (1006 if none arrived), skipping data.
func readClose(t testing.TB, c *websocket.Conn) (int, string, []string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(testTimeout))
	var data []string
	for {
		_, b, err := c.ReadMessage()
		if err == nil {
			data = append(data, string(b))
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code, ce.Text, data
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("no close within %v (got %d data frames)", testTimeout, len(data))
		}
		return websocket.CloseAbnormalClosure, err.Error(), data
	}
}

// errFrame is a decoded error frame.
type errFrame struct {
	Type    string               `json:"type"`
	Code    string               `json:"code"`
	Message string               `json:"message"`
	Errors  []jsgenrt.FieldError `json:"errors"`
}

func parseErrFrame(t testing.TB, s string) errFrame {
	t.Helper()
	var f errFrame
	if err := json.Unmarshal([]byte(s), &f); err != nil || f.Type != "error" {
		t.Fatalf("not an error frame: %q (%v)", s, err)
	}
	if f.Errors == nil {
		t.Fatalf("error frame without errors array: %q", s)
	}
	return f
}

// testRoom is the key type of the test rooms.
type testRoom struct{}

// testRooms is the fan-out the tests broadcast through: the one path an app
// uses (channel.Channels plus Subscribe), carrying frames already encoded.
type testRooms struct {
	ch *channel.Channels[testRoom, []byte]
}

func newTestRooms() *testRooms {
	raw := func(_ []byte, frame []byte) []byte { return frame }
	return &testRooms{ch: channel.New[testRoom, []byte](raw, channel.WithLogger(discardLogger()))}
}

func roomRef(name string) jsgenrt.Ref[testRoom] { return jsgenrt.UncheckedRef[testRoom](name) }

// join subscribes c to room name; the caller closes the subscription
// (leaves) before its handler returns.
func (r *testRooms) join(name string, c *Conn) *channel.Subscription[[]byte] {
	return Subscribe(r.ch, roomRef(name), c)
}

// broadcast queues frame for every member of room name except the
// connection whose ID is except, and returns how many members the room has.
func (r *testRooms) broadcast(name string, frame []byte, except string) int {
	r.ch.PublishWith(roomRef(name), frame, channel.PublishOptions{Except: except})
	return r.ch.Subscribers(roomRef(name))
}

// members returns the number of members of room name.
func (r *testRooms) members(name string) int { return r.ch.Subscribers(roomRef(name)) }

// count returns how many rooms have at least one member.
func (r *testRooms) count() int { return r.ch.Stats().Keys }

// waitEmpty waits until the rooms named have no members and rooms has no
// room left: a connection's subscriptions end when its handler returns,
// shortly after the connection closes.
func (r *testRooms) waitEmpty(t testing.TB, what string) {
	t.Helper()
	ctx := testCtx(t)
	for r.count() != 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %d rooms still have members", what, r.count())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// waitMembers waits until room name has at most n members, and fails unless
// it has exactly n.
func (r *testRooms) waitMembers(t testing.TB, name string, n int) {
	t.Helper()
	ctx := testCtx(t)
	for r.members(name) > n {
		select {
		case <-ctx.Done():
			t.Fatalf("room %s has %d members, want %d", name, r.members(name), n)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if got := r.members(name); got != n {
		t.Fatalf("room %s has %d members, want %d", name, got, n)
	}
}
