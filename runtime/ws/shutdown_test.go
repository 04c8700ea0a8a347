package ws

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestShutdownThousandClients: every client receives close 1001, Shutdown
// returns before its deadline, new upgrades get 503, and (TestMain's
// goleak) no goroutine is left.
func TestShutdownThousandClients(t *testing.T) {
	const clients = 1000
	e := newEnv(t, envConfig{})
	conns := e.dialMany(t, "big", clients)

	codes := make(chan int, clients)
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(time.Now().Add(testTimeout))
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					code := websocket.CloseAbnormalClosure
					if ce, ok := err.(*websocket.CloseError); ok {
						code = ce.Code
					}
					codes <- code
					return
				}
			}
		}()
	}

	const deadline = 10 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	t.Logf("Shutdown with %d clients took %v", clients, time.Since(start))
	wg.Wait()
	close(codes)
	byCode := map[int]int{}
	for code := range codes {
		byCode[code]++
	}
	if byCode[CloseGoingAway] != clients {
		t.Fatalf("close codes seen by clients: %v, want %d × 1001", byCode, clients)
	}
	if n := e.srv.Len(); n != 0 {
		t.Fatalf("%d connections left", n)
	}
	if status, body := e.upgradeStatus(t, "big", nil); status != http.StatusServiceUnavailable {
		t.Fatalf("upgrade after shutdown: %d %s, want 503", status, body)
	}
	if err := e.srv.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
}

// TestShutdownWithStuckClient: a client whose socket is full (it never
// reads) cannot receive the close frame; Shutdown still returns within
// its deadline because every wait is bounded.
func TestShutdownWithStuckClient(t *testing.T) {
	full := make(chan struct{})
	e := newEnv(t, envConfig{sndBuf: 8 << 10, opts: []Option{func(o *Options) {
		o.CloseTimeout = 200 * time.Millisecond
		o.LingerTimeout = 200 * time.Millisecond
		o.MaxQueueBytes = 4 << 20
	}},
		runOverride: func(ctx context.Context, c *Conn, _ iter.Seq[testMsg]) error {
			for k := 0; ctx.Err() == nil && c.QueuedBytes() < 1<<20; k++ {
				_ = c.SendBytes(paddedFrame(k, 8<<10))
			}
			close(full)
			<-ctx.Done()
			return nil
		}})
	e.dialRcvBuf(t, "lobby", 4<<10) // never reads
	<-full
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	t.Logf("took %v", time.Since(start))
	e.metrics.waitFor(t, "queued frames counted as dropped", func(m *recMetrics) bool {
		return m.dropped["shutdown"] > 0 && m.queue == 0
	})
}

// TestShutdownDeadline: a handler that ignores its context keeps Shutdown
// from finishing; Shutdown returns the context's error at the deadline
// with every socket closed, and a later Shutdown completes once the
// handler returns.
func TestShutdownDeadline(t *testing.T) {
	release := make(chan struct{})
	e := newEnv(t, envConfig{runOverride: func(ctx context.Context, c *Conn, _ iter.Seq[testMsg]) error {
		<-release // ignores ctx
		return nil
	}})
	c := e.dial(t, "lobby", nil)
	e.metrics.waitFor(t, "open", func(m *recMetrics) bool { return m.opened == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := e.srv.Shutdown(ctx)
	if err == nil || ctx.Err() == nil {
		t.Fatalf("Shutdown returned %v before its deadline with a stuck handler", err)
	}
	code, _, _ := readClose(t, c)
	if code != CloseGoingAway {
		t.Fatalf("client got %d, want 1001", code)
	}
	close(release)
	if err := e.srv.Shutdown(testCtx(t)); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
}

// TestShutdownDuringTraffic: broadcasts and new dials racing Shutdown
// neither panic nor leak (run under -race).
func TestShutdownDuringTraffic(t *testing.T) {
	e := newEnv(t, envConfig{})
	conns := e.dialMany(t, "r", 50)
	for _, c := range conns {
		go func() {
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				e.rooms.broadcast("r", fmt.Appendf(nil, `{"g":%d,"k":%d}`, i, k), "")
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			c, _, err := e.dialer().Dial(e.url+"r", nil)
			if err != nil {
				continue
			}
			c.Close()
		}
	}()
	if err := e.srv.Shutdown(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if e.srv.Len() != 0 || e.rooms.count() != 0 {
		t.Fatalf("after shutdown: %d connections, %d rooms", e.srv.Len(), e.rooms.count())
	}
}
