package roomsync

import (
	"encoding/binary"
	"errors"
	"fmt"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

// errInvalidMessage is wrapped by every decoder error: the message was
// dropped and counted (Stats.Invalid).
var errInvalidMessage = errors.New("roomsync: invalid message")

// wireVersion is the first byte of every control message (heartbeat, sync
// request, snapshot part). Events travel in repl.Event's own wire form.
const wireVersion = 1

// maxParts bounds how many messages one snapshot may be split into.
const maxParts = 1 << 16

// heartbeat says that node (in epoch) is alive and has produced events up
// to seq.
//
// Wire form: version byte (1), epoch uvarint (never 0), seq uvarint, node
// (uvarint length + bytes, a valid node ID). Nothing may follow.
type heartbeat struct {
	node  string
	epoch uint64
	seq   uint64
}

func (h heartbeat) appendBinary(b []byte) []byte {
	b = append(b, wireVersion)
	b = binary.AppendUvarint(b, h.epoch)
	b = binary.AppendUvarint(b, h.seq)
	return appendString(b, h.node)
}

// parseHeartbeat decodes a heartbeat, refusing anything appendBinary would
// not produce for a valid node ID and a non-zero epoch.
func parseHeartbeat(data []byte) (heartbeat, error) {
	var h heartbeat
	rest, err := version(data, "heartbeat")
	if err != nil {
		return h, err
	}
	if h.epoch, rest, err = uvarint(rest, "heartbeat epoch"); err != nil {
		return h, err
	}
	if h.epoch == 0 {
		return h, fmt.Errorf("%w: heartbeat epoch 0", errInvalidMessage)
	}
	if h.seq, rest, err = uvarint(rest, "heartbeat seq"); err != nil {
		return h, err
	}
	if h.node, rest, err = nodeID(rest, "heartbeat node", false); err != nil {
		return h, err
	}
	return h, trailing(rest, "heartbeat")
}

// syncRequest asks target (every node when target is "") to publish its
// snapshot; from is the requesting node.
//
// Wire form: version byte (1), from (uvarint length + bytes, a valid node
// ID), target (uvarint length + bytes: empty or a valid node ID). Nothing
// may follow.
type syncRequest struct {
	from   string
	target string
}

func (r syncRequest) appendBinary(b []byte) []byte {
	b = append(b, wireVersion)
	b = appendString(b, r.from)
	return appendString(b, r.target)
}

// parseSyncRequest decodes a sync request.
func parseSyncRequest(data []byte) (syncRequest, error) {
	var r syncRequest
	rest, err := version(data, "sync request")
	if err != nil {
		return r, err
	}
	if r.from, rest, err = nodeID(rest, "sync request sender", false); err != nil {
		return r, err
	}
	if r.target, rest, err = nodeID(rest, "sync request target", true); err != nil {
		return r, err
	}
	return r, trailing(rest, "sync request")
}

// snapshotPart is one message of a snapshot split into parts messages;
// each part is a repl.Snapshot with the same node, epoch and seq holding a
// slice of the events.
//
// Wire form: version byte (1), part uvarint, parts uvarint (part < parts ≤
// maxParts), then the part's repl.Snapshot wire form. The node must be a
// valid node ID; SyncNode validates the events.
type snapshotPart struct {
	part, parts int
	snap        repl.Snapshot
}

func appendSnapshotPart(b []byte, part, parts int, s repl.Snapshot) []byte {
	b = append(b, wireVersion)
	b = binary.AppendUvarint(b, uint64(part))
	b = binary.AppendUvarint(b, uint64(parts))
	b, _ = s.AppendBinary(b) // never fails
	return b
}

// parseSnapshotPart decodes one snapshot message.
func parseSnapshotPart(data []byte) (snapshotPart, error) {
	var p snapshotPart
	rest, err := version(data, "snapshot")
	if err != nil {
		return p, err
	}
	part, rest, err := uvarint(rest, "snapshot part")
	if err != nil {
		return p, err
	}
	parts, rest, err := uvarint(rest, "snapshot part count")
	if err != nil {
		return p, err
	}
	if parts == 0 || parts > maxParts || part >= parts {
		return p, fmt.Errorf("%w: snapshot part %d of %d", errInvalidMessage, part, parts)
	}
	p.part, p.parts = int(part), int(parts)
	if err := p.snap.UnmarshalBinary(rest); err != nil {
		return p, fmt.Errorf("%w: %w", errInvalidMessage, err)
	}
	if err := jsgenrt.NodeID(p.snap.Node).Check(); err != nil {
		return p, fmt.Errorf("%w: snapshot node: %w", errInvalidMessage, err)
	}
	return p, nil
}

// splitSnapshot cuts s into parts whose wire form stays under max bytes
// (a part holds at least one event, so one huge event still travels) and
// returns them encoded. An empty snapshot is one part.
func splitSnapshot(s repl.Snapshot, max int) [][]byte {
	var groups [][]repl.Event
	start, size := 0, 0
	header := 16 + len(s.Node) + 3*binary.MaxVarintLen64
	var tmp []byte
	for i, e := range s.Events {
		tmp, _ = e.AppendBinary(tmp[:0])
		n := len(tmp) + binary.MaxVarintLen32
		if i > start && header+size+n > max {
			groups = append(groups, s.Events[start:i])
			start, size = i, 0
		}
		size += n
	}
	groups = append(groups, s.Events[start:])
	out := make([][]byte, len(groups))
	for i, g := range groups {
		part := repl.Snapshot{Node: s.Node, Epoch: s.Epoch, Seq: s.Seq, Events: g}
		out[i] = appendSnapshotPart(nil, i, len(groups), part)
	}
	return out
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func version(data []byte, what string) ([]byte, error) {
	if len(data) == 0 || data[0] != wireVersion {
		return nil, fmt.Errorf("%w: %s: unknown version or empty", errInvalidMessage, what)
	}
	return data[1:], nil
}

func uvarint(b []byte, what string) (uint64, []byte, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, b, fmt.Errorf("%w: bad %s", errInvalidMessage, what)
	}
	return v, b[n:], nil
}

// nodeID decodes a length-prefixed node ID (empty allowed only if
// optional) and validates it.
func nodeID(b []byte, what string, optional bool) (string, []byte, error) {
	n, rest, err := uvarint(b, what+" length")
	if err != nil {
		return "", b, err
	}
	if n > jsgenrt.MaxNodeIDLength || n > uint64(len(rest)) {
		return "", b, fmt.Errorf("%w: bad %s length %d", errInvalidMessage, what, n)
	}
	id := string(rest[:n])
	if id == "" && optional {
		return "", rest, nil
	}
	if err := jsgenrt.NodeID(id).Check(); err != nil {
		return "", b, fmt.Errorf("%w: %s: %w", errInvalidMessage, what, err)
	}
	return id, rest[n:], nil
}

func trailing(rest []byte, what string) error {
	if len(rest) != 0 {
		return fmt.Errorf("%w: %s: %d trailing bytes", errInvalidMessage, what, len(rest))
	}
	return nil
}
