package roomsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

// Replica is a replicated room service: *room.Members[R, U] and
// *room.Presence[U] are Replicas. Pass the service itself to Start.
type Replica interface {
	// Replica returns the service's replication state.
	Replica() repl.Replica
}

// Defaults of Options.
const (
	DefaultHeartbeat  = 2 * time.Second
	DefaultQueue      = 4096
	DefaultMaxMessage = 256 << 10
	minMaxMessage     = 8 << 10
)

// Options configures Start. Zero fields take their defaults.
type Options struct {
	// Heartbeat is H, the period of this node's heartbeats. Default
	// DefaultHeartbeat (2 s).
	Heartbeat time.Duration
	// DeadAfter is D: a node not heard from for this long is declared dead
	// and its entries are dropped. Default 3 × Heartbeat; it must exceed
	// Heartbeat.
	DeadAfter time.Duration
	// Queue bounds the local events waiting to be published. When it is
	// full an event is dropped (counted in Stats.EventsDropped, logged);
	// other nodes repair the loss through a sync. Default DefaultQueue.
	Queue int
	// MaxMessage bounds the size of one snapshot message in bytes: larger
	// snapshots are split into parts (keep it under the bus's payload
	// limit, 1 MiB by default on NATS). Default DefaultMaxMessage (256
	// KiB), at least 8 KiB.
	MaxMessage int
	// Logger receives reports of dropped nodes, lost and invalid messages.
	// Default slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() (Options, error) {
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.DeadAfter <= 0 {
		o.DeadAfter = 3 * o.Heartbeat
	}
	if o.DeadAfter <= o.Heartbeat {
		return o, fmt.Errorf("roomsync: DeadAfter (%v) must exceed Heartbeat (%v)", o.DeadAfter, o.Heartbeat)
	}
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	if o.MaxMessage <= 0 {
		o.MaxMessage = DefaultMaxMessage
	}
	o.MaxMessage = max(o.MaxMessage, minMaxMessage)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}

// subjects are the four bus subjects of one replicated service.
type subjects struct {
	events, snapshot, alive, sync string
}

func newSubjects(prefix string) subjects {
	return subjects{
		events:   prefix + ".events",
		snapshot: prefix + ".snapshot",
		alive:    prefix + ".alive",
		sync:     prefix + ".sync",
	}
}

// checkPrefix refuses prefixes that are not a plain dotted subject: NATS
// would read '*' and '>' as wildcards, and spaces or empty tokens are
// invalid there.
func checkPrefix(prefix string) error {
	if prefix == "" {
		return errors.New("roomsync: empty subject prefix")
	}
	for _, tok := range strings.Split(prefix, ".") {
		if tok == "" || strings.ContainsAny(tok, "*> \t\r\n") {
			return fmt.Errorf("roomsync: subject prefix %q: empty token, wildcard or whitespace", prefix)
		}
	}
	return nil
}

// Sync replicates one Replica over a bus. It is created by Start and runs
// until Close or until Start's context is done.
type Sync struct {
	r     repl.Replica
	b     bus.Bus
	node  string
	epoch uint64
	subj  subjects
	opts  Options
	log   *slog.Logger
	ctx   context.Context // cancelled by Close
	stop  context.CancelFunc

	out   chan repl.Event // local events → publisher
	inbox chan inbound    // bus handlers → receiver
	ctl   control         // receiver → publisher
	done  chan struct{}
	wg    sync.WaitGroup

	// droppedSeq is the highest sequence number dropped because the queue
	// was full; heartbeats carry it so peers notice a lost tail.
	droppedSeq atomic.Uint64
	peers      atomic.Pointer[[]string]

	removeOnEvent func()
	mu            sync.Mutex  // guards unregister
	unregister    func() bool // releases the context.AfterFunc registration
	subs          []bus.Subscription
	closeOnce     sync.Once
	closeErr      error

	n counters
}

