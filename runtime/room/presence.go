package room

import (
	"cmp"
	"container/heap"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/channel"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

// PresenceChangeKind names a user-level presence transition.
type PresenceChangeKind uint8

// The presence transitions.
const (
	// PresenceOnline: the user's first live connection entry appeared.
	PresenceOnline PresenceChangeKind = 1 + iota
	// PresenceUpdate: the user's status changed while they stayed online.
	PresenceUpdate
	// PresenceOffline: the user's last connection entry was removed or
	// expired.
	PresenceOffline
)

// String returns "online", "update" or "offline".
func (k PresenceChangeKind) String() string {
	switch k {
	case PresenceOnline:
		return "online"
	case PresenceUpdate:
		return "update"
	case PresenceOffline:
		return "offline"
	}
	return "PresenceChangeKind(" + strconv.Itoa(int(k)) + ")"
}

// PresenceChange is one user-level presence transition. Heartbeats and
// per-connection changes that leave the user's status as it was produce
// none.
type PresenceChange[U any] struct {
	Kind     PresenceChangeKind
	User     jsgenrt.Ref[U]
	Status   Status    // the user's status now (PresenceOffline: the last one)
	Prev     Status    // the status before (0 for PresenceOnline)
	LastSeen time.Time // the user's last sign of life
	Conn     string    // the connection entry whose change caused it
	Node     string    // the node that owns that entry
	Local    bool      // the entry belongs to this node
	Reason   Reason
}

// UserPresence is a user's presence: a status and last-seen time derived
// from their connections' entries (Phoenix-style metas, one per
// connection). A user is online while any entry is live; their Status is
// that of the entry whose status was set most recently (ties: the greater
// node, then connection ID), and LastSeen is the latest LastSeen of any
// entry.
type UserPresence struct {
	Status   Status
	Since    time.Time // when Status was set
	LastSeen time.Time
	Conns    []ConnPresence // sorted by node, then connection ID
}

// ConnPresence is one connection's presence entry.
type ConnPresence struct {
	Conn     string
	Node     string
	Status   Status
	Since    time.Time // when Status was set
	LastSeen time.Time // last Set or Heartbeat
}

// PresenceStats is a snapshot of a Presence's gauges and counters.
type PresenceStats struct {
	Users   int    // users with at least one entry (some may be due to expire)
	Entries int    // connection entries
	Expired uint64 // entries removed by the TTL
	Applied uint64 // remote events applied
	Ignored uint64 // remote events ignored: own node's, duplicates or older than applied ones
	Gaps    uint64 // remote events that revealed a sequence gap
}

// Presence tracks users' online status per connection, with automatic
// expiry: an entry lives TTL after its last Set or Heartbeat. One janitor
// goroutine per Presence (started by NewPresence, stopped by Close)
// removes due entries in deadline order from time-ordered heaps; reads
// never report an entry past its deadline even before the janitor ran.
// It is safe for concurrent use.
type Presence[U any] struct {
	common
	ttl        int64
	maxConns   int
	maxEntries int
	maxID      int
	shards     [shardCount]presShard
	disp       dispatcher[PresenceChange[U]]
	remote     replica
	watch      *channel.Channels[U, PresenceChange[U]]

	entries                         atomic.Int64
	users                           atomic.Int64
	expired, applied, ignored, gaps atomic.Uint64

	base      time.Time    // origin of deadlines (with a monotonic reading from SystemClock)
	wakeAt    atomic.Int64 // deadline at which the janitor next looks (math.MaxInt64: only when poked)
	poke      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closed    atomic.Bool
}

type presShard struct {
	mu    sync.RWMutex
	users map[string]*presUser
	heap  presHeap // every entry of the shard, by deadline
}

type presUser struct {
	id    string
	conns []*presConn
}

type presConn struct {
	user     *presUser
	id, node string
	status   Status
	since    int64 // Unix nanoseconds
	lastSeen int64
	deadline int64 // monotonic: nanoseconds since Presence.base
	idx      int   // index in the shard's heap
}

// NewPresence returns an empty Presence configured by opts (WithNodeID,
// WithTTL, WithPresenceLimits, WithWatchQueue, WithClock, WithLogger) and
// starts its janitor; Close stops it. It fails only on an invalid NodeID.
func NewPresence[U any](opts ...PresenceOption) (*Presence[U], error) {
	var cfg presenceConfig
	for _, o := range opts {
		o.applyPresence(&cfg)
	}
	return presenceFrom[U](cfg)
}

func presenceFrom[U any](opts presenceConfig) (*Presence[U], error) {
	c, err := newCommon(opts.NodeID, opts.Clock, opts.Logger, "room.presence")
	if err != nil {
		return nil, err
	}
	setDefault(&opts.TTL, DefaultPresenceTTL)
	setDefault(&opts.MaxConnsPerUser, DefaultMaxConnsPerUser)
	setDefault(&opts.MaxEntries, DefaultMaxEntries)
	setDefault(&opts.MaxIDLength, DefaultMaxIDLength)
	setDefault(&opts.WatchQueue, 64)
	p := &Presence[U]{
		common:     c,
		ttl:        int64(opts.TTL),
		maxConns:   opts.MaxConnsPerUser,
		maxEntries: opts.MaxEntries,
		maxID:      opts.MaxIDLength,
		poke:       make(chan struct{}, 1),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	p.watch = channel.New[U, PresenceChange[U]](nil, channel.WithQueueSize(opts.WatchQueue),
		channel.WithOverflow(channel.DropOldest), channel.WithLogger(c.log))
	p.disp = dispatcher[PresenceChange[U]]{node: c.node, epoch: c.epoch, log: c.log,
		extra: func(ch PresenceChange[U]) { p.watch.Publish(ch.User, ch) }}
	for i := range p.shards {
		p.shards[i].users = make(map[string]*presUser)
	}
	p.base = p.clock.Now()
	p.wakeAt.Store(math.MaxInt64)
	go p.janitor()
	return p, nil
}

// NodeID returns the node ID stamped on this node's entries and events.
func (p *Presence[U]) NodeID() string { return p.node }

// TTL returns how long an entry lives after its last Set or Heartbeat.
func (p *Presence[U]) TTL() time.Duration { return time.Duration(p.ttl) }

// Close stops the janitor (waiting for it to return) and ends every
// WatchUser subscription. Later Set and Heartbeat calls fail with
// ErrClosed; reads keep working. Close is idempotent and returns nil.
func (p *Presence[U]) Close() error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		close(p.stop)
		<-p.done
		_ = p.watch.Close()
	})
	return nil
}

