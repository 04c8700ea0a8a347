package room

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"strconv"
	"sync/atomic"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// checkNodeID reports why id is not a valid jsgenrt.NodeID as an *IDError
// (matching ErrInvalidID), or nil.
func checkNodeID(id string) error {
	var e *jsgenrt.NodeIDError
	if err := jsgenrt.NodeID(id).Check(); errors.As(err, &e) {
		return idError("node", id, e.Reason)
	}
	return nil
}

// checkID validates a room, user or connection identifier of at most max
// bytes.
func checkID(what, id string, max int) error {
	if err := jsgenrt.CheckIdentifier(id, max); err != nil {
		return idError(what, id, err.Error())
	}
	return nil
}

func randomUint64() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

// MessageIDs generates message IDs for acknowledgements ("sent" frames)
// and deduplication: "<node>-<boot>-<n>", where boot is random per
// generator (so a restarted node never reissues an ID) and n counts from 1
// in base 36. IDs are unique across the nodes of a cluster as long as node
// IDs are, contain only [A-Za-z0-9_-], and cost one small allocation. A
// MessageIDs is safe for concurrent use; create one per process (no
// package-level state is involved).
type MessageIDs struct {
	prefix string // "<node>-<boot>-"
	n      atomic.Uint64
}

// NewMessageIDs returns a generator for node, the process's one NodeID; it
// fails with an *IDError for an invalid one.
func NewMessageIDs(node jsgenrt.NodeID) (*MessageIDs, error) {
	if err := checkNodeID(string(node)); err != nil {
		return nil, err
	}
	boot := strconv.FormatUint(randomUint64()>>24, 36) // 40 random bits
	return &MessageIDs{prefix: string(node) + "-" + boot + "-"}, nil
}

// Next returns a new ID.
func (g *MessageIDs) Next() string {
	return string(g.AppendNext(make([]byte, 0, len(g.prefix)+13)))
}

// AppendNext appends a new ID to b.
func (g *MessageIDs) AppendNext(b []byte) []byte {
	b = append(b, g.prefix...)
	return strconv.AppendUint(b, g.n.Add(1), 36)
}
