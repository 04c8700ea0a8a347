package room

import (
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

// item is one queued notification: a replication event of a local change
// (ev.Kind != 0) and/or a user-level change (hasChange).
type item[C any] struct {
	ev        repl.Event
	change    C
	hasChange bool
}

// dispatcher delivers a service's notifications to its sinks exactly once
// each, in the order the changes happened, and outside the service's state
// locks, so callbacks may call back into the service.
//
// Changes are queued (emit) while the state lock that serialises them is
// held, which fixes their order; local ones get their sequence number at
// the same moment. After releasing its locks, the changing goroutine calls
// flush: if no other goroutine is delivering, it delivers the queue until
// it is empty; otherwise it returns at once and the goroutine already
// delivering picks its items up (flat combining). No goroutine is started.
type dispatcher[C any] struct {
	node  string
	epoch uint64
	log   *slog.Logger

	changes registry[func(C)]
	events  registry[func(repl.Event)]
	extra   func(C) // internal sink for changes (may be nil)

	mu      sync.Mutex
	seq     uint64 // last local sequence number
	queue   []item[C]
	spare   []item[C]
	running bool
}

// emit queues a notification. ev (if its Kind is set) is a local change:
// it gets the node, epoch and next sequence number. The caller holds the
// state lock under which the change was made.
func (d *dispatcher[C]) emit(ev repl.Event, change C, hasChange bool) {
	d.mu.Lock()
	if ev.Kind != 0 {
		d.seq++
		ev.Node, ev.Epoch, ev.Seq = d.node, d.epoch, d.seq
	}
	wantEv := ev.Kind != 0 && d.events.len() > 0
	wantCh := hasChange && (d.extra != nil || d.changes.len() > 0)
	if wantEv || wantCh {
		if !wantEv {
			ev = repl.Event{}
		}
		d.queue = append(d.queue, item[C]{ev: ev, change: change, hasChange: wantCh})
	}
	d.mu.Unlock()
}

// lastSeq returns the last local sequence number assigned.
func (d *dispatcher[C]) lastSeq() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seq
}

// flush delivers queued notifications unless another goroutine already is.
// The caller holds no state lock.
func (d *dispatcher[C]) flush() {
	d.mu.Lock()
	if d.running || len(d.queue) == 0 {
		d.mu.Unlock()
		return
	}
	d.running = true
	for len(d.queue) > 0 {
		batch := d.queue
		d.queue = d.spare[:0]
		d.spare = nil
		d.mu.Unlock()
		for i := range batch {
			d.deliver(&batch[i])
		}
		clear(batch)
		d.mu.Lock()
		d.spare = batch[:0]
	}
	d.running = false
	d.mu.Unlock()
}

func (d *dispatcher[C]) deliver(it *item[C]) {
	if it.ev.Kind != 0 {
		for _, s := range d.events.load() {
			d.call("OnEvent", func() { s.f(it.ev) })
		}
	}
	if !it.hasChange {
		return
	}
	for _, s := range d.changes.load() {
		d.call("OnChange", func() { s.f(it.change) })
	}
	if d.extra != nil {
		d.call("watch", func() { d.extra(it.change) })
	}
}

// call runs a sink, containing a panic so that one faulty callback cannot
// stop delivery to the others.
func (d *dispatcher[C]) call(what string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			d.log.Error("room: callback panicked", "callback", what, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	f()
}

// registry is a copy-on-write list of callbacks.
type registry[F any] struct {
	mu   sync.Mutex
	next uint64
	list atomic.Pointer[[]regEntry[F]]
	n    atomic.Int32
}

type regEntry[F any] struct {
	id uint64
	f  F
}

func (r *registry[F]) load() []regEntry[F] {
	if p := r.list.Load(); p != nil {
		return *p
	}
	return nil
}

func (r *registry[F]) len() int { return int(r.n.Load()) }

// add installs f and returns its removal function (idempotent).
func (r *registry[F]) add(f F) (remove func()) {
	r.mu.Lock()
	r.next++
	id := r.next
	old := r.load()
	l := append(make([]regEntry[F], 0, len(old)+1), old...)
	l = append(l, regEntry[F]{id: id, f: f})
	r.list.Store(&l)
	r.n.Store(int32(len(l)))
	r.mu.Unlock()
	return func() { r.remove(id) }
}

func (r *registry[F]) remove(id uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.load()
	l := make([]regEntry[F], 0, len(old))
	for _, e := range old {
		if e.id != id {
			l = append(l, e)
		}
	}
	r.list.Store(&l)
	r.n.Store(int32(len(l)))
}

// replica tracks, per remote node, the epoch and last sequence number
// applied. Its mutex also serialises Apply, DropNode and SyncNode, so a
// node's events are applied in the order they are handed in.
type replica struct {
	mu    sync.Mutex
	nodes map[string]nodeSeq
}

type nodeSeq struct{ epoch, last uint64 }

// admission is what to do with one remote event.
type admission struct {
	apply     bool  // new: apply it
	restarted bool  // the node's epoch changed: drop its old entries first
	gap       error // *GapError, or nil
}

// admitLocked classifies e and records it; the caller holds mu.
func (r *replica) admitLocked(e *repl.Event) admission {
	var a admission
	s, known := r.nodes[e.Node]
	if known && s.epoch != e.Epoch {
		a.restarted = true
		s = nodeSeq{}
	}
	s.epoch = e.Epoch
	if e.Seq <= s.last {
		return a // a duplicate or an old event: ignore
	}
	if e.Seq != s.last+1 {
		a.gap = &repl.GapError{Node: e.Node, Want: s.last + 1, Got: e.Seq}
	}
	s.last = e.Seq
	if r.nodes == nil {
		r.nodes = make(map[string]nodeSeq)
	}
	r.nodes[e.Node] = s
	a.apply = true
	return a
}

// syncLocked records a snapshot's position, refusing one older than what
// was applied already; the caller holds mu.
func (r *replica) syncLocked(node string, epoch, seq uint64) error {
	if s, ok := r.nodes[node]; ok && s.epoch == epoch && s.last > seq {
		return repl.ErrStaleSnapshot
	}
	if r.nodes == nil {
		r.nodes = make(map[string]nodeSeq)
	}
	r.nodes[node] = nodeSeq{epoch: epoch, last: seq}
	return nil
}
