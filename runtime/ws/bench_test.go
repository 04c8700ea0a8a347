package ws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/olahol/melody"
)

// Fan-out benchmark: 100 rooms × 50 members (5,000 connections), a 100-byte
// JSON frame per publish, publishes spread round-robin over the rooms by two
// publisher goroutines. Clients are gorilla connections in this process,
// each read by its own goroutine. The loop is closed: at most
// fanoutWindow publishes are in flight (≈ 10 frames per member, far below
// melody's 256-slot buffer), so no peer drops frames; drops are counted
// and fail the benchmark. One op is one publish; the reported metric is
// deliveries/s, measured until the last frame has been read by its client.
const (
	fanoutRooms   = 100
	fanoutMembers = 50
	fanoutWindow  = 1000
)

type fanoutFixture struct {
	name      string
	hs        *httptest.Server
	clients   []*websocket.Conn
	readers   sync.WaitGroup
	delivered atomic.Int64
	waiters   atomic.Int32
	mu        sync.Mutex
	cond      *sync.Cond
	publish   func(room int, frame []byte)
	drops     func() int64
	shutdown  func()
}

var fanoutFrame = []byte(`{"type":"message","room":"r00","username":"bench","content":"` + strings.Repeat("x", 34) + `"}`)

func roomName(i int) string { return fmt.Sprintf("r%02d", i) }

// newJsgenFixture serves the rooms through this package: a channel and
// Subscribe.
func newJsgenFixture(b *testing.B) *fanoutFixture {
	rooms := newTestRooms()
	srv, err := New(WithLogger(discardLogger()))
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	Handle(mux, srv, Route[struct{}]{
		Pattern: "GET /b/{room}",
		Prepare: func(r *http.Request) (any, int, error) { return r.PathValue("room"), 0, nil },
		Decode:  func([]byte) (struct{}, error) { return struct{}{}, nil },
		Run: func(ctx context.Context, c *Conn, _ iter.Seq[struct{}]) error {
			sub := rooms.join(c.State().(string), c)
			defer sub.Close()
			<-ctx.Done()
			return nil
		},
	})
	f := &fanoutFixture{name: "jsgen", hs: httptest.NewServer(mux)}
	f.publish = func(room int, frame []byte) { rooms.broadcast(roomName(room), frame, "") }
	f.drops = func() int64 { return 0 } // a drop would close the connection and stall the run
	f.shutdown = func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			b.Error(err)
		}
		_ = rooms.ch.Close()
	}
	f.connect(b, func() bool {
		return rooms.count() == fanoutRooms && rooms.members(roomName(fanoutRooms-1)) == fanoutMembers
	})
	return f
}

// newMelodyFixture serves the rooms with plain melody: the room is a session
// key, and a publish is BroadcastFilter over every session (melody's own
// multichat pattern), or with index=true, BroadcastMultiple over a room
// index kept outside melody.
func newMelodyFixture(b *testing.B, index bool) *fanoutFixture {
	m := melody.New()
	var drops atomic.Int64
	m.HandleError(func(_ *melody.Session, err error) {
		if errors.Is(err, melody.ErrMessageBufferFull) {
			drops.Add(1)
		}
	})
	var mu sync.RWMutex
	members := map[string][]*melody.Session{}
	var joined atomic.Int64
	m.HandleConnect(func(s *melody.Session) {
		room := s.MustGet("room").(string)
		mu.Lock()
		members[room] = append(members[room], s)
		mu.Unlock()
		joined.Add(1)
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /b/{room}", func(w http.ResponseWriter, r *http.Request) {
		_ = m.HandleRequestWithKeys(w, r, map[string]any{"room": r.PathValue("room")})
	})
	f := &fanoutFixture{name: "melody-filter", hs: httptest.NewServer(mux)}
	f.publish = func(room int, frame []byte) {
		name := roomName(room)
		_ = m.BroadcastFilter(frame, func(s *melody.Session) bool {
			v, _ := s.Get("room")
			return v == name
		})
	}
	if index {
		f.name = "melody-index"
		f.publish = func(room int, frame []byte) {
			mu.RLock()
			ss := members[roomName(room)]
			mu.RUnlock()
			_ = m.BroadcastMultiple(frame, ss)
		}
	}
	f.drops = drops.Load
	f.shutdown = func() { _ = m.Close() }
	f.connect(b, func() bool { return joined.Load() == fanoutRooms*fanoutMembers })
	return f
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// connect dials every member and starts its reader, then waits (yielding)
// until the server side reports everyone joined.
func (f *fanoutFixture) connect(b *testing.B, ready func() bool) {
	f.cond = sync.NewCond(&f.mu)
	url := "ws" + strings.TrimPrefix(f.hs.URL, "http") + "/b/"
	f.clients = make([]*websocket.Conn, fanoutRooms*fanoutMembers)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	var dialErr atomic.Value
	for i := range f.clients {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, _, err := websocket.DefaultDialer.Dial(url+roomName(i%fanoutRooms), nil)
			if err != nil {
				dialErr.Store(err)
				return
			}
			f.clients[i] = c
		}()
	}
	wg.Wait()
	if err, _ := dialErr.Load().(error); err != nil {
		b.Fatalf("%s: dial: %v", f.name, err)
	}
	for _, c := range f.clients {
		f.readers.Add(1)
		go f.read(c)
	}
	// Setup only: poll the server's view of the joins.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(time.Minute)
	for !ready() {
		if time.Now().After(deadline) {
			b.Fatalf("%s: members never all joined", f.name)
		}
		<-tick.C
	}
}

