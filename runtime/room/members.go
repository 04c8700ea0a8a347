package room

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

// Reason says what caused a member or presence change.
type Reason uint8

// The reasons.
const (
	// ReasonLocal: a call on this node (Join, Membership.Close, Set,
	// Remove).
	ReasonLocal Reason = 1 + iota
	// ReasonDisconnect: Members.LeaveAll, the connection went away.
	ReasonDisconnect
	// ReasonExpired: a presence entry outlived its TTL.
	ReasonExpired
	// ReasonRemote: an event from another node (Apply).
	ReasonRemote
	// ReasonNodeDown: DropNode removed a dead node's entries.
	ReasonNodeDown
	// ReasonNodeRestart: another node restarted (its epoch changed), so its
	// entries from before the restart were dropped.
	ReasonNodeRestart
	// ReasonSync: SyncNode reconciled another node's entries.
	ReasonSync
)

// String returns the reason's name.
func (r Reason) String() string {
	switch r {
	case ReasonLocal:
		return "local"
	case ReasonDisconnect:
		return "disconnect"
	case ReasonExpired:
		return "expired"
	case ReasonRemote:
		return "remote"
	case ReasonNodeDown:
		return "node-down"
	case ReasonNodeRestart:
		return "node-restart"
	case ReasonSync:
		return "sync"
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// MemberChangeKind says whether a user became or stopped being a member.
type MemberChangeKind uint8

// The member transitions.
const (
	// MemberJoined: the user's first connection joined the room.
	MemberJoined MemberChangeKind = 1 + iota
	// MemberLeft: the user's last connection left the room.
	MemberLeft
)

// String returns "joined" or "left".
func (k MemberChangeKind) String() string {
	switch k {
	case MemberJoined:
		return "joined"
	case MemberLeft:
		return "left"
	}
	return "MemberChangeKind(" + strconv.Itoa(int(k)) + ")"
}

// MemberChange is one member transition of a room: a user joined (first
// connection) or left (last connection). Connections joining or leaving
// while the user stays a member produce no change.
type MemberChange[R, U any] struct {
	Kind     MemberChangeKind
	Room     jsgenrt.Ref[R]
	User     jsgenrt.Ref[U]
	JoinedAt time.Time // when the member joined (also set on MemberLeft)
	At       time.Time // when the transition happened
	Conn     string    // the connection whose join or leave caused it
	Node     string    // the node that owns that connection
	// Local reports that the connection belongs to this node. In a cluster
	// every node sees every transition; announce join/leave frames on a
	// cluster-wide channel only for local ones, so each is announced once.
	Local  bool
	Reason Reason
}

// Member is one user in a room as Members lists it.
type Member[U any] struct {
	User     jsgenrt.Ref[U]
	JoinedAt time.Time // when the user's first current connection joined (the earliest, across nodes)
	Conns    int       // the user's connections in the room, on every node known here
}

// Connection is one connection of a member.
type Connection struct {
	ID       string
	Node     string
	JoinedAt time.Time
}

// MembersStats is a snapshot of a Members' gauges and replication counters.
type MembersStats struct {
	Rooms      int    // rooms with at least one member
	Members    int    // (room, user) pairs
	LocalConns int    // this node's connections in at least one room
	Applied    uint64 // remote events applied
	Ignored    uint64 // remote events ignored: own node's, duplicates or older than applied ones
	Gaps       uint64 // remote events that revealed a sequence gap
}

// Members tracks who is in which room: rooms keyed by Ref[R], users by
// Ref[U], each user with one or more connections. It is safe for
// concurrent use and starts no goroutine. See the package documentation
// for the cluster protocol its replication methods serve.
type Members[R, U any] struct {
	common
	limits Limits
	rooms  [shardCount]roomShard
	conns  [shardCount]connShard
	users  [shardCount]userShard
	disp   dispatcher[MemberChange[R, U]]
	remote replica
	tokens atomic.Uint64

	nRooms, nMembers, nConns atomic.Int64
	applied, ignored, gaps   atomic.Uint64
}

type roomShard struct {
	mu    sync.RWMutex
	rooms map[string]*roomState
}

// roomState is one non-empty room.
type roomState struct {
	members map[string]*member // by user identifier
	order   []*member          // sorted by (joinedAt, user)
}

// member is one user in one room with their connections (usually one,
// stored in the member's own allocation).
type member struct {
	user     string
	joinedAt int64 // Unix nanoseconds
	conns    []connEntry
	one      [1]connEntry
}

type connEntry struct {
	id    string
	node  string
	at    int64  // Unix nanoseconds
	token uint64 // identifies a local Join (0 for remote entries)
}

type connShard struct {
	mu    sync.Mutex
	conns map[string]*connState
}

// connState is one local connection: its user and the rooms it joined.
type connState struct {
	user  string
	rooms []roomToken
	one   [1]roomToken
}

type roomToken struct {
	room  string
	token uint64
}

type userShard struct {
	mu    sync.Mutex
	users map[string]*userRooms
}

// userRooms lists the rooms a user is a member of.
type userRooms struct {
	rooms []string
	one   [1]string
}

// NewMembers returns an empty Members configured by opts (WithNodeID,
// WithLimits, WithClock, WithLogger). It fails only on an invalid NodeID.
func NewMembers[R, U any](opts ...MembersOption) (*Members[R, U], error) {
	var cfg membersConfig
	for _, o := range opts {
		o.applyMembers(&cfg)
	}
	return membersFrom[R, U](cfg)
}

func membersFrom[R, U any](opts membersConfig) (*Members[R, U], error) {
	c, err := newCommon(opts.NodeID, opts.Clock, opts.Logger, "room.members")
	if err != nil {
		return nil, err
	}
	m := &Members[R, U]{common: c, limits: opts.Limits.withDefaults()}
	m.disp = dispatcher[MemberChange[R, U]]{node: c.node, epoch: c.epoch, log: c.log}
	for i := range shardCount {
		m.rooms[i].rooms = make(map[string]*roomState)
		m.conns[i].conns = make(map[string]*connState)
		m.users[i].users = make(map[string]*userRooms)
	}
	return m, nil
}

// NodeID returns the node ID stamped on this node's entries and events.
func (m *Members[R, U]) NodeID() string { return m.node }

// Limits returns the effective limits (defaults filled in).
func (m *Members[R, U]) Limits() Limits { return m.limits }

// Membership is the handle Join returns: one connection's presence in one
// room. Close it to leave (defer m.Close()).
type Membership[R, U any] struct {
	m      *Members[R, U]
	room   string
	user   string
	conn   string
	token  uint64
	closed atomic.Bool
}

// Room returns the room joined.
func (h *Membership[R, U]) Room() jsgenrt.Ref[R] { return jsgenrt.UncheckedRef[R](h.room) }

// User returns the user who joined.
func (h *Membership[R, U]) User() jsgenrt.Ref[U] { return jsgenrt.UncheckedRef[U](h.user) }

// Conn returns the connection ID given to Join.
func (h *Membership[R, U]) Conn() string { return h.conn }

// Close leaves the room: the connection is removed, and if it was the
// user's last connection in the room, the user stops being a member
// (MemberLeft is emitted once). Close is idempotent, safe from any
// goroutine, and a no-op when LeaveAll already removed the connection; it
// always returns nil (it satisfies io.Closer).
func (h *Membership[R, U]) Close() error {
	if h == nil || !h.closed.CompareAndSwap(false, true) {
		return nil
	}
	h.m.leave(h.room, h.user, h.conn, h.token)
	return nil
}

// Join adds connection connID of user to room and returns the handle that
// leaves again. A user with several connections in a room is one member;
// the first connection's join emits MemberJoined. connID must be unique
// per connection across the cluster (runtime/ws connection IDs are).
//
// Errors (all errors.Is-able): ErrInvalidID (*IDError) for a bad
// identifier; ErrAlreadyJoined if connID is in the room already;
// ErrConnUser if connID joined rooms as another user; ErrTooManyRooms,
// ErrRoomFull, ErrTooManyConns (*LimitError, also ErrLimit) when a limit
// would be exceeded. On error nothing changed.
func (m *Members[R, U]) Join(room jsgenrt.Ref[R], user jsgenrt.Ref[U], connID string) (*Membership[R, U], error) {
	rid, uid := room.ID(), user.ID()
	if err := m.checkIDs(rid, uid, connID); err != nil {
		return nil, fmt.Errorf("room: join: %w", err)
	}
	cs := &m.conns[m.shard(connID)]
	cs.mu.Lock()
	st := cs.conns[connID]
	if err := m.admitConn(st, rid, uid, connID); err != nil {
		cs.mu.Unlock()
		return nil, err
	}
	token := m.tokens.Add(1)
	c := connEntry{id: connID, node: m.node, at: m.clock.Now().UnixNano(), token: token}
	if err := m.add(rid, uid, c, ReasonLocal); err != nil {
		cs.mu.Unlock()
		return nil, err
	}
	if st == nil {
		st = &connState{user: uid}
		st.rooms = st.one[:0]
		cs.conns[connID] = st
		m.nConns.Add(1)
	}
	st.rooms = append(st.rooms, roomToken{room: rid, token: token})
	cs.mu.Unlock()
	m.disp.flush()
	return &Membership[R, U]{m: m, room: rid, user: uid, conn: connID, token: token}, nil
}

func (m *Members[R, U]) checkIDs(rid, uid, connID string) error {
	if err := checkID("room", rid, m.limits.MaxIDLength); err != nil {
		return err
	}
	if err := checkID("user", uid, m.limits.MaxIDLength); err != nil {
		return err
	}
	return checkID("connection", connID, m.limits.MaxIDLength)
}

// admitConn applies the per-connection checks; the conn shard is locked.
func (m *Members[R, U]) admitConn(st *connState, rid, uid, connID string) error {
	if st == nil {
		return nil
	}
	if st.user != uid {
		return fmt.Errorf("room: join %q as %q: connection %q: %w", rid, uid, connID, ErrConnUser)
	}
	for _, rt := range st.rooms {
		if rt.room == rid {
			return fmt.Errorf("room: join %q: connection %q: %w", rid, connID, ErrAlreadyJoined)
		}
	}
	if len(st.rooms) >= m.limits.RoomsPerConn {
		return &LimitError{Kind: ErrTooManyRooms, Limit: "Limits.RoomsPerConn", Max: m.limits.RoomsPerConn, Key: connID}
	}
	return nil
}

// add inserts connection c of user uid into room rid. Local entries
// (c.token != 0) are checked against the limits and produce an EventJoin;
// a remote entry already present is left as it is. The caller holds the
// connection's shard lock for local entries.
func (m *Members[R, U]) add(rid, uid string, c connEntry, reason Reason) error {
	local := c.token != 0
	rs := &m.rooms[m.shard(rid)]
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r := rs.rooms[rid]
	var mem *member
	if r != nil {
		mem = r.members[uid]
	}
	switch {
	case mem != nil && mem.find(c.id, c.node, 0) >= 0:
		if local {
			return fmt.Errorf("room: join %q: connection %q: %w", rid, c.id, ErrAlreadyJoined)
		}
		return nil
	case local && mem == nil && r != nil && len(r.order) >= m.limits.MembersPerRoom:
		return &LimitError{Kind: ErrRoomFull, Limit: "Limits.MembersPerRoom", Max: m.limits.MembersPerRoom, Key: rid}
	case local && mem != nil && len(mem.conns) >= m.limits.ConnsPerMember:
		return &LimitError{Kind: ErrTooManyConns, Limit: "Limits.ConnsPerMember", Max: m.limits.ConnsPerMember, Key: uid}
	}
	if r == nil {
		r = &roomState{members: make(map[string]*member, 1)}
		rs.rooms[rid] = r
		m.nRooms.Add(1)
	}
	joined := mem == nil
	if joined {
		mem = &member{user: uid, joinedAt: c.at}
		mem.conns = mem.one[:0]
		r.members[uid] = mem
		r.insert(mem)
		m.userAdd(uid, rid)
		m.nMembers.Add(1)
	} else if c.at < mem.joinedAt {
		r.remove(mem)
		mem.joinedAt = c.at
		r.insert(mem)
	}
	mem.conns = append(mem.conns, c)
	var ev repl.Event
	if local {
		ev = repl.Event{Kind: repl.EventJoin, Room: rid, User: uid, Conn: c.id, At: c.at}
	}
	var ch MemberChange[R, U]
	if joined {
		ch = m.change(MemberJoined, rid, mem, c, c.at, reason)
	}
	m.disp.emit(ev, ch, joined)
	return nil
}

// removeConn takes connection (id, node) of user uid out of room rid; a
// non-zero token must match too. Removing a local entry produces an
// EventLeave. It reports whether the connection was there.
func (m *Members[R, U]) removeConn(rid, uid, id, node string, token uint64, reason Reason, at int64) bool {
	rs := &m.rooms[m.shard(rid)]
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r := rs.rooms[rid]
	if r == nil {
		return false
	}
	mem := r.members[uid]
	if mem == nil {
		return false
	}
	i := mem.find(id, node, token)
	if i < 0 {
		return false
	}
	c := mem.conns[i]
	mem.conns = slices.Delete(mem.conns, i, i+1)
	left := len(mem.conns) == 0
	if left {
		m.dropMember(rs, rid, r, mem)
	}
	var ev repl.Event
	if node == m.node {
		ev = repl.Event{Kind: repl.EventLeave, Room: rid, User: uid, Conn: id, At: at}
	}
	var ch MemberChange[R, U]
	if left {
		ch = m.change(MemberLeft, rid, mem, c, at, reason)
	}
	m.disp.emit(ev, ch, left)
	return true
}

// dropMember removes mem (who has no connection left) from r, and r from
// its shard if it is now empty; the room shard is locked.
func (m *Members[R, U]) dropMember(rs *roomShard, rid string, r *roomState, mem *member) {
	r.remove(mem)
	delete(r.members, mem.user)
	m.userRemove(mem.user, rid)
	m.nMembers.Add(-1)
	if len(r.order) == 0 {
		delete(rs.rooms, rid)
		m.nRooms.Add(-1)
	}
}

func (m *Members[R, U]) change(kind MemberChangeKind, rid string, mem *member, c connEntry, at int64, reason Reason) MemberChange[R, U] {
	return MemberChange[R, U]{
		Kind:     kind,
		Room:     jsgenrt.UncheckedRef[R](rid),
		User:     jsgenrt.UncheckedRef[U](mem.user),
		JoinedAt: time.Unix(0, mem.joinedAt),
		At:       time.Unix(0, at),
		Conn:     c.id,
		Node:     c.node,
		Local:    c.node == m.node,
		Reason:   reason,
	}
}

// leave is Membership.Close.
func (m *Members[R, U]) leave(rid, uid, connID string, token uint64) {
	cs := &m.conns[m.shard(connID)]
	cs.mu.Lock()
	st := cs.conns[connID]
	i := -1
	if st != nil {
		i = slices.IndexFunc(st.rooms, func(rt roomToken) bool { return rt.token == token })
	}
	if i < 0 { // LeaveAll got there first
		cs.mu.Unlock()
		return
	}
	st.rooms = slices.Delete(st.rooms, i, i+1)
	if len(st.rooms) == 0 {
		delete(cs.conns, connID)
		m.nConns.Add(-1)
	}
	m.removeConn(rid, uid, connID, m.node, token, ReasonLocal, m.clock.Now().UnixNano())
	cs.mu.Unlock()
	m.disp.flush()
}

// LeaveAll removes connection connID from every room it joined and
// returns how many that was: call it when a connection ends, so that a
// connection that died without closing its memberships leaves nothing
// behind (LeaveOnDone arranges it). Their handles' Close becomes a no-op.
func (m *Members[R, U]) LeaveAll(connID string) int {
	cs := &m.conns[m.shard(connID)]
	cs.mu.Lock()
	st := cs.conns[connID]
	if st == nil {
		cs.mu.Unlock()
		return 0
	}
	delete(cs.conns, connID)
	m.nConns.Add(-1)
	at := m.clock.Now().UnixNano()
	for _, rt := range st.rooms {
		m.removeConn(rt.room, st.user, connID, m.node, rt.token, ReasonDisconnect, at)
	}
	cs.mu.Unlock()
	m.disp.flush()
	return len(st.rooms)
}

// LeaveOnDone arranges LeaveAll(connID) to run once ctx is done: pass a
// WebSocket connection's context (runtime/ws Conn.Context), which ends
// however the connection ends, so its rooms are left even if a handle is
// never closed. There is no need to call stop (see context.AfterFunc) for
// a context that always ends; calling it cancels the arrangement.
func (m *Members[R, U]) LeaveOnDone(ctx context.Context, connID string) (stop func() bool) {
	return context.AfterFunc(ctx, func() { m.LeaveAll(connID) })
}

// Members returns room's members sorted by JoinedAt, then user identifier
// (a deterministic order). An unknown room has none.
func (m *Members[R, U]) Members(room jsgenrt.Ref[R]) []Member[U] {
	return m.AppendMembers(nil, room)
}

// AppendMembers appends room's members to dst in Members' order and
// returns the extended slice (reuse dst to avoid allocating).
func (m *Members[R, U]) AppendMembers(dst []Member[U], room jsgenrt.Ref[R]) []Member[U] {
	rid := room.ID()
	rs := &m.rooms[m.shard(rid)]
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	r := rs.rooms[rid]
	if r == nil {
		return dst
	}
	dst = slices.Grow(dst, len(r.order))
	for _, mem := range r.order {
		dst = append(dst, Member[U]{
			User:     jsgenrt.UncheckedRef[U](mem.user),
			JoinedAt: time.Unix(0, mem.joinedAt),
			Conns:    len(mem.conns),
		})
	}
	return dst
}

// Count returns the number of members (distinct users) in room, in
// constant time.
func (m *Members[R, U]) Count(room jsgenrt.Ref[R]) int {
	rid := room.ID()
	rs := &m.rooms[m.shard(rid)]
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	if r := rs.rooms[rid]; r != nil {
		return len(r.order)
	}
	return 0
}

// IsMember reports whether user has a connection in room.
func (m *Members[R, U]) IsMember(room jsgenrt.Ref[R], user jsgenrt.Ref[U]) bool {
	rid := room.ID()
	rs := &m.rooms[m.shard(rid)]
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	r := rs.rooms[rid]
	return r != nil && r.members[user.ID()] != nil
}

// Connections returns user's connections in room, sorted by join time,
// then node and ID.
func (m *Members[R, U]) Connections(room jsgenrt.Ref[R], user jsgenrt.Ref[U]) []Connection {
	rid := room.ID()
	rs := &m.rooms[m.shard(rid)]
	rs.mu.RLock()
	var out []Connection
	if r := rs.rooms[rid]; r != nil {
		if mem := r.members[user.ID()]; mem != nil {
			out = make([]Connection, len(mem.conns))
			for i, c := range mem.conns {
				out[i] = Connection{ID: c.id, Node: c.node, JoinedAt: time.Unix(0, c.at)}
			}
		}
	}
	rs.mu.RUnlock()
	slices.SortFunc(out, func(a, b Connection) int {
		return cmp.Or(a.JoinedAt.Compare(b.JoinedAt), cmp.Compare(a.Node, b.Node), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// RoomsOf returns the rooms user is a member of, sorted by identifier.
func (m *Members[R, U]) RoomsOf(user jsgenrt.Ref[U]) []jsgenrt.Ref[R] {
	uid := user.ID()
	us := &m.users[m.shard(uid)]
	us.mu.Lock()
	var ids []string
	if ur := us.users[uid]; ur != nil {
		ids = slices.Clone(ur.rooms)
	}
	us.mu.Unlock()
	slices.Sort(ids)
	out := make([]jsgenrt.Ref[R], len(ids))
	for i, id := range ids {
		out[i] = jsgenrt.UncheckedRef[R](id)
	}
	return out
}

// OnChange registers f to receive every member transition (MemberJoined,
// MemberLeft) exactly once, in the order they happened, including those
// caused by other nodes' events (MemberChange.Local is false for them).
// Changes made before OnChange returns are not replayed. f runs outside
// Members' locks, on the goroutine of some caller whose change is being
// delivered, so it must not block; it may call Members' methods (a
// change it causes is delivered after f returns). A panic in f is
// recovered and logged. remove unregisters f; a delivery already in
// progress may still call it once.
func (m *Members[R, U]) OnChange(f func(MemberChange[R, U])) (remove func()) {
	return m.disp.changes.add(f)
}

// onEvent registers f to receive this node's own replication events
// (EventJoin, EventLeave) in sequence order, under the same rules as
// OnChange: the cluster adapter publishes them on the bus. Events applied
// from other nodes are never passed to f.
func (m *Members[R, U]) onEvent(f func(repl.Event)) (remove func()) {
	return m.disp.events.add(f)
}

// Stats returns a snapshot of the gauges and replication counters.
func (m *Members[R, U]) Stats() MembersStats {
	return MembersStats{
		Rooms:      int(m.nRooms.Load()),
		Members:    int(m.nMembers.Load()),
		LocalConns: int(m.nConns.Load()),
		Applied:    m.applied.Load(),
		Ignored:    m.ignored.Load(),
		Gaps:       m.gaps.Load(),
	}
}

// userAdd and userRemove maintain the user → rooms index; the room's
// shard is locked.
func (m *Members[R, U]) userAdd(uid, rid string) {
	us := &m.users[m.shard(uid)]
	us.mu.Lock()
	ur := us.users[uid]
	if ur == nil {
		ur = &userRooms{}
		ur.rooms = ur.one[:0]
		us.users[uid] = ur
	}
	ur.rooms = append(ur.rooms, rid)
	us.mu.Unlock()
}

func (m *Members[R, U]) userRemove(uid, rid string) {
	us := &m.users[m.shard(uid)]
	us.mu.Lock()
	if ur := us.users[uid]; ur != nil {
		if i := slices.Index(ur.rooms, rid); i >= 0 {
			ur.rooms = slices.Delete(ur.rooms, i, i+1)
		}
		if len(ur.rooms) == 0 {
			delete(us.users, uid)
		}
	}
	us.mu.Unlock()
}

// find returns the index of connection (id, node) — with token if
// non-zero — or -1.
func (mem *member) find(id, node string, token uint64) int {
	for i := range mem.conns {
		c := &mem.conns[i]
		if c.id == id && c.node == node && (token == 0 || c.token == token) {
			return i
		}
	}
	return -1
}

func cmpMember(a, b *member) int {
	return cmp.Or(cmp.Compare(a.joinedAt, b.joinedAt), cmp.Compare(a.user, b.user))
}

// insert places mem in r.order. New members usually go at the end, which
// costs one comparison.
func (r *roomState) insert(mem *member) {
	if n := len(r.order); n == 0 || cmpMember(r.order[n-1], mem) < 0 {
		r.order = append(r.order, mem)
		return
	}
	i, _ := slices.BinarySearchFunc(r.order, mem, cmpMember)
	r.order = slices.Insert(r.order, i, mem)
}

// linearRemoveMax is the room size up to which remove scans for the
// pointer: comparing contiguous pointers beats a binary search that loads
// a member (a likely cache miss) per step.
const linearRemoveMax = 256

// remove takes mem out of r.order.
func (r *roomState) remove(mem *member) {
	i := -1
	if len(r.order) <= linearRemoveMax {
		i = slices.Index(r.order, mem)
	} else if j, ok := slices.BinarySearchFunc(r.order, mem, cmpMember); ok {
		i = j
	}
	if i >= 0 {
		r.order = slices.Delete(r.order, i, i+1)
	}
}
