package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/jsgen-dev/jsgen/examples/chat/chatapi"
	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// browserWait bounds every wait for the page; the page itself reacts in
// milliseconds, the bound only keeps a broken page from hanging the test.
const browserWait = 15 * time.Second

// browserChromiumPath finds Debian's Chromium, or skips the test with a
// message; under JSGEN_REQUIRE_SERVICES=1 a missing browser fails it.
func browserChromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "headless Chromium not found (install Debian's chromium package: apt-get install chromium)"
	if os.Getenv("JSGEN_REQUIRE_SERVICES") == "1" {
		t.Fatal(msg + "; JSGEN_REQUIRE_SERVICES=1 requires it")
	}
	t.Skip(msg)
	return ""
}

// browserServer is one chat node on a real loopback listener.
type browserServer struct {
	app *app
	srv *httptest.Server
}

// startBrowserServer serves a new chat node on addr ("" for any free port).
func startBrowserServer(t *testing.T, addr string) *browserServer {
	return startBrowserServerTTL(t, addr, 0)
}

// startBrowserServerTTL is startBrowserServer with tokens living ttl (0:
// the default).
func startBrowserServerTTL(t *testing.T, addr string, ttl time.Duration) *browserServer {
	t.Helper()
	logs := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := newApp(t.Context(), appConfig{Logger: logs, SessionKey: []byte(testSessionKey), SessionTTL: ttl})
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	var srv *httptest.Server
	if addr == "" {
		srv = httptest.NewServer(a.Handler())
	} else {
		ln, err := browserListenAgain(t.Context(), addr)
		if err != nil {
			_ = a.Shutdown(context.Background())
			t.Fatalf("listen on %s again: %v", addr, err)
		}
		srv = httptest.NewUnstartedServer(a.Handler())
		_ = srv.Listener.Close()
		srv.Listener = ln
		srv.Start()
	}
	s := &browserServer{app: a, srv: srv}
	t.Cleanup(s.stop)
	return s
}

// browserListenAgain binds addr, retrying while the old listener's port is
// still being released, until ctx ends.
func browserListenAgain(ctx context.Context, addr string) (net.Listener, error) {
	ctx, cancel := context.WithTimeout(ctx, browserWait)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			return ln, nil
		}
		select {
		case <-ctx.Done():
			return nil, errors.Join(err, ctx.Err())
		case <-tick.C:
		}
	}
}

// stop closes every WebSocket (1001, as on SIGTERM), then the listener;
// calling it twice is harmless.
func (s *browserServer) stop() {
	if s.app == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.app.Shutdown(ctx)
	s.srv.Close()
	s.app = nil
}

// browser is one headless Chromium with a fresh profile.
type browser struct {
	ctx context.Context // a started chromedp context; pages are its children

	shotsOnce sync.Once
	shotsDir  string
	shotsErr  error
}

func startBrowser(t *testing.T) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(browserChromiumPath(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.WindowSize(1280, 800),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	// Registered after UserDataDir's TempDir, so it runs first: Chromium has
	// exited before its profile directory is removed.
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = chromedp.Cancel(cctx)
		cancelBrowser()
		cancelAlloc() // waits for the browser process
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return &browser{ctx: ctx}
}

// browserPage is one tab in its own browser context (separate cookies and
// storage, like two people on two machines).
type browserPage struct {
	name string
	ctx  context.Context

	mu       sync.Mutex
	problems []string // uncaught exceptions and console errors
}

func (b *browser) newPage(t *testing.T, name string) *browserPage {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	p := &browserPage{name: name, ctx: ctx}
	// Registered after cancel, so it runs before the tab closes.
	t.Cleanup(func() { b.screenshotOnFailure(t, p) })
	if err := chromedp.Listen(ctx, p.observe); err != nil {
		t.Fatalf("%s: open a tab: %v", name, err)
	}
	return p
}

// observe records what the page reports as broken. It runs on chromedp's
// reader goroutine and must return at once.
func (p *browserPage) observe(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *cdpruntime.EventExceptionThrown:
		problem = "uncaught exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			problem += " " + ev.ExceptionDetails.Exception.Description
		}
	case *cdpruntime.EventConsoleAPICalled:
		if ev.Type == cdpruntime.ConsoleAPICalledTypeError {
			problem = "console.error"
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError && ev.Entry.Source != log.EntrySourceNetwork {
			problem = "browser log: " + ev.Entry.Text
		}
	}
	if problem == "" {
		return
	}
	p.mu.Lock()
	p.problems = append(p.problems, problem)
	p.mu.Unlock()
}

