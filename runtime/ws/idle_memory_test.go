package ws

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/channel"
)

// idleSession is the chat's callback form at its smallest: a subscription
// relayed by Subscribe, closed by OnClose.
type idleSession struct{ sub *channel.Subscription[fwdMsg] }

func (s *idleSession) OnMessage(context.Context, testMsg) error { return nil }
func (s *idleSession) OnClose(context.Context, error)           { s.sub.Close() }

// TestIdleConnectionMemory holds idle connections of a callback route
// whose Open subscribes the connection to a room's channel (the chat
// example's form) and checks the Go heap each one holds, after forced
// collections (the stacks, which depend on the collections' timing, are
// logged). The clients are bare TCP sockets, so almost all of it is the
// server's. Goroutine descriptors (two per connection, kept by the Go
// runtime) are not counted. What the bytes are is listed in doc.go
// ("Memory per idle connection").
func TestIdleConnectionMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	const (
		warm  = 20
		n     = 400
		bound = 5632 // bytes of heap per connection (6.5 KB before the idle-memory work, ≈ 4.6 KB after)
	)
	ch := channel.New[fwdRoom, fwdMsg](func(b []byte, m fwdMsg) []byte { return jsonFrame("text", m.Text) },
		channel.WithLogger(discardLogger()))
	srv, err := New(WithLogger(discardLogger()))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	HandleCallbacks(mux, srv, CallbackRoute[testMsg]{
		Pattern: "GET /idle/{room}",
		Prepare: func(r *http.Request) (any, int, error) {
			ref, err := jsgenrt.NewRef[fwdRoom]("room", r.PathValue("room"), 64)
			return ref, 0, err
		},
		Decode: decodeTestMsg,
		Open: func(_ context.Context, c *Conn) (Session[testMsg], error) {
			sub := Subscribe(ch, c.State().(jsgenrt.Ref[fwdRoom]), c)
			return &idleSession{sub: sub}, c.SendBytes(jsonFrame("hello", c.ID()))
		},
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		if err := srv.Shutdown(testCtx(t)); err != nil {
			t.Error(err)
		}
		hs.Close()
		_ = ch.Close()
	})
	addr := strings.TrimPrefix(hs.URL, "http://")
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	open := func(k int) {
		for i := range k {
			conns = append(conns, dialIdle(t, addr, fmt.Sprintf("/idle/r%d", i%10)))
		}
	}
	open(warm)                         // first-use costs: flushers, pools, the listener's goroutines
	_, stacksBefore := settledMemory() // before the stacks reuseGoroutines leaves in the stack pool
	reuseGoroutines(4 * n)
	base := runtime.NumGoroutine()
	heapBefore, _ := settledMemory()
	open(n)
	settledGoroutines(t, base+2*n)
	heapAfter, stacksAfter := settledMemory()
	heap := float64(heapAfter-heapBefore) / n
	stacks := float64(stacksAfter-stacksBefore) / n
	t.Logf("%d idle connections: %.0f bytes of heap and ≈ %.0f of stacks each", n, heap, stacks)
	if heap > bound {
		t.Errorf("%d idle connections hold %.0f bytes of heap each, want ≤ %d: "+
			"something per connection is held that an idle one does not need (see doc.go, Memory per idle connection)",
			n, heap, bound)
	}
}

// reuseGoroutines starts and ends k goroutines at once, so that the Go
// runtime keeps k goroutine descriptors (≈ 450 bytes each, never freed)
// for reuse: the connections then cost the same whichever tests ran
// before in this process, and the descriptors are left out of the count.
func reuseGoroutines(k int) {
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(k)
	for range k {
		go func() { defer wg.Done(); <-release }()
	}
	close(release)
	wg.Wait()
}

// settledGoroutines waits until at most want goroutines run (the
// handlers' short-lived goroutines ended after Open) and returns the
// count; a count still higher at the deadline is left to the memory check.
func settledGoroutines(t *testing.T, want int) int {
	deadline := time.Now().Add(testTimeout)
	for {
		n := runtime.NumGoroutine()
		if n <= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settledMemory returns the live heap and the goroutine stacks after
// enough collections for idle stacks to have shrunk to their floor.
func settledMemory() (heap, stacks uint64) {
	var ms runtime.MemStats
	for range 4 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, ms.StackInuse
}

// dialIdle opens a WebSocket on path with a hand-written handshake (so the
// client side holds little more than its socket) and returns once the
// server's hello frame arrived: the connection is then open and idle.
func dialIdle(t *testing.T, addr, path string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	_ = c.SetDeadline(time.Now().Add(testTimeout))
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	var buf [1024]byte
	got := 0
	for !bytes.Contains(buf[:got], []byte(`"}`)) { // the end of {"hello":"<id>"}
		m, err := c.Read(buf[got:])
		got += m
		if err != nil || got == len(buf) {
			c.Close()
			t.Fatalf("handshake on %s: read %q: %v", path, buf[:got], err)
		}
	}
	if !bytes.HasPrefix(buf[:got], []byte("HTTP/1.1 101 ")) {
		c.Close()
		t.Fatalf("handshake on %s: got %q, want 101 Switching Protocols", path, buf[:got])
	}
	_ = c.SetDeadline(time.Time{})
	return c
}
