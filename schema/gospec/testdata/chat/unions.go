package chat

// Every frame the room socket sends.
//
//jsgen:union discriminator=type join=JoinEvent leave=LeaveEvent message=ChatEvent typing=TypingEvent sent=SentEvent
type RoomEvent interface{ RoomEventTag() string }

//jsgen:union default=dm dm=DirectMessage presence=PresenceUpdate
type DMFrame interface{ DMFrameTag() string }
