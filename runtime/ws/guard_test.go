package ws

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// guardEnv serves two routes on one Server: "GET /room/{room}" (Prepare:
// prepareRoom) and "GET /open/{room}", both echoing nothing and waiting for
// the client to go.
type guardEnv struct {
	*testEnv
	open string // ws://host/open/
}

func newGuardEnv(t *testing.T, opts ...Option) *guardEnv {
	t.Helper()
	e := &testEnv{metrics: newRecMetrics(), logs: &logBuffer{}}
	srv, err := New(append([]Option{WithMetrics(e.metrics), WithLogger(slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	wait := func(ctx context.Context, c *Conn, msgs iter.Seq[testMsg]) error {
		for m := range msgs {
			if m.Type == "identity" {
				_ = c.SendBytes(jsonFrame("identity", describe(c.Identity())))
			}
		}
		return nil
	}
	mux := http.NewServeMux()
	Handle(mux, srv, Route[testMsg]{Pattern: "GET /room/{room}", Prepare: prepareRoom, Decode: decodeTestMsg, Run: wait})
	Handle(mux, srv, Route[testMsg]{Pattern: "GET /open/{room}", Prepare: prepareRoom, Decode: decodeTestMsg, Run: wait})
	e.http = httptest.NewServer(mux)
	base := "ws" + strings.TrimPrefix(e.http.URL, "http")
	e.url = base + "/room/"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		e.http.Close()
	})
	return &guardEnv{testEnv: e, open: base + "/open/"}
}

func describe(v any) string {
	if v == nil {
		return "<nil>"
	}
	if s, ok := v.(string); ok {
		return s
	}
	return "?"
}

// TestRouteGuard checks that a route's guard runs after the server's guard
// and the route's Prepare, sees both their results, refuses with the
// status and reason it chooses without upgrading, and leaves the other
// routes of the server alone.
func TestRouteGuard(t *testing.T) {
	var mu sync.Mutex
	var seen []string // "identity/state" per call
	guard := func(r *http.Request, identity, state any) error {
		mu.Lock()
		seen = append(seen, describe(identity)+"/"+describe(state))
		mu.Unlock()
		switch state {
		case "private":
			return Refuse(http.StatusUnauthorized, "sign in first")
		case "banned":
			return Refuse(http.StatusForbidden, "you were banned")
		case "gone":
			return Refuse(http.StatusNotFound, "no such room")
		case "taken":
			return Refuse(http.StatusConflict, "already connected elsewhere")
		case "custom":
			return &RefusalError{Status: http.StatusConflict, Code: "username_taken", Message: "pick another name"}
		case "ok200":
			return &RefusalError{Status: http.StatusOK, Message: "a refusal that is not an error status"}
		case "broken":
			return errors.New("room store unavailable")
		}
		return nil
	}
	serverGuard := func(r *http.Request) (any, error) {
		if r.Header.Get("Authorization") == "" {
			return nil, Refuse(http.StatusUnauthorized, "token required")
		}
		return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), nil
	}
	second := func(r *http.Request, _, state any) error {
		if state == "twice" {
			return Refuse(http.StatusForbidden, "second guard")
		}
		return nil
	}
	e := newGuardEnv(t, WithGuard(serverGuard), WithRouteGuard("GET /room/{room}", guard), WithRouteGuard("GET /room/{room}", second))
	auth := http.Header{"Authorization": {"Bearer ann"}}
	for _, tc := range []struct {
		room, code, message string
		status              int
	}{
		{"private", CodeUnauthorized, "sign in first", 401},
		{"banned", CodeForbidden, "you were banned", 403},
		{"gone", CodeNotFound, "no such room", 404},
		{"taken", CodeConflict, "already connected elsewhere", 409},
		{"custom", "username_taken", "pick another name", 409},
		{"ok200", CodeForbidden, "forbidden", 403},
		{"broken", CodeForbidden, "forbidden", 403},
		{"twice", CodeForbidden, "second guard", 403},
	} {
		status, body := e.upgradeStatus(t, tc.room, auth)
		if status != tc.status {
			t.Errorf("room %s: status %d, want %d (body %s)", tc.room, status, tc.status, body)
			continue
		}
		if f := parseErrFrame(t, body); f.Code != tc.code || (tc.room != "ok200" && f.Message != tc.message) {
			t.Errorf("room %s: body %s, want code %s and message %q", tc.room, body, tc.code, tc.message)
		}
	}
	if !strings.Contains(e.logs.String(), "room store unavailable") {
		t.Errorf("a route guard's non-refusal error must be logged; logs:\n%s", e.logs)
	}
	// Not even called: the server's guard refused, or Prepare did.
	mu.Lock()
	before := len(seen)
	mu.Unlock()
	if status, _ := e.upgradeStatus(t, "private", nil); status != 401 {
		t.Errorf("no token: status %d, want the server guard's 401", status)
	}
	if status, _ := e.upgradeStatus(t, "Bad.Room", auth); status != 400 {
		t.Errorf("invalid room: status %d, want Prepare's 400", status)
	}
	mu.Lock()
	if len(seen) != before {
		t.Errorf("route guard ran %d more times after a refusal before it", len(seen)-before)
	}
	if len(seen) == 0 || seen[0] != "ann/private" {
		t.Errorf("route guard saw %v, want identity ann and state private first", seen)
	}
	mu.Unlock()
	// Nothing refused was upgraded.
	if n := e.metrics.snapshot(func(m *recMetrics) any { return m.opened }).(int); n != 0 {
		t.Errorf("%d connections opened by refused requests", n)
	}

	// Allowed rooms connect; the identity is the server guard's.
	c := e.dial(t, "lobby", auth)
	send(t, c, `{"type":"identity"}`)
	if got := read(t, c); got != `{"identity":"ann"}` {
		t.Fatalf("identity frame %s", got)
	}
	// The other route has no route guard: a room refused above connects there.
	oc, resp, err := e.dialer().DialContext(testCtx(t), e.open+"gone", auth)
	if err != nil {
		t.Fatalf("other route refused (%v): %v", resp.Status, err)
	}
	oc.Close()
}

// TestWithRouteGuardDoesNotAlias checks that options built from one
// Options value do not share the guard list: adding a guard to one server
// never adds it to another.
func TestWithRouteGuardDoesNotAlias(t *testing.T) {
	refuse := func(*http.Request, any, any) error { return Refuse(http.StatusForbidden, "no") }
	var base Options
	WithRouteGuard("GET /x", refuse)(&base)
	a, b := base, base
	WithRouteGuard("GET /x", refuse)(&a)
	WithRouteGuard("GET /y", refuse)(&b)
	WithRouteGuard("GET /x", nil)(&b) // nil guards are ignored
	if len(base.RouteGuards["GET /x"]) != 1 || len(a.RouteGuards["GET /x"]) != 2 || len(b.RouteGuards["GET /x"]) != 1 || len(b.RouteGuards["GET /y"]) != 1 || len(a.RouteGuards["GET /y"]) != 0 {
		t.Fatalf("guards alias: base %d, a %d/%d, b %d/%d", len(base.RouteGuards["GET /x"]),
			len(a.RouteGuards["GET /x"]), len(a.RouteGuards["GET /y"]), len(b.RouteGuards["GET /x"]), len(b.RouteGuards["GET /y"]))
	}
}

// TestSendErrorFrame checks that a handler's error frame reaches the
// client in the runtime's shape and decodes back to the same *jsgenrt.Error.
func TestSendErrorFrame(t *testing.T) {
	want := &jsgenrt.Error{Code: "join_refused", Message: "the room is full",
		Errors: []jsgenrt.FieldError{{Path: "room", Message: "at most 2 members"}}}
	results := make(chan error, 2)
	run := func(ctx context.Context, c *Conn, msgs iter.Seq[testMsg]) error {
		results <- c.SendErrorFrame(nil)
		_ = c.SendErrorFrame(want)
		_ = c.SendErrorFrame(&jsgenrt.Error{Message: "no code"})
		for range msgs {
		}
		return nil
	}
	e := newEnv(t, envConfig{runOverride: run})
	c := e.dial(t, "lobby", nil)
	if err := <-results; err == nil {
		t.Error("SendErrorFrame(nil) succeeded")
	}
	first := read(t, c)
	if first != `{"type":"error","code":"join_refused","message":"the room is full","errors":[{"path":"room","message":"at most 2 members"}]}` {
		t.Fatalf("frame %s", first)
	}
	got, err := DecodeErrorFrame([]byte(first))
	if err != nil {
		t.Fatalf("DecodeErrorFrame(%s): %v", first, err)
	}
	if got.Code != want.Code || got.Message != want.Message || len(got.Errors) != 1 || got.Errors[0] != want.Errors[0] {
		t.Fatalf("decoded %+v, want %+v", got, want)
	}
	second, err := DecodeErrorFrame([]byte(read(t, c)))
	if err != nil || second.Code != jsgenrt.CodeInvalidMessage || second.Errors == nil || len(second.Errors) != 0 {
		t.Fatalf("frame without a code decoded to %+v, %v; want code invalid_message and no errors", second, err)
	}
}

func TestDecodeErrorFrame(t *testing.T) {
	for _, tc := range []struct {
		frame string
		path  string // of the first problem; "-" for a valid frame
	}{
		{`{"type":"error","code":"c","message":"m","errors":[]}`, "-"},
		{`{"code":"c","message":"m","type":"error"}`, "-"},
		{`{"type":"error","code":"c","message":"m","errors":[{"path":"a[1].b","message":"x"}]}`, "-"},
		{`{"type":"message","code":"c","message":"m","errors":[]}`, "type"},
		{`{"code":"c","message":"m","errors":[]}`, "type"},
		{`{"type":"error","message":"m","errors":[]}`, "code"},
		{`{"type":"error","code":"c","errors":[]}`, "message"},
		{`{"type":"error","code":1,"message":"m"}`, "code"},
		{`{"type":"error","code":"c","message":"m","errors":[{"path":"p"}]}`, "errors[0].message"},
		{`{"type":"error","code":"c","message":"m","errors":{}}`, "errors"},
		{`{"type":"error","code":"c","message":"m","errors":null}`, "errors"},
		{`{"type":"error","code":"c","code":"d","message":"m"}`, ""},
		{`{"type":"error","code":"c","message":"m","extra":1}`, ""},
		{`[]`, ""},
		{`{"type":"error"`, ""},
		{"{\"type\":\"error\",\"code\":\"\xff\",\"message\":\"m\"}", ""},
	} {
		got, err := DecodeErrorFrame([]byte(tc.frame))
		if tc.path == "-" {
			if err != nil || got == nil {
				t.Errorf("%s: %v", tc.frame, err)
			}
			continue
		}
		var je *jsgenrt.Error
		if !errors.As(err, &je) || got != nil {
			t.Errorf("%s: decoded %+v, %v; want a *jsgenrt.Error", tc.frame, got, err)
			continue
		}
		if tc.path != "" && (len(je.Errors) == 0 || je.Errors[0].Path != tc.path) {
			t.Errorf("%s: errors %v, want the first at %q", tc.frame, je.Errors, tc.path)
		}
	}
}

// FuzzDecodeErrorFrame checks that DecodeErrorFrame never panics, and that
// what it accepts encodes back to a frame it decodes to the same value.
func FuzzDecodeErrorFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"error","code":"c","message":"m","errors":[]}`,
		`{"type":"error","code":"rate_limited","message":"too many messages","errors":[{"path":"","message":"x"}]}`,
		`{"type":"error","code":"c","message":"m"}`,
		`{"type":"error","code":"\u00e9\ud83d\ude00","message":"m","errors":[{"path":"a.b[2]","message":"\n"}]}`,
		`{"type":"error","code":"c","message":"m","errors":[{"path":"p","message":"q","x":1}]}`,
		`{"type":"error","code":"c","message":"m","errors":[{"path":"p","path":"q"}]}`,
		`{}`, `null`, `[`, `{"type":"error","code":"c","message":"m"} x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := DecodeErrorFrame(data)
		if err != nil {
			var je *jsgenrt.Error
			if !errors.As(err, &je) {
				t.Fatalf("error %v is not a *jsgenrt.Error", err)
			}
			return
		}
		again, err := DecodeErrorFrame(AppendErrorFrame(nil, e.Code, e.Message, e.Errors))
		if err != nil {
			t.Fatalf("re-encoded frame refused: %v", err)
		}
		if again.Code != e.Code || again.Message != e.Message || len(again.Errors) != len(e.Errors) {
			t.Fatalf("round trip: %+v != %+v", again, e)
		}
		for i := range e.Errors {
			if again.Errors[i] != e.Errors[i] {
				t.Fatalf("round trip: %+v != %+v", again.Errors[i], e.Errors[i])
			}
		}
	})
}

