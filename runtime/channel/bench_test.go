package channel

import (
	"fmt"
	"sync"
	"testing"
)

var benchSizes = []int{1, 100, 1000}

// Publish cost alone: subscribers never read, their rings are full and
// DropOldest recycles a slot per publish (the steady state of a fan-out
// that keeps up is cheaper than this).
func BenchmarkPublish(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			ch := newTestEnc(appendEvent, WithOverflow(DropOldest))
			for range n {
				defer ch.Subscribe(ref("r")).Close()
			}
			for i := range DefaultQueueSize { // grow every ring to its bound
				ch.Publish(ref("r"), event{Seq: i})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				ch.Publish(ref("r"), event{Seq: i})
			}
		})
	}
}

// Publish with every subscriber draining on its own goroutine, each asking
// for the shared encoding, as a WebSocket fan-out does.
func BenchmarkPublishConsumed(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			ch := newTestEnc(appendEvent, WithOverflow(DropOldest))
			var wg sync.WaitGroup
			for range n {
				s := ch.Subscribe(ref("r"))
				wg.Go(func() {
					for d := range s.Deliveries() {
						_ = d.Bytes()
					}
				})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				ch.Publish(ref("r"), event{Seq: i})
			}
			b.StopTimer()
			_ = ch.Close()
			wg.Wait()
		})
	}
}

// An OnPublish hook that asks for the encoding (as the cluster Bridge
// does): the encoder runs once per publish whatever the fan-out.
func BenchmarkPublishHooked(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			ch := hooked(newTestEnc(appendEvent, WithOverflow(DropOldest)), Hooks[event]{OnPublish: func(_ string, d *Delivery[event]) error {
				_ = d.Bytes()
				return nil
			}})
			for range n {
				defer ch.Subscribe(ref("r")).Close()
			}
			for i := range DefaultQueueSize {
				ch.Publish(ref("r"), event{Seq: i})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				ch.Publish(ref("r"), event{Seq: i})
			}
		})
	}
}

// SubscribeFunc subscribers: each deliver runs inside Publish and nothing
// is queued (compare allocs/op with BenchmarkPublish, where every
// subscriber has a queue).
func BenchmarkPublishSubscribeFunc(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			ch := newTestEnc(appendEvent)
			var delivered int
			for range n {
				defer ch.SubscribeFunc(ref("r"), SubscribeOptions{}, func(*Delivery[event]) error {
					delivered++
					return nil
				}).Close()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				ch.Publish(ref("r"), event{Seq: i})
			}
			b.StopTimer()
			if delivered != n*b.N {
				b.Fatalf("%d deliveries, want %d", delivered, n*b.N)
			}
		})
	}
}

// SubscribeFunc subscribers asking for the shared encoding, as
// ws.Subscribe does (compare with BenchmarkPublishConsumed, the same
// fan-out through queues and reader goroutines).
func BenchmarkPublishSubscribeFuncEncoded(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			ch := newTestEnc(appendEvent)
			var size int
			for range n {
				defer ch.SubscribeFunc(ref("r"), SubscribeOptions{}, func(d *Delivery[event]) error {
					size += len(d.Bytes())
					return nil
				}).Close()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				ch.Publish(ref("r"), event{Seq: i})
			}
			b.StopTimer()
			if size == 0 {
				b.Fatal("nothing encoded")
			}
		})
	}
}

// Many publishers on many keys at once: no global lock on the hot path.
func BenchmarkPublishParallelKeys(b *testing.B) {
	const keys = 64
	ch := newTest(WithOverflow(DropOldest))
	refs := make([]string, keys)
	for k := range keys {
		refs[k] = fmt.Sprint(k)
		for range 10 {
			defer ch.Subscribe(ref(refs[k])).Close()
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			ch.Publish(ref(refs[i%keys]), event{Seq: i})
			i++
		}
	})
}
