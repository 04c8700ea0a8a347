package redisbus_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/bus/bustest"
	"github.com/jsgen-dev/jsgen/runtime/bus/redisbus"
)

// gate holds the bus's writer at its first pipeline until released, so a
// test can queue messages behind it without depending on timing.
type gate struct {
	entered, release chan struct{}
	once             sync.Once
}

func newGate() *gate { return &gate{entered: make(chan struct{}), release: make(chan struct{})} }

// hook is the send hook: the first call blocks until open, later ones pass.
func (g *gate) hook() {
	g.once.Do(func() {
		close(g.entered)
		<-g.release
	})
}

// option installs the gate on a bus.
func (g *gate) option() redisbus.Option { return redisbus.WithSendHook(g.hook) }

// wait returns once the writer is held with the first message taken.
func (g *gate) wait() { <-g.entered }

// open lets the writer go; call it once.
func (g *gate) open() { close(g.release) }

// publishN publishes "from", …, "to-1" on subject, reusing one buffer (the
// bus must have copied each payload).
func publishN(t *testing.T, b bus.Bus, subject string, from, to int) {
	t.Helper()
	buf := make([]byte, 0, 16)
	for i := from; i < to; i++ {
		buf = strconv.AppendInt(buf[:0], int64(i), 10)
		if err := b.Publish(context.Background(), subject, buf); err != nil {
			t.Fatalf("Publish #%d: %v", i, err)
		}
		copy(buf, "xxxxxxxxxxxxxxxx"[:len(buf)])
	}
}

// checkExact fails t unless msgs are "0", "1", … "n-1".
func checkExact(t *testing.T, msgs []string, n int) {
	t.Helper()
	if len(msgs) != n {
		t.Fatalf("received %d messages, want %d", len(msgs), n)
	}
	for i, m := range msgs {
		if m != strconv.Itoa(i) {
			t.Fatalf("message %d is %q: lost, duplicated, reordered or overwritten", i, m)
		}
	}
}

// subscribed opens a second node subscribed to subject with a queue large
// enough for n messages, and returns what it receives.
func subscribed(t *testing.T, url, subject string, n int) *bustest.Collector {
	t.Helper()
	c := bustest.NewCollector()
	sub := open(t, url, redisbus.WithQueueSize(n))
	if _, err := sub.Subscribe(context.Background(), subject, c.Handle); err != nil {
		t.Fatal(err)
	}
	return c
}

func waitSettled(t *testing.T, b *redisbus.Bus) {
	t.Helper()
	bustest.WaitFor(t, "the publish queue to settle", func() bool { return b.ConnStats().PublishQueue == 0 })
}

// TestPublishPipelined holds the writer at its first pipeline while 10,000
// messages are queued behind it: they then leave in the fewest pipelines
// the batch bound allows, and arrive complete and in order on another
// node.
func TestPublishPipelined(t *testing.T) {
	const n = 10_000
	srv := bustest.StartRedis(t)
	got := subscribed(t, srv.URL(), "room.pipe", n)
	g := newGate()
	pub := open(t, srv.URL(), g.option())

	publishN(t, pub, "room.pipe", 0, 1)
	g.wait() // the writer holds message 0; the rest queue behind it
	publishN(t, pub, "room.pipe", 1, n)
	if q := pub.ConnStats().PublishQueue; q != n {
		t.Fatalf("ConnStats.PublishQueue = %d while the writer is held, want %d", q, n)
	}
	g.open()

	checkExact(t, got.WaitN(t, n), n)
	waitSettled(t, pub)
	// One pipeline for message 0, then ⌈(n-1)/MaxBatch⌉ for the rest.
	want := 1 + (n-1+redisbus.MaxBatch-1)/redisbus.MaxBatch
	cs := pub.ConnStats()
	t.Logf("%d messages in %d pipelines", n, cs.Pipelines)
	if cs.Pipelines != uint64(want) {
		t.Errorf("ConnStats.Pipelines = %d, want %d", cs.Pipelines, want)
	}
	if st := pub.Stats(); st.Published != n || st.Dropped != 0 || cs.PublishLost != 0 {
		t.Errorf("publisher stats %+v, %+v", st, cs)
	}
}

// TestPublishUnderLoad publishes 10,000 messages as fast as the caller can:
// all arrive in order, each pipeline carries at least one of them, and the
// queue is empty once they are sent. (How many share a pipeline depends on
// timing, so it is only logged.)
func TestPublishUnderLoad(t *testing.T) {
	const n = 10_000
	srv := bustest.StartRedis(t)
	got := subscribed(t, srv.URL(), "room.load", n)
	pub := open(t, srv.URL())
	publishN(t, pub, "room.load", 0, n)
	checkExact(t, got.WaitN(t, n), n)
	waitSettled(t, pub)
	cs := pub.ConnStats()
	t.Logf("%d messages in %d pipelines (%.1f per round trip)", n, cs.Pipelines, float64(n)/float64(cs.Pipelines))
	if cs.Pipelines == 0 || cs.Pipelines > n {
		t.Errorf("ConnStats.Pipelines = %d for %d messages", cs.Pipelines, n)
	}
	if st := pub.Stats(); st.Published != n || st.Dropped != 0 {
		t.Errorf("publisher stats %+v", st)
	}
}

