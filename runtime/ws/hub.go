package ws

import (
	"sync"
)

const hubShards = 16

// Hub is a room index: room name → member connections, sharded by a hash
// of the name so rooms on different shards never contend. Broadcast
// touches only the named room's members, never the other connections,
// and queues the same frame slice for each of them (no per-recipient
// encoding or copy). A connection leaves all its rooms when it closes;
// joining a closed connection fails, so no membership outlives it.
// Methods are safe for concurrent use.
type Hub struct {
	shards [hubShards]hubShard
}

type hubShard struct {
	mu    sync.RWMutex
	rooms map[string]*room
}

type room struct {
	conns []*Conn
	index map[*Conn]int
}

// NewHub returns an empty Hub. Every Server has one (Server.Rooms); more
// can be made for separate namespaces.
func NewHub() *Hub {
	h := &Hub{}
	for i := range h.shards {
		h.shards[i].rooms = make(map[string]*room)
	}
	return h
}

func (h *Hub) shard(name string) *hubShard {
	// FNV-1a, inlined to stay allocation-free.
	x := uint32(2166136261)
	for i := 0; i < len(name); i++ {
		x ^= uint32(name[i])
		x *= 16777619
	}
	return &h.shards[x%hubShards]
}

// Join adds c to room (joining twice is a no-op). It returns ErrClosed if
// c has ended or is closing.
func (h *Hub) Join(name string, c *Conn) error {
	c.roomsMu.Lock()
	defer c.roomsMu.Unlock()
	if c.left || c.closing.Load() {
		return ErrClosed
	}
	key := roomKey{h, name}
	if _, ok := c.rooms[key]; ok {
		return nil
	}
	sh := h.shard(name)
	sh.mu.Lock()
	r := sh.rooms[name]
	if r == nil {
		r = &room{index: make(map[*Conn]int)}
		sh.rooms[name] = r
	}
	r.index[c] = len(r.conns)
	r.conns = append(r.conns, c)
	sh.mu.Unlock()
	if c.rooms == nil {
		c.rooms = make(map[roomKey]struct{})
	}
	c.rooms[key] = struct{}{}
	return nil
}

// Leave removes c from room and reports whether it was a member.
func (h *Hub) Leave(name string, c *Conn) bool {
	c.roomsMu.Lock()
	defer c.roomsMu.Unlock()
	key := roomKey{h, name}
	if _, ok := c.rooms[key]; !ok {
		return false
	}
	delete(c.rooms, key)
	h.remove(name, c)
	return true
}

// remove takes c out of room's member list (swap with the last member).
func (h *Hub) remove(name string, c *Conn) {
	sh := h.shard(name)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	r := sh.rooms[name]
	if r == nil {
		return
	}
	i, ok := r.index[c]
	if !ok {
		return
	}
	last := len(r.conns) - 1
	if i != last {
		moved := r.conns[last]
		r.conns[i] = moved
		r.index[moved] = i
	}
	r.conns[last] = nil
	r.conns = r.conns[:last]
	delete(r.index, c)
	if len(r.conns) == 0 {
		delete(sh.rooms, name)
	}
}

// Broadcast queues frame for every member of room except the connection
// whose ID is except ("" excludes none) and returns how many connections
// it was queued for. It never blocks on a client: a member whose queue
// would overflow is disconnected as slow (see Conn.SendBytes) and not
// counted. frame is shared by all members: do not modify it afterwards.
func (h *Hub) Broadcast(name string, frame []byte, except string) int {
	sh := h.shard(name)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	r := sh.rooms[name]
	if r == nil {
		return 0
	}
	n := 0
	for _, c := range r.conns {
		if except != "" && c.id == except {
			continue
		}
		if c.SendBytes(frame) == nil {
			n++
		}
	}
	return n
}

// Len returns the number of members of room.
func (h *Hub) Len(name string) int {
	sh := h.shard(name)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	if r := sh.rooms[name]; r != nil {
		return len(r.conns)
	}
	return 0
}

// Members returns the IDs of room's members, in no particular order.
func (h *Hub) Members(name string) []string {
	sh := h.shard(name)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	r := sh.rooms[name]
	if r == nil {
		return nil
	}
	ids := make([]string, len(r.conns))
	for i, c := range r.conns {
		ids[i] = c.id
	}
	return ids
}

// RoomCount returns how many rooms have at least one member.
func (h *Hub) RoomCount() int {
	n := 0
	for i := range h.shards {
		sh := &h.shards[i]
		sh.mu.RLock()
		n += len(sh.rooms)
		sh.mu.RUnlock()
	}
	return n
}

// roomKey identifies a membership on the connection side: a Conn may be in
// rooms of several Hubs.
type roomKey struct {
	hub  *Hub
	name string
}

// leaveAll removes c from every room of every Hub and refuses later joins.
func (c *Conn) leaveAll() {
	c.roomsMu.Lock()
	defer c.roomsMu.Unlock()
	c.left = true
	for k := range c.rooms {
		k.hub.remove(k.name, c)
	}
	c.rooms = nil
}
