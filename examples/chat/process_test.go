package main

import (
	"bufio"
	"io"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus/bustest"
)

// buildChat builds this example once per test binary run.
func buildChat(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "chat")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var servingURL = regexp.MustCompile(`url=(http://\S+)`)

// startProcess runs the chat binary with args and returns its base URL once
// it serves. The process gets SIGTERM at clean-up and must exit 0, unless
// the test killed it with the returned function (SIGKILL, no goodbye).
func startProcess(t *testing.T, bin string, args ...string) (url string, kill func()) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0", "-session-key", testSessionKey}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := servingURL.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	killed := false
	kill = func() { killed = true; cmd.Process.Kill() }
	t.Cleanup(func() {
		if killed {
			cmd.Wait()
			return
		}
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("chat %v exited: %v", args, err)
			}
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("chat %v did not exit within 15s of SIGTERM", args)
		}
	})
	select {
	case u := <-urls:
		return u, kill
	case <-time.After(30 * time.Second):
		t.Fatalf("chat %v did not start serving", args)
		return "", nil
	}
}

// remoteNode addresses a chat process like an in-process node.
func remoteNode(t *testing.T, url string) *node {
	return &node{t: t, srv: &httptest.Server{URL: url}}
}

func testProcesses(t *testing.T, busURL string) {
	bin := buildChat(t)
	urlA, _ := startProcess(t, bin, "-bus", busURL)
	urlB, killB := startProcess(t, bin, "-bus", busURL)
	a, b := remoteNode(t, urlA), remoteNode(t, urlB)
	testCluster(t, []*node{a, b})

	// A node killed without a goodbye: its members disappear from the other
	// node's list within the replication's dead-node bound (D + H = 8 s by
	// default; the wait allows for a loaded machine).
	frank := a.dial("/chat/room/crash?username=frank")
	frank.expect("join")
	erin := b.dial("/chat/room/crash?username=erin")
	erin.expect("join")
	members := func() int {
		var m []map[string]any
		a.getJSON("/chat/room/crash/members", &m)
		return len(m)
	}
	waitForWithin(t, 20*time.Second, func() bool { return members() == 2 })
	killB()
	start := time.Now()
	waitForWithin(t, 20*time.Second, func() bool { return members() == 1 })
	t.Logf("members of the killed node were dropped after %v", time.Since(start).Round(100*time.Millisecond))
	// The surviving node announces the dead node's leaves.
	frank.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if m := frank.expect("leave"); m["username"] != "erin" {
		t.Fatalf("leave for the killed node's member: %v", m)
	}
}

func TestProcessesOnNATS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example: skipped with -short")
	}
	testProcesses(t, bustest.StartNATS(t).URL())
}

func TestProcessesOnRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example: skipped with -short")
	}
	testProcesses(t, bustest.StartRedis(t).URL())
}

func TestMainFlags(t *testing.T) {
	if err := run([]string{"-bus", "kafka://x"}); err == nil {
		t.Error("an unknown bus was accepted")
	}
	if err := run([]string{"-nope"}); err == nil {
		t.Error("an unknown flag was accepted")
	}
}
