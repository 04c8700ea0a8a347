package roomsync

import (
	"errors"
	"slices"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

// inbound is one decoded message from another node, on its way from a bus
// handler to the receiver goroutine.
type inbound struct {
	kind inKind
	ev   repl.Event
	part snapshotPart
	hb   heartbeat
	req  syncRequest
}

type inKind uint8

const (
	inEvent inKind = iota
	inSnapshot
	inHeartbeat
	inRequest
)

// The bus handlers decode on the bus's goroutines, drop this node's own
// messages and invalid ones, and hand the rest to the receiver. They block
// while the receiver is busy (so a flood is pushed back to the bus, which
// bounds and counts what it buffers) but never past Close.

func (s *Sync) onEvent(subject string, data []byte) {
	var e repl.Event
	if err := e.UnmarshalBinary(data); err != nil {
		s.invalid(subject, err)
		return
	}
	if err := jsgenrt.NodeID(e.Node).Check(); err != nil {
		s.invalid(subject, err)
		return
	}
	if e.Node == s.node {
		return
	}
	s.n.eventsReceived.Add(1)
	s.deliver(inbound{kind: inEvent, ev: e})
}

func (s *Sync) onSnapshot(subject string, data []byte) {
	p, err := parseSnapshotPart(data)
	if err != nil {
		s.invalid(subject, err)
		return
	}
	if p.snap.Node == s.node {
		return
	}
	s.deliver(inbound{kind: inSnapshot, part: p})
}

func (s *Sync) onHeartbeat(subject string, data []byte) {
	h, err := parseHeartbeat(data)
	if err != nil {
		s.invalid(subject, err)
		return
	}
	if h.node == s.node {
		if h.epoch != s.epoch {
			if n, log := s.n.collisions.Inc(); log {
				s.log.Error("roomsync: another process uses this node ID; replication is unreliable until IDs are distinct",
					"other_epoch", h.epoch, "seen", n)
			}
		}
		return
	}
	s.n.heartbeatsSeen.Add(1)
	s.deliver(inbound{kind: inHeartbeat, hb: h})
}

func (s *Sync) onSyncRequest(subject string, data []byte) {
	r, err := parseSyncRequest(data)
	if err != nil {
		s.invalid(subject, err)
		return
	}
	if r.from == s.node {
		return
	}
	s.deliver(inbound{kind: inRequest, req: r})
}

func (s *Sync) deliver(m inbound) {
	select {
	case s.inbox <- m:
	case <-s.done:
	}
}

// invalid counts and logs a refused message.
func (s *Sync) invalid(subject string, err error) {
	if n, log := s.n.invalid.Inc(); log {
		s.log.Warn("roomsync: invalid message dropped", "subject", subject, "err", err, "invalid_total", n)
	}
}

// peer is what the receiver knows about another node.
type peer struct {
	epoch, last uint64    // the position applied: epoch and highest sequence number
	heard       time.Time // when any message from it arrived last
	pending     bool      // a sync was requested and not yet applied
	requested   time.Time // when it was last requested
	buffer      []repl.Event
	aheadSeq    uint64    // a heartbeat announced this sequence number, not yet applied
	aheadAt     time.Time // when aheadSeq was first seen ahead
	asm         *assembly // the snapshot being received
}

// assembly collects the parts of one snapshot.
type assembly struct {
	epoch, seq  uint64
	next, parts int
	skip        bool // up to date already: consume the parts without keeping them
	events      []repl.Event
}

// receiver is the state of the receiver goroutine, which alone touches
// it: every call into the replica's Apply, SyncNode and DropNode is made
// from this one goroutine, in the order the messages arrived.
type receiver struct {
	s       *Sync
	peers   map[string]*peer
	grace   time.Duration // how long a heartbeat may be ahead of the events before a sync
	retry   time.Duration // how long a sync request waits for its snapshot before it is repeated
	started time.Time     // when the start-up request to every node was sent
}

func (s *Sync) receiver() {
	defer s.wg.Done()
	rc := receiver{s: s, peers: make(map[string]*peer), grace: s.opts.Heartbeat / 4, retry: 2 * s.opts.Heartbeat,
		started: time.Now()}
	tick := time.NewTicker(rc.grace)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return
		case m := <-s.inbox:
			rc.handle(&m, time.Now())
		case now := <-tick.C:
			rc.check(now)
		}
	}
}

