package scaffold

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestScaffoldBuildsAndServes is the scaffold round trip: a new module with
// a replace to this checkout, `jsgen new room-service lobby` and `jsgen init`
// into it, then `go mod tidy`, `go build ./...`, `go vet ./...`, no drift,
// and the built service serving a real WebSocket conversation, with tokens
// from its dev-token helper, until SIGTERM shuts it down with exit code 0.
func TestScaffoldBuildsAndServes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module and runs a server; skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is required: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	mod := t.TempDir()
	goCmd(ctx, t, mod, "mod", "init", "example.com/x")
	goCmd(ctx, t, mod, "mod", "edit", "-require", jsgenModule+"@v0.0.0", "-replace", jsgenModule+"="+repoRoot(t))
	write(t, filepath.Join(mod, "go.sum"), read(t, filepath.Join(repoRoot(t), "go.sum")))

	var out bytes.Buffer
	files, err := NewRoomService(ctx, Options{Dir: mod, Name: "lobby", Stdout: &out})
	if err != nil {
		t.Fatalf("NewRoomService: %v\n%s", err, out.String())
	}
	if got := rels(t, mod, files); got[0] != "lobby/api/jsgen.yaml" {
		t.Errorf("inside a module, the first file is %s (no go.mod must be written)", got[0])
	}
	if _, err := Init(ctx, Options{Dir: filepath.Join(mod, "initapi"), Stdout: &out}); err != nil {
		t.Fatalf("Init: %v\n%s", err, out.String())
	}
	goCmd(ctx, t, mod, "mod", "tidy")
	goCmd(ctx, t, mod, "build", "./...")
	goCmd(ctx, t, mod, "vet", "./...")
	for _, dir := range []string{filepath.Join(mod, "lobby", "api"), filepath.Join(mod, "initapi")} {
		if stale := drift(t, dir); len(stale) > 0 {
			t.Errorf("%s: generated files are stale: %v", dir, stale)
		}
	}
	bin := filepath.Join(t.TempDir(), "lobby")
	goCmd(ctx, t, mod, "build", "-o", bin, "./lobby")
	checkNoKey(ctx, t, bin)
	serveAndTalk(ctx, t, bin)
}

// serveAndTalk starts the service, checks that a request without a valid
// token is refused with 401, has bob (token in the Authorization header)
// and ann (token in access_token) join a room as the users their dev
// tokens name, checks that ann's message reaches both, then sends SIGTERM
// and expects a going-away close and exit code 0.
func serveAndTalk(ctx context.Context, t *testing.T, bin string) {
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), testKeyEnv)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	addrc := make(chan string, 1)
	scanned := make(chan struct{})
	go scanLog(stderr, logs, addrc, scanned)
	exited := false
	defer func() {
		if !exited {
			_ = cmd.Process.Kill()
			<-scanned
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("service log:\n%s", logs.String())
		}
	}()

	var addr string
	select {
	case addr = <-addrc:
	case <-scanned:
		t.Fatal("the service exited before serving")
	case <-ctx.Done():
		t.Fatal("the service did not report its address")
	}
	url := "ws://" + addr + "/lobby/room/main"
	refused(t, url, nil, http.StatusUnauthorized)
	refused(t, url+"?username=bob", nil, http.StatusUnauthorized)
	refused(t, url+"?access_token=not.a.token", nil, http.StatusUnauthorized)
	forged := devToken(ctx, t, bin, "LOBBY_TOKEN_KEY=another-key-another-key-another-key", "bob")
	refused(t, url, http.Header{"Authorization": {"Bearer " + forged}}, http.StatusUnauthorized)

	bobToken := devToken(ctx, t, bin, testKeyEnv, "bob")
	bob := dial(t, url, http.Header{"Authorization": {"Bearer " + bobToken}})
	defer bob.Close()
	expect(t, bob, map[string]string{"type": "join", "username": "bob"})
	annToken := devToken(ctx, t, bin, testKeyEnv, "ann")
	ann := dial(t, url+"?username=bob&access_token="+annToken, nil) // the token says who ann is, not the query
	defer ann.Close()
	expect(t, ann, map[string]string{"type": "join", "username": "ann"})
	expect(t, bob, map[string]string{"type": "join", "username": "ann"})
	if err := ann.WriteMessage(websocket.TextMessage, []byte(`{"text":"hello, room"}`)); err != nil {
		t.Fatal(err)
	}
	msg := map[string]string{"type": "message", "username": "ann", "text": "hello, room"}
	expect(t, ann, msg)
	expect(t, bob, msg)

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*websocket.Conn{ann, bob} {
		if code := closeCode(t, c); code != websocket.CloseGoingAway {
			t.Errorf("close code %d on shutdown, want %d (going away)", code, websocket.CloseGoingAway)
		}
	}
	<-scanned
	err = cmd.Wait()
	exited = true
	if err != nil {
		t.Fatalf("the service did not exit cleanly on SIGTERM: %v", err)
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("no shutdown in the log")
	}
	for _, tok := range []string{bobToken, annToken, forged} {
		if strings.Contains(logs.String(), tok) {
			t.Errorf("a token is in the log")
		}
	}
}

