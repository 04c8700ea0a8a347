package ws

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// callPayload is the payload of every test command.
type callPayload struct {
	Text string `json:"text"`
	I    int    `json:"i"`
	N    int    `json:"n"`
}

// decodeCallPayload decodes strictly; unknown members and an empty text
// (when required) are field errors at the member's path.
func decodeCallPayload(b []byte) (callPayload, error) {
	var p callPayload
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return p, &jsgenrt.Error{Code: jsgenrt.CodeInvalidJSON, Message: err.Error()}
	}
	var errs jsgenrt.FieldErrors
	for k := range raw {
		if k != "text" && k != "i" && k != "n" {
			errs.Add(k, "unknown field")
		}
	}
	if err := json.Unmarshal(b, &p); err != nil {
		errs.Add("text", err.Error())
	}
	if len(p.Text) > 10 {
		errs.Add("text", "at most 10 bytes")
	}
	return p, errs.Err()
}

func encodeText(b []byte, s string) []byte {
	b = append(b, `{"text":`...)
	b = jsgenrt.AppendJSONString(b, s)
	return append(b, '}')
}

// callEnv serves "GET /calls" (a loop route) and "GET /cb" (a callback
// route) with the same commands:
//
//	echo  → {"text":text}
//	gate  → waits for e.gate to close, then {"text":text}
//	stubborn → waits for e.gate, ignoring its ctx
//	block → waits for ctx, reports its end on ended, returns ctx's error
//	slow  → as block, with a 300 ms timeout
//	panic → panics;  deny → CallError "denied"
//	count → streams n items {"i":k} then {"text":"done"}; n<0: streams
//	        one item every 5 ms until the call ends (reported on ended)
//
// Plain frames ({"text":…}) on either route are echoed as {"msg":text}.
type callEnv struct {
	metrics *recMetrics
	ended   chan string   // text of block/slow/count calls whose ctx ended
	gate    chan struct{} // the gate command waits for it to close
	url     string
	srv     *Server
}

