package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/jsgen-dev/jsgen/examples/chat/chatapi"
	"github.com/jsgen-dev/jsgen/runtime/auth"
	"github.com/jsgen-dev/jsgen/runtime/bus/bustest"
)

func TestSessionLogin(t *testing.T) {
	n := startNode(t, appConfig{})
	before := time.Now()
	status, body := n.login("alice")
	if status != http.StatusCreated || body["username"] != "alice" {
		t.Fatalf("login: %d %v", status, body)
	}
	tok, _ := body["token"].(string)
	exp, _ := body["expiresAt"].(float64)
	if tok == "" || time.UnixMilli(int64(exp)).Before(before.Add(defaultSessionTTL-time.Minute)) {
		t.Fatalf("login body: %v", body)
	}
	for _, name := range []string{"a b", "a.b", strings.Repeat("x", 33), ""} {
		status, body := n.login(name)
		errs, _ := body["errors"].([]any)
		if status != http.StatusBadRequest || body["code"] != "invalid_request" || len(errs) == 0 {
			t.Errorf("login %q: %d %v; want 400 invalid_request with errors", name, status, body)
		}
	}
	resp, err := http.Post(n.srv.URL+"/chat/session", "application/json", strings.NewReader("{"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed body: %d", resp.StatusCode)
	}
}

// dialStatus dials path (no token added) with header and returns the
// handshake's status (101 on success; the connection is closed).
func (n *node) dialStatus(path string, header http.Header) int {
	n.t.Helper()
	url := "ws" + strings.TrimPrefix(n.srv.URL, "http") + path
	conn, resp, err := websocket.DefaultDialer.Dial(url, header)
	if err == nil {
		conn.Close()
		return http.StatusSwitchingProtocols
	}
	if resp == nil {
		n.t.Fatalf("dial %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// dialRaw dials path as it is (no token added).
func (n *node) dialRaw(path string) *client {
	n.t.Helper()
	url := "ws" + strings.TrimPrefix(n.srv.URL, "http") + path
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		n.t.Fatalf("dial %s: %v", path, err)
	}
	n.t.Cleanup(func() { conn.Close() })
	return &client{t: n.t, conn: conn}
}

func (n *node) getStatus(path, token string) int {
	n.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, n.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSocketsAndEndpointsRequireAToken(t *testing.T) {
	var buf bytes.Buffer
	logs := &lockedWriter{mu: &sync.Mutex{}, w: &buf}
	n := startNode(t, appConfig{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	other, err := auth.NewHS256Signer([]byte("another-key-another-key-another-key!"))
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := other.Sign(auth.Claims{Subject: "bob", ID: "x", ExpiresAt: time.Now().Add(time.Hour)})
	expired, _ := n.app.sessions.signer.Sign(auth.Claims{Subject: "bob", ID: "y", ExpiresAt: time.Now().Add(-time.Hour)})
	good := n.token("bob")
	for _, tok := range []string{"", "not-a-jwt", forged, expired} {
		q := ""
		if tok != "" {
			q = "?access_token=" + tok
		}
		for _, path := range []string{"/chat/room/lobby", "/chat/dm"} {
			if st := n.dialStatus(path+q, nil); st != http.StatusUnauthorized {
				t.Errorf("WS %s with token %.10q: %d, want 401", path, tok, st)
			}
		}
		for _, path := range []string{"/chat/room/lobby/members", "/chat/presence/bob"} {
			if st := n.getStatus(path+q, ""); st != http.StatusUnauthorized {
				t.Errorf("GET %s with token %.10q: %d, want 401", path, tok, st)
			}
		}
	}
	if st := n.dialStatus("/chat/dm", http.Header{"Authorization": {"Bearer " + good}}); st != http.StatusSwitchingProtocols {
		t.Errorf("token in the Authorization header: %d", st)
	}
	if st := n.getStatus("/chat/room/lobby/members", good); st != http.StatusOK {
		t.Errorf("members with a token: %d", st)
	}
	for _, tok := range []string{good, forged, expired} {
		logs.mu.Lock()
		if bytes.Contains(buf.Bytes(), []byte(tok)) {
			t.Errorf("a token is in the logs:\n%s", buf.Bytes())
		}
		logs.mu.Unlock()
	}
}

// Alice's token on bob's DM socket: the socket is alice's, whatever the
// query says; she reads none of bob's DMs and sets only her own presence.
func TestDMSocketIsTheTokensUser(t *testing.T) {
	n := startNode(t, appConfig{})
	bob := n.dial("/chat/dm?username=bob")
	spy := n.dialRaw("/chat/dm?access_token=" + n.token("alice") + "&username=bob")
	carol := n.dial("/chat/dm?username=carol")
	waitFor(t, func() bool {
		return n.app.users.Subscribers(MustUserRef(t, "alice")) == 1 && n.app.users.Subscribers(MustUserRef(t, "bob")) == 1
	})
	spy.send(`{"type":"presence","status":"busy"}`)
	carol.send(`{"to":"bob","content":"for bob"}`)
	carol.send(`{"to":"alice","content":"for alice"}`)
	if m := bob.next(); m["content"] != "for bob" {
		t.Fatalf("bob got %v", m)
	}
	if m := spy.next(); m["content"] != "for alice" || m["from"] != "carol" {
		t.Fatalf("alice's socket got %v; want only alice's DM", m)
	}
	waitFor(t, func() bool {
		p, ok := n.app.presence.Get(MustUserRef(t, "alice"))
		return ok && p.Status.String() == "busy"
	})
	if p, _ := n.app.presence.Get(MustUserRef(t, "bob")); p.Status.String() != "online" {
		t.Errorf("alice set bob's presence: %v", p.Status)
	}
}

func TestTwoTabsAreOneMember(t *testing.T) {
	n := startNode(t, appConfig{})
	tab1 := n.dial("/chat/room/tabs?username=alice")
	tab1.expect("join")
	tab2 := n.dial("/chat/room/tabs?username=alice")
	_ = tab2
	room, err := chatapi.RoomRef("tabs")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(n.app.members.Connections(room, MustUserRef(t, "alice"))) == 2 })
	var members []map[string]any
	n.getJSON("/chat/room/tabs/members", &members)
	if len(members) != 1 || members[0]["username"] != "alice" {
		t.Fatalf("members: %v", members)
	}
}

// testNameTaken: while alice is online (on nodes[0]), a second "alice" gets
// 409 on every node, and a token of another session of alice is refused
// with 409; once she has been gone past the grace period, the name is free.
func testNameTaken(t *testing.T, nodes []*node, grace time.Duration) {
	a, b := nodes[0], nodes[len(nodes)-1]
	alice := a.dial("/chat/room/names?username=alice")
	alice.expect("join")
	for _, n := range nodes {
		// Once the node knows alice is online (replication), a second
		// alice is refused there.
		waitFor(t, func() bool { return n.app.sessions.reg.Online(MustUserRef(t, "alice")) })
		if st, _ := n.login("alice"); st != http.StatusConflict {
			t.Errorf("second alice while alice is online: %d, want 409", st)
		}
		if _, body := n.login("alice"); body["code"] != "username_taken" {
			t.Errorf("second alice: %v", body)
		}
	}
	other, _ := a.app.sessions.signer.Sign(auth.Claims{Subject: "alice", ID: "another-session", ExpiresAt: time.Now().Add(time.Hour)})
	if st := b.dialStatus("/chat/room/names?access_token="+other, nil); st != http.StatusConflict {
		t.Errorf("a token of another session of alice: %d, want 409", st)
	}
	if st := b.getStatus("/chat/room/names/members", other); st != http.StatusConflict {
		t.Errorf("GET members with a replaced session's token: %d, want 409", st)
	}
	if st := b.dialStatus(b.withToken("/chat/room/names?username=alice"), nil); st != http.StatusSwitchingProtocols {
		t.Errorf("alice's own token on another node: %d", st)
	}
	alice.conn.Close()
	closed := time.Now()
	var fresh map[string]any
	waitFor(t, func() bool {
		var st int
		st, fresh = b.login("alice")
		return st == http.StatusCreated
	})
	if gone := time.Since(closed); gone < grace {
		t.Errorf("the name was free %v after alice left, before the grace period (%v)", gone, grace)
	}
	// The old session is replaced: once node a knows the new one, the old
	// token is refused there.
	claims, err := a.app.sessions.verifier.Verify(context.Background(), fresh["token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		p, _ := a.app.sessions.reg.Get(MustUserRef(t, "alice"))
		return len(p.Conns) == 1 && p.Conns[0].Conn == claims.ID
	})
	if st := a.dialStatus("/chat/room/names?access_token="+a.token("alice"), nil); st != http.StatusConflict {
		t.Errorf("the replaced session's token: %d, want 409", st)
	}
	if st := a.dialStatus("/chat/room/names?access_token="+fresh["token"].(string), nil); st != http.StatusSwitchingProtocols {
		t.Errorf("the new session's token: %d", st)
	}
}

func TestNameTakenWhileOnline(t *testing.T) {
	grace := 500 * time.Millisecond
	testNameTaken(t, []*node{startNode(t, appConfig{SessionGrace: grace})}, grace)
}

func TestNameTakenAcrossNodesOnNATS(t *testing.T) {
	url := bustest.StartNATS(t).URL()
	grace := 500 * time.Millisecond
	testNameTaken(t, []*node{startNode(t, appConfig{Bus: url, SessionGrace: grace}), startNode(t, appConfig{Bus: url, SessionGrace: grace})}, grace)
}

func TestNameTakenAcrossNodesOnRedis(t *testing.T) {
	url := bustest.StartRedis(t).URL()
	grace := 500 * time.Millisecond
	testNameTaken(t, []*node{startNode(t, appConfig{Bus: url, SessionGrace: grace}), startNode(t, appConfig{Bus: url, SessionGrace: grace})}, grace)
}

func TestExpiryCloses4001(t *testing.T) {
	n := startNode(t, appConfig{SessionTTL: 2 * time.Second})
	c := n.dial("/chat/room/exp?username=alice")
	c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		_, _, err := c.conn.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4001 {
			t.Fatalf("connection ended with %v; want close 4001", err)
		}
		return
	}
}