// testKeyEnv is the token key the service under test runs with.
const testKeyEnv = "LOBBY_TOKEN_KEY=0123456789abcdef0123456789abcdef"

// devToken runs the service's dev-token helper with the key env.
func devToken(ctx context.Context, t *testing.T, bin, keyEnv, user string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, "dev-token", user)
	cmd.Env = append(os.Environ(), keyEnv)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dev-token %s: %v\n%s", user, err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "FOR DEVELOPMENT ONLY") {
		t.Errorf("dev-token does not say it is for development only: %q", stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// checkNoKey: the scaffolded service and its dev-token helper refuse to
// run without an explicit key, saying which variable to set.
func checkNoKey(ctx context.Context, t *testing.T, bin string) {
	t.Helper()
	for _, args := range [][]string{{"dev-token", "ann"}, {"-addr", "127.0.0.1:0"}} {
		// It must exit at once; a minute bounds a binary that serves instead.
		runCtx, cancel := context.WithTimeout(ctx, time.Minute)
		cmd := exec.CommandContext(runCtx, bin, args...)
		cmd.Env = withoutEnv(os.Environ(), "LOBBY_TOKEN_KEY")
		out, err := cmd.CombinedOutput()
		cancel()
		if err == nil || !strings.Contains(string(out), "no token key: set LOBBY_TOKEN_KEY") {
			t.Errorf("%v without a key: %v\n%s", args, err, out)
		}
	}
}

func withoutEnv(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// refused dials url with header and expects the upgrade to be refused with
// status.
func refused(t *testing.T, url string, header http.Header, status int) {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(url, header)
	if err == nil {
		c.Close()
		t.Fatalf("dial %s: upgraded, want %d", url, status)
	}
	if resp == nil || resp.StatusCode != status {
		t.Fatalf("dial %s: %v %v, want %d", url, err, resp, status)
	}
}

var servingAddr = regexp.MustCompile(`is serving.* addr=(\S+)`)

// scanLog copies the service's log into logs and sends the address it
// reports serving on; it closes done when the log ends.
func scanLog(r interface{ Read([]byte) (int, error) }, logs *lockedBuffer, addrc chan<- string, done chan<- struct{}) {
	defer close(done)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		logs.WriteLine(sc.Text())
		if m := servingAddr.FindStringSubmatch(sc.Text()); m != nil {
			select {
			case addrc <- m[1]:
			default:
			}
		}
	}
}

func dial(t *testing.T, url string, header http.Header) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(url, header)
	if err != nil {
		status := ""
		if resp != nil {
			status = resp.Status
		}
		t.Fatalf("dial %s: %v %s", url, err, status)
	}
	return c
}

// expect reads frames until one has every key of want with its value.
func expect(t *testing.T, c *websocket.Conn, want map[string]string) {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for %v: %v", want, err)
		}
		var got map[string]any
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatalf("frame %s: %v", data, err)
		}
		if _, ok := got["timestamp"].(float64); !ok {
			t.Errorf("frame %s has no numeric timestamp", data)
		}
		if matches(got, want) {
			return
		}
	}
}

func matches(got map[string]any, want map[string]string) bool {
	for k, v := range want {
		if fmt.Sprint(got[k]) != v {
			return false
		}
	}
	return true
}

// closeCode reads until the connection closes and returns the close code.
func closeCode(t *testing.T, c *websocket.Conn) int {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(15 * time.Second)); err != nil {
		t.Fatal(err)
	}
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code
			}
			t.Errorf("connection ended without a close frame: %v", err)
			return 0
		}
	}
}

// goCmd runs the go command in dir; GOFLAGS=-mod=mod lets it complete the
// new module's requirements, GOWORK=off keeps any workspace out.
func goCmd(ctx context.Context, t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// lockedBuffer is a log buffer written by the scanning goroutine and read
// by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) WriteLine(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.WriteString(s + "\n")
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
