package chat

// Room activity, for other services.
//
//jsgen:events ChatEvents
type chatEvents struct {
	RoomMessage RoomPayload `jsgen:"topic=room.message"`
	RoomJoin    RoomPayload `jsgen:"topic=room.join"`
}
