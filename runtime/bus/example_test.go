package bus_test

import (
	"context"
	"fmt"

	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/bus/membus"
)

func ExampleTopic() {
	b := membus.New()
	defer b.Close()
	roomMessage := bus.Topic[payload]{
		Subject:  "chat.room.message",
		Encode:   encode,
		Decode:   decode,
		Validate: validate,
	}

	got := make(chan payload)
	sub, err := roomMessage.On(b, func(_ context.Context, p payload) { got <- p })
	if err != nil {
		panic(err)
	}
	defer sub.Unsubscribe()

	ctx := context.Background()
	fmt.Println(roomMessage.Emit(ctx, b, payload{Content: "no room"}))
	_ = roomMessage.Emit(ctx, b, payload{Room: "lobby", Content: "hi"})
	fmt.Println((<-got).Content)
	// Output:
	// bus: emit chat.room.message: invalid message: room: required
	// hi
}
