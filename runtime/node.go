package runtime

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
)

// NodeID identifies one process of a cluster. The WebSocket server
// prefixes its connection IDs with it, a channel bridge stamps it on what
// it sends (and ignores what comes back), and the room services stamp it
// on the entries they own. Give the same NodeID to all of them in one
// process, and a distinct one to every process:
//
//	node := jsgenrt.NewNodeID()
//	srv, err := chatapi.MountChat(mux, h, ws.WithNodeID(node))
//	link, err := chatapi.BridgeRoomChannels(ctx, rooms, b, channel.BridgeNodeID(node))
//	members, err := room.NewMembers[Room, User](room.WithNodeID(node))
//
// A valid NodeID is 1 to MaxNodeIDLength characters from [A-Za-z0-9_], so
// it is safe inside connection IDs and bus subjects.
type NodeID string

// MaxNodeIDLength bounds a NodeID in bytes.
const MaxNodeIDLength = 32

// NewNodeID returns a random valid NodeID of 8 hex digits (32 bits: two
// nodes of a cluster of n collide with probability about n²/2³³).
func NewNodeID() NodeID {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return NodeID(hex.EncodeToString(b[:]))
}

// Check reports why id is not a valid NodeID (a *NodeIDError), or nil.
func (id NodeID) Check() error {
	if id == "" {
		return &NodeIDError{ID: id, Reason: "empty"}
	}
	if len(id) > MaxNodeIDLength {
		return &NodeIDError{ID: id, Reason: "longer than " + strconv.Itoa(MaxNodeIDLength) + " bytes"}
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return &NodeIDError{ID: id, Reason: "character " + strconv.QuoteRune(rune(c)) + " not in [A-Za-z0-9_]"}
		}
	}
	return nil
}

// NodeIDError reports an invalid NodeID and why.
type NodeIDError struct {
	ID     NodeID
	Reason string
}

// Error names the refused ID (shortened) and the reason.
func (e *NodeIDError) Error() string {
	return "invalid node ID " + quoteShort(string(e.ID)) + ": " + e.Reason
}