// Set records that connection connID of user has status, now: the entry
// is created if needed (the user comes online with their first entry) and
// lives TTL from now. The user's status becomes status (the most recent
// Set wins). Errors (errors.Is-able): ErrInvalidID, ErrInvalidStatus,
// ErrTooManyConns or ErrPresenceFull (*LimitError, also ErrLimit),
// ErrClosed. On error nothing changed.
func (p *Presence[U]) Set(user jsgenrt.Ref[U], connID string, status Status) error {
	uid := user.ID()
	if err := p.checkLocal(uid, connID); err != nil {
		return fmt.Errorf("room: presence: set: %w", err)
	}
	if !status.Valid() {
		return fmt.Errorf("room: presence: set %q: %w %d", uid, ErrInvalidStatus, status)
	}
	now := p.now()
	s := p.shardOf(uid)
	s.mu.Lock()
	p.expireUserLocked(s, uid, now)
	err := p.upsertLocked(s, uid, connID, p.node, status, now.wall, now.wall, now, ReasonLocal)
	s.mu.Unlock()
	p.disp.flush()
	return err
}

// SetAs is Set for a connection that may only set its own status:
// identity is what the connection's guard or Authenticate attached to it
// (ws.Conn.Identity(), or a generated Conn's typed Identity()), and user
// must be the user it names (see Authorize). Setting another user's status
// fails with ErrForbidden, and a connection without an identity with
// ErrNoIdentity (also ErrForbidden); nothing changes then. Use SetAs
// wherever the user comes from the client (a query parameter, a frame),
// so that nobody can set someone else's presence; Heartbeat and Remove
// only touch entries of connID, which only SetAs or Set created.
func (p *Presence[U]) SetAs(identity any, user jsgenrt.Ref[U], connID string, status Status) error {
	if err := Authorize(user, identity); err != nil {
		return fmt.Errorf("room: presence: set: %w", err)
	}
	return p.Set(user, connID, status)
}

