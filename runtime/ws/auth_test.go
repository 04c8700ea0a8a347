package ws

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/websocket"

	"github.com/jsgen-dev/jsgen/runtime/auth"
)

var authKey = []byte("0123456789abcdef0123456789abcdef")

// authMsg is the inbound message of the auth test routes.
type authMsg struct {
	Type  string `json:"type"` // identity, state, refresh
	Token string `json:"token"`
}

func decodeAuthMsg(b []byte) (authMsg, error) {
	var m authMsg
	err := json.Unmarshal(b, &m)
	return m, err
}

// authEnv serves "GET /hs/{room}" (HS256, iss and aud "chat") and
// "GET /rs/{room}" (RS256) on one Server whose logs it captures. Both
// routes' Prepare refuses any query parameter but "since" (as a strict
// generated query decoder does) and keeps the query and request URI it
// saw as the state. The /hs route's Authenticate refuses subject
// "mallory" with 403, returns an expiry in the past for subject "past",
// and quotes the token in its errors (a careless app) so that the tests
// see the runtime keep it out of responses and logs.
type authEnv struct {
	srv     *Server
	http    *httptest.Server
	metrics *recMetrics
	logs    *logBuffer
	base    string // ws://host
	rsKey   *rsa.PrivateKey
	rsPEM   []byte

	mu       sync.Mutex
	seenAuth []string // r.URL.RawQuery and r.RequestURI as Authenticate saw them
}

var authRSAKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func newAuthEnv(t *testing.T) *authEnv {
	t.Helper()
	e := &authEnv{metrics: newRecMetrics(), logs: &logBuffer{}, rsKey: authRSAKey()}
	der, err := x509.MarshalPKIXPublicKey(&e.rsKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	e.rsPEM = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := New(WithMetrics(e.metrics), WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	hs, err := auth.NewHS256(authKey, auth.WithIssuer("chat"), auth.WithAudience("chat"))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := auth.NewRS256(&e.rsKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	hsAuth := AuthenticateWith(hs, nil)
	mux := http.NewServeMux()
	Handle(mux, srv, Route[authMsg]{
		Pattern: "GET /hs/{room}",
		Authenticate: func(ctx context.Context, r *http.Request, token string) (any, time.Time, error) {
			e.mu.Lock()
			e.seenAuth = append(e.seenAuth, r.URL.RawQuery, r.RequestURI)
			e.mu.Unlock()
			id, exp, err := hsAuth(ctx, r, token)
			switch {
			case err != nil:
				return nil, time.Time{}, fmt.Errorf("token %s: %w", token, err)
			case id == "mallory":
				return nil, time.Time{}, Refuse(http.StatusForbidden, "banned")
			case id == "past":
				return id, time.Now().Add(-time.Second), nil
			}
			return id, exp, nil
		},
		Prepare: prepareStrictQuery,
		Decode:  decodeAuthMsg,
		Run:     runAuth,
	})
	Handle(mux, srv, Route[authMsg]{
		Pattern:      "GET /rs/{room}",
		Authenticate: AuthenticateWith(rs, nil),
		Prepare:      prepareStrictQuery,
		Decode:       decodeAuthMsg,
		Run:          runAuth,
	})
	e.http = httptest.NewServer(mux)
	e.base = "ws" + strings.TrimPrefix(e.http.URL, "http")
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

// prepareStrictQuery refuses every query parameter but "since", and
// returns the query and request URI it saw.
func prepareStrictQuery(r *http.Request) (any, int, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
	for k := range q {
		if k != "since" {
			return nil, http.StatusBadRequest, fmt.Errorf("unknown query parameter %q", k)
		}
	}
	return r.URL.RawQuery + " " + r.RequestURI, 0, nil
}

func runAuth(ctx context.Context, c *Conn, msgs iter.Seq[authMsg]) error {
	for m := range msgs {
		switch m.Type {
		case "identity":
			_ = c.SendBytes(jsonFrame("identity", fmt.Sprint(c.Identity())))
		case "state":
			_ = c.SendBytes(jsonFrame("state", fmt.Sprint(c.State())))
		case "refresh":
			reply := "ok"
			if err := c.Reauthenticate(ctx, m.Token); err != nil {
				reply = err.Error()
			}
			_ = c.SendBytes(jsonFrame("refresh", reply))
		}
	}
	return nil
}

// token signs claims for sub with HS256 and the test key, iss and aud
// "chat", expiring after exp; edit changes the claims first.
func hsToken(t testing.TB, sub string, exp time.Duration, edit ...func(*jwt.RegisteredClaims)) string {
	t.Helper()
	now := time.Now()
	c := jwt.RegisteredClaims{Subject: sub, Issuer: "chat", Audience: jwt.ClaimStrings{"chat"}, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(exp))}
	for _, f := range edit {
		f(&c)
	}
	return signWith(t, jwt.SigningMethodHS256, authKey, c)
}

func signWith(t testing.TB, m jwt.SigningMethod, key any, c jwt.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dialAuth tries a handshake on path (with its query) with the given
// Authorization header ("" for none). It returns the connection when
// upgraded, else the status, body and WWW-Authenticate header.
func (e *authEnv) dialAuth(t *testing.T, path, authorization string) (*websocket.Conn, int, string, string) {
	t.Helper()
	hdr := http.Header{}
	if authorization != "" {
		hdr.Set("Authorization", authorization)
	}
	d := &websocket.Dialer{HandshakeTimeout: testTimeout}
	c, resp, err := d.DialContext(testCtx(t), e.base+path, hdr)
	if err == nil {
		t.Cleanup(func() { c.Close() })
		return c, http.StatusSwitchingProtocols, "", ""
	}
	if resp == nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return nil, resp.StatusCode, string(b), resp.Header.Get("WWW-Authenticate")
}

// ask sends a message of type typ and returns the value of the reply
// {typ: value}.
func ask(t testing.TB, c *websocket.Conn, typ, token string) string {
	t.Helper()
	b, _ := json.Marshal(authMsg{Type: typ, Token: token})
	send(t, c, string(b))
	var reply map[string]string
	if err := json.Unmarshal([]byte(read(t, c)), &reply); err != nil {
		t.Fatal(err)
	}
	return reply[typ]
}

// TestAuthenticateBeforeUpgrade runs the pre-upgrade chain of a route with
// Authenticate through real handshakes: every bad or missing token is
// refused with the right status and body and never upgraded, a good one
// in the header or the query gets the token's identity, the route's
// Prepare never sees access_token, and no token reaches the logs.
func TestAuthenticateBeforeUpgrade(t *testing.T) {
	e := newAuthEnv(t)
	valid := hsToken(t, "alice", time.Hour)
	at := func(d time.Duration) *jwt.NumericDate { return jwt.NewNumericDate(time.Now().Add(d)) }
	none := signWith(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.RegisteredClaims{Subject: "alice", Issuer: "chat", Audience: jwt.ClaimStrings{"chat"}})
	tests := []struct {
		name     string
		path     string // after ws://host
		header   string // Authorization
		status   int
		code     string // error code in the body
		identity string // when upgraded
		state    string // when upgraded: query and request URI Prepare saw
	}{
		{"header", "/hs/a?since=3", "Bearer " + valid, 101, "", "alice", "since=3 /hs/a?since=3"},
		{"query", "/hs/a?access_token=" + valid + "&since=3", "", 101, "", "alice", "since=3 /hs/a?since=3"},
		{"query only token", "/hs/a?access_token=" + valid, "", 101, "", "alice", " /hs/a"},
		{"both, same", "/hs/a?access_token=" + valid, "Bearer " + valid, 101, "", "alice", " /hs/a"},
		{"rs256", "/rs/a", "Bearer " + signWith(t, jwt.SigningMethodRS256, e.rsKey, jwt.RegisteredClaims{Subject: "bob", ExpiresAt: at(time.Hour)}), 101, "", "bob", " /rs/a"},

		{"missing", "/hs/a?since=3", "", 401, CodeUnauthorized, "", ""},
		{"malformed header", "/hs/a", "Bearer " + valid + " x", 401, CodeUnauthorized, "", ""},
		{"malformed query", "/hs/a?access_token=a%22b", "", 401, CodeUnauthorized, "", ""},
		{"not a JWT", "/hs/a?access_token=abc", "", 401, CodeUnauthorized, "", ""},
		{"both, different", "/hs/a?access_token=" + hsToken(t, "bob", time.Hour), "Bearer " + valid, 401, CodeUnauthorized, "", ""},
		{"wrong key", "/hs/a", "Bearer " + signWith(t, jwt.SigningMethodHS256, []byte("another key of thirty-two bytes!"), jwt.RegisteredClaims{Subject: "alice", Issuer: "chat", Audience: jwt.ClaimStrings{"chat"}}), 401, CodeUnauthorized, "", ""},
		{"alg none", "/hs/a", "Bearer " + none, 401, CodeUnauthorized, "", ""},
		{"alg none on rs256", "/rs/a", "Bearer " + none, 401, CodeUnauthorized, "", ""},
		{"hs256 with the rsa public key as secret", "/rs/a", "Bearer " + signWith(t, jwt.SigningMethodHS256, e.rsPEM, jwt.RegisteredClaims{Subject: "alice", ExpiresAt: at(time.Hour)}), 401, CodeUnauthorized, "", ""},
		{"expired", "/hs/a", "Bearer " + hsToken(t, "alice", -time.Minute), 401, CodeUnauthorized, "", ""},
		{"not yet valid", "/hs/a", "Bearer " + hsToken(t, "alice", time.Hour, func(c *jwt.RegisteredClaims) { c.NotBefore = at(time.Minute) }), 401, CodeUnauthorized, "", ""},
		{"wrong audience", "/hs/a", "Bearer " + hsToken(t, "alice", time.Hour, func(c *jwt.RegisteredClaims) { c.Audience = jwt.ClaimStrings{"billing"} }), 401, CodeUnauthorized, "", ""},
		{"wrong issuer", "/hs/a", "Bearer " + hsToken(t, "alice", time.Hour, func(c *jwt.RegisteredClaims) { c.Issuer = "evil" }), 401, CodeUnauthorized, "", ""},
		{"no subject", "/hs/a", "Bearer " + hsToken(t, "", time.Hour), 401, CodeUnauthorized, "", ""},
		{"refused by Authenticate", "/hs/a", "Bearer " + hsToken(t, "mallory", time.Hour), 403, CodeForbidden, "", ""},
		{"expires already passed", "/hs/a", "Bearer " + hsToken(t, "past", time.Hour), 401, CodeUnauthorized, "", ""},
		{"token fine, query not", "/hs/a?access_token=" + valid + "&bogus=1", "", 400, CodeBadRequest, "", ""},
	}
	var tokens []string
	for _, tc := range tests {
		if tok := strings.TrimPrefix(tc.header, "Bearer "); tok != "" {
			tokens = append(tokens, tok)
		}
		if u, err := url.Parse(tc.path); err == nil && u.Query().Get("access_token") != "" {
			tokens = append(tokens, u.Query().Get("access_token"))
		}
		t.Run(tc.name, func(t *testing.T) {
			opened := e.metrics.snapshot(func(m *recMetrics) any { return m.opened }).(int)
			c, status, body, challenge := e.dialAuth(t, tc.path, tc.header)
			if status != tc.status {
				t.Fatalf("status %d, want %d (body %s)", status, tc.status, body)
			}
			if c != nil {
				if got := ask(t, c, "identity", ""); got != tc.identity {
					t.Errorf("identity %q, want %q", got, tc.identity)
				}
				if got := ask(t, c, "state", ""); got != tc.state {
					t.Errorf("Prepare saw %q, want %q", got, tc.state)
				}
				return
			}
			f := parseErrFrame(t, body)
			if f.Code != tc.code {
				t.Errorf("code %q, want %q (body %s)", f.Code, tc.code, body)
			}
			if status == http.StatusUnauthorized && !strings.HasPrefix(challenge, "Bearer") {
				t.Errorf("401 without a Bearer challenge: %q", challenge)
			}
			if got := e.metrics.snapshot(func(m *recMetrics) any { return m.opened }).(int); got != opened {
				t.Errorf("refused request was upgraded (%d connections opened, %d before)", got, opened)
			}
			for _, tok := range tokens {
				assertNoToken(t, "response body", body, tok)
			}
		})
	}
	e.mu.Lock()
	seen := strings.Join(e.seenAuth, "\n")
	e.mu.Unlock()
	logs := e.logs.String()
	if !strings.Contains(logs, "authentication") {
		t.Errorf("no refusal was logged:\n%s", logs)
	}
	for _, tok := range tokens {
		assertNoToken(t, "logs", logs, tok)
		assertNoToken(t, "the request Authenticate saw", seen, tok)
	}
}

// assertNoToken fails if text contains tok or its signature.
func assertNoToken(t testing.TB, where, text, tok string) {
	t.Helper()
	if len(tok) < 8 {
		return
	}
	sig := tok[strings.LastIndexByte(tok, '.')+1:]
	if strings.Contains(text, tok) || len(sig) >= 8 && strings.Contains(text, sig) {
		t.Fatalf("%s contain a token:\n%s", where, text)
	}
}

// TestTokenExpiryCloses4001 checks that a connection whose token expires
// is closed with 4001 at the expiry, not before and well within a
// generous bound after.
func TestTokenExpiryCloses4001(t *testing.T) {
	e := newAuthEnv(t)
	token := hsToken(t, "alice", 2*time.Second)
	exp := expiryOf(t, token)
	c, status, body, _ := e.dialAuth(t, "/hs/a", "Bearer "+token)
	if c == nil {
		t.Fatalf("status %d %s", status, body)
	}
	code, reason, _ := readClose(t, c)
	closedAt := time.Now()
	if code != CloseTokenExpired || reason != "token expired" {
		t.Fatalf("closed with %d %q, want %d \"token expired\"", code, reason, CloseTokenExpired)
	}
	if closedAt.Before(exp) {
		t.Errorf("closed at %v, before the expiry %v", closedAt, exp)
	}
	if closedAt.After(exp.Add(10 * time.Second)) {
		t.Errorf("closed at %v, long after the expiry %v", closedAt, exp)
	}
	e.metrics.waitFor(t, "close 4001 counted", func(m *recMetrics) bool { return m.closed[CloseTokenExpired] == 1 })
}

// expiryOf returns the exp of a token the test made.
func expiryOf(t testing.TB, token string) time.Time {
	t.Helper()
	var c jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil || c.ExpiresAt == nil {
		t.Fatalf("token without exp: %v", err)
	}
	return c.ExpiresAt.Time
}

// TestReauthenticate checks that a later token for the same identity moves
// the expiry (the connection outlives the first token), that a token of
// someone else or an invalid one is refused without quoting it and
// without moving the expiry, and that the first expiry then still closes
// the connection with 4001.
func TestReauthenticate(t *testing.T) {
	e := newAuthEnv(t)
	first := hsToken(t, "alice", 2*time.Second)
	exp := expiryOf(t, first)
	kept, status, body, _ := e.dialAuth(t, "/hs/a", "Bearer "+first)
	if kept == nil {
		t.Fatalf("status %d %s", status, body)
	}
	refused, status, body, _ := e.dialAuth(t, "/hs/a?access_token="+first, "")
	if refused == nil {
		t.Fatalf("status %d %s", status, body)
	}

	if got := ask(t, kept, "refresh", hsToken(t, "alice", time.Hour)); got != "ok" {
		t.Fatalf("refresh with a later token of alice: %s", got)
	}
	bob := hsToken(t, "bob", time.Hour)
	if got := ask(t, refused, "refresh", bob); !strings.Contains(got, "someone else") {
		t.Errorf("refresh with bob's token: %q, want a refusal", got)
	}
	expired := hsToken(t, "alice", -time.Minute)
	if got := ask(t, refused, "refresh", expired); !strings.Contains(got, "expired") {
		t.Errorf("refresh with an expired token: %q, want a refusal", got)
	}
	garbage := "not-a-token-" + strings.Repeat("x", 20)
	got := ask(t, refused, "refresh", garbage)
	if got == "ok" {
		t.Error("refresh with garbage accepted")
	}
	for _, tok := range []string{bob, expired, garbage} {
		assertNoToken(t, "the refusal", got, tok)
	}

	code, _, _ := readClose(t, refused)
	if code != CloseTokenExpired {
		t.Errorf("connection with refused refreshes closed with %d, want %d", code, CloseTokenExpired)
	}
	// Past the first token's expiry (the refused connection is gone, so
	// the timer has fired by now) the refreshed connection still answers.
	for time.Now().Before(exp.Add(time.Second)) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := ask(t, kept, "identity", ""); got != "alice" {
		t.Errorf("identity after the first expiry: %q", got)
	}
	for _, tok := range []string{first, bob, expired, garbage} {
		assertNoToken(t, "logs", e.logs.String(), tok)
	}
}

type userID struct{ name string }

type userPtr struct{ name string }

func (u *userPtr) SameIdentity(other any) bool {
	o, ok := other.(*userPtr)
	return ok && o.name == u.name
}

// TestSameIdentity checks the identity comparison of Reauthenticate.
func TestSameIdentity(t *testing.T) {
	tests := []struct {
		a, b any
		want bool
	}{
		{"alice", "alice", true},
		{"alice", "bob", false},
		{userID{"a"}, userID{"a"}, true},
		{userID{"a"}, "a", false},
		{&userPtr{"a"}, &userPtr{"a"}, true},
		{&userPtr{"a"}, &userPtr{"b"}, false},
		{[]string{"a"}, []string{"a"}, false}, // not comparable: refused, no panic
		{nil, nil, true},
		{nil, "a", false},
	}
	for _, tc := range tests {
		if got := sameIdentity(tc.a, tc.b); got != tc.want {
			t.Errorf("sameIdentity(%#v, %#v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
