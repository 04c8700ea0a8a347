package bus

import "fmt"

// State is the connection state of a bus that talks to a server (NATS,
// Redis), as their state handlers report it.
type State int

// Connection states.
const (
	// StateConnected: connected, every subscription is in place.
	StateConnected State = iota + 1
	// StateDisconnected: the connection dropped; the bus is reconnecting.
	// Publishes fail and are counted as lost.
	StateDisconnected
	// StateClosed: the bus was closed, or it gave up reconnecting.
	StateClosed
)

// ConnStats counts the connection events of a bus that talks to a server
// (NATS, Redis); counters are monotonic since the bus was created.
type ConnStats struct {
	Disconnects uint64 // connection losses noticed
	Reconnects  uint64 // recoveries (subscriptions restored)
	PublishLost uint64 // publishes lost on the transport (also in Stats.Dropped)
	Subjects    int    // subjects currently subscribed on the server
}

// String returns the state's name.
func (s State) String() string {
	switch s {
	case StateConnected:
		return "connected"
	case StateDisconnected:
		return "disconnected"
	case StateClosed:
		return "closed"
	}
	return fmt.Sprintf("State(%d)", int(s))
}