// Heartbeat refreshes connection connID's entry: its LastSeen becomes now
// and it lives TTL from now. It never creates an entry: for a missing or
// expired one it returns ErrNotPresent (call Set again).
func (p *Presence[U]) Heartbeat(user jsgenrt.Ref[U], connID string) error {
	uid := user.ID()
	if err := p.checkLocal(uid, connID); err != nil {
		return fmt.Errorf("room: presence: heartbeat: %w", err)
	}
	now := p.now()
	s := p.shardOf(uid)
	s.mu.Lock()
	p.expireUserLocked(s, uid, now)
	c := s.find(uid, connID, p.node)
	if c == nil {
		s.mu.Unlock()
		p.disp.flush()
		return fmt.Errorf("room: presence: heartbeat %q connection %q: %w", uid, connID, ErrNotPresent)
	}
	c.lastSeen, c.deadline = now.wall, now.mono+p.ttl
	heap.Fix(&s.heap, c.idx)
	p.disp.emit(c.event(repl.EventPresence, now.wall), PresenceChange[U]{}, false)
	s.mu.Unlock()
	p.schedule(c.deadline)
	p.disp.flush()
	return nil
}

// Remove deletes connection connID's entry (the user goes offline if it
// was their last) and reports whether there was one.
func (p *Presence[U]) Remove(user jsgenrt.Ref[U], connID string) bool {
	uid := user.ID()
	now := p.now()
	s := p.shardOf(uid)
	s.mu.Lock()
	p.expireUserLocked(s, uid, now)
	c := s.find(uid, connID, p.node)
	if c != nil {
		p.removeLocked(s, c, repl.EventPresenceRemove, ReasonLocal, now)
	}
	s.mu.Unlock()
	p.disp.flush()
	return c != nil
}

// Get returns user's presence, or false if they have no live entry.
func (p *Presence[U]) Get(user jsgenrt.Ref[U]) (UserPresence, bool) {
	uid := user.ID()
	now := p.now().mono
	s := p.shardOf(uid)
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[uid]
	if u == nil {
		return UserPresence{}, false
	}
	v := u.view(now)
	if !v.online {
		return UserPresence{}, false
	}
	out := UserPresence{Status: v.status, Since: time.Unix(0, v.since), LastSeen: time.Unix(0, v.lastSeen),
		Conns: make([]ConnPresence, 0, len(u.conns))}
	for _, c := range u.conns {
		if c.deadline > now {
			out.Conns = append(out.Conns, ConnPresence{Conn: c.id, Node: c.node, Status: c.status,
				Since: time.Unix(0, c.since), LastSeen: time.Unix(0, c.lastSeen)})
		}
	}
	slices.SortFunc(out.Conns, func(a, b ConnPresence) int {
		return cmp.Or(cmp.Compare(a.Node, b.Node), cmp.Compare(a.Conn, b.Conn))
	})
	return out, true
}

// Online reports whether user has a live entry.
func (p *Presence[U]) Online(user jsgenrt.Ref[U]) bool {
	uid := user.ID()
	now := p.now().mono
	s := p.shardOf(uid)
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[uid]
	return u != nil && u.view(now).online
}

// OnChange registers f to receive every user-level presence transition
// exactly once, in order, including those caused by expiry and by other
// nodes (PresenceChange.Local is false for them). The rules of
// Members.OnChange apply: f must not block, may call back into Presence,
// and a panic in it is recovered and logged.
func (p *Presence[U]) OnChange(f func(PresenceChange[U])) (remove func()) {
	return p.disp.changes.add(f)
}

// onEvent registers f to receive this node's own replication events
// (EventPresence for every Set and Heartbeat, EventPresenceRemove,
// EventPresenceExpire) in sequence order, under the rules of OnChange.
func (p *Presence[U]) onEvent(f func(repl.Event)) (remove func()) {
	return p.disp.events.add(f)
}

// WatchUser subscribes to user's presence transitions. The subscription's
// queue holds WithWatchQueue changes and drops the oldest
// when full (counted in its Dropped). Close it when done; Presence.Close
// ends it.
func (p *Presence[U]) WatchUser(user jsgenrt.Ref[U]) *channel.Subscription[PresenceChange[U]] {
	return p.watch.Subscribe(user)
}

// Stats returns a snapshot of the gauges and counters.
func (p *Presence[U]) Stats() PresenceStats {
	return PresenceStats{
		Users:   int(p.users.Load()),
		Entries: int(p.entries.Load()),
		Expired: p.expired.Load(),
		Applied: p.applied.Load(),
		Ignored: p.ignored.Load(),
		Gaps:    p.gaps.Load(),
	}
}

