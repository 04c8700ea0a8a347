package bustest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/bus/membus"
	"github.com/jsgen-dev/jsgen/runtime/bus/natsbus"
	"github.com/jsgen-dev/jsgen/runtime/bus/redisbus"
)

// benchQueue is the per-subscription queue of the benchmarks; the
// in-flight window stays below it so nothing is dropped.
const (
	benchQueue  = 8192
	benchWindow = 1024
)

// BenchmarkDelivery measures publish→receive across two connections (two
// nodes) for each backend in the same run: ns/op is per delivered message,
// with up to benchWindow messages in flight. membus is the single-process
// baseline (both "nodes" share it).
func BenchmarkDelivery(b *testing.B) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	backends := []struct {
		name string
		open func(b *testing.B) (pub, sub bus.Bus)
	}{
		{"membus", func(b *testing.B) (bus.Bus, bus.Bus) {
			m := membus.New(membus.WithQueueSize(benchQueue), membus.WithLogger(quiet))
			b.Cleanup(func() { _ = m.Close() })
			return m, m
		}},
		{"natsbus", func(b *testing.B) (bus.Bus, bus.Bus) {
			srv := StartNATS(b)
			return openBench(b, func(ctx context.Context) (bus.Bus, error) {
				return natsbus.New(ctx, srv.URL(), natsbus.WithQueueSize(benchQueue), natsbus.WithLogger(quiet))
			})
		}},
		{"redisbus", func(b *testing.B) (bus.Bus, bus.Bus) {
			srv := StartRedis(b)
			return openBench(b, func(ctx context.Context) (bus.Bus, error) {
				return redisbus.New(ctx, srv.URL(), redisbus.WithQueueSize(benchQueue), redisbus.WithLogger(quiet))
			})
		}},
	}
	for _, be := range backends {
		for _, pubs := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/publishers=%d", be.name, pubs), func(b *testing.B) {
				pub, sub := be.open(b)
				benchDelivery(b, pub, sub, pubs)
			})
		}
	}
}

func openBench(b *testing.B, open func(context.Context) (bus.Bus, error)) (bus.Bus, bus.Bus) {
	var out [2]bus.Bus
	for i := range out {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		bb, err := open(ctx)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = bb.Close() })
		out[i] = bb
	}
	return out[0], out[1]
}

// benchDelivery publishes b.N messages from pubs goroutines on pub and
// waits until sub has handled them all.
func benchDelivery(b *testing.B, pub, sub bus.Bus, pubs int) {
	var received atomic.Int64
	progress := make(chan struct{}, 1)
	if _, err := sub.Subscribe(context.Background(), "bench.room.message", func(string, []byte) {
		received.Add(1)
		select {
		case progress <- struct{}{}:
		default:
		}
	}); err != nil {
		b.Fatal(err)
	}
	payload := []byte(`{"type":"message","room":"lobby","from":"alice","content":"hello, world"}`)
	var sent atomic.Int64
	window := int64(benchWindow)
	// wait blocks until cond holds; it reports false (and fails b) if
	// delivery stalls.
	wait := func(cond func() bool) bool {
		stall := time.NewTimer(10 * time.Second)
		defer stall.Stop()
		for !cond() {
			select {
			case <-progress:
			case <-time.After(time.Millisecond):
			case <-stall.C:
				b.Errorf("stalled: sent %d, received %d, sub stats %+v", sent.Load(), received.Load(), sub.Stats())
				return false
			}
		}
		return true
	}
	var mu sync.Mutex // serialises waiting for the window
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N / pubs
	for p := range pubs {
		n := per
		if p == 0 {
			n += b.N % pubs
		}
		wg.Go(func() {
			for range n {
				if sent.Load()-received.Load() >= window {
					mu.Lock()
					ok := wait(func() bool { return sent.Load()-received.Load() < window })
					mu.Unlock()
					if !ok {
						return
					}
				}
				if err := pub.Publish(context.Background(), "bench.room.message", payload); err != nil {
					b.Error(err)
					return
				}
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	if !wait(func() bool { return received.Load() >= int64(b.N) }) {
		return
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if d := sub.Stats().Dropped; d != 0 {
		b.Fatalf("%d messages dropped", d)
	}
}