// checkNoProblems fails the test if the page threw or logged an error.
func (p *browserPage) checkNoProblems(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range p.problems {
		t.Errorf("%s: %s", p.name, pr)
	}
}

// do runs actions on the page within browserWait.
func (p *browserPage) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %s: %v", p.name, what, err)
	}
}

// waitJS waits, within browserWait, until the JavaScript expression is true.
func (p *browserPage) waitJS(t *testing.T, what, expr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool]("!!("+expr+")",
		chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("%s: waiting for %s: %v", p.name, what, err)
	}
}

// eval returns the value of a JavaScript expression.
func browserEval[T any](t *testing.T, p *browserPage, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: evaluate %s: %v", p.name, expr, err)
	}
	return v
}

// browserEnter presses Enter as a keyboard does: one keyDown carrying the
// text, so the browser drops the newline when the page prevents keydown's
// default (chromedp.KeyEvent sends a separate char event, which a real
// keyboard never does), then keyUp.
func browserEnter() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, ev := range []input.DispatchKeyEventParams{
			{Type: input.DispatchKeyEventTypeKeyDown, Key: "Enter", Code: "Enter", Text: "\r", UnmodifiedText: "\r", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13},
			{Type: input.DispatchKeyEventTypeKeyUp, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13},
		} {
			if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, ev); err != nil {
				return fmt.Errorf("dispatch %s: %w", ev.Type, err)
			}
		}
		return nil
	})
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// join fills in the login form and waits until the room socket is open.
func (p *browserPage) join(t *testing.T, baseURL, name, roomID string) {
	t.Helper()
	p.do(t, "open the page and join",
		chromedp.Navigate(baseURL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SetValue(chromedp.CSS("#login-name"), name),
		chromedp.SetValue(chromedp.CSS("#login-room"), roomID),
		chromedp.Click(chromedp.CSS("#login-btn")),
		chromedp.WaitVisible(chromedp.CSS("#messages")),
	)
	p.waitJS(t, "the connection to be up", `document.getElementById("conn").dataset.state === "open"`)
}

// browserHasMember is a JavaScript expression: the member list shows user.
func browserHasMember(user string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("#member-list [data-user]")].some(e => e.dataset.user === %s)`, jsString(user))
}

// browserHasMessage is a JavaScript expression: the message pane shows a
// message from user with exactly this text.
func browserHasMessage(user, text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("#messages li.msg.chat")].some(li =>
		li.dataset.user === %s && li.querySelector(".msg-user").textContent === %s &&
		li.querySelector(".msg-text").textContent === %s && li.querySelector("time").textContent !== "")`,
		jsString(user), jsString(user), jsString(text))
}

// screenshotOnFailure saves a PNG of the page when the test failed: in
// the -artifacts directory when go test was given -artifacts, otherwise in
// a new temporary directory that is kept for inspection. The path is logged.
func (b *browser) screenshotOnFailure(t *testing.T, p *browserPage) {
	if !t.Failed() {
		return
	}
	b.shotsOnce.Do(func() { b.shotsDir, b.shotsErr = browserArtifactDir(t) })
	if b.shotsErr != nil {
		t.Logf("%s: no screenshot: %v", p.name, b.shotsErr)
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("%s: screenshot failed: %v", p.name, err)
		return
	}
	path := filepath.Join(b.shotsDir, p.name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("%s: write screenshot: %v", p.name, err)
		return
	}
	t.Logf("%s: screenshot of the failed page: %s", p.name, path)
}

func browserArtifactDir(t *testing.T) (string, error) {
	if f := flag.Lookup("test.artifacts"); f != nil && f.Value.String() == "true" {
		return t.ArtifactDir(), nil
	}
	// t.TempDir would be removed when the test ends; keep this one.
	return os.MkdirTemp("", "chat-browser-"+strings.ReplaceAll(t.Name(), "/", "_")+"-")
}

