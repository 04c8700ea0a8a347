// Package repl is the replication state of the room services: the events
// and snapshots that Members and Presence exchange through roomsync, their
// binary wire form, the errors of applying them, and Replica, the view of a
// service that roomsync drives. Apps never use it: they pass the services
// to roomsync.Start.
package repl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// EventKind names a replicated state change.
type EventKind uint8

// The event kinds. Members produce and apply EventJoin and EventLeave;
// Presence produces and applies the EventPresence kinds.
const (
	// EventJoin: connection Conn of User joined Room at At.
	EventJoin EventKind = 1 + iota
	// EventLeave: connection Conn of User left Room at At.
	EventLeave
	// EventPresence: connection Conn of User has Status (set at Since) and
	// was last seen at At. Set and Heartbeat both produce it, so it always
	// carries the entry's whole state and applying it twice is harmless.
	EventPresence
	// EventPresenceRemove: the presence entry of Conn of User was removed.
	EventPresenceRemove
	// EventPresenceExpire: the presence entry of Conn of User expired.
	EventPresenceExpire
)

// String returns the kind's name ("join", "leave", "presence", "presence-remove",
// "presence-expire").
func (k EventKind) String() string {
	switch k {
	case EventJoin:
		return "join"
	case EventLeave:
		return "leave"
	case EventPresence:
		return "presence"
	case EventPresenceRemove:
		return "presence-remove"
	case EventPresenceExpire:
		return "presence-expire"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one state change of a node's own entries, small and
// serialisable (MarshalBinary / UnmarshalBinary) so that a cluster adapter
// can publish it on a bus; other nodes feed it to Replica.Apply. Identifiers are
// plain strings (the refs' identifiers) because events cross process
// boundaries; Apply validates them again.
type Event struct {
	Kind   EventKind
	Node   string // the node that owns the entry and produced the event
	Epoch  uint64 // random per service instance: changes when the node restarts
	Seq    uint64 // per (Node, Epoch, service): 1, 2, 3... in the order the changes happened
	Room   string // EventJoin, EventLeave
	User   string
	Conn   string
	Status uint8 // EventPresence: the room.Status
	At     int64 // Unix nanoseconds: join time (EventJoin), last seen (EventPresence), time of the change (others)
	Since  int64 // EventPresence: Unix nanoseconds at which Status was set
}

// Wire format of an Event (version 1):
//
//	version  byte (1)
//	kind     byte
//	status   byte
//	epoch    uvarint
//	seq      uvarint
//	at       varint
//	since    varint
//	node, room, user, conn: uvarint length + bytes each
//
// Nothing may follow. Text fields are bounded by maxEventText.
const (
	eventVersion = 1
	maxEventText = 1024
)

// AppendBinary appends e's wire form to b. It never fails; the error is
// there to satisfy encoding.BinaryAppender.
func (e Event) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, eventVersion, byte(e.Kind), byte(e.Status))
	b = binary.AppendUvarint(b, e.Epoch)
	b = binary.AppendUvarint(b, e.Seq)
	b = binary.AppendVarint(b, e.At)
	b = binary.AppendVarint(b, e.Since)
	for _, s := range [...]string{e.Node, e.Room, e.User, e.Conn} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b, nil
}

// MarshalBinary returns e's wire form.
func (e Event) MarshalBinary() ([]byte, error) {
	return e.AppendBinary(make([]byte, 0, 32+len(e.Node)+len(e.Room)+len(e.User)+len(e.Conn)))
}

// UnmarshalBinary decodes a wire form produced by AppendBinary. It checks
// the framing (version, lengths, bounds, no trailing bytes) but not the
// identifiers; Replica.Apply validates those. The result never aliases data.
func (e *Event) UnmarshalBinary(data []byte) error {
	if len(data) < 3 || data[0] != eventVersion {
		return fmt.Errorf("%w: unknown version or truncated header", ErrInvalidEvent)
	}
	var d Event
	d.Kind, d.Status = EventKind(data[1]), data[2]
	rest := data[3:]
	var ok bool
	if d.Epoch, rest, ok = uvarint(rest); !ok {
		return fmt.Errorf("%w: bad epoch", ErrInvalidEvent)
	}
	if d.Seq, rest, ok = uvarint(rest); !ok {
		return fmt.Errorf("%w: bad seq", ErrInvalidEvent)
	}
	if d.At, rest, ok = varint(rest); !ok {
		return fmt.Errorf("%w: bad at", ErrInvalidEvent)
	}
	if d.Since, rest, ok = varint(rest); !ok {
		return fmt.Errorf("%w: bad since", ErrInvalidEvent)
	}
	names := [...]string{"node", "room", "user", "conn"}
	for i, f := range [...]*string{&d.Node, &d.Room, &d.User, &d.Conn} {
		n, r, ok := uvarint(rest)
		if !ok || n > maxEventText || n > uint64(len(r)) {
			return fmt.Errorf("%w: bad %s length", ErrInvalidEvent, names[i])
		}
		*f, rest = string(r[:n]), r[n:]
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrInvalidEvent, len(rest))
	}
	*e = d
	return nil
}

func uvarint(b []byte) (uint64, []byte, bool) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, b, false
	}
	return v, b[n:], true
}

func varint(b []byte) (int64, []byte, bool) {
	v, n := binary.Varint(b)
	if n <= 0 {
		return 0, b, false
	}
	return v, b[n:], true
}

