package scaffold

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
// and the built service serving a real WebSocket conversation until SIGTERM
// shuts it down with exit code 0.
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
	serveAndTalk(ctx, t, bin)
}

// serveAndTalk starts the service, has bob and ann join a room, checks that
// ann's message reaches both, then sends SIGTERM and expects a going-away
// close and exit code 0.
func serveAndTalk(ctx context.Context, t *testing.T, bin string) {
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0")
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
	url := "ws://" + addr + "/lobby/room/main?username="
	bob := dial(t, url+"bob")
	defer bob.Close()
	expect(t, bob, map[string]string{"type": "join", "username": "bob"})
	ann := dial(t, url+"ann")
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

func dial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(url, nil)
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