func (p *Presence[U]) checkLocal(uid, connID string) error {
	if p.closed.Load() {
		return ErrClosed
	}
	if err := checkID("user", uid, p.maxID); err != nil {
		return err
	}
	return checkID("connection", connID, p.maxID)
}

func (p *Presence[U]) shardOf(uid string) *presShard { return &p.shards[p.shard(uid)] }

// find returns user uid's entry for connection (id, node), or nil.
func (s *presShard) find(uid, id, node string) *presConn {
	u := s.users[uid]
	if u == nil {
		return nil
	}
	for _, c := range u.conns {
		if c.id == id && c.node == node {
			return c
		}
	}
	return nil
}

// upsertLocked creates or updates an entry to (status, since, lastSeen)
// and emits the event (for local entries) and the user-level change.
func (p *Presence[U]) upsertLocked(s *presShard, uid, id, node string, status Status, since, lastSeen int64, now instant, reason Reason) error {
	u := s.users[uid]
	c := s.find(uid, id, node)
	if c == nil {
		if u != nil && len(u.conns) >= p.maxConns {
			return &LimitError{Kind: ErrTooManyConns, Limit: "PresenceLimits.MaxConnsPerUser", Max: p.maxConns, Key: uid}
		}
		if p.entries.Load() >= int64(p.maxEntries) {
			return &LimitError{Kind: ErrPresenceFull, Limit: "PresenceLimits.MaxEntries", Max: p.maxEntries}
		}
	}
	var before userView
	if u != nil {
		before = u.stored()
	}
	if u == nil {
		u = &presUser{id: uid}
		s.users[uid] = u
		p.users.Add(1)
	}
	if c == nil {
		c = &presConn{user: u, id: id, node: node}
		u.conns = append(u.conns, c)
		heap.Push(&s.heap, c)
		p.entries.Add(1)
	}
	c.status, c.since, c.lastSeen, c.deadline = status, since, lastSeen, now.mono+p.ttl
	heap.Fix(&s.heap, c.idx)
	var ev repl.Event
	if node == p.node {
		ev = c.event(repl.EventPresence, lastSeen)
	}
	ch, ok := p.transition(u, c, before, u.stored(), reason)
	p.disp.emit(ev, ch, ok)
	p.schedule(c.deadline)
	return nil
}

// removeLocked deletes entry c, emitting kind (for a local entry) and the
// user-level change.
func (p *Presence[U]) removeLocked(s *presShard, c *presConn, kind repl.EventKind, reason Reason, now instant) {
	u := c.user
	before := u.stored()
	heap.Remove(&s.heap, c.idx)
	u.conns = slices.DeleteFunc(u.conns, func(x *presConn) bool { return x == c })
	p.entries.Add(-1)
	if len(u.conns) == 0 {
		delete(s.users, u.id)
		p.users.Add(-1)
	}
	var ev repl.Event
	if c.node == p.node {
		ev = c.event(kind, now.wall)
	}
	ch, ok := p.transition(u, c, before, u.stored(), reason)
	p.disp.emit(ev, ch, ok)
}

// expireUserLocked removes uid's due entries before a change to uid, so
// the change sees only live ones and expiry is reported first.
func (p *Presence[U]) expireUserLocked(s *presShard, uid string, now instant) {
	u := s.users[uid]
	if u == nil {
		return
	}
	for i := 0; i < len(u.conns); {
		if c := u.conns[i]; c.deadline <= now.mono {
			p.expireLocked(s, c, now) // deletes u.conns[i], keeping the order
			continue
		}
		i++
	}
}

func (p *Presence[U]) expireLocked(s *presShard, c *presConn, now instant) {
	p.removeLocked(s, c, repl.EventPresenceExpire, ReasonExpired, now)
	p.expired.Add(1)
}

// transition returns the user-level change between two views, if any.
func (p *Presence[U]) transition(u *presUser, c *presConn, before, after userView, reason Reason) (PresenceChange[U], bool) {
	ch := PresenceChange[U]{User: jsgenrt.UncheckedRef[U](u.id), Status: after.status, Prev: before.status,
		LastSeen: time.Unix(0, max(before.lastSeen, after.lastSeen)), Conn: c.id, Node: c.node,
		Local: c.node == p.node, Reason: reason}
	switch {
	case !before.online && after.online:
		ch.Kind, ch.Prev = PresenceOnline, 0
	case before.online && !after.online:
		ch.Kind, ch.Status = PresenceOffline, before.status
	case before.online && before.status != after.status:
		ch.Kind = PresenceUpdate
	default:
		return ch, false
	}
	return ch, true
}

