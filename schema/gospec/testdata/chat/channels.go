package chat

import "github.com/jsgen-dev/jsgen/runtime/channel"

//jsgen:channels
type RoomChannels = channel.Channels[Room, RoomEvent]

//jsgen:channels prefix=user:
type UserChannels = channel.Channels[User, DirectMessage]
