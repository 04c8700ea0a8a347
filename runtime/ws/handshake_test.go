package ws

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// upgradeStatus tries a handshake with extra headers and returns the HTTP
// status and body.
func (e *testEnv) upgradeStatus(t *testing.T, room string, hdr http.Header) (int, string) {
	t.Helper()
	c, resp, err := e.dialer().DialContext(testCtx(t), e.url+room, hdr)
	if err == nil {
		c.Close()
		return http.StatusSwitchingProtocols, ""
	}
	if resp == nil {
		t.Fatalf("dial: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b)
}

func TestOriginPolicy(t *testing.T) {
	e := newEnv(t, envConfig{opts: []Option{WithAllowedOrigins("https://app.example.com")}})
	host := strings.TrimPrefix(e.http.URL, "http://")
	tests := []struct {
		name    string
		origins []string
		want    int
	}{
		{"no origin (non-browser client)", nil, 101},
		{"same origin", []string{"http://" + host}, 101},
		{"same origin, other scheme", []string{"https://" + host}, 101},
		{"allow-listed", []string{"https://app.example.com"}, 101},
		{"allow-listed, case differs", []string{"https://APP.example.com"}, 101},
		{"cross-site", []string{"https://evil.example"}, 403},
		{"look-alike suffix", []string{"https://app.example.com.evil.com"}, 403},
		{"look-alike prefix", []string{"https://evil-app.example.com"}, 403},
		{"allow-listed host, other port", []string{"https://app.example.com:8443"}, 403},
		{"allow-listed host, other scheme", []string{"http://app.example.com"}, 403},
		{"same host, other port", []string{"http://" + strings.Split(host, ":")[0] + ":1"}, 403},
		{"null origin", []string{"null"}, 403},
		{"garbage", []string{"::::"}, 403},
		{"two origins", []string{"http://" + host, "https://evil.example"}, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := http.Header{}
			for _, o := range tc.origins {
				hdr.Add("Origin", o)
			}
			status, body := e.upgradeStatus(t, "lobby", hdr)
			if status != tc.want {
				t.Fatalf("status %d, want %d (body %s)", status, tc.want, body)
			}
			if tc.want == 403 {
				if f := parseErrFrame(t, body); f.Code != CodeForbidden {
					t.Errorf("code %q, want %q", f.Code, CodeForbidden)
				}
			}
		})
	}
	refusedBeforeUpgrade := e.metrics.snapshot(func(m *recMetrics) any { return m.refused[403] }).(int)
	if refusedBeforeUpgrade != 9 {
		t.Errorf("Refused(403) counted %d times, want 9", refusedBeforeUpgrade)
	}
	// The client sees 101 before the server records the connection opened.
	e.metrics.waitFor(t, "5 connections opened", func(m *recMetrics) bool { return m.opened >= 5 })
	opened := e.metrics.snapshot(func(m *recMetrics) any { return m.opened }).(int)
	if opened != 5 {
		t.Errorf("%d connections opened, want 5 (refused ones must not open)", opened)
	}
}

func TestRequireOrigin(t *testing.T) {
	e := newEnv(t, envConfig{opts: []Option{func(o *Options) { o.RequireOrigin = true }}})
	if status, _ := e.upgradeStatus(t, "lobby", nil); status != 403 {
		t.Fatalf("missing Origin: status %d, want 403", status)
	}
	hdr := http.Header{"Origin": {e.http.URL}}
	if status, _ := e.upgradeStatus(t, "lobby", hdr); status != 101 {
		t.Fatalf("same origin: status %d, want 101", status)
	}
}

func TestGuard(t *testing.T) {
	guard := func(r *http.Request) (any, error) {
		switch r.Header.Get("Authorization") {
		case "":
			return nil, Refuse(http.StatusUnauthorized, "token required")
		case "Bearer banned":
			return nil, Refuse(http.StatusForbidden, "banned")
		case "Bearer broken":
			return nil, errors.New("token store unavailable")
		default:
			return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), nil
		}
	}
	e := newEnv(t, envConfig{opts: []Option{WithGuard(guard)}})
	tests := []struct {
		auth, code string
		status     int
	}{
		{"", CodeUnauthorized, 401},
		{"Bearer banned", CodeForbidden, 403},
		{"Bearer broken", CodeForbidden, 403},
	}
	for _, tc := range tests {
		status, body := e.upgradeStatus(t, "lobby", http.Header{"Authorization": {tc.auth}})
		if status != tc.status {
			t.Fatalf("auth %q: status %d, want %d", tc.auth, status, tc.status)
		}
		if f := parseErrFrame(t, body); f.Code != tc.code {
			t.Errorf("auth %q: code %q, want %q", tc.auth, f.Code, tc.code)
		}
	}
	if !strings.Contains(e.logs.String(), "token store unavailable") {
		t.Errorf("a guard's non-refusal error must be logged; logs:\n%s", e.logs)
	}
	c := e.dial(t, "lobby", http.Header{"Authorization": {"Bearer alice"}})
	send(t, c, `{"type":"identity"}`)
	if got := read(t, c); got != `{"identity":"alice"}` {
		t.Fatalf("identity frame %s", got)
	}
}

