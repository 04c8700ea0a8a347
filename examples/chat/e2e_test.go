package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/jsgen-dev/jsgen/examples/chat/chatapi"
	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// node is one chat node on a real listener.
type node struct {
	t   *testing.T
	app *app
	srv *httptest.Server
}

func startNode(t *testing.T, cfg appConfig) *node {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.SessionKey == nil {
		cfg.SessionKey = []byte(testSessionKey)
	}
	a, err := newApp(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := &node{t: t, app: a, srv: httptest.NewServer(a.Handler())}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		n.srv.Close()
	})
	return n
}

// client is a WebSocket client speaking JSON frames.
type client struct {
	t    *testing.T
	conn *websocket.Conn
}

func (n *node) dial(path string) *client {
	n.t.Helper()
	c, resp, err := n.tryDial(path)
	if err != nil {
		n.t.Fatalf("dial %s: %v (status %d)", path, err, resp)
	}
	return c
}

// tryDial connects to path; a username=NAME query parameter is replaced by
// the access_token of NAME's session (logging in once per test).
func (n *node) tryDial(path string) (*client, int, error) {
	url := "ws" + strings.TrimPrefix(n.srv.URL, "http") + n.withToken(path)
	conn, resp, err := websocket.DefaultDialer.Dial(url, nil)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	if err != nil {
		return nil, status, err
	}
	c := &client{t: n.t, conn: conn}
	n.t.Cleanup(func() { conn.Close() })
	return c, status, nil
}

func (c *client) send(frame string) {
	c.t.Helper()
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// next reads the next frame as a JSON object.
func (c *client) next() map[string]any {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(20 * time.Second)) // a hang guard, generous for a loaded machine
	_, data, err := c.conn.ReadMessage()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("frame %s: %v", data, err)
	}
	return m
}

// expect reads frames until one has the given type (skipping others, such
// as typing or join frames of other members) and returns it.
func (c *client) expect(typ string) map[string]any {
	c.t.Helper()
	for range 20 {
		if m := c.next(); m["type"] == typ {
			return m
		}
	}
	c.t.Fatalf("no %q frame within 20 frames", typ)
	return nil
}

