package room

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"sync/atomic"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// MaxNodeIDLength bounds node IDs (the same bound runtime/ws applies to its
// connection-ID prefix, so one ID can serve both).
const MaxNodeIDLength = 32

// RandomNodeID returns 8 random hex digits, a valid node ID. Every node of
// a cluster needs a distinct ID; give the same one to the WebSocket server,
// the channel bridges and the room services of one process.
func RandomNodeID() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// CheckNodeID reports why id is not a valid node ID, or nil: 1 to
// MaxNodeIDLength characters from [A-Za-z0-9_].
func CheckNodeID(id string) error {
	if id == "" {
		return idError("node", id, "empty")
	}
	if len(id) > MaxNodeIDLength {
		return idError("node", id, "longer than "+strconv.Itoa(MaxNodeIDLength)+" bytes")
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return idError("node", id, "character "+strconv.QuoteRune(rune(c))+" not in [A-Za-z0-9_]")
		}
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

// NewMessageIDs returns a generator for node (see CheckNodeID).
func NewMessageIDs(node string) (*MessageIDs, error) {
	if err := CheckNodeID(node); err != nil {
		return nil, err
	}
	boot := strconv.FormatUint(randomUint64()>>24, 36) // 40 random bits
	return &MessageIDs{prefix: node + "-" + boot + "-"}, nil
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
