package room

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jsgen-dev/jsgen/runtime/bus/membus"
	"github.com/jsgen-dev/jsgen/runtime/channel"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// Exclude-sender across nodes: the exclusion and the message ID travel
// with the message through a channel Bridge, so subscribers on another
// node see both, the sender's connection is skipped, and the sender's
// other tabs (on either node) receive.
func TestPublishExceptAcrossNodes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := membus.New()
	defer b.Close()
	decode := func(data []byte) (chatMsg, error) {
		var m chatMsg
		err := json.Unmarshal(data, &m)
		return m, err
	}
	nodeA, nodeB := channel.New[Room, chatMsg](nil), channel.New[Room, chatMsg](nil)
	defer nodeA.Close()
	defer nodeB.Close()
	for node, ch := range map[jsgenrt.NodeID]*channel.Channels[Room, chatMsg]{"A": nodeA, "B": nodeB} {
		link, err := channel.Bridge(ctx, ch, b, "jsgen.test.rooms.", channel.Decoder[chatMsg]{Decode: decode}, channel.BridgeNodeID(node))
		if err != nil {
			t.Fatal(err)
		}
		defer link.Close()
	}
	lobby := roomRef("lobby")
	sender := nodeA.SubscribeWith(lobby, channel.SubscribeOptions{ID: "A-1"}) // alice, tab 1
	tabA := nodeA.SubscribeWith(lobby, channel.SubscribeOptions{ID: "A-2"})   // alice, tab 2
	tabB := nodeB.SubscribeWith(lobby, channel.SubscribeOptions{ID: "B-1"})   // alice, phone
	bob := nodeB.SubscribeWith(lobby, channel.SubscribeOptions{ID: "B-2"})    // bob
	ghost := nodeB.SubscribeWith(lobby, channel.SubscribeOptions{ID: "A-1"})  // same ID on B: skipped there too

	ids, _ := NewMessageIDs("A")
	id := PublishExcept(nodeA, lobby, chatMsg{From: "alice", Text: "hi"}, "A-1", ids)
	for name, sub := range map[string]*channel.Subscription[chatMsg]{"tabA": tabA, "tabB": tabB, "bob": bob} {
		d, err := sub.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d.Message().Text != "hi" || d.ID() != id || d.Except() != "A-1" {
			t.Fatalf("%s: %+v id %q except %q", name, d.Message(), d.ID(), d.Except())
		}
	}
	// A second message, not excluded, reaches ghost and sender first: had
	// they been sent "hi", it would come before.
	nodeA.Publish(lobby, chatMsg{Text: "marker"})
	for name, sub := range map[string]*channel.Subscription[chatMsg]{"sender": sender, "ghost": ghost} {
		if m := next(t, sub); m.Text != "marker" {
			t.Fatalf("%s got %+v before the marker", name, m)
		}
	}
}