func (n *node) getJSON(path string, v any) int {
	n.t.Helper()
	req, err := http.NewRequest(http.MethodGet, n.srv.URL+path, nil)
	if err != nil {
		n.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+n.token("observer"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			n.t.Fatalf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

func TestRoomWireContract(t *testing.T) {
	n := startNode(t, appConfig{})
	alice := n.dial("/chat/room/lobby?username=alice")
	if j := alice.expect("join"); j["username"] != "alice" || j["timestamp"].(float64) < 1.7e12 {
		t.Fatalf("join frame = %v", j)
	}
	bob := n.dial("/chat/room/lobby?username=bob")
	if j := alice.expect("join"); j["username"] != "bob" {
		t.Fatalf("alice saw join %v", j)
	}
	bob.expect("join")

	alice.send(`{"type":"message","content":"hello"}`)
	for _, c := range []*client{alice, bob} { // sender included (echo defaults to true)
		m := c.expect("message")
		if m["username"] != "alice" || m["content"] != "hello" || m["timestamp"] == nil {
			t.Fatalf("message frame = %v", m)
		}
	}
	bob.send(`{"type":"typing"}`)
	if m := alice.expect("typing"); m["username"] != "bob" {
		t.Fatalf("typing frame = %v", m)
	}

	var members []struct {
		Username string `json:"username"`
		JoinedAt int64  `json:"joinedAt"`
	}
	if st := n.getJSON("/chat/room/lobby/members", &members); st != 200 || len(members) != 2 ||
		members[0].Username != "alice" || members[1].Username != "bob" || members[0].JoinedAt == 0 {
		t.Fatalf("members: status %d, %+v", st, members)
	}

	bob.conn.Close()
	if m := alice.expect("leave"); m["username"] != "bob" {
		t.Fatalf("leave frame = %v", m)
	}
	waitFor(t, func() bool {
		n.getJSON("/chat/room/lobby/members", &members)
		return len(members) == 1
	})
}

func TestEchoFalse(t *testing.T) {
	n := startNode(t, appConfig{})
	quiet := n.dial("/chat/room/r1?username=carol&echo=false")
	quiet.expect("join")
	anon := n.dial("/chat/room/r1?username=dan")
	if j := anon.expect("join"); j["username"] != "dan" {
		t.Fatalf("join of the token's user: %v", j)
	}
	quiet.send(`{"type":"message","content":"psst"}`)
	sent := quiet.expect("sent")
	if id, _ := sent["messageId"].(string); id == "" {
		t.Fatalf("sent frame = %v", sent)
	}
	if m := anon.expect("message"); m["content"] != "psst" || m["username"] != "carol" {
		t.Fatalf("others get the message: %v", m)
	}
	// The sender got "sent" instead of its own message: the next frame it
	// sees is the other member's message.
	anon.send(`{"type":"message","content":"hi carol"}`)
	if m := quiet.next(); m["type"] != "message" || m["content"] != "hi carol" {
		t.Fatalf("sender saw its own message echoed: %v", m)
	}
}

func TestInvalidFramesGetErrorFramesAndStayOpen(t *testing.T) {
	n := startNode(t, appConfig{})
	c := n.dial("/chat/room/r2?username=dave")
	c.expect("join")
	// paths are the JSON paths of the errors, in order: problems of shape
	// (here an unknown member, at its own path) come before constraint
	// violations, all in one error frame.
	long := `"` + strings.Repeat("é", 4001) + `"`
	for _, tc := range []struct {
		frame, code string
		paths       []string
	}{
		{`{"type":`, "invalid_json", []string{"type"}},
		{`{"type":"shout","content":"x"}`, "invalid_message", []string{"type"}},
		{`{"type":"message","content":` + long + `}`, "invalid_message", []string{"content"}},
		{`{"type":"message","content":"x","extra":1}`, "invalid_message", []string{"extra"}},
		{`{"type":"message","content":` + long + `,"extra":1}`, "invalid_message", []string{"extra", "content"}},
		{`{"type":"message"}`, "invalid_message", []string{"content"}},
	} {
		c.send(tc.frame)
		e := c.expect("error")
		if e["code"] != tc.code || e["message"] == "" {
			t.Errorf("%.40s: error frame %v, want code %s", tc.frame, e, tc.code)
			continue
		}
		errs, _ := e["errors"].([]any)
		var paths []string
		for _, fe := range errs {
			path, _ := fe.(map[string]any)["path"].(string)
			paths = append(paths, path)
		}
		if !slices.Equal(paths, tc.paths) {
			t.Errorf("%.40s: errors %v, want paths %q", tc.frame, errs, tc.paths)
		}
	}
	c.send(`{"type":"message","content":"still here"}`)
	if m := c.expect("message"); m["content"] != "still here" {
		t.Fatalf("connection did not survive: %v", m)
	}
}

func TestInvalidRoomOrUserRefusedBeforeUpgrade(t *testing.T) {
	n := startNode(t, appConfig{})
	for _, path := range []string{
		"/chat/room/a.b?username=x",
		"/chat/room/" + strings.Repeat("r", 65) + "?username=x",
		"/chat/room/ok?username=x&echo=maybe",
	} {
		if _, status, err := n.tryDial(path); err == nil || status != http.StatusBadRequest {
			t.Errorf("%s: status %d, err %v; want 400", path, status, err)
		}
	}
	if st := n.getJSON("/chat/room/a*b/members", nil); st != http.StatusBadRequest {
		t.Errorf("members of an invalid room: %d", st)
	}
}

func TestDirectMessagesAndPresence(t *testing.T) {
	n := startNode(t, appConfig{})
	alice := n.dial("/chat/dm?username=alice")
	bobTab1 := n.dial("/chat/dm?username=bob")
	bobTab2 := n.dial("/chat/dm?username=bob")
	// Both of bob's tabs are subscribed once the DM channel counts them
	// (a connection subscribes after its upgrade completes).
	bob := MustUserRef(t, "bob")
	waitFor(t, func() bool { return n.app.users.Subscribers(bob) == 2 })

	alice.send(`{"to":"bob","content":"hi bob"}`)
	for _, tab := range []*client{bobTab1, bobTab2} {
		m := tab.next()
		if m["from"] != "alice" || m["content"] != "hi bob" || m["timestamp"] == nil {
			t.Fatalf("DM frame = %v", m)
		}
	}
	bobTab1.send(`{"type":"presence","status":"away"}`)
	var p struct {
		Status   string `json:"status"`
		LastSeen int64  `json:"lastSeen"`
	}
	waitFor(t, func() bool { return n.getJSON("/chat/presence/bob", &p) == 200 && p.Status == "away" })
	if p.LastSeen == 0 {
		t.Fatalf("presence = %+v", p)
	}
	bobTab1.send(`{"type":"presence","status":"sleeping"}`)
	if e := bobTab1.next(); e["type"] != "error" || e["code"] != "invalid_message" {
		t.Fatalf("bad status: %v", e)
	}
	bobTab1.conn.Close()
	bobTab2.conn.Close()
	waitFor(t, func() bool { return n.getJSON("/chat/presence/bob", nil) == http.StatusNotFound })
	if st := n.getJSON("/chat/presence/nobody", nil); st != http.StatusNotFound {
		t.Fatalf("unknown user: %d", st)
	}
}

func TestMetricsAndPage(t *testing.T) {
	n := startNode(t, appConfig{})
	c := n.dial("/chat/room/m?username=eve")
	c.expect("join")
	resp, err := http.Get(n.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "# TYPE") {
		t.Fatalf("metrics: %d\n%s", resp.StatusCode, body)
	}
	resp, err = http.Get(n.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(strings.ToLower(string(page)), "<html") {
		t.Fatalf("page: %d\n%.200s", resp.StatusCode, page)
	}
}

// MustUserRef is chatapi.MustUserRef that fails the test instead of panicking.
func MustUserRef(t *testing.T, id string) jsgenrt.Ref[chatapi.User] {
	t.Helper()
	r, err := chatapi.UserRef(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// waitFor polls cond for up to 20 s (a hang guard, generous for a loaded
// machine); state that other goroutines update is observed, not slept on.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	waitForWithin(t, 20*time.Second, cond)
}

func waitForWithin(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not reached within %v", d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