// Snapshot is the complete set of one node's own entries in one service,
// as of sequence number Seq: what a node that just started (or got a
// GapError) needs to catch up with another node (see Replica.SyncNode). Events
// holds one EventJoin (Members) or EventPresence (Presence) per entry,
// each stamped with Node, Epoch and Seq.
type Snapshot struct {
	Node   string
	Epoch  uint64
	Seq    uint64
	Events []Event
}

// Wire format of a Snapshot (version 1):
//
//	version byte (1)
//	epoch   uvarint
//	seq     uvarint
//	node    uvarint length + bytes
//	count   uvarint
//	count × (uvarint length + Event wire form)
const snapshotVersion = 1

// AppendBinary appends s's wire form to b. It never fails; the error is
// there to satisfy encoding.BinaryAppender.
func (s Snapshot) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, snapshotVersion)
	b = binary.AppendUvarint(b, s.Epoch)
	b = binary.AppendUvarint(b, s.Seq)
	b = binary.AppendUvarint(b, uint64(len(s.Node)))
	b = append(b, s.Node...)
	b = binary.AppendUvarint(b, uint64(len(s.Events)))
	var tmp []byte
	for _, e := range s.Events {
		tmp, _ = e.AppendBinary(tmp[:0])
		b = binary.AppendUvarint(b, uint64(len(tmp)))
		b = append(b, tmp...)
	}
	return b, nil
}

// MarshalBinary returns s's wire form.
func (s Snapshot) MarshalBinary() ([]byte, error) { return s.AppendBinary(nil) }

// minEventSize is the smallest Event wire form: header (3 bytes), four
// one-byte varints and four empty strings.
const minEventSize = 3 + 4 + 4

// UnmarshalBinary decodes a wire form produced by AppendBinary, checking
// its framing; Replica.SyncNode validates the contents.
func (s *Snapshot) UnmarshalBinary(data []byte) error {
	if len(data) < 1 || data[0] != snapshotVersion {
		return fmt.Errorf("%w: unknown snapshot version", ErrInvalidEvent)
	}
	var d Snapshot
	rest := data[1:]
	var ok bool
	if d.Epoch, rest, ok = uvarint(rest); !ok {
		return fmt.Errorf("%w: snapshot: bad epoch", ErrInvalidEvent)
	}
	if d.Seq, rest, ok = uvarint(rest); !ok {
		return fmt.Errorf("%w: snapshot: bad seq", ErrInvalidEvent)
	}
	n, rest, ok := uvarint(rest)
	if !ok || n > jsgenrt.MaxNodeIDLength || n > uint64(len(rest)) {
		return fmt.Errorf("%w: snapshot: bad node length", ErrInvalidEvent)
	}
	d.Node, rest = string(rest[:n]), rest[n:]
	count, rest, ok := uvarint(rest)
	if !ok || count > uint64(len(rest)/(minEventSize+1)) {
		return fmt.Errorf("%w: snapshot: bad event count", ErrInvalidEvent)
	}
	d.Events = make([]Event, count)
	for i := range d.Events {
		size, r, ok := uvarint(rest)
		if !ok || size > uint64(len(r)) {
			return fmt.Errorf("%w: snapshot: bad length of event %d", ErrInvalidEvent, i)
		}
		if err := d.Events[i].UnmarshalBinary(r[:size]); err != nil {
			return fmt.Errorf("snapshot event %d: %w", i, err)
		}
		rest = r[size:]
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: snapshot: %d trailing bytes", ErrInvalidEvent, len(rest))
	}
	*s = d
	return nil
}

// Errors of applying replication state.
var (
	// ErrInvalidEvent: a replication event is malformed or of the wrong
	// kind for the service it was applied to.
	ErrInvalidEvent = errors.New("room: invalid replication event")
	// ErrGap: a remote node's events arrived with a sequence gap; the event
	// was applied, but state from that node may be missing until it is
	// resynchronised with SyncNode. The concrete error is a *GapError.
	ErrGap = errors.New("room: replication sequence gap")
	// ErrStaleSnapshot: SyncNode got a snapshot older than events already
	// applied from that node; nothing was changed.
	ErrStaleSnapshot = errors.New("room: stale snapshot")
	// ErrOwnNode: an operation meant for remote nodes named this node.
	ErrOwnNode = errors.New("room: operation needs a remote node ID, got this node's")
)

// GapError reports that a remote node's event sequence skipped numbers:
// the adapter should fetch that node's Snapshot and call SyncNode. It
// matches ErrGap.
type GapError struct {
	Node string // the remote node
	Want uint64 // the sequence number expected next
	Got  uint64 // the sequence number received
}

// Error names the node and the missing range.
func (e *GapError) Error() string {
	return fmt.Sprintf("room: replication gap from node %s: want seq %d, got %d", e.Node, e.Want, e.Got)
}

// Unwrap returns ErrGap.
func (e *GapError) Unwrap() error { return ErrGap }

// Replica is a replicated room service as roomsync drives it.
type Replica interface {
	// NodeID is the ID stamped on this node's entries and events.
	NodeID() string
	// OnEvent registers a callback for each local change, in order.
	OnEvent(func(Event)) (remove func())
	// Apply applies another node's event.
	Apply(Event) error
	// Snapshot returns this node's own entries and sequence position.
	Snapshot() Snapshot
	// SyncNode replaces the copy of another node's entries by a snapshot.
	SyncNode(Snapshot) error
	// DropNode removes every entry of another node.
	DropNode(node string) (int, error)
}