func (rc *receiver) handle(m *inbound, now time.Time) {
	switch m.kind {
	case inEvent:
		rc.event(m.ev, now)
	case inSnapshot:
		rc.snapshotPart(&m.part, now)
	case inHeartbeat:
		rc.heartbeat(m.hb, now)
	case inRequest:
		if p := rc.peers[m.req.from]; p != nil {
			p.heard = now
		}
		if m.req.target == "" || m.req.target == rc.s.node {
			rc.s.ctl.addAnswer()
		}
	}
}

// peer returns node's state, creating it, and records that node was heard.
func (rc *receiver) peer(node string, now time.Time) *peer {
	p := rc.peers[node]
	if p == nil {
		p = &peer{}
		rc.peers[node] = p
		rc.publishPeers()
		rc.s.log.Info("roomsync: node joined", "peer", node)
	}
	p.heard = now
	return p
}

func (rc *receiver) publishPeers() {
	list := make([]string, 0, len(rc.peers))
	for node := range rc.peers {
		list = append(list, node)
	}
	slices.Sort(list)
	rc.s.peers.Store(&list)
}

// event applies a remote event, or holds it back while a sync with its
// node is pending: applied after the snapshot, the events the snapshot
// already covers are ignored by Apply, and the later ones complete it.
func (rc *receiver) event(e repl.Event, now time.Time) {
	p := rc.peer(e.Node, now)
	if !p.pending {
		rc.apply(e.Node, p, e, now)
		return
	}
	if len(p.buffer) >= rc.s.opts.Queue {
		// Lost here: the sync will be followed by a gap, repaired again.
		if n, log := rc.s.n.heldLost.Inc(); log {
			rc.s.log.Warn("roomsync: too many events held during a sync, event discarded",
				"peer", e.Node, "held", len(p.buffer), "discarded_total", n)
		}
		return
	}
	p.buffer = append(p.buffer, e)
	rc.s.n.eventsBuffered.Add(1)
}

// apply passes e to the replica and mirrors the replica's sequence
// bookkeeping in p.
func (rc *receiver) apply(node string, p *peer, e repl.Event, now time.Time) {
	s := rc.s
	err := s.r.Apply(e)
	if errors.Is(err, repl.ErrInvalidEvent) {
		s.invalid(s.subj.events, err)
		return
	}
	if e.Epoch != p.epoch {
		p.epoch, p.last = e.Epoch, 0
	}
	p.last = max(p.last, e.Seq)
	s.n.eventsApplied.Add(1)
	var gap *repl.GapError
	switch {
	case errors.As(err, &gap):
		s.n.gaps.Add(1)
		s.log.Debug("roomsync: event gap, requesting a sync", "peer", node, "want", gap.Want, "got", gap.Got)
		rc.requestSync(node, p, now)
	case err != nil:
		rc.refused(node, err)
	}
}

func (rc *receiver) refused(node string, err error) {
	if n, log := rc.s.n.refused.Inc(); log {
		rc.s.log.Warn("roomsync: replica refused part of a remote change", "peer", node, "err", err, "refused_total", n)
	}
}

// requestSync asks node for its snapshot, unless a request is already
// waiting for less than the retry interval.
func (rc *receiver) requestSync(node string, p *peer, now time.Time) {
	if p.pending && now.Sub(p.requested) < rc.retry {
		return
	}
	p.pending, p.requested, p.aheadSeq = true, now, 0
	rc.s.request(node)
}

// heartbeat records that a node is alive and compares its position with
// what was applied: a new epoch (a restart) or a sequence number still
// ahead after the grace period (lost events) calls for a sync.
func (rc *receiver) heartbeat(h heartbeat, now time.Time) {
	p, known := rc.peers[h.node]
	p = rc.peer(h.node, now)
	switch {
	case !known:
		p.epoch = h.epoch // nothing of it is held here, nothing to replace
		switch {
		case h.seq == 0:
		case now.Sub(rc.started) < rc.retry:
			// Its answer to the start-up request is on its way: wait for
			// it (holding its events) as for a request of ours.
			p.pending, p.requested = true, rc.started
		default:
			rc.requestSync(h.node, p, now)
		}
	case p.pending:
	case h.epoch != p.epoch:
		rc.requestSync(h.node, p, now)
	case h.seq > p.last:
		if p.aheadSeq != 0 && p.last >= p.aheadSeq {
			p.aheadSeq = 0
		}
		if p.aheadSeq == 0 {
			p.aheadAt = now
		}
		p.aheadSeq = max(p.aheadSeq, h.seq)
	}
}

