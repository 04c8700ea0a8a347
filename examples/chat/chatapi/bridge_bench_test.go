package chatapi_test

import (
	"context"
	"sync"
	"testing"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/channel"

	"github.com/jsgen-dev/jsgen/examples/chat/chatapi"
)

// syncBus is a bus.Bus that runs every handler of a subject inside
// Publish: the benchmark below then measures the delivery path itself,
// not a transport.
type syncBus struct {
	mu   sync.Mutex
	subs map[string]map[*syncSub]bool
}

type syncSub struct {
	b       *syncBus
	subject string
	h       bus.Handler
}

func (s *syncSub) Unsubscribe() error {
	s.b.mu.Lock()
	delete(s.b.subs[s.subject], s)
	s.b.mu.Unlock()
	return nil
}

func (b *syncBus) Publish(_ context.Context, subject string, data []byte) error {
	b.mu.Lock()
	var hs []bus.Handler
	for s := range b.subs[subject] {
		hs = append(hs, s.h)
	}
	b.mu.Unlock()
	for _, h := range hs {
		h(subject, data)
	}
	return nil
}

func (b *syncBus) Subscribe(_ context.Context, subject string, h bus.Handler) (bus.Subscription, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[string]map[*syncSub]bool{}
	}
	if b.subs[subject] == nil {
		b.subs[subject] = map[*syncSub]bool{}
	}
	s := &syncSub{b: b, subject: subject, h: h}
	b.subs[subject][s] = true
	return s, nil
}

func (b *syncBus) Stats() bus.Stats { return bus.Stats{} }
func (b *syncBus) Close() error     { return nil }

// BenchmarkRemoteDelivery publishes a chat message on one node and
// delivers it to 10 subscribers of the room on another node, through the
// generated Bridge: "relay" subscribers only take the wire form (as
// ws.Subscribe does), "message" has one subscriber that also reads the
// message.
func BenchmarkRemoteDelivery(b *testing.B) {
	for _, mode := range []string{"relay", "message"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			sb := &syncBus{}
			nodeA, nodeB := chatapi.NewRoomChannels(), chatapi.NewRoomChannels()
			for i, ch := range []*chatapi.RoomChannels{nodeA, nodeB} {
				id := jsgenrt.NodeID([]string{"a", "b"}[i])
				link, err := chatapi.BridgeRoomChannels(ctx, ch, sb, channel.BridgeNodeID(id))
				if err != nil {
					b.Fatal(err)
				}
				defer link.Close()
			}
			room := chatapi.MustRoomRef("lobby")
			var n int
			for i := range 10 {
				s := nodeB.SubscribeFunc(room, channel.SubscribeOptions{}, func(d *channel.Delivery[chatapi.RoomEvent]) error {
					n += len(d.Bytes())
					if mode == "message" && i == 0 && d.Message() == nil {
						b.Fatal("no message")
					}
					return nil
				})
				defer s.Close()
			}
			msg := chatapi.ChatEvent{
				Username:  chatapi.MustUserRef("alice"),
				Content:   "hello, this is a chat message of ordinary length",
				Timestamp: time.UnixMilli(1_700_000_000_000),
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				nodeA.Publish(room, msg)
			}
			if n == 0 {
				b.Fatal("nothing delivered")
			}
		})
	}
}
