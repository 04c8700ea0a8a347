package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jsgen-dev/jsgen/examples/chat/chatapi"
	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/room"
)

// publishEvents makes the chat tell other services what happens in its
// rooms, through the generated ChatEvents on b: room.join and room.leave
// for each member transition of this node's connections (so that a cluster
// emits each once), room.message for each chat message. Typing is not
// emitted: nothing outside the room needs it. It returns the function
// that stops emitting member transitions.
func (a *app) publishEvents(b bus.Bus) (stop func()) {
	a.events = chatapi.NewChatEvents(b, a.log)
	return a.members.OnChange(func(c room.MemberChange[chatapi.Room, chatapi.User]) {
		if !c.Local {
			return
		}
		ev, _ := announce(c)
		p := chatapi.RoomPayload{RoomKey: c.Room, Event: ev}
		var err error
		switch c.Kind {
		case room.MemberJoined:
			err = a.events.EmitRoomJoin(context.Background(), p)
		case room.MemberLeft:
			err = a.events.EmitRoomLeave(context.Background(), p)
		}
		if err != nil {
			a.log.Warn("emit member event", "room", c.Room.ID(), "user", c.User.ID(), "err", err)
		}
	})
}

// emitMessage tells other services about a chat message posted here.
func (a *app) emitMessage(ctx context.Context, roomID jsgenrt.Ref[chatapi.Room], ev chatapi.ChatEvent) {
	if err := a.events.EmitRoomMessage(ctx, chatapi.RoomPayload{RoomKey: roomID, Event: ev}); err != nil {
		a.log.Warn("emit room.message", "room", roomID.ID(), "err", err)
	}
}

// startAudit is the other side: a service that keeps an audit log of the
// rooms by listening to ChatEvents. The example runs it in the chat
// process (flag -audit); in production it would run on its own, on the
// cluster's bus, and the chat would not change.
func startAudit(events *chatapi.ChatEvents, log *slog.Logger) (stop func(), err error) {
	var subs []*bus.TopicSubscription
	stop = func() {
		for _, s := range subs {
			_ = s.Unsubscribe()
		}
	}
	record := func(topic string) func(context.Context, chatapi.RoomPayload) {
		return func(ctx context.Context, p chatapi.RoomPayload) {
			attrs := []any{"topic", topic, "room", p.RoomKey.ID()}
			switch e := p.Event.(type) {
			case chatapi.JoinEvent:
				attrs = append(attrs, "user", e.Username.ID())
			case chatapi.LeaveEvent:
				attrs = append(attrs, "user", e.Username.ID())
			case chatapi.ChatEvent:
				attrs = append(attrs, "user", e.Username.ID(), "content", e.Content)
			}
			log.InfoContext(ctx, "audit", attrs...)
		}
	}
	for _, on := range []struct {
		topic string
		sub   func(func(context.Context, chatapi.RoomPayload)) (*bus.TopicSubscription, error)
	}{
		{"room.join", events.OnRoomJoin},
		{"room.message", events.OnRoomMessage},
		{"room.leave", events.OnRoomLeave},
	} {
		s, err := on.sub(record(on.topic))
		if err != nil {
			stop()
			return nil, fmt.Errorf("audit %s: %w", on.topic, err)
		}
		subs = append(subs, s)
	}
	return stop, nil
}