// event returns c's replication event of kind at time at.
func (c *presConn) event(kind repl.EventKind, at int64) repl.Event {
	e := repl.Event{Kind: kind, User: c.user.id, Conn: c.id, At: at}
	if kind == repl.EventPresence {
		e.Status, e.Since = uint8(c.status), c.since
	}
	return e
}

// stored derives the user's presence from every stored entry, due or not.
// Transitions are computed on stored entries: each entry leaves the table
// exactly once, so each transition is reported exactly once, even when
// reads already stopped counting a due entry.
func (u *presUser) stored() userView { return u.view(math.MinInt64) }

// userView is a user's derived presence at one instant.
type userView struct {
	online          bool
	status          Status
	since, lastSeen int64
	by              *presConn // the entry whose status is the user's
}

// view derives the user's presence from its entries live at now (what
// reads report).
func (u *presUser) view(now int64) userView {
	var v userView
	for _, c := range u.conns {
		if c.deadline <= now {
			continue
		}
		v.online = true
		v.lastSeen = max(v.lastSeen, c.lastSeen)
		if v.by == nil || cmp.Or(cmp.Compare(c.since, v.by.since), cmp.Compare(c.node, v.by.node), cmp.Compare(c.id, v.by.id)) > 0 {
			v.by = c
		}
	}
	if v.by != nil {
		v.status, v.since = v.by.status, v.by.since
	}
	return v
}

// instant is one reading of the clock: wall time for LastSeen, Since and
// events (Unix nanoseconds), and a monotonic offset from p.base for
// deadlines, so that wall-clock steps (NTP) neither expire every entry at
// once nor keep them alive too long.
type instant struct{ wall, mono int64 }

func (p *Presence[U]) now() instant {
	t := p.clock.Now()
	return instant{wall: t.UnixNano(), mono: int64(t.Sub(p.base))}
}

// schedule makes sure the janitor looks again no later than deadline.
func (p *Presence[U]) schedule(deadline int64) {
	if deadline < p.wakeAt.Load() {
		select {
		case p.poke <- struct{}{}:
		default:
		}
	}
}

// janitor removes entries as they fall due. It sleeps until the earliest
// deadline of all shards, or until poked by a change with an earlier one.
func (p *Presence[U]) janitor() {
	defer close(p.done)
	var timer Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		// Publishing "no wake-up planned" before scanning makes every
		// change that lands during the scan poke the janitor.
		p.wakeAt.Store(math.MaxInt64)
		next := p.expireDue(p.now())
		p.wakeAt.Store(next)
		var fire <-chan time.Time
		if next != math.MaxInt64 {
			if timer == nil {
				timer = p.clock.NewTimer(p.base.Add(time.Duration(next)))
			} else {
				timer.Reset(p.base.Add(time.Duration(next)))
			}
			fire = timer.C()
		}
		select {
		case <-p.stop:
			return
		case <-p.poke:
		case <-fire:
		}
	}
}

// expireDue removes every entry due at now and returns the earliest
// remaining deadline (math.MaxInt64 if none). Each shard costs O(1) plus
// O(log n) per expired entry.
func (p *Presence[U]) expireDue(now instant) int64 {
	next := int64(math.MaxInt64)
	for i := range p.shards {
		s := &p.shards[i]
		s.mu.Lock()
		expired := false
		for len(s.heap) > 0 && s.heap[0].deadline <= now.mono {
			p.expireLocked(s, s.heap[0], now)
			expired = true
		}
		if len(s.heap) > 0 {
			next = min(next, s.heap[0].deadline)
		}
		s.mu.Unlock()
		if expired {
			// Only then: a janitor that delivered other callers'
			// notifications would make them return before theirs were
			// delivered more often than necessary.
			p.disp.flush()
		}
	}
	return next
}

// presHeap orders entries by deadline. It is unexported; its methods
// implement container/heap.Interface.
type presHeap []*presConn

// Len returns the number of entries.
func (h presHeap) Len() int { return len(h) }

// Less orders by deadline.
func (h presHeap) Less(i, j int) bool { return h[i].deadline < h[j].deadline }

// Swap swaps two entries, keeping their indexes current.
func (h presHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}

// Push appends an entry.
func (h *presHeap) Push(x any) {
	c := x.(*presConn)
	c.idx = len(*h)
	*h = append(*h, c)
}

// Pop removes the last entry.
func (h *presHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	c.idx = -1
	return c
}