func (f *fanoutFixture) read(c *websocket.Conn) {
	defer f.readers.Done()
	for {
		_, r, err := c.NextReader()
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return
		}
		f.delivered.Add(1)
		if f.waiters.Load() > 0 {
			f.mu.Lock()
			f.cond.Broadcast()
			f.mu.Unlock()
		}
	}
}

// waitDelivered blocks until at least n deliveries happened. A reader
// wakes waiters after its increment; a waiter registers before checking,
// under the same mutex, so no wake-up is lost.
func (f *fanoutFixture) waitDelivered(n int64) {
	if f.delivered.Load() >= n {
		return
	}
	f.mu.Lock()
	f.waiters.Add(1)
	for f.delivered.Load() < n {
		f.cond.Wait()
	}
	f.waiters.Add(-1)
	f.mu.Unlock()
}

func (f *fanoutFixture) close() {
	f.shutdown()
	for _, c := range f.clients {
		c.Close()
	}
	f.readers.Wait()
	f.hs.Close()
}

// run publishes b.N frames and returns deliveries/s.
func (f *fanoutFixture) run(b *testing.B) float64 {
	base := f.delivered.Load()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				if over := i - fanoutWindow; over > 0 {
					f.waitDelivered(base + over*fanoutMembers)
				}
				f.publish(int(i%fanoutRooms), fanoutFrame)
			}
		}()
	}
	wg.Wait()
	f.waitDelivered(base + int64(b.N)*fanoutMembers)
	elapsed := time.Since(start)
	b.StopTimer()
	if d := f.drops(); d != 0 {
		b.Fatalf("%s dropped %d frames", f.name, d)
	}
	rate := float64(b.N*fanoutMembers) / elapsed.Seconds()
	b.Logf("%s: N=%d elapsed=%v", f.name, b.N, elapsed)
	b.ReportMetric(rate, "deliveries/s")
	b.ReportMetric(0, "ns/op")
	return rate
}

// BenchmarkFanout compares the channel path (Subscribe) with plain melody in the same run:
// BroadcastFilter on a session key (the gate: ≥ 3×) and, for reference,
// BroadcastMultiple over an external room index.
func BenchmarkFanout(b *testing.B) {
	rates := map[string]float64{}
	for _, v := range []struct {
		name string
		mk   func(*testing.B) *fanoutFixture
	}{
		{"jsgen", newJsgenFixture},
		{"melody-filter", func(b *testing.B) *fanoutFixture { return newMelodyFixture(b, false) }},
		{"melody-index", func(b *testing.B) *fanoutFixture { return newMelodyFixture(b, true) }},
	} {
		var f *fanoutFixture // set up on first use, so -bench filters skip it
		b.Run(v.name, func(b *testing.B) {
			if f == nil {
				f = v.mk(b)
			}
			rates[v.name] = f.run(b)
		})
		if f != nil {
			f.close()
		}
	}
	if rates["melody-filter"] > 0 && rates["melody-index"] > 0 {
		b.Logf("jsgen/melody-filter = %.2f×, jsgen/melody-index = %.2f×",
			rates["jsgen"]/rates["melody-filter"], rates["jsgen"]/rates["melody-index"])
	}
}