func newCallEnv(t testing.TB, cmdOpts []CommandsOption, opts ...Option) *callEnv {
	t.Helper()
	e := &callEnv{metrics: newRecMetrics(), ended: make(chan string, 64), gate: make(chan struct{})}
	logger := slog.New(slog.NewTextHandler(&logBuffer{}, nil))
	srv, err := New(append([]Option{WithMetrics(e.metrics), WithLogger(logger), WithRateLimit(-1, 1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	cmds := e.commands(cmdOpts)
	decode := func(b []byte) (callPayload, error) { return decodeCallPayload(b) }
	mux := http.NewServeMux()
	Handle(mux, srv, Route[callPayload]{
		Pattern: "GET /calls", Decode: decode, Commands: cmds,
		Run: func(ctx context.Context, c *Conn, msgs iter.Seq[callPayload]) error {
			for m := range msgs {
				_ = c.SendBytes(jsonFrame("msg", m.Text))
			}
			return nil
		},
	})
	HandleCallbacks(mux, srv, CallbackRoute[callPayload]{
		Pattern: "GET /cb", Decode: decode, Commands: cmds,
		Open: func(ctx context.Context, c *Conn) (Session[callPayload], error) {
			return &echoSession{c: c}, nil
		},
	})
	hs := httptest.NewServer(mux)
	e.url = "ws" + strings.TrimPrefix(hs.URL, "http")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
	})
	return e
}

type echoSession struct{ c *Conn }

func (s *echoSession) OnMessage(_ context.Context, m callPayload) error {
	return s.c.SendBytes(jsonFrame("msg", m.Text))
}
func (s *echoSession) OnClose(context.Context, error) {}

func (e *callEnv) commands(opts []CommandsOption) *Commands {
	t := NewCommands(opts...)
	text := func(name string, timeout time.Duration, run func(ctx context.Context, p callPayload, s *Stream) (string, error)) {
		AddCommand(t, Command[callPayload, string]{
			Name: name, Decode: decodeCallPayload, Encode: encodeText, Timeout: timeout,
			Run: func(ctx context.Context, _ *Conn, p callPayload, s *Stream) (string, error) { return run(ctx, p, s) },
		})
	}
	block := func(ctx context.Context, p callPayload, _ *Stream) (string, error) {
		<-ctx.Done()
		e.ended <- p.Text
		return "late", ctx.Err()
	}
	text("echo", 0, func(_ context.Context, p callPayload, _ *Stream) (string, error) { return p.Text, nil })
	text("gate", 0, func(ctx context.Context, p callPayload, _ *Stream) (string, error) {
		select {
		case <-e.gate:
			return p.Text, nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	})
	text("stubborn", 0, func(_ context.Context, p callPayload, _ *Stream) (string, error) {
		<-e.gate // ignores its ctx
		return p.Text, nil
	})
	text("block", 0, block)
	text("slow", 300*time.Millisecond, block)
	text("panic", 0, func(context.Context, callPayload, *Stream) (string, error) { panic("boom") })
	text("deny", 0, func(context.Context, callPayload, *Stream) (string, error) {
		return "", &CallError{Code: CallDenied, Message: "not yours", Errors: []jsgenrt.FieldError{{Path: "text", Message: "x"}}}
	})
	text("count", 0, func(ctx context.Context, p callPayload, s *Stream) (string, error) {
		if p.N >= 0 {
			for k := range p.N {
				if err := SendItem(s, appendI, k); err != nil {
					return "", err
				}
			}
			return "done", nil
		}
		defer func() { e.ended <- p.Text }()
		for k := 0; ; k++ {
			if err := SendItem(s, appendI, k); err != nil {
				return "", err
			}
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	return t
}

func appendI(b []byte, k int) []byte {
	return append(strconv.AppendInt(append(b, `{"i":`...), int64(k), 10), '}')
}

func (e *callEnv) dial(t testing.TB, path string) *websocket.Conn {
	t.Helper()
	c, _, err := (&websocket.Dialer{HandshakeTimeout: testTimeout}).DialContext(testCtx(t), e.url+path, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// reply is any frame of a call as the client reads it.
type reply struct {
	ID     string          `json:"id"`
	Result json.RawMessage `json:"result"`
	Next   json.RawMessage `json:"next"`
	Error  *struct {
		Code    string               `json:"code"`
		Message string               `json:"message"`
		Errors  []jsgenrt.FieldError `json:"errors"`
	} `json:"error"`
	Msg string `json:"msg"`
}

func (r reply) code() string {
	if r.Error == nil {
		return ""
	}
	return r.Error.Code
}

func readReply(t testing.TB, c *websocket.Conn) reply {
	t.Helper()
	s := read(t, c)
	var r reply
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("reply %s: %v", s, err)
	}
	return r
}

func callFrame(id, cmd, payload string) string {
	return fmt.Sprintf(`{"id":%q,"command":%q,"payload":%s}`, id, cmd, payload)
}

// wantAlive checks the socket still serves calls and plain frames.
func wantAlive(t testing.TB, c *websocket.Conn) {
	t.Helper()
	send(t, c, `{"text":"plain"}`)
	if r := readReply(t, c); r.Msg != "plain" {
		t.Fatalf("plain frame: got %+v", r)
	}
	send(t, c, callFrame("alive", "echo", `{"text":"ok"}`))
	if r := readReply(t, c); r.ID != "alive" || string(r.Result) != `{"text":"ok"}` {
		t.Fatalf("echo call: got %+v", r)
	}
}

func waitEnded(t testing.TB, e *callEnv, want string) {
	t.Helper()
	select {
	case got := <-e.ended:
		if got != want {
			t.Fatalf("ctx ended for %q, want %q", got, want)
		}
	case <-time.After(testTimeout):
		t.Fatalf("ctx of %q never ended", want)
	}
}

func TestCallsConcurrentOutOfOrder(t *testing.T) {
	const n = 1000
	e := newCallEnv(t, []CommandsOption{WithMaxCalls(n)})
	c := e.dial(t, "/calls")
	// Calls c0..c998 wait at the gate; c999 answers at once, so it is
	// answered first, then the gate opens and the rest come in any order.
	go func() {
		for i := range n {
			cmd := "gate"
			if i == n-1 {
				cmd = "echo"
			}
			if err := c.WriteMessage(websocket.TextMessage, []byte(callFrame("c"+strconv.Itoa(i), cmd, fmt.Sprintf(`{"text":"t%d"}`, i)))); err != nil {
				return
			}
		}
	}()
	seen := make(map[string]bool, n)
	for k := range n {
		r := readReply(t, c)
		i, err := strconv.Atoi(strings.TrimPrefix(r.ID, "c"))
		if err != nil || !strings.HasPrefix(r.ID, "c") || i >= n || seen[r.ID] || string(r.Result) != fmt.Sprintf(`{"text":"t%d"}`, i) {
			t.Fatalf("reply %d: got id %q result %s error %+v (duplicate: %v)", k, r.ID, r.Result, r.Error, seen[r.ID])
		}
		if k == 0 {
			if i != n-1 {
				t.Fatalf("first reply is c%d, want c%d (the others wait at the gate)", i, n-1)
			}
			close(e.gate)
		}
		seen[r.ID] = true
	}
	wantAlive(t, c)
}

func TestCallErrorsKeepSocketOpen(t *testing.T) {
	for _, path := range []string{"/calls", "/cb"} {
		t.Run(path, func(t *testing.T) {
			e := newCallEnv(t, nil)
			c := e.dial(t, path)
			cases := []struct {
				frame, id, code string
				paths           []string
			}{
				{callFrame("1", "nope", `{}`), "1", CallNotFound, nil},
				{callFrame("2", "echo", `{"text":"far too long","extra":1}`), "2", CallInvalidPayload, []string{"extra", "text"}},
				{callFrame("3", "panic", `{}`), "3", CallInternal, nil},
				{callFrame("4", "deny", `{}`), "4", CallDenied, []string{"text"}},
				{`{"id":"5","command":"echo","payload":{},"extra":true}`, "5", CallInvalidMessage, []string{"extra"}},
				{`{"id":"6","command":"echo","cancel":true}`, "6", CallInvalidMessage, []string{"cancel"}},
				{`{"id":"","command":"echo"}`, "", CallInvalidMessage, []string{"id"}},
			}
			for _, tc := range cases {
				send(t, c, tc.frame)
				if tc.id == "" { // no usable id: an error frame
					ef := parseErrFrame(t, read(t, c))
					if ef.Code != tc.code || len(ef.Errors) == 0 || ef.Errors[0].Path != "id" {
						t.Fatalf("%s: got %+v", tc.frame, ef)
					}
					continue
				}
				r := readReply(t, c)
				var got []string
				if r.Error != nil {
					for _, fe := range r.Error.Errors {
						got = append(got, fe.Path)
					}
				}
				if r.ID != tc.id || r.code() != tc.code || fmt.Sprint(sorted(got)) != fmt.Sprint(tc.paths) {
					t.Fatalf("%s: got id %q code %q paths %v, want %q %q %v", tc.frame, r.ID, r.code(), got, tc.id, tc.code, tc.paths)
				}
			}
			wantAlive(t, c)
		})
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestCallTimeout(t *testing.T) {
	e := newCallEnv(t, nil)
	c := e.dial(t, "/calls")
	start := time.Now()
	send(t, c, callFrame("t1", "slow", `{"text":"slow"}`))
	r := readReply(t, c)
	if r.ID != "t1" || r.code() != CallTimeout {
		t.Fatalf("got %+v, want timeout", r)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("timeout after %v, before the command's 300 ms", d)
	}
	waitEnded(t, e, "slow")
	// The handler's late "late" result is dropped and counted, not sent.
	e.metrics.waitFor(t, "late result counted", func(m *recMetrics) bool { return m.errors[ErrCodeCallLate] == 1 })
	wantAlive(t, c)
}

func TestCallCancel(t *testing.T) {
	e := newCallEnv(t, nil)
	c := e.dial(t, "/calls")
	send(t, c, callFrame("k1", "block", `{"text":"blocked"}`))
	send(t, c, `{"id":"k1","cancel":true}`)
	if r := readReply(t, c); r.ID != "k1" || r.code() != CallCanceled {
		t.Fatalf("got %+v, want canceled", r)
	}
	waitEnded(t, e, "blocked")
	e.metrics.waitFor(t, "late result counted", func(m *recMetrics) bool { return m.errors[ErrCodeCallLate] == 1 })
	// Nothing more for k1: the next frame is the echo's.
	wantAlive(t, c)
	// The id is free again once answered.
	send(t, c, callFrame("k1", "echo", `{"text":"again"}`))
	if r := readReply(t, c); r.ID != "k1" || string(r.Result) != `{"text":"again"}` {
		t.Fatalf("got %+v", r)
	}
	// A cancel for an id not in flight is ignored.
	send(t, c, `{"id":"zz","cancel":true}`)
	wantAlive(t, c)
}

func TestCallIDReusableOnceAnswered(t *testing.T) {
	e := newCallEnv(t, nil)
	c := e.dial(t, "/cb")
	for i := range 200 {
		send(t, c, callFrame("same", "echo", fmt.Sprintf(`{"text":"%d"}`, i)))
		if r := readReply(t, c); r.ID != "same" || string(r.Result) != fmt.Sprintf(`{"text":"%d"}`, i) {
			t.Fatalf("call %d: got %+v", i, r)
		}
	}
	// Answered by its cancel, a call's id is free although its Run still
	// runs (and still counts towards MaxCalls).
	send(t, c, callFrame("same", "stubborn", `{}`))
	send(t, c, `{"id":"same","cancel":true}`)
	if r := readReply(t, c); r.ID != "same" || r.code() != CallCanceled {
		t.Fatalf("got %+v, want canceled", r)
	}
	send(t, c, callFrame("same", "echo", `{"text":"reused"}`))
	if r := readReply(t, c); r.ID != "same" || string(r.Result) != `{"text":"reused"}` {
		t.Fatalf("got %+v, want the reused id's result", r)
	}
	close(e.gate)
	e.metrics.waitFor(t, "late result counted", func(m *recMetrics) bool { return m.errors[ErrCodeCallLate] == 1 })
}

func TestCallDuplicateAndTooMany(t *testing.T) {
	e := newCallEnv(t, []CommandsOption{WithMaxCalls(3)})
	c := e.dial(t, "/calls")
	for i := range 3 {
		send(t, c, callFrame("b"+strconv.Itoa(i), "block", fmt.Sprintf(`{"text":"b%d"}`, i)))
	}
	send(t, c, callFrame("b1", "echo", `{}`))
	if r := readReply(t, c); r.ID != "b1" || r.code() != CallDuplicateID {
		t.Fatalf("got %+v, want duplicate_id", r)
	}
	send(t, c, callFrame("b3", "echo", `{}`))
	if r := readReply(t, c); r.ID != "b3" || r.code() != CallTooManyCalls {
		t.Fatalf("got %+v, want too_many_calls", r)
	}
	send(t, c, `{"text":"plain"}`)
	if r := readReply(t, c); r.Msg != "plain" {
		t.Fatalf("plain frame: got %+v", r)
	}
	for i := range 3 {
		send(t, c, fmt.Sprintf(`{"id":"b%d","cancel":true}`, i))
		if r := readReply(t, c); r.ID != "b"+strconv.Itoa(i) || r.code() != CallCanceled {
			t.Fatalf("got %+v, want canceled", r)
		}
	}
	for range 3 {
		<-e.ended
	}
}

func TestCallDisconnectCancelsCtx(t *testing.T) {
	e := newCallEnv(t, nil)
	c := e.dial(t, "/cb")
	send(t, c, callFrame("d1", "block", `{"text":"gone"}`))
	send(t, c, callFrame("d2", "echo", `{"text":"x"}`))
	readReply(t, c) // d2's reply: d1 is running
	c.Close()
	waitEnded(t, e, "gone")
}

func TestCallStream(t *testing.T) {
	e := newCallEnv(t, nil)
	c := e.dial(t, "/calls")
	send(t, c, callFrame("s1", "count", `{"n":5}`))
	for k := range 5 {
		r := readReply(t, c)
		if r.ID != "s1" || string(r.Next) != fmt.Sprintf(`{"i":%d}`, k) {
			t.Fatalf("item %d: got %+v next %s", k, r, r.Next)
		}
	}
	if r := readReply(t, c); r.ID != "s1" || string(r.Result) != `{"text":"done"}` {
		t.Fatalf("got %+v, want the result", r)
	}

	send(t, c, callFrame("s2", "count", `{"text":"endless","n":-1}`))
	for k := range 3 {
		if r := readReply(t, c); r.ID != "s2" || string(r.Next) != fmt.Sprintf(`{"i":%d}`, k) {
			t.Fatalf("item %d: got %+v next %s", k, r, r.Next)
		}
	}
	send(t, c, `{"id":"s2","cancel":true}`)
	for {
		r := readReply(t, c)
		if r.Next != nil {
			continue // items sent before the cancel arrived
		}
		if r.ID != "s2" || r.code() != CallCanceled {
			t.Fatalf("got %+v, want canceled", r)
		}
		break
	}
	waitEnded(t, e, "endless")
	// Nothing after canceled: the next frame is the echo's.
	wantAlive(t, c)
}

func TestCallShutdownCancelsCtx(t *testing.T) {
	e := newCallEnv(t, nil)
	c := e.dial(t, "/calls")
	send(t, c, callFrame("x", "block", `{"text":"shutdown"}`))
	send(t, c, callFrame("y", "echo", `{}`))
	readReply(t, c)
	// Shutdown cancels the call's ctx and waits for it.
	if err := e.srv.Shutdown(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-e.ended:
		if got != "shutdown" {
			t.Fatalf("ctx ended for %q", got)
		}
	default:
		t.Fatal("Shutdown returned before the call's ctx ended and the command returned")
	}
}

// BenchmarkCalls measures echo calls on one connection with up to 128 in
// flight: calls/s, and allocations per call (client and server).
func BenchmarkCalls(b *testing.B) {
	e := newCallEnv(b, []CommandsOption{WithMaxCalls(256)})
	c := e.dial(b, "/calls")
	const window = 128
	sem := make(chan struct{}, window)
	done := make(chan error, 1)
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for i := 0; i < b.N; i++ {
			_, msg, err := c.ReadMessage()
			if err == nil && !bytes.Contains(msg, []byte(`"result"`)) {
				err = fmt.Errorf("reply %s", msg)
			}
			if err != nil {
				done <- err
				return
			}
			<-sem
		}
		done <- nil
	}()
	frame := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		sem <- struct{}{}
		frame = append(strconv.AppendInt(append(frame[:0], `{"id":"`...), int64(i), 10), `","command":"echo","payload":{"text":"hi"}}`...)
		if err := c.WriteMessage(websocket.TextMessage, frame); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkCallsConns measures echo calls spread over 1,000 connections,
// one call in flight per connection: calls/s, and allocations per call
// (client and server).
func BenchmarkCallsConns(b *testing.B) {
	const conns = 1000
	e := newCallEnv(b, nil)
	cs := make([]*websocket.Conn, conns)
	for i := range cs {
		cs[i] = e.dial(b, "/calls")
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	b.ReportAllocs()
	b.ResetTimer()
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			frame := make([]byte, 0, 64)
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				frame = append(strconv.AppendInt(append(frame[:0], `{"id":"`...), i, 10), `","command":"echo","payload":{"text":"hi"}}`...)
				if err := c.WriteMessage(websocket.TextMessage, frame); err != nil {
					errs <- err
					return
				}
				_, msg, err := c.ReadMessage()
				if err == nil && !bytes.Contains(msg, []byte(`"result"`)) {
					err = fmt.Errorf("reply %s", msg)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// TestCallReplyNotQueuedIsCounted: a reply the connection's writer refuses
// (here: the connection is closing) is counted, never silently lost.
func TestCallReplyNotQueuedIsCounted(t *testing.T) {
	m := newRecMetrics()
	srv, err := New(WithMetrics(m), WithLogger(slog.New(slog.NewTextHandler(&logBuffer{}, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Shutdown(testCtx(t)) }()
	c := newConn(srv, "GET /calls", "", nil, nil, nil, context.Background())
	c.closeWith(closeReq{code: CloseNormal, mode: discardQueue, cause: "closed"})
	d := NewCommands().deliverer(nil)
	d.deliver(c, []byte(`{"id":"1","command":"nope"}`))
	m.waitFor(t, "reply not queued counted", func(m *recMetrics) bool { return m.errors[ErrCodeCallNotQueued] == 1 })
}