// TestBrowserRoomChat drives the page in headless Chromium: two people
// join a room, one types and sends, the other sees the typing indicator,
// the message and both names in the member list; an over-long message
// shows the server's error frame next to the input; presence and a direct
// message travel between the two pages.
func TestBrowserRoomChat(t *testing.T) {
	b := startBrowser(t)
	s := startBrowserServer(t, "")
	alice := b.newPage(t, "alice")
	bob := b.newPage(t, "bob")

	alice.join(t, s.srv.URL, "alice", "lobby")
	bob.join(t, s.srv.URL, "bob", "lobby")
	for _, p := range []*browserPage{alice, bob} {
		p.waitJS(t, "alice and bob in the member list", browserHasMember("alice")+" && "+browserHasMember("bob"))
	}

	// Typing: alice's keystrokes send typing frames; bob sees who is typing.
	// The indicator lasts about 3 s from the first keystroke, so bob looks
	// right after it, not after the whole text.
	alice.do(t, "start typing", chromedp.SendKeys(chromedp.CSS("#composer-input"), "h"))
	bob.waitJS(t, "the typing indicator", `document.getElementById("typing").textContent === "alice is typing…"`)
	alice.do(t, "type the rest", chromedp.SendKeys(chromedp.CSS("#composer-input"), "ello bob"))

	// Sending: Enter sends; bob sees the message with its author and time,
	// and the typing indicator goes away with it.
	alice.do(t, "send with Enter", browserEnter())
	bob.waitJS(t, "alice's message", browserHasMessage("alice", "hello bob"))
	if got := browserEval[string](t, bob, `document.getElementById("typing").textContent`); got != "" {
		t.Errorf("bob: typing indicator after alice's message = %q, want it cleared", got)
	}
	alice.waitJS(t, "her own message echoed", browserHasMessage("alice", "hello bob"))
	if got := browserEval[string](t, alice, `document.getElementById("composer-input").value`); got != "" {
		t.Errorf("alice: composer after sending = %q, want empty", got)
	}

	browserCheckOverLong(t, alice, bob)
	browserCheckPresenceAndDM(t, s, alice, bob)

	for _, p := range []*browserPage{alice, bob} {
		p.checkNoProblems(t)
	}
}

// browserCheckOverLong sends 4001 characters: the server refuses the frame
// with an error frame, whose message and field errors appear next to
// alice's input; bob never sees the refused text, and the socket still works.
func browserCheckOverLong(t *testing.T, alice, bob *browserPage) {
	t.Helper()
	long := strings.Repeat("é", 4001) // characters, not bytes, are counted
	_, err := chatapi.DecodeClientMessage([]byte(`{"type":"message","content":` + jsString(long) + `}`))
	var want *jsgenrt.Error
	if !errors.As(err, &want) || len(want.Errors) == 0 {
		t.Fatalf("the server's decoder accepts %d characters (err %v); the test needs a refused frame", len(long), err)
	}
	alice.do(t, "send an over-long message",
		chromedp.SetValue(chromedp.CSS("#composer-input"), long),
		chromedp.Click(chromedp.CSS("#send-btn")),
	)
	alice.waitJS(t, "the error frame next to the input", `!document.getElementById("composer-error").hidden`)
	shown := browserEval[string](t, alice, `document.getElementById("composer-error").textContent`)
	if !strings.Contains(shown, want.Message) {
		t.Errorf("alice: error shown = %q, want the frame's message %q", shown, want.Message)
	}
	for _, fe := range want.Errors {
		if !strings.Contains(shown, fe.Path+": "+fe.Message) {
			t.Errorf("alice: error shown = %q, want the field error %q", shown, fe.Path+": "+fe.Message)
		}
	}
	if got := browserEval[int](t, alice, `[...document.getElementById("composer-input").value].length`); got != 4001 {
		t.Errorf("alice: the refused text is given back in the input: got %d characters, want 4001", got)
	}
	// Frames of one connection keep their order: once bob has the next
	// message, he would already have had the refused one.
	alice.do(t, "send after the error",
		chromedp.SetValue(chromedp.CSS("#composer-input"), "still here"),
		chromedp.Click(chromedp.CSS("#send-btn")),
	)
	bob.waitJS(t, "the message after the refused one", browserHasMessage("alice", "still here"))
	if n := browserEval[int](t, bob, `document.querySelectorAll("#messages li.msg.chat").length`); n != 2 {
		t.Errorf("bob: %d chat messages, want 2 (the refused one must not arrive)", n)
	}
	alice.waitJS(t, "the error cleared by the accepted message", `document.getElementById("composer-error").hidden`)
}

