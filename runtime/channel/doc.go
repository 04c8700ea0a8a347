// Package channel implements typed publish/subscribe channels keyed by
// model references, bounded and observable.
//
// A Channels[K, M] carries messages of type M on keys that are refs to model
// K (runtime.Ref[K]). For each `channels` declaration jsgen generates a
// type alias and a constructor that sets the declared prefix and the
// generated encoder; create the channels once and share them:
//
//	rooms := chatapi.NewRoomChannels(channel.WithLogger(logger)) // *chatapi.RoomChannels
//
//	sub := rooms.Subscribe(roomID)
//	defer sub.Close()
//	for ev := range sub.Messages() { ... }
//
//	rooms.Publish(roomID, ev)
//
// A WebSocket handler relays a channel to its connection with
// ws.Subscribe; chatapi.BridgeRoomChannels (channel.Bridge) extends the
// channels to every node sharing a bus.
//
// # Semantics
//
//   - Delivery is at most once. A message reaches the subscribers that are
//     registered on its key when it is published; nothing is stored for
//     later subscribers, and a message dropped by the overflow policy is
//     gone.
//   - Subscribe registers at call time: messages published after Subscribe
//     returns are queued even if the subscriber has not started reading.
//   - Publish delivers to every local subscriber of the key, then runs the
//     OnPublish hooks. It never blocks on a subscriber: each subscriber has
//     a bounded queue (WithQueueSize, default DefaultQueueSize) and an
//     overflow policy (WithOverflow): CloseSubscriber (the default) ends the
//     subscription with ErrOverflow, DropOldest evicts the oldest queued
//     message, DropNewest discards the new one. Every dropped message is
//     counted on the subscription (Subscription.Dropped) and the channel
//     (Stats.Dropped) and logged (1st, 2nd, 4th, 8th… drop per
//     subscription).
//   - Order: a subscriber receives one publisher's messages for a key in
//     publish order. Messages from concurrent publishers interleave in an
//     unspecified order, which may differ between subscribers.
//   - Every subscriber of a publish sees the same *Delivery. Its Bytes are
//     encoded at most once, on first request, however many subscribers (and
//     hooks, such as the cluster Bridge) ask for them.
//   - DeliverRemote delivers to local subscribers only and never runs
//     hooks, so forwarding messages between nodes cannot loop.
//   - Hooks (AddHooks): OnFirstSubscriber runs when a key's
//     local subscriber count goes 0→1 and OnLastUnsubscribe when it goes
//     1→0, exactly once per transition and strictly alternating per key,
//     even under concurrent Subscribe/Close. They run while the key is
//     locked, so Subscribe returns only after OnFirstSubscriber has returned
//     (the cluster Bridge has subscribed its bus subject by then). Hooks
//     must therefore not subscribe to or close subscriptions on the same
//     key. A hook's error or panic is recovered, counted
//     (Stats.HookFailures) and logged; it never reaches the publisher.
//   - The key prefix (WithPrefix) is applied only to the backend key
//     (Channels.Key, the Bridge's bus subject). Hooks, Delivery.Key and
//     ActiveKeys use the un-prefixed identifier.
//
// Bridge makes a Channels cluster-aware over a bus.Bus: publishes are
// forwarded to the bus, and each node subscribes a key's subject only while
// it has local subscribers for that key. A message from another node is
// checked on receipt and delivered as the bytes it arrived in: Bytes never
// re-encodes it, and it is decoded into M only when, and the first time
// that, a subscriber or hook calls Delivery.Message, so a node whose
// subscribers only relay Bytes (ws.Subscribe) never decodes it.
package channel
