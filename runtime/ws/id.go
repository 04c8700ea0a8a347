package ws

import (
	"strconv"
	"sync/atomic"
)

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
