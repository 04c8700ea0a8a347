package main

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkPublishAllocs is B4 under `go test -bench`: one publish to a
// room of M members through the generated Chat controller, RoomChannels
// and ws.Subscribe, read by every member over loopback. allocs/op should not
// grow with M; allocs/delivery is allocs/op ÷ M.
//
//	cd bench && go test -run '^$' -bench PublishAllocs -benchmem
func BenchmarkPublishAllocs(b *testing.B) {
	for _, m := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("members=%d", m), func(b *testing.B) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			fx, err := newAllocFixture(ctx, m)
			if err != nil {
				b.Fatal(err)
			}
			defer fx.close()
			for range 20 { // warm the queues and pools
				if err := fx.publish(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := fx.publish(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
		})
	}
}