// snapshotPart collects a snapshot's parts and syncs when it is complete.
// Parts arrive in order (one publisher); a missing or foreign part
// abandons the snapshot, and the pending request is retried.
func (rc *receiver) snapshotPart(sp *snapshotPart, now time.Time) {
	snap := &sp.snap
	p := rc.peer(snap.Node, now)
	if sp.part == 0 {
		p.asm = &assembly{epoch: snap.Epoch, seq: snap.Seq, parts: sp.parts, skip: rc.upToDate(p, snap)}
	}
	a := p.asm
	if a == nil || a.epoch != snap.Epoch || a.seq != snap.Seq || a.parts != sp.parts || a.next != sp.part {
		p.asm = nil
		rc.s.n.syncsSkipped.Add(1)
		rc.s.log.Debug("roomsync: incomplete snapshot dropped", "peer", snap.Node, "part", sp.part, "parts", sp.parts)
		return
	}
	a.next++
	if !a.skip {
		if a.events == nil {
			a.events = snap.Events
		} else {
			a.events = append(a.events, snap.Events...)
		}
	}
	if a.next < a.parts {
		return
	}
	p.asm = nil
	if a.skip {
		rc.s.n.syncsSkipped.Add(1)
		return
	}
	rc.sync(p, repl.Snapshot{Node: snap.Node, Epoch: a.epoch, Seq: a.seq, Events: a.events}, now)
}

// upToDate reports whether everything up to snap was applied already
// without a gap, so SyncNode would change nothing (a snapshot requested by
// another node).
func (rc *receiver) upToDate(p *peer, snap *repl.Snapshot) bool {
	return !p.pending && p.epoch == snap.Epoch && p.last >= snap.Seq
}

// sync applies a complete snapshot and then the events held back.
func (rc *receiver) sync(p *peer, snap repl.Snapshot, now time.Time) {
	s := rc.s
	err := s.r.SyncNode(snap)
	switch {
	case errors.Is(err, repl.ErrStaleSnapshot):
		s.n.syncsSkipped.Add(1)
		return // an older answer; keep waiting for ours
	case errors.Is(err, repl.ErrInvalidEvent):
		s.invalid(s.subj.snapshot, err)
		return
	case err != nil:
		rc.refused(snap.Node, err) // applied, except what the replica refused
	}
	s.n.syncsApplied.Add(1)
	p.epoch, p.last = snap.Epoch, snap.Seq
	if !p.pending {
		return
	}
	p.pending = false
	held := p.buffer
	p.buffer = nil
	for i, e := range held {
		if p.pending { // a new gap: hold the rest for the next snapshot
			p.buffer = append(p.buffer, held[i:]...)
			return
		}
		if e.Epoch != snap.Epoch {
			// From another incarnation of the node than the snapshot:
			// applying it would make the replica switch epochs back and
			// forth. A newer epoch shows in the next heartbeat, which
			// triggers a sync again.
			rc.s.n.heldLost.Add(1)
			continue
		}
		rc.apply(snap.Node, p, e, now)
	}
}

// check runs every Heartbeat/4: it drops nodes silent for DeadAfter,
// repeats unanswered sync requests and requests a sync from nodes whose
// heartbeat stayed ahead of the applied events for the grace period.
func (rc *receiver) check(now time.Time) {
	for node, p := range rc.peers {
		switch {
		case now.Sub(p.heard) >= rc.s.opts.DeadAfter:
			rc.drop(node, now.Sub(p.heard))
		case p.pending:
			if now.Sub(p.requested) >= rc.retry {
				rc.s.log.Debug("roomsync: sync request unanswered, repeating", "peer", node)
				rc.requestSync(node, p, now)
			}
		case p.aheadSeq != 0 && p.last >= p.aheadSeq:
			p.aheadSeq = 0
		case p.aheadSeq != 0 && now.Sub(p.aheadAt) >= rc.grace:
			rc.s.n.gaps.Add(1)
			rc.s.log.Debug("roomsync: heartbeat ahead of applied events, requesting a sync",
				"peer", node, "applied", p.last, "announced", p.aheadSeq)
			rc.requestSync(node, p, now)
		}
	}
}

// drop declares node dead: its entries are removed from the replica.
func (rc *receiver) drop(node string, silent time.Duration) {
	delete(rc.peers, node)
	rc.publishPeers()
	rc.s.n.nodesDropped.Add(1)
	n, err := rc.s.r.DropNode(node)
	if err != nil {
		rc.s.log.Error("roomsync: dropping a dead node failed", "peer", node, "err", err)
		return
	}
	rc.s.log.Warn("roomsync: node declared dead, its entries dropped", "peer", node, "silent", silent, "entries", n)
}