// browserCheckPresenceAndDM: alice goes away, bob sees it in the member
// list and on the DM header; bob's direct message reaches alice.
func browserCheckPresenceAndDM(t *testing.T, s *browserServer, alice, bob *browserPage) {
	t.Helper()
	browserEval[bool](t, alice, `(() => { const s = document.getElementById("presence-select");
		s.value = "away"; s.dispatchEvent(new Event("change")); return true; })()`)
	browserWaitPresence(t, s.srv.URL, "alice", "away")

	bob.do(t, "open a DM with alice", chromedp.Click(chromedp.CSS(`#member-list button[data-user="alice"]`)))
	bob.waitJS(t, "the DM header with alice's presence", `document.getElementById("pane-title").textContent === "alice" &&
		document.getElementById("pane-sub").textContent.includes("away")`)
	bob.waitJS(t, "alice shown as away in the member list",
		`document.querySelector('#member-list [data-user="alice"] .presence-dot').dataset.status === "away"`)
	bob.do(t, "send a DM",
		chromedp.SendKeys(chromedp.CSS("#composer-input"), "psst, alice"),
		chromedp.Click(chromedp.CSS("#send-btn")),
	)
	bob.waitJS(t, "his own DM in the thread", browserHasMessage("bob", "psst, alice"))
	alice.waitJS(t, "an unread DM from bob", `document.querySelector('#dm-list [data-peer="bob"] .badge')?.textContent === "1"`)
	alice.do(t, "open the DM from bob", chromedp.Click(chromedp.CSS(`#dm-list [data-peer="bob"]`)))
	alice.waitJS(t, "bob's DM", browserHasMessage("bob", "psst, alice"))
}

// browserWaitPresence polls GET /chat/presence/{user} until it reports
// status, within browserWait.
func browserWaitPresence(t *testing.T, baseURL, user, status string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), browserWait)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/chat/presence/"+user, nil)
		req.Header.Set("Authorization", "Bearer "+observerToken(t))
		if res, err := http.DefaultClient.Do(req); err == nil {
			var body struct{ Status string }
			_ = json.NewDecoder(res.Body).Decode(&body)
			_ = res.Body.Close()
			if body.Status == status {
				return
			}
			last = fmt.Sprintf("%d %q", res.StatusCode, body.Status)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("presence of %s: last answer %s, want %q: %v", user, last, status, ctx.Err())
		case <-tick.C:
		}
	}
}

// TestBrowserReconnect restarts the server under an open page: the page
// says it is offline and retrying, reconnects on its own with backoff,
// shows the room's members again, and sends.
func TestBrowserReconnect(t *testing.T) {
	b := startBrowser(t)
	s := startBrowserServer(t, "")
	addr := s.srv.Listener.Addr().String()
	carol := b.newPage(t, "carol")
	carol.join(t, s.srv.URL, "carol", "ops")
	carol.waitJS(t, "herself in the member list", browserHasMember("carol"))

	s.stop()
	carol.waitJS(t, "the offline status", `document.getElementById("conn").dataset.state === "waiting" &&
		document.getElementById("conn-text").textContent.startsWith("Offline")`)
	carol.waitJS(t, "the lost-connection notice", `[...document.querySelectorAll("#messages li.msg.system")].some(li =>
		li.textContent.includes("restarting") || li.textContent.includes("Connection lost"))`)

	s2 := startBrowserServer(t, addr)
	carol.waitJS(t, "the connection to come back", `document.getElementById("conn").dataset.state === "open"`)
	carol.waitJS(t, "the reconnected notice", `[...document.querySelectorAll("#messages li.msg.system")].some(li =>
		li.textContent.startsWith("Reconnected"))`)
	carol.waitJS(t, "herself in the member list again", browserHasMember("carol"))

	// The new node knows carol again: she is a member and online.
	browserWaitPresence(t, s2.srv.URL, "carol", "online")
	carol.do(t, "send after the restart",
		chromedp.SendKeys(chromedp.CSS("#composer-input"), "back online"),
		chromedp.Click(chromedp.CSS("#send-btn")),
	)
	carol.waitJS(t, "her message after the restart", browserHasMessage("carol", "back online"))
	carol.checkNoProblems(t)
}

