package room

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

// apply applies another node's replication event (EventPresence,
// EventPresenceRemove, EventPresenceExpire), with the sequence rules of
// Members.Apply. A remote entry lives TTL from when its latest event was
// applied here (this node's clock), so a node that dies without a word
// has its entries expire by themselves within one TTL even if DropNode is
// never called. A remote entry past MaxConnsPerUser or MaxEntries is
// refused with a *LimitError (after the sequence bookkeeping).
func (p *Presence[U]) apply(e repl.Event) error {
	if err := checkEvent(&e, p.maxID, repl.EventPresence, repl.EventPresenceRemove, repl.EventPresenceExpire); err != nil {
		return fmt.Errorf("room: presence: apply: %w", err)
	}
	if e.Node == p.node {
		p.ignored.Add(1)
		return nil
	}
	p.remote.mu.Lock()
	a := p.remote.admitLocked(&e)
	if a.restarted {
		p.pruneNodeLocked(e.Node, ReasonNodeRestart, nil)
	}
	var err error
	if a.apply {
		err = p.applyLocked(&e, ReasonRemote)
		p.applied.Add(1)
	} else {
		p.ignored.Add(1)
	}
	p.remote.mu.Unlock()
	p.disp.flush()
	if err != nil {
		return fmt.Errorf("room: presence: apply %v from %q: %w", e.Kind, e.Node, err)
	}
	if a.gap != nil {
		p.gaps.Add(1)
		return a.gap
	}
	return nil
}

func (p *Presence[U]) applyLocked(e *repl.Event, reason Reason) error {
	now := p.now()
	s := p.shardOf(e.User)
	s.mu.Lock()
	defer s.mu.Unlock()
	p.expireUserLocked(s, e.User, now)
	switch e.Kind {
	case repl.EventPresence:
		return p.upsertLocked(s, e.User, e.Conn, e.Node, Status(e.Status), e.Since, e.At, now, reason)
	default:
		if c := s.find(e.User, e.Conn, e.Node); c != nil {
			if e.Kind == repl.EventPresenceExpire {
				reason = ReasonExpired
			}
			p.removeLocked(s, c, e.Kind, reason, now)
		}
	}
	return nil
}

// dropNode removes every entry owned by node (emitting the offline
// transitions) and forgets its sequence position; it returns how many
// entries were removed. Naming this node fails with ErrOwnNode.
func (p *Presence[U]) dropNode(node string) (int, error) {
	if err := checkNodeID(node); err != nil {
		return 0, fmt.Errorf("room: presence: drop node: %w", err)
	}
	if node == p.node {
		return 0, fmt.Errorf("room: presence: drop node %q: %w", node, repl.ErrOwnNode)
	}
	p.remote.mu.Lock()
	delete(p.remote.nodes, node)
	n := p.pruneNodeLocked(node, ReasonNodeDown, nil)
	p.remote.mu.Unlock()
	p.disp.flush()
	return n, nil
}

type presKey struct{ user, conn string }

// pruneNodeLocked removes node's entries not in keep; the replica mutex is
// held.
func (p *Presence[U]) pruneNodeLocked(node string, reason Reason, keep map[presKey]bool) int {
	removed := 0
	now := p.now()
	for i := range p.shards {
		s := &p.shards[i]
		s.mu.Lock()
		var drop []*presConn
		for _, c := range s.heap {
			if c.node == node && !keep[presKey{c.user.id, c.id}] {
				drop = append(drop, c)
			}
		}
		for _, c := range drop {
			p.removeLocked(s, c, 0, reason, now)
		}
		removed += len(drop)
		s.mu.Unlock()
	}
	return removed
}

// snapshot returns this node's own live entries as of its latest
// sequence number (see Members.Snapshot), sorted by user and connection.
func (p *Presence[U]) snapshot() repl.Snapshot {
	for i := range p.shards {
		p.shards[i].mu.RLock()
	}
	now := p.now().mono
	s := repl.Snapshot{Node: p.node, Epoch: p.epoch, Seq: p.disp.lastSeq()}
	for i := range p.shards {
		for _, c := range p.shards[i].heap {
			if c.node == p.node && c.deadline > now {
				e := c.event(repl.EventPresence, c.lastSeen)
				e.Node, e.Epoch, e.Seq = p.node, p.epoch, s.Seq
				s.Events = append(s.Events, e)
			}
		}
	}
	for i := range p.shards {
		p.shards[i].mu.RUnlock()
	}
	slices.SortFunc(s.Events, func(a, b repl.Event) int {
		return cmp.Or(cmp.Compare(a.User, b.User), cmp.Compare(a.Conn, b.Conn))
	})
	return s
}

// syncNode makes this node's copy of another node's entries equal to
// snapshot s (see Members.SyncNode): entries are upserted first, then the
// node's entries s does not hold are removed. It returns the first
// *LimitError met, after applying everything else.
func (p *Presence[U]) syncNode(s repl.Snapshot) error {
	if err := checkSnapshot(&s, p.maxID, repl.EventPresence); err != nil {
		return fmt.Errorf("room: presence: sync: %w", err)
	}
	if s.Node == p.node {
		return fmt.Errorf("room: presence: sync %q: %w", s.Node, repl.ErrOwnNode)
	}
	p.remote.mu.Lock()
	defer p.disp.flush()
	defer p.remote.mu.Unlock()
	if err := p.remote.syncLocked(s.Node, s.Epoch, s.Seq); err != nil {
		return fmt.Errorf("room: presence: sync %q at seq %d: %w", s.Node, s.Seq, err)
	}
	keep := make(map[presKey]bool, len(s.Events))
	var first error
	for i := range s.Events {
		e := &s.Events[i]
		keep[presKey{e.User, e.Conn}] = true
		if err := p.applyLocked(e, ReasonSync); err != nil && first == nil {
			first = fmt.Errorf("room: presence: sync %q: %w", s.Node, err)
		}
	}
	p.pruneNodeLocked(s.Node, ReasonSync, keep)
	return first
}