// TestRouteGuardsOfTheRoute checks that a Route's own Guards run after
// Prepare and before the guards added with WithRouteGuard, in order, and
// refuse without upgrading.
func TestRouteGuardsOfTheRoute(t *testing.T) {
	var mu sync.Mutex
	var order []string
	record := func(name, refuse string) RouteGuard {
		return func(_ *http.Request, _, state any) error {
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			if state == refuse {
				return Refuse(http.StatusForbidden, name+" refused")
			}
			return nil
		}
	}
	e := &testEnv{metrics: newRecMetrics(), logs: &logBuffer{}}
	srv, err := New(WithMetrics(e.metrics), WithRouteGuard("GET /room/{room}", record("option", "c")))
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	mux := http.NewServeMux()
	run := func(ctx context.Context, c *Conn, msgs iter.Seq[testMsg]) error {
		for range msgs {
		}
		return nil
	}
	Handle(mux, srv, Route[testMsg]{Pattern: "GET /room/{room}", Prepare: prepareRoom, Decode: decodeTestMsg, Run: run,
		Guards: []RouteGuard{record("first", "a"), nil, record("second", "b")}})
	e.http = httptest.NewServer(mux)
	e.url = "ws" + strings.TrimPrefix(e.http.URL, "http") + "/room/"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
		e.http.Close()
	})
	for _, tc := range []struct{ room, message, ran string }{
		{"a", "first refused", "first"},
		{"b", "second refused", "first second"},
		{"c", "option refused", "first second option"},
	} {
		mu.Lock()
		order = nil
		mu.Unlock()
		status, body := e.upgradeStatus(t, tc.room, nil)
		if f := parseErrFrame(t, body); status != 403 || f.Message != tc.message {
			t.Errorf("room %s: %d %s, want 403 %q", tc.room, status, body, tc.message)
		}
		mu.Lock()
		if got := strings.Join(order, " "); got != tc.ran {
			t.Errorf("room %s: guards ran %q, want %q", tc.room, got, tc.ran)
		}
		mu.Unlock()
	}
	if status, _ := e.upgradeStatus(t, "Bad.Room", nil); status != 400 {
		t.Errorf("invalid room: status %d, want Prepare's 400 before any guard", status)
	}
	if n := e.metrics.snapshot(func(m *recMetrics) any { return m.opened }).(int); n != 0 {
		t.Errorf("%d connections opened by refused requests", n)
	}
	c := e.dial(t, "lobby", nil)
	c.Close()
}
