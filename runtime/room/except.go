package room

import (
	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/channel"
)

// PublishExcept publishes msg on ch's key to, to every subscription except
// those whose ID is senderConn (subscribe each connection with
// channel.SubscribeOptions{ID: conn.ID()}), and returns the message's new
// ID for the sender's "sent" acknowledgement. The sender's other
// connections (other tabs) have other IDs and still receive it. Exclusion
// and ID travel with the message as data (channel.PublishOptions), so
// they hold on every node the channel is bridged to.
func PublishExcept[K, M any](ch *channel.Channels[K, M], to jsgenrt.Ref[K], msg M, senderConn string, ids *MessageIDs) (messageID string) {
	messageID = ids.Next()
	ch.PublishWith(to, msg, channel.PublishOptions{Except: senderConn, ID: messageID})
	return messageID
}

// Broadcaster publishes on a Channels with a message ID on every message,
// optionally excluding the sending connection: inject one per channel
// type.
type Broadcaster[K, M any] struct {
	ch  *channel.Channels[K, M]
	ids *MessageIDs
}

// NewBroadcaster returns a Broadcaster over ch drawing IDs from ids.
func NewBroadcaster[K, M any](ch *channel.Channels[K, M], ids *MessageIDs) *Broadcaster[K, M] {
	return &Broadcaster[K, M]{ch: ch, ids: ids}
}

// Publish sends msg to every subscription of to (the sender included) and
// returns its message ID.
func (b *Broadcaster[K, M]) Publish(to jsgenrt.Ref[K], msg M) (messageID string) {
	messageID = b.ids.Next()
	b.ch.PublishWith(to, msg, channel.PublishOptions{ID: messageID})
	return messageID
}

// PublishExcept sends msg to every subscription of to except senderConn's
// and returns its message ID (see the function PublishExcept).
func (b *Broadcaster[K, M]) PublishExcept(to jsgenrt.Ref[K], msg M, senderConn string) (messageID string) {
	return PublishExcept(b.ch, to, msg, senderConn, b.ids)
}
