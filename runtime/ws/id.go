package ws

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync/atomic"
)

// randomNodeID returns 8 random hex digits: 32 bits, so two nodes of one
// cluster collide with probability ~n²/2³³.
func randomNodeID() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

func checkNodeID(id string) error {
	if len(id) > 32 {
		return fmt.Errorf("ws: NodeID %q longer than 32 characters", id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return fmt.Errorf("ws: NodeID %q: character %q not in [A-Za-z0-9_]", id, c)
		}
	}
	return nil
}

// idGen hands out connection IDs "<node>-<n>", n counting from 1 in base
// 36: unique per Server for its lifetime and, through the node prefix,
// across nodes. IDs contain no '.', '*' or '>', so they are safe in bus
// subjects.
type idGen struct {
	node string
	n    atomic.Uint64
}

func (g *idGen) next() string {
	n := g.n.Add(1)
	b := make([]byte, 0, len(g.node)+1+13)
	b = append(b, g.node...)
	b = append(b, '-')
	return string(strconv.AppendUint(b, n, 36))
}
