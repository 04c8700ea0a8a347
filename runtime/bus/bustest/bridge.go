package bustest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/channel"
)

type bridgeRoom struct{}

type bridgeEvent struct {
	Seq  int    `json:"seq"`
	From string `json:"from"`
}

func appendBridgeEvent(b []byte, e bridgeEvent) []byte {
	out, _ := json.Marshal(e)
	return append(b, out...)
}

func decodeBridgeEvent(b []byte) (bridgeEvent, error) {
	var e bridgeEvent
	err := json.Unmarshal(b, &e)
	return e, err
}

// checkBridgeEvent accepts what decodeBridgeEvent accepts, so the nodes
// deliver other nodes' payloads as bytes, decoded lazily.
func checkBridgeEvent(b []byte) error {
	_, err := decodeBridgeEvent(b)
	return err
}

// bridgeNode is one cluster node: a Channels bridged onto its own bus
// connection.
type bridgeNode struct {
	ch   *channel.Channels[bridgeRoom, bridgeEvent]
	link *channel.Link
}

func newBridgeNode(t *testing.T, b bus.Bus, id jsgenrt.NodeID) bridgeNode {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ch := channel.New[bridgeRoom, bridgeEvent](appendBridgeEvent, channel.WithLogger(quiet))
	link, err := channel.Bridge(context.Background(), ch, b, "bustest.chan.", channel.Decoder[bridgeEvent]{Decode: decodeBridgeEvent, Check: checkBridgeEvent},
		channel.BridgeNodeID(id), channel.BridgeLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := link.Close(); err != nil {
			t.Error(err)
		}
		_ = ch.Close()
	})
	return bridgeNode{ch: ch, link: link}
}

// next reads one delivery, failing t after Wait.
func next(t *testing.T, s *channel.Subscription[bridgeEvent]) *channel.Delivery[bridgeEvent] {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	d, err := s.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return d
}

// none asserts that s receives nothing for a moment.
func none(t *testing.T, s *channel.Subscription[bridgeEvent]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), settle)
	defer cancel()
	if d, err := s.Next(ctx); err == nil {
		t.Fatalf("unexpected delivery %+v", d.Message())
	}
}

// testBridge runs channel.Bridge over the bus: a Publish on node A reaches
// the subscribers on both nodes exactly once, in order, with its ID.
func testBridge(t *testing.T, target Target) {
	a, b := target.Open(t, 0)
	nodeA, nodeB := newBridgeNode(t, a, "A"), newBridgeNode(t, b, "B")
	r := jsgenrt.UncheckedRef[bridgeRoom]("r1")
	onA, onB := nodeA.ch.Subscribe(r), nodeB.ch.Subscribe(r)
	defer onA.Close()
	defer onB.Close()
	other := nodeB.ch.Subscribe(jsgenrt.UncheckedRef[bridgeRoom]("r10"))
	defer other.Close()

	const n = 20
	for i := range n {
		nodeA.ch.PublishWith(r, bridgeEvent{Seq: i, From: "alice"}, channel.PublishOptions{ID: "m" + string(rune('a'+i))})
	}
	for _, s := range []*channel.Subscription[bridgeEvent]{onA, onB} {
		for i := range n {
			d := next(t, s)
			if d.Message() != (bridgeEvent{Seq: i, From: "alice"}) || d.ID() != "m"+string(rune('a'+i)) {
				t.Fatalf("delivery %d = %+v id %q", i, d.Message(), d.ID())
			}
		}
	}
	// Exactly once: nothing more arrives on either node, and the room
	// whose name extends r1 saw nothing.
	none(t, onA)
	none(t, onB)
	none(t, other)
	WaitFor(t, "link counters", func() bool {
		sa, sb := nodeA.link.Stats(), nodeB.link.Stats()
		return sa.Own == n && sb.Delivered == n
	})
	if sa, sb := nodeA.link.Stats(), nodeB.link.Stats(); sa.Sent != n || sa.Delivered != 0 || sb.Own != 0 || sb.Invalid != 0 {
		t.Fatalf("link stats A %+v, B %+v", sa, sb)
	}

	// And back: B publishes, A receives.
	nodeB.ch.Publish(r, bridgeEvent{Seq: 99, From: "bob"})
	if got := next(t, onA).Message(); got != (bridgeEvent{Seq: 99, From: "bob"}) {
		t.Fatalf("A got %+v", got)
	}
	if got := next(t, onB).Message(); got.Seq != 99 {
		t.Fatalf("B got %+v", got)
	}
}