func TestPrepare(t *testing.T) {
	e := newEnv(t, envConfig{})
	status, body := e.upgradeStatus(t, "Bad.Room", nil)
	if status != 400 {
		t.Fatalf("invalid room: status %d, want 400", status)
	}
	f := parseErrFrame(t, body)
	if f.Code != "invalid_message" || len(f.Errors) != 1 || f.Errors[0].Path != "room" {
		t.Fatalf("invalid room: body %s", body)
	}
	if status, _ := e.upgradeStatus(t, "teapot", nil); status != http.StatusTeapot {
		t.Fatalf("Prepare's status: %d, want 418", status)
	}
	c := e.dial(t, "kitchen", nil)
	send(t, c, `{"type":"state"}`)
	if got := read(t, c); got != `{"state":"kitchen"}` {
		t.Fatalf("state frame %s", got)
	}
}

func TestNotAWebSocketHandshake(t *testing.T) {
	e := newEnv(t, envConfig{})
	resp, err := http.Get(e.http.URL + "/room/lobby")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var f errFrame
	if err := json.Unmarshal(b, &f); err != nil || f.Code != CodeNotWebSocket {
		t.Fatalf("body %s", b)
	}
}

func TestCompressionNotNegotiated(t *testing.T) {
	e := newEnv(t, envConfig{})
	d := e.dialer()
	d.EnableCompression = true
	c, resp, err := d.DialContext(testCtx(t), e.url+"lobby", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
		t.Fatalf("server negotiated %q; compression must be off", ext)
	}
}

func TestMaxConnections(t *testing.T) {
	e := newEnv(t, envConfig{opts: []Option{func(o *Options) { o.MaxConnections = 2 }}})
	e.dial(t, "lobby", nil)
	e.dial(t, "lobby", nil)
	if status, body := e.upgradeStatus(t, "lobby", nil); status != 503 || parseErrFrame(t, body).Code != CodeUnavailable {
		t.Fatalf("third connection: status %d body %s, want 503", status, body)
	}
}

func TestConnIDs(t *testing.T) {
	e := newEnv(t, envConfig{opts: []Option{func(o *Options) { o.NodeID = "nodeA" }}})
	seen := map[string]bool{}
	for range 20 {
		c := e.dial(t, "lobby", nil)
		send(t, c, `{"type":"id"}`)
		var f struct{ ID string }
		if err := json.Unmarshal([]byte(read(t, c)), &f); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(f.ID, "nodeA-") || seen[f.ID] {
			t.Fatalf("ID %q: want a fresh ID prefixed nodeA-", f.ID)
		}
		seen[f.ID] = true
	}
	a, _ := New()
	b, _ := New()
	if a.NodeID() == b.NodeID() || len(a.NodeID()) != 8 {
		t.Fatalf("random node IDs %q and %q must differ and have 8 hex digits", a.NodeID(), b.NodeID())
	}
	if _, err := New(func(o *Options) { o.NodeID = "a.b" }); err == nil {
		t.Fatal("NodeID with '.' accepted")
	}
	// The one NodeID of a process, given to the server as to the bridge
	// and the room services.
	node := jsgenrt.NewNodeID()
	if s, err := New(WithNodeID(node)); err != nil || s.NodeID() != node {
		t.Fatalf("WithNodeID(%q): server node %q, %v", node, s.NodeID(), err)
	}
	var idErr *jsgenrt.NodeIDError
	if _, err := New(WithNodeID("a-b")); !errors.As(err, &idErr) {
		t.Fatalf("WithNodeID with '-': %v, want a *jsgenrt.NodeIDError", err)
	}
	if _, err := New(func(o *Options) { o.PingPeriod, o.PongWait = 2e9, 1e9 }); err == nil {
		t.Fatal("PingPeriod ≥ PongWait accepted")
	}
}