// Start replicates r over b: every node running Start with the same
// prefix (e.g. "jsgen.chat.members") on the same bus shares r's entries.
// It subscribes the subjects prefix+".events", ".snapshot", ".alive" and
// ".sync" before it returns, then asks every node for its snapshot. The
// replication runs until ctx is done or Close is called. It fails on an
// invalid prefix or options, or when the bus refuses a subscription.
func Start(ctx context.Context, b bus.Bus, prefix string, service Replica, opts Options) (*Sync, error) {
	if service == nil {
		return nil, errors.New("roomsync: Start needs a room service")
	}
	r := service.Replica()
	if b == nil || r == nil {
		return nil, errors.New("roomsync: Start needs a bus and a replica")
	}
	if err := checkPrefix(prefix); err != nil {
		return nil, err
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("roomsync: start %s: %w", prefix, err)
	}
	node := r.NodeID()
	if err := jsgenrt.NodeID(node).Check(); err != nil {
		return nil, fmt.Errorf("roomsync: start %s: %w", prefix, err)
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s := &Sync{
		r: r, b: b, node: node, subj: newSubjects(prefix), opts: opts, ctx: runCtx, stop: stop,
		log:   opts.Logger.With("component", "roomsync", "prefix", prefix, "node", node),
		out:   make(chan repl.Event, opts.Queue),
		inbox: make(chan inbound, 256),
		ctl:   newControl(),
		done:  make(chan struct{}),
	}
	s.peers.Store(new([]string))
	// Register before reading the position, so that no event falls
	// between the snapshot's Seq and the first event seen.
	s.removeOnEvent = r.OnEvent(s.enqueue)
	snap := r.Snapshot()
	s.epoch = snap.Epoch
	if err := s.subscribe(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("roomsync: start %s: %w", prefix, err)
	}
	s.wg.Add(2)
	go s.publisher(snap.Seq)
	go s.receiver()
	s.request("") // learn every node's state
	s.mu.Lock()   // the AfterFunc may run Close at once, before the assignment
	s.unregister = context.AfterFunc(ctx, func() { _ = s.Close() })
	s.mu.Unlock()
	return s, nil
}

// subscribe registers the four handlers; on failure the ones registered
// are left in s.subs for Close.
func (s *Sync) subscribe(ctx context.Context) error {
	for subject, h := range map[string]bus.Handler{
		s.subj.events:   s.onEvent,
		s.subj.snapshot: s.onSnapshot,
		s.subj.alive:    s.onHeartbeat,
		s.subj.sync:     s.onSyncRequest,
	} {
		sub, err := s.b.Subscribe(ctx, subject, h)
		if err != nil {
			return fmt.Errorf("subscribe %s: %w", subject, err)
		}
		s.subs = append(s.subs, sub)
	}
	return nil
}

// Close stops replicating: the OnEvent callback is removed, the
// goroutines are stopped (Close waits for them), and the bus
// subscriptions are removed. Local events still queued are discarded. No
// goodbye is published: other nodes drop this node's entries once it has
// been silent for DeadAfter. The replica keeps its entries (remote ones
// are no longer updated). Close is idempotent and returns the first call's
// unsubscribe errors, joined. It must not be called from a bus handler,
// nor from a callback of the replica (OnChange and the like run on the
// goroutine that Close waits for).
func (s *Sync) Close() error {
	s.closeOnce.Do(func() {
		s.removeOnEvent()
		s.mu.Lock()
		if s.unregister != nil {
			s.unregister()
		}
		s.mu.Unlock()
		s.stop()
		close(s.done)
		var errs []error
		for _, sub := range s.subs {
			if err := sub.Unsubscribe(); err != nil {
				errs = append(errs, fmt.Errorf("roomsync: unsubscribe: %w", err))
			}
		}
		s.wg.Wait()
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// NodeID returns the replica's node ID.
func (s *Sync) NodeID() string { return s.node }

// Peers returns the other nodes currently considered alive (heard from
// within DeadAfter), sorted.
func (s *Sync) Peers() []string {
	return append([]string(nil), *s.peers.Load()...)
}

// enqueue is the replica's OnEvent callback: it never blocks. When the
// queue is full the event is dropped, counted and logged.
func (s *Sync) enqueue(e repl.Event) {
	select {
	case s.out <- e:
	default:
		s.raiseDropped(e.Seq)
		if n, log := s.n.eventsDropped.Inc(); log {
			s.log.Warn("roomsync: outbound queue full, event dropped (peers will resync)",
				"seq", e.Seq, "kind", e.Kind, "dropped_total", n)
		}
	}
}

func (s *Sync) raiseDropped(seq uint64) {
	for {
		cur := s.droppedSeq.Load()
		if seq <= cur || s.droppedSeq.CompareAndSwap(cur, seq) {
			return
		}
	}
}
