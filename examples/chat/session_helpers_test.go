package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/auth"
)

// testSessionKey signs the tokens of every node a test starts, so that the
// nodes of a test cluster accept each other's tokens.
const testSessionKey = "test-session-key-0123456789abcdef-0123456789"

// testTokens caches one session token per user per test: every node of a
// test (a cluster) and every tab of a user share it.
var testTokens sync.Map // *testing.T -> *tokenCache

type tokenCache struct {
	mu     sync.Mutex
	tokens map[string]string
}

// token returns the session token of user, logging in on n the first time.
func (n *node) token(user string) string {
	n.t.Helper()
	v, _ := testTokens.LoadOrStore(n.t, &tokenCache{tokens: map[string]string{}})
	c := v.(*tokenCache)
	c.mu.Lock()
	defer c.mu.Unlock()
	if tok, ok := c.tokens[user]; ok {
		return tok
	}
	status, body := n.login(user)
	if status != http.StatusCreated {
		n.t.Fatalf("POST /chat/session %q: status %d, body %v", user, status, body)
	}
	tok := body["token"].(string)
	c.tokens[user] = tok
	return tok
}

// login posts {"username":user} to /chat/session.
func (n *node) login(user string) (int, map[string]any) {
	n.t.Helper()
	b, _ := json.Marshal(map[string]string{"username": user})
	resp, err := http.Post(n.srv.URL+"/chat/session", "application/json", bytes.NewReader(b))
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// withToken replaces the username query parameter of path with the
// access_token of that user's session.
func (n *node) withToken(path string) string {
	n.t.Helper()
	p, q, ok := strings.Cut(path, "?")
	if !ok {
		return path
	}
	vals, err := url.ParseQuery(q)
	if err != nil || vals.Get("username") == "" {
		return path
	}
	vals.Set("access_token", n.token(vals.Get("username")))
	vals.Del("username")
	return p + "?" + vals.Encode()
}

// observerToken is a token of a session of "observer" signed with
// testSessionKey, for the HTTP endpoints of any test node.
func observerToken(t *testing.T) string {
	t.Helper()
	s, err := auth.NewHS256Signer([]byte(testSessionKey))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Sign(auth.Claims{Subject: "observer", ID: "observer", ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
