package room

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

// apply applies another node's replication event (EventJoin or
// EventLeave), as received from the bus. Events from this node are
// ignored, and so are duplicates and events older than ones already
// applied from the same node. An event from a new epoch of a known node
// (it restarted) first drops that node's old entries.
//
// It returns an error wrapping ErrInvalidEvent (nothing applied) for a
// malformed event, and a *GapError (ErrGap) when the event was applied
// but earlier ones from its node are missing: resynchronise that node
// with SyncNode.
func (m *Members[R, U]) apply(e repl.Event) error {
	if err := checkEvent(&e, m.limits.MaxIDLength, repl.EventJoin, repl.EventLeave); err != nil {
		return fmt.Errorf("room: members: apply: %w", err)
	}
	if e.Node == m.node {
		m.ignored.Add(1)
		return nil
	}
	m.remote.mu.Lock()
	a := m.remote.admitLocked(&e)
	if a.restarted {
		m.dropNodeLocked(e.Node, ReasonNodeRestart)
	}
	if a.apply {
		m.applyLocked(&e, ReasonRemote)
		m.applied.Add(1)
	} else {
		m.ignored.Add(1)
	}
	m.remote.mu.Unlock()
	m.disp.flush()
	if a.gap != nil {
		m.gaps.Add(1)
		return a.gap
	}
	return nil
}

func (m *Members[R, U]) applyLocked(e *repl.Event, reason Reason) {
	switch e.Kind {
	case repl.EventJoin:
		_ = m.add(e.Room, e.User, connEntry{id: e.Conn, node: e.Node, at: e.At}, reason) // remote adds cannot fail
	case repl.EventLeave:
		m.removeConn(e.Room, e.User, e.Conn, e.Node, 0, reason, e.At)
	}
}

// dropNode removes every entry owned by node, emitting MemberLeft for
// each user left without a connection, and forgets the node's sequence
// position. Call it when the cluster adapter decides the node is dead. It
// returns how many connection entries were removed; naming this node
// fails with ErrOwnNode.
func (m *Members[R, U]) dropNode(node string) (int, error) {
	if err := checkNodeID(node); err != nil {
		return 0, fmt.Errorf("room: members: drop node: %w", err)
	}
	if node == m.node {
		return 0, fmt.Errorf("room: members: drop node %q: %w", node, repl.ErrOwnNode)
	}
	m.remote.mu.Lock()
	delete(m.remote.nodes, node)
	n := m.dropNodeLocked(node, ReasonNodeDown)
	m.remote.mu.Unlock()
	m.disp.flush()
	return n, nil
}

// dropNodeLocked removes node's entries (all of them, or those keep
// rejects when keep is given); the replica mutex is held.
func (m *Members[R, U]) dropNodeLocked(node string, reason Reason) int {
	return m.pruneNodeLocked(node, reason, nil)
}

func (m *Members[R, U]) pruneNodeLocked(node string, reason Reason, keep map[connKey]bool) int {
	removed := 0
	at := m.clock.Now().UnixNano()
	for i := range m.rooms {
		rs := &m.rooms[i]
		rs.mu.Lock()
		for rid, r := range rs.rooms {
			for _, mem := range slices.Clone(r.order) {
				removed += m.pruneMember(rs, rid, r, mem, node, reason, keep, at)
			}
		}
		rs.mu.Unlock()
	}
	return removed
}

// pruneMember removes mem's connections owned by node (except kept ones);
// the room shard is locked.
func (m *Members[R, U]) pruneMember(rs *roomShard, rid string, r *roomState, mem *member,
	node string, reason Reason, keep map[connKey]bool, at int64) int {
	var last connEntry
	n := len(mem.conns)
	mem.conns = slices.DeleteFunc(mem.conns, func(c connEntry) bool {
		drop := c.node == node && !keep[connKey{rid, mem.user, c.id}]
		if drop {
			last = c
		}
		return drop
	})
	removed := n - len(mem.conns)
	if removed > 0 && len(mem.conns) == 0 {
		m.dropMember(rs, rid, r, mem)
		m.disp.emit(repl.Event{}, m.change(MemberLeft, rid, mem, last, at, reason), true)
	}
	return removed
}

type connKey struct{ room, user, conn string }

// snapshot returns this node's own entries as of its latest sequence
// number: what another node passes to SyncNode to learn this node's state.
// Events are sorted by room, user and connection.
func (m *Members[R, U]) snapshot() repl.Snapshot {
	for i := range m.rooms {
		m.rooms[i].mu.RLock()
	}
	// With every room shard locked no local change is in progress, so the
	// sequence number matches the entries exactly.
	s := repl.Snapshot{Node: m.node, Epoch: m.epoch, Seq: m.disp.lastSeq()}
	for i := range m.rooms {
		for rid, r := range m.rooms[i].rooms {
			for _, mem := range r.order {
				for _, c := range mem.conns {
					if c.node == m.node {
						s.Events = append(s.Events, repl.Event{Kind: repl.EventJoin, Node: m.node, Epoch: m.epoch, Seq: s.Seq,
							Room: rid, User: mem.user, Conn: c.id, At: c.at})
					}
				}
			}
		}
	}
	for i := range m.rooms {
		m.rooms[i].mu.RUnlock()
	}
	slices.SortFunc(s.Events, func(a, b repl.Event) int {
		return cmp.Or(cmp.Compare(a.Room, b.Room), cmp.Compare(a.User, b.User), cmp.Compare(a.Conn, b.Conn))
	})
	return s
}

// syncNode makes this node's copy of another node's entries equal to
// snapshot s (taken by that node's Snapshot), emitting only the member
// transitions that really happened: connections it lacks are added first,
// then connections s does not hold are removed, so a member who stays
// does not flap. Afterwards Apply ignores that node's events up to s.Seq;
// apply the events received while waiting for the snapshot after SyncNode.
// A snapshot older than events already applied from the same epoch is
// refused with ErrStaleSnapshot.
func (m *Members[R, U]) syncNode(s repl.Snapshot) error {
	if err := checkSnapshot(&s, m.limits.MaxIDLength, repl.EventJoin); err != nil {
		return fmt.Errorf("room: members: sync: %w", err)
	}
	if s.Node == m.node {
		return fmt.Errorf("room: members: sync %q: %w", s.Node, repl.ErrOwnNode)
	}
	m.remote.mu.Lock()
	defer m.disp.flush()
	defer m.remote.mu.Unlock()
	if err := m.remote.syncLocked(s.Node, s.Epoch, s.Seq); err != nil {
		return fmt.Errorf("room: members: sync %q at seq %d: %w", s.Node, s.Seq, err)
	}
	keep := make(map[connKey]bool, len(s.Events))
	for i := range s.Events {
		e := &s.Events[i]
		keep[connKey{e.Room, e.User, e.Conn}] = true
		m.applyLocked(e, ReasonSync)
	}
	m.pruneNodeLocked(s.Node, ReasonSync, keep)
	return nil
}
