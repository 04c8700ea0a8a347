// Package bus defines the event bus that jsgen's cluster features run on: a
// small interface for publishing opaque bytes on a subject and subscribing
// handlers to a subject, plus Topic, the typed helper generated event buses
// are built from.
//
// Pick an implementation — membus.New() in one process, natsbus.New or
// redisbus.New across processes — and hand it to what runs on it:
//
//	b, err := natsbus.New(ctx, "nats://127.0.0.1:4222")
//	if err != nil { ... }
//	defer b.Close()
//	link, err := chatapi.BridgeRoomChannels(ctx, rooms, b) // channels on every node
//	events := chatapi.NewChatEvents(b, logger)             // a generated event bus
//	sync, err := roomsync.Start(ctx, b, "myapp.members", members, roomsync.Options{})
//
// # Semantics every implementation must keep
//
//   - Subjects are exact strings. Implementations treat them literally: no
//     wildcards, no hierarchy, no normalisation. A handler subscribed to
//     "room.message" receives what is published on exactly "room.message".
//     (Identifiers inside subjects come from runtime.Ref, which never holds
//     '.', '*' or '>', so literal subjects are also safe on NATS and Redis.)
//     The bundled buses (membus included) refuse the same subjects: empty
//     tokens, a "*" or ">" token, whitespace or control characters, more
//     than 512 bytes.
//   - Delivery is at most once. A message may be lost (slow subscriber,
//     network failure, node restart); it is never delivered twice to one
//     subscription by the bus itself.
//   - Messages from one publisher on one subject reach each subscription in
//     publish order. There is no order across publishers.
//   - Publish never blocks on a slow handler. Implementations bound what they
//     buffer per subscription and count (Stats.Dropped) and log what they
//     drop.
//   - Publish does not retain data after it returns; the caller may reuse
//     the slice. A handler may retain the data it receives but must not
//     modify it (it may be shared with other subscriptions).
//   - Handler panics are recovered, counted (Stats.Failed) and logged.
//
// The in-memory implementation is in package membus; NATS and Redis
// implementations live in their own packages behind the same interface.
package bus

import (
	"context"
	"errors"
)

// Handler receives one message published on subject. It runs on a goroutine
// owned by the bus; it must not call the bus's Close.
type Handler func(subject string, data []byte)

// Subscription is one handler registered on one subject.
type Subscription interface {
	// Unsubscribe stops delivery to the handler: messages not yet handled
	// are discarded and no new handler call starts once it has returned,
	// except one that was already starting. It is idempotent and safe from
	// any goroutine, including the handler itself.
	Unsubscribe() error
}

// Bus publishes opaque payloads on exact-string subjects. See the package
// documentation for the guarantees implementations give.
type Bus interface {
	// Publish sends data to every subscription on subject, across every node
	// sharing the bus. It returns once the message is handed to the
	// transport, which may be a client-side queue flushed in the
	// background (NATS, Redis): not when the server has it, nor when
	// handlers have run. A message accepted and then lost (the connection
	// fails before it is sent) is counted in Stats.Dropped. Publish fails
	// with ErrClosed after Close, with the context's error if ctx is done,
	// or with a transport error (including a full client-side queue).
	Publish(ctx context.Context, subject string, data []byte) error
	// Subscribe registers handler for messages published on subject from
	// now on. When it returns without error the subscription is active: a
	// message published afterwards (on this node, or after the transport
	// has propagated the interest) reaches the handler.
	Subscribe(ctx context.Context, subject string, handler Handler) (Subscription, error)
	// Stats returns a snapshot of the bus's counters.
	Stats() Stats
	// Close unsubscribes every handler, waits for running handlers to
	// return and releases the transport. Later calls to Publish and
	// Subscribe fail with ErrClosed. Close is idempotent.
	Close() error
}

// Stats is a snapshot of a bus's counters, all monotonic since creation.
type Stats struct {
	Published uint64 // messages accepted by Publish
	Delivered uint64 // handler calls that returned normally
	Dropped   uint64 // messages lost before reaching a handler (full queue, transport loss)
	Failed    uint64 // handler calls that panicked
}

// Errors returned by Bus implementations.
var (
	// ErrClosed is returned by Publish and Subscribe after Close.
	ErrClosed = errors.New("bus: closed")
	// ErrEmptySubject is returned for an empty subject.
	ErrEmptySubject = errors.New("bus: empty subject")
)