// TestBrowserLoginValidation: the login form refuses names and rooms the
// server would refuse, says why next to the field, and opens no socket.
func TestBrowserLoginValidation(t *testing.T) {
	b := startBrowser(t)
	s := startBrowserServer(t, "")
	p := b.newPage(t, "dave")
	p.do(t, "open the page", chromedp.Navigate(s.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	cases := []struct {
		name, room       string
		nameErr, roomErr string // substrings of the messages shown, "" for none
	}{
		{name: "dave smith", room: "lobby", nameErr: "spaces"},
		{name: "dave.smith", room: "lobby", nameErr: "“.”"},
		{name: strings.Repeat("d", 33), room: "lobby", nameErr: "at most 32 bytes"},
		{name: strings.Repeat("é", 17), room: "lobby", nameErr: "at most 32 bytes (this one is 34)"},
		{name: "dave", room: "a>b", roomErr: "“>”"},
		{name: "", room: "", nameErr: "Enter a display name", roomErr: "Enter a room name"},
	}
	for _, c := range cases {
		// chromedp.SetValue refuses empty values; set them as a script would.
		browserEval[bool](t, p, `(document.getElementById("login-name").value = `+jsString(c.name)+`,
			document.getElementById("login-room").value = `+jsString(c.room)+`, true)`)
		p.do(t, "submit the form", chromedp.Click(chromedp.CSS("#login-btn")))
		for _, f := range []struct{ id, want string }{{"login-name-error", c.nameErr}, {"login-room-error", c.roomErr}} {
			got := browserEval[string](t, p, `document.getElementById("`+f.id+`").textContent`)
			if (f.want == "") != (got == "") || !strings.Contains(got, f.want) {
				t.Errorf("name %q room %q: #%s = %q, want %q", c.name, c.room, f.id, got, f.want)
			}
		}
	}
	if state := browserEval[string](t, p, `document.getElementById("conn").dataset.state`); state != "idle" {
		t.Errorf("connection state after refused logins = %q, want idle (no socket opened)", state)
	}
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/chat/room/lobby/members", nil)
	req.Header.Set("Authorization", "Bearer "+observerToken(t))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET members: %v", err)
	}
	var members []map[string]any
	err = json.NewDecoder(res.Body).Decode(&members)
	_ = res.Body.Close()
	if err != nil || len(members) != 0 {
		t.Errorf("members of lobby after refused logins: %v (%v), want none", members, err)
	}
	p.checkNoProblems(t)
}

// TestBrowserSession: a name that is online is refused on the login form
// ("that name is taken"); a reload keeps the tab's session (no login form,
// the same user); a token that expires brings back the login form with a
// message.
func TestBrowserSession(t *testing.T) {
	b := startBrowser(t)
	s := startBrowserServer(t, "")
	erin := b.newPage(t, "erin")
	erin.join(t, s.srv.URL, "erin", "lobby")
	erin.waitJS(t, "herself in the member list", browserHasMember("erin"))

	// Another person asking for "erin" while she is online.
	other := b.newPage(t, "other-erin")
	other.do(t, "log in as erin",
		chromedp.Navigate(s.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SetValue(chromedp.CSS("#login-name"), "erin"),
		chromedp.SetValue(chromedp.CSS("#login-room"), "lobby"),
		chromedp.Click(chromedp.CSS("#login-btn")),
	)
	other.waitJS(t, "the taken-name message", `document.getElementById("login-name-error").textContent.startsWith("That name is taken")`)
	if state := browserEval[string](t, other, `document.getElementById("conn").dataset.state`); state != "idle" {
		t.Errorf("a refused login opened a socket: connection state %q", state)
	}

	// A reload keeps the session: back in the room as erin, no login.
	erin.do(t, "reload", chromedp.Reload())
	erin.waitJS(t, "the room again after the reload", `document.getElementById("app").dataset.view === "chat" &&
		document.getElementById("me-name").textContent === "erin" && document.getElementById("conn").dataset.state === "open"`)
	erin.waitJS(t, "herself in the member list after the reload", browserHasMember("erin"))

	// A token that expires (a node issuing 4 s tokens): the server closes
	// with 4001 and the page asks for a fresh login, saying why.
	short := startBrowserServerTTL(t, "", 4*time.Second)
	erin.join(t, short.srv.URL, "erin", "lobby")
	erin.waitJS(t, "the expiry message on the login form", `document.getElementById("app").dataset.view === "login" &&
		document.getElementById("login-error").textContent.includes("expired")`)
	if saved := browserEval[bool](t, erin, `sessionStorage.getItem("jsgen-chat-session") === null`); !saved {
		t.Error("the expired session is still stored for the tab")
	}
	erin.checkNoProblems(t)
	other.checkNoProblems(t)
}
