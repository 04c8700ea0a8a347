package channel

import (
	"sync"
	"sync/atomic"
	"testing"
)

// One stalled subscriber among many must not delay the others: publishing
// completes, every healthy subscriber receives every message in order, and
// the stalled one reports its drops.
func TestStalledSubscriberDoesNotDelayOthers(t *testing.T) {
	subscribers, messages := stalledTestSize()
	const batch = DefaultQueueSize / 2
	ch := newTest(WithOverflow(DropOldest))
	stalled := ch.Subscribe(ref("r"))
	defer stalled.Close()

	// The healthy readers are paced by batch so that their own queues never
	// overflow (on two shared cores they may be slower than the publisher);
	// the stalled subscriber is never read at all.
	var (
		received atomic.Int64
		target   atomic.Int64
		caughtUp = make(chan struct{}, 1)
		wg       sync.WaitGroup
		failures atomic.Int64
	)
	healthy := subscribers - 1
	for range healthy {
		s := ch.Subscribe(ref("r"))
		wg.Go(func() {
			next := 0
			for msg := range s.Messages() {
				if msg.Seq != next {
					failures.Add(1)
				}
				next = msg.Seq + 1
				if received.Add(1) == target.Load() {
					caughtUp <- struct{}{}
				}
				if next == messages {
					return
				}
			}
		})
	}
	for start := 0; start < messages; start += batch {
		end := min(start+batch, messages)
		target.Store(int64(end) * int64(healthy))
		for i := start; i < end; i++ {
			ch.Publish(ref("r"), event{Seq: i})
		}
		<-caughtUp
	}
	wg.Wait()

	if n := failures.Load(); n != 0 {
		t.Fatalf("%d out-of-order or missing messages among healthy subscribers", n)
	}
	if got, want := received.Load(), int64(messages)*int64(healthy); got != want {
		t.Fatalf("healthy subscribers received %d, want %d", got, want)
	}
	wantDropped := uint64(messages - DefaultQueueSize)
	if stalled.Dropped() != wantDropped || stalled.Len() != DefaultQueueSize {
		t.Fatalf("stalled: dropped %d (want %d), queued %d", stalled.Dropped(), wantDropped, stalled.Len())
	}
	st := ch.Stats()
	if st.Dropped != wantDropped {
		t.Fatalf("channel dropped %d, want %d", st.Dropped, wantDropped)
	}
	// The stalled one keeps the newest messages.
	if got := drain(stalled); got[0] != messages-DefaultQueueSize || got[len(got)-1] != messages-1 {
		t.Fatalf("stalled queue holds %d..%d", got[0], got[len(got)-1])
	}
}
