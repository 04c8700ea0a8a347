package room

import (
	"sync"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/channel"
)

// RoomPresence relays the presence transitions of a room's members to
// subscribers of that room: a change of user U reaches Watch(room) for
// every room U is a member of when it happens (Members.RoomsOf).
type RoomPresence[R, U any] struct {
	members *Members[R, U]
	ch      *channel.Channels[R, PresenceChange[U]]
	remove  func()
	once    sync.Once
}

// NewRoomPresence connects members and presence. Each Watch subscription
// holds queueSize changes (default 64 if < 1) and drops the oldest when
// full. Close it to disconnect.
func NewRoomPresence[R, U any](members *Members[R, U], presence *Presence[U], queueSize int) *RoomPresence[R, U] {
	if queueSize < 1 {
		queueSize = 64
	}
	rp := &RoomPresence[R, U]{
		members: members,
		ch: channel.New[R, PresenceChange[U]](nil, channel.WithQueueSize(queueSize),
			channel.WithOverflow(channel.DropOldest), channel.WithLogger(members.log)),
	}
	rp.remove = presence.OnChange(rp.relay)
	return rp
}

func (rp *RoomPresence[R, U]) relay(c PresenceChange[U]) {
	if rp.ch.Stats().Subscribers == 0 {
		return
	}
	for _, room := range rp.members.RoomsOf(c.User) {
		rp.ch.Publish(room, c)
	}
}

// Watch subscribes to the presence transitions of room's members. Close
// the subscription when done.
func (rp *RoomPresence[R, U]) Watch(room jsgenrt.Ref[R]) *channel.Subscription[PresenceChange[U]] {
	return rp.ch.Subscribe(room)
}

// Close stops relaying and ends every Watch subscription. It is
// idempotent and returns nil.
func (rp *RoomPresence[R, U]) Close() error {
	rp.once.Do(func() {
		rp.remove()
		_ = rp.ch.Close()
	})
	return nil
}