// TestPublishQueueFull fills a 4-message queue behind a held writer: the
// 5th publish fails with ErrQueueFull and is counted as lost; the 4
// accepted arrive in order, after which the queue accepts again.
func TestPublishQueueFull(t *testing.T) {
	srv := bustest.StartRedis(t)
	got := subscribed(t, srv.URL(), "room.full", 16)
	g := newGate()
	pub := open(t, srv.URL(), g.option(), redisbus.WithPublishQueue(4, 0))

	publishN(t, pub, "room.full", 0, 1)
	g.wait()
	publishN(t, pub, "room.full", 1, 4) // the writer's message still counts: 4 queued
	err := pub.Publish(context.Background(), "room.full", []byte("overflow"))
	if !errors.Is(err, redisbus.ErrQueueFull) {
		t.Fatalf("Publish on a full queue: %v, want ErrQueueFull", err)
	}
	t.Logf("queue full: %v", err)
	if st, cs := pub.Stats(), pub.ConnStats(); st.Published != 4 || st.Dropped != 1 || cs.PublishLost != 1 {
		t.Fatalf("after the overflow: %+v, %+v", st, cs)
	}
	g.open()
	checkExact(t, got.WaitN(t, 4), 4)
	waitSettled(t, pub)
	publishN(t, pub, "room.full", 4, 5)
	checkExact(t, got.WaitN(t, 5), 5)
}

// TestPublishQueueBytes checks the byte bound: an empty queue accepts a
// message larger than the bound, and nothing more fits behind it.
func TestPublishQueueBytes(t *testing.T) {
	srv := bustest.StartRedis(t)
	got := subscribed(t, srv.URL(), "big", 16)
	g := newGate()
	pub := open(t, srv.URL(), g.option(), redisbus.WithPublishQueue(0, 100))
	ctx := context.Background()

	big := make([]byte, 200)
	if err := pub.Publish(ctx, "big", big); err != nil {
		t.Fatalf("Publish on an empty queue: %v", err)
	}
	g.wait()
	if err := pub.Publish(ctx, "big", []byte("x")); !errors.Is(err, redisbus.ErrQueueFull) {
		t.Fatalf("Publish behind an oversized message: %v, want ErrQueueFull", err)
	}
	g.open()
	got.WaitN(t, 1)
	waitSettled(t, pub)
	for i := range 2 { // 2 × (3 + 40) bytes fit in 100
		if err := pub.Publish(ctx, "big", make([]byte, 40)); err != nil {
			t.Fatalf("Publish #%d after the queue drained: %v", i, err)
		}
	}
	got.WaitN(t, 3)
}

// TestCloseFlushes closes a bus with messages queued behind a held writer:
// Close sends them before it returns.
func TestCloseFlushes(t *testing.T) {
	const n = 500
	srv := bustest.StartRedis(t)
	got := subscribed(t, srv.URL(), "room.close", n)
	g := newGate()
	pub := open(t, srv.URL(), g.option())
	publishN(t, pub, "room.close", 0, 1)
	g.wait()
	publishN(t, pub, "room.close", 1, n)

	closed := make(chan error)
	go func() { closed <- pub.Close() }()
	probes := 0 // accepted before Close began, on a subject nobody receives
	bustest.WaitFor(t, "Close to refuse publishes", func() bool {
		err := pub.Publish(context.Background(), "room.probe", nil)
		if err == nil {
			probes++
		}
		return errors.Is(err, bus.ErrClosed)
	})
	g.open()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	checkExact(t, got.WaitN(t, n), n)
	if st := pub.Stats(); st.Published != uint64(n+probes) || st.Dropped != 0 {
		t.Fatalf("stats after Close: %+v, want %d published, none dropped", st, n+probes)
	}
}

// TestCloseUnresponsive closes a bus whose server stopped answering (a
// frozen proxy) with messages queued: Close gives up after the publish
// timeout and counts every one as lost.
func TestCloseUnresponsive(t *testing.T) {
	const n = 300
	srv := bustest.StartRedis(t)
	proxy := bustest.StartProxy(t, srv.Addr())
	pub := open(t, "redis://"+proxy.Addr(), redisbus.WithPublishTimeout(timeoutForTest))
	proxy.Freeze()
	publishN(t, pub, "room.frozen", 0, n)
	if err := pub.Close(); err != nil {
		t.Fatal(err)
	}
	if st, cs := pub.Stats(), pub.ConnStats(); st.Published != n || cs.PublishLost != n || st.Dropped != n {
		t.Fatalf("after Close: %+v, %+v; want %d accepted and lost", st, cs, n)
	}
}

// timeoutForTest is a publish timeout short enough for a test to wait out.
const timeoutForTest = 100 * time.Millisecond
