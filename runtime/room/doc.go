// Package room provides the room services a generated jsgen application
// injects into its WebSocket handlers: who is in which room (Members),
// who is online (Presence, RoomPresence), direct messages (DM) and
// broadcasts that skip the sender (PublishExcept, Broadcaster,
// MessageIDs). The services know connections only by their ID string, so
// they do not depend on runtime/ws.
//
// Create the services once per node and use them from the WebSocket
// handlers; with several nodes, package roomsync keeps them in step over
// the app's bus:
//
//	members, err := room.NewMembers[chatapi.Room, chatapi.User](room.WithNodeID(node))
//	presence, err := room.NewPresence[chatapi.User](room.WithNodeID(node))
//	defer presence.Close()
//
// # Members
//
// Members[R, U] maps rooms (runtime.Ref[R]) to users (runtime.Ref[U]), each
// user with one or more connections. A handler joins on connect and leaves
// with the returned handle:
//
//	m, err := members.Join(room, user, conn.ID())
//	if err != nil { ... }                           // a *LimitError, *IDError, ErrAlreadyJoined...
//	defer m.Close()                                  // idempotent
//	members.LeaveOnDone(conn.Context(), conn.ID())   // however the connection ends
//
// A user with several connections (tabs, devices) is one member: they
// join with their first connection and leave with their last. Members
// lists them sorted by JoinedAt then identifier; Count is O(1). OnChange
// reports each MemberJoined / MemberLeft exactly once, in order, outside
// the service's locks. Announce publishes a frame on a room channel for
// each transition of this node's connections (the chat's join/leave
// frames):
//
//	room.Announce(members, rooms, func(c room.MemberChange[Room, User]) (RoomEvent, bool) {
//		return JoinOrLeaveFrame(c), true
//	})
//
// Limits (defaults in brackets): rooms per connection [100], members per
// room [10 000], connections per member [32], identifier length [255
// bytes]. Exceeding one returns a *LimitError matching ErrLimit and the
// specific sentinel; nothing changes and nothing panics.
//
// # Presence
//
// Presence[U] holds one entry per (user, connection) — like Phoenix
// Presence metas — with a Status (online, away, busy), the time it was set
// and a LastSeen time. A user is online while any entry is live; their
// status is the most recently Set one. Set creates or updates an entry,
// Heartbeat refreshes it, Remove deletes it, and every entry expires TTL
// [60 s] after its last Set or Heartbeat. Expiry is done by one janitor
// goroutine per Presence (started by NewPresence, stopped by Close), which
// sleeps until the earliest deadline kept in per-shard heaps; there is no
// per-entry goroutine or timer and no periodic full scan. Deadlines are
// kept on the clock's monotonic reading, so a wall-clock step neither
// expires everyone at once nor keeps entries alive. Time comes from
// an injectable Clock: a test supplies one that it moves forward instead of
// sleeping. Transitions (PresenceOnline, PresenceUpdate, PresenceOffline)
// are observable with OnChange, per user with WatchUser, and per room with
// RoomPresence.Watch.
//
// # Direct messages and exclude-sender
//
// DM wraps the per-user channels (prefix "user:"): Send reaches every
// connection subscribed as the recipient; Subscribe refuses (ErrForbidden)
// a connection whose identity names another user, and one without an
// identity (ErrNoIdentity): a DM socket belongs to its identity.
// PublishExcept publishes on a room with PublishOptions{Except: conn ID,
// ID: message ID}: the sending connection is skipped, the same user's other
// connections still receive, and the ID goes back to the sender in a
// "sent" frame. MessageIDs makes IDs unique across nodes ("<node>-<boot>-<n>").
//
// # Identity
//
// Whatever acts as a user checks the connection's identity (what
// Authenticate or a guard attached to it) with Authorize: DM.Subscribe,
// and Presence.SetAs, which sets a status only for the user the
// connection is. A missing identity (nil, a nil pointer, a zero ref, an
// empty identifier) is refused with ErrNoIdentity, never treated as
// anyone. Take the user from the identity, never from the client:
//
//	sub, err := dm.Subscribe(c.Identity(), c.Identity(), c.ID())
//	err = presence.SetAs(c.Identity(), user, c.ID(), room.StatusAway) // ErrForbidden unless user is c's identity
//
// # Notifications
//
// OnChange and OnEvent callbacks are called exactly once per change, in
// the order the changes were made, never while a service lock is held.
// There is no dispatcher goroutine: the goroutine that made a change
// delivers the pending notifications, unless another one already is, in
// which case that one delivers them too. A call that changes state
// therefore returns after its notifications were delivered, except while
// another goroutine (a concurrent caller, or the presence janitor after an
// expiry) is delivering: then it may return first. A callback may call
// back into the service; the changes it makes are delivered after it
// returns. Callbacks must not block.
//
// # Clusters
//
// Members and Presence are replicated by events; each node holds a full
// copy of the state, and only the owner of an entry ever changes it.
// Package roomsync runs this protocol over a bus.Bus (roomsync.Start, one
// per service: pass it the Members or the Presence). The replication
// operations named below (OnEvent, Apply, Snapshot, SyncNode, DropNode)
// are not part of this package's API: roomsync reaches them through the
// services' Replica method. The steps say what roomsync does:
//
//  1. Ownership. Every process has a node ID (the same one for runtime/ws,
//     the channel bridges and these services). Every entry records the
//     node that owns it: the node the connection is attached to.
//  2. Publishing. roomsync registers OnEvent on each service and
//     publishes each event (binary form) on one bus subject per service
//     (roomsync: <prefix>.events). Events carry Node, Epoch (random
//     per service instance, so a restart is recognisable) and Seq
//     (1, 2, 3... per node and epoch, in the order the changes happened).
//     Events describe full entry state (a join, a leave, a presence entry
//     with its status and times), so applying one twice is harmless.
//  3. Receiving. Every node subscribes to the subjects and passes each
//     decoded event to Apply. Apply ignores the node's own events,
//     duplicates and old events; a new Epoch of a known node drops that
//     node's earlier entries first; a skipped Seq is applied but returns a
//     gap error.
//  4. Catching up. On a gap, and when a node starts, it asks the
//     relevant node(s) for a Snapshot (roomsync: over the bus), keeps
//     buffering events meanwhile, calls SyncNode(snapshot) and then
//     applies the buffered events (those up to the snapshot's Seq are
//     ignored). SyncNode adds before it removes, so members who stayed do
//     not flap.
//  5. Liveness. Each node publishes a heartbeat (node, epoch, last Seq)
//     every H (roomsync.Options.Heartbeat). A heartbeat whose Seq is ahead of what was
//     applied reveals lost tail events (resync as in 4). A node silent for
//     D (roomsync.Options.DeadAfter) is declared dead and every other node calls DropNode on
//     both services: its members leave within D. Presence does not even
//     need that: remote entries expire TTL after their last event on the
//     receiving node, and owners send an event on every Set and Heartbeat,
//     so a dead node's presence disappears within min(D, TTL).
//  6. Announcements. Every node sees every member transition; OnChange
//     marks those caused by its own connections Local, and only those are
//     announced on the (bus-bridged) room channel, so each join or leave
//     frame is published once. Two first connections of one user joining
//     on two nodes at the same instant are both local transitions in their
//     node's view; that user's join is then announced twice. Limits are
//     enforced on local joins against the replicated counts.
//  7. Messages. Exclusion (Except) and message IDs are fields of
//     channel.PublishOptions, which the channel bridge carries in its
//     envelope, so exclude-sender works for subscribers on any node.
package room
