package chat

import jsgenrt "github.com/jsgen-dev/jsgen/runtime"

//jsgen:controller Chat prefix=/chat
type chatController struct {
	// A room's live socket.
	Room struct {
		Params struct {
			RoomID jsgenrt.Ref[Room] `json:"roomId"`
		}
		Query RoomQuery
		In    ClientMessage
		Out   RoomEvent
	} `jsgen:"ws=/room/:roomId"`
	DM struct {
		Query DMQuery
		In    DMFrame
		Out   DirectMessage
	} `jsgen:"ws=/dm"`
}
