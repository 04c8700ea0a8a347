package channel_test

import (
	"context"
	"encoding/json"
	"fmt"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/bus/membus"
	"github.com/jsgen-dev/jsgen/runtime/channel"
)

type Room struct{}

type RoomEvent struct {
	Type    string `json:"type"`
	Content string `json:"content,omitempty"`
}

func AppendRoomEventJSON(b []byte, e RoomEvent) []byte {
	out, _ := json.Marshal(e)
	return append(b, out...)
}

func DecodeRoomEvent(b []byte) (RoomEvent, error) {
	var e RoomEvent
	err := json.Unmarshal(b, &e)
	return e, err
}

// CheckRoomEvent accepts exactly what DecodeRoomEvent accepts.
func CheckRoomEvent(b []byte) error {
	_, err := DecodeRoomEvent(b)
	return err
}

func Example() {
	rooms := channel.New[Room, RoomEvent](AppendRoomEventJSON, channel.WithPrefix("room:"))
	lobby := jsgenrt.UncheckedRef[Room]("lobby")

	sub := rooms.Subscribe(lobby) // registered now: nothing published from here on is missed
	rooms.Publish(lobby, RoomEvent{Type: "join"})
	rooms.Publish(lobby, RoomEvent{Type: "message", Content: "hi"})

	for d := range sub.Deliveries() {
		fmt.Printf("%s %s\n", d.Message().Type, d.Bytes())
		if d.Message().Type == "message" {
			break // ends the subscription
		}
	}
	fmt.Println(sub.Err(), rooms.Stats().Subscribers)
	// Output:
	// join {"type":"join"}
	// message {"type":"message","content":"hi"}
	// channel: subscription closed 0
}

func ExampleBridge() {
	ctx := context.Background()
	b := membus.New()
	defer b.Close()

	// Two nodes sharing one bus.
	nodeA := channel.New[Room, RoomEvent](AppendRoomEventJSON)
	nodeB := channel.New[Room, RoomEvent](AppendRoomEventJSON)
	for _, n := range []*channel.Channels[Room, RoomEvent]{nodeA, nodeB} {
		dec := channel.Decoder[RoomEvent]{Decode: DecodeRoomEvent, Check: CheckRoomEvent}
		link, err := channel.Bridge(ctx, n, b, "chat.rooms.", dec)
		if err != nil {
			panic(err)
		}
		defer link.Close()
	}

	lobby := jsgenrt.UncheckedRef[Room]("lobby")
	onB := nodeB.Subscribe(lobby) // node B now listens on "chat.rooms.lobby"
	defer onB.Close()

	nodeA.Publish(lobby, RoomEvent{Type: "message", Content: "from A"})
	d, err := onB.Next(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Message().Content)
	// Output: from A
}
