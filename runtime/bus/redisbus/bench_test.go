package redisbus_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus/bustest"
	"github.com/jsgen-dev/jsgen/runtime/bus/redisbus"
)

// Benchmark bounds: the subscriber buffers benchQueue messages, and at most
// benchWindow are in flight (published, not yet handled), so nothing is
// dropped.
const (
	benchQueue  = 1 << 16
	benchWindow = 1 << 14
)

// BenchmarkPublish measures cross-node throughput: publishers on one bus,
// one subscriber on another, both on a local redis-server. ns/op is per
// delivered message; msgs/s is the delivered rate.
func BenchmarkPublish(b *testing.B) {
	srv := bustest.StartRedis(b)
	for _, pubs := range []int{1, 4} {
		b.Run(fmt.Sprintf("publishers=%d", pubs), func(b *testing.B) {
			pub := openBench(b, srv.URL())
			sub := openBench(b, srv.URL(), redisbus.WithQueueSize(benchQueue))
			benchPublish(b, pub, sub, pubs)
		})
	}
}

func openBench(b *testing.B, url string, opts ...redisbus.Option) *redisbus.Bus {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts = append(opts, redisbus.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	bb, err := redisbus.New(ctx, url, opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = bb.Close() })
	return bb
}

// benchPublish publishes b.N messages from pubs goroutines on pub and waits
// until sub has handled them all.
func benchPublish(b *testing.B, pub, sub *redisbus.Bus, pubs int) {
	var sent, received atomic.Int64
	progress := make(chan struct{}, 1)
	if _, err := sub.Subscribe(context.Background(), "bench.room", func(string, []byte) {
		received.Add(1)
		select {
		case progress <- struct{}{}:
		default:
		}
	}); err != nil {
		b.Fatal(err)
	}
	// wait blocks until fewer than limit messages are in flight; it fails b
	// and reports false if delivery stalls.
	wait := func(limit int64) bool {
		stall := time.NewTimer(10 * time.Second)
		defer stall.Stop()
		for sent.Load()-received.Load() >= limit {
			select {
			case <-progress:
			case <-time.After(time.Millisecond):
			case <-stall.C:
				b.Errorf("stalled: sent %d, received %d, stats %+v", sent.Load(), received.Load(), sub.Stats())
				return false
			}
		}
		return true
	}
	payload := []byte(`{"type":"message","room":"lobby","from":"alice","content":"hello, world"}`)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	b.ResetTimer()
	var mu sync.Mutex // one publisher at a time waits for the window
	var wg sync.WaitGroup
	for p := range pubs {
		n := b.N / pubs
		if p == 0 {
			n += b.N % pubs
		}
		wg.Go(func() {
			for range n {
				if sent.Load()-received.Load() >= benchWindow {
					mu.Lock()
					ok := wait(benchWindow)
					mu.Unlock()
					if !ok {
						return
					}
				}
				if err := pub.Publish(context.Background(), "bench.room", payload); err != nil {
					b.Error(err)
					return
				}
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	if !wait(1) || b.Failed() {
		return
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if d := sub.Stats().Dropped + pub.Stats().Dropped; d != 0 {
		b.Fatalf("%d messages dropped", d)
	}
}
