// Package roomsync makes room.Members and room.Presence cluster-wide: it
// runs the cluster protocol described in package room ("Clusters") over
// a bus.Bus (membus in one process, NATS or Redis across
// processes). Each node runs one Sync per replicated service, all with the
// same subject prefix per service:
//
//	members, _ := room.NewMembers[Room, User](room.WithNodeID(node))
//	s, err := roomsync.Start(ctx, b, "jsgen.chat.members", members, roomsync.Options{})
//	if err != nil { ... }
//	defer s.Close()
//
// # Protocol
//
// A Sync uses four subjects under its prefix:
//
//   - prefix+".events": the replica's OnEvent callback queues each local
//     change (never blocking the caller, which is inside Join or Set; a
//     full queue drops the event, counts and logs it) and one publisher
//     goroutine publishes them in order in the events' binary wire form.
//     Receivers pass other nodes' events to Apply.
//   - prefix+".alive": the same publisher sends a heartbeat every
//     Heartbeat (H) carrying the node ID, the replica's epoch and the last
//     sequence number it produced (including one lost to a full queue).
//   - prefix+".sync": a sync request names the requesting node and a
//     target node, or no target for every node. Start sends one to every
//     node, so a new node learns the current state.
//   - prefix+".snapshot": a node asked for its state publishes its
//     Snapshot, split into parts of at most MaxMessage bytes. Requests
//     that arrive together are answered with one snapshot. Every node
//     receives the answer; one that has applied that node's events up to
//     the snapshot's sequence number already skips it, the others pass it
//     to SyncNode.
//
// Each node ignores its own messages. Every received message goes through
// a decoder that refuses malformed input (dropped, counted in
// Stats.Invalid, logged; never a panic), and then to one receiver
// goroutine, which alone calls Apply, SyncNode and DropNode, in arrival
// order.
//
// A node asks another for a sync when Apply reports a sequence gap (an
// event was lost), when the other's heartbeat shows a new epoch (it
// restarted) or a node not known yet that has produced events (during the
// first 2H after Start that node's answer to the start-up request is
// awaited instead of asking again), and when a
// heartbeat announces a sequence number that is still not applied H/4
// later (lost tail events, e.g. after a bus outage; the grace lets events
// published before the heartbeat arrive, since the bus orders messages per
// subject only). While a sync with a node is pending, its events are held
// back (at most Queue of them) and applied after SyncNode: those the
// snapshot covers are ignored by Apply, the later ones complete it, so
// state never goes back in time and a snapshot is never overtaken by the
// events that follow it. A snapshot older than the events applied already
// is skipped (a stale snapshot) and the node keeps waiting for the
// answer to its own request, which is repeated every 2H until it arrives.
//
// A node not heard from (any message) for DeadAfter (D) is declared dead:
// DropNode removes its entries and the event is logged. If it comes back,
// it is learned again like a new node.
//
// # Bounds
//
// With H the heartbeat period, D the dead-after delay (default 3H) and RTT
// one request/response round trip on the bus:
//
//   - A dead node's entries leave every other node within D + H/4 of its
//     last message, so within D + H of its death (8 s with the defaults).
//     Close publishes no goodbye: a stopped node leaves the same way.
//   - A new node learns the current state within one RTT of Start (every
//     node answers the initial request). Should an answer be lost, the
//     node's heartbeats keep it known as awaited, and it is asked directly
//     2H after Start: within 2H + H/4 + RTT.
//   - An event lost in the middle of a stream is repaired within one RTT
//     of the next event of its node (the gap is seen at once); a lost
//     tail is repaired within H + H/2 + RTT (next heartbeat, grace).
//   - After a bus outage, state converges within H + H/2 + RTT of the bus
//     reconnecting: the first heartbeat after it reveals what was lost.
//     (Publishes during the outage fail: they are counted in
//     Stats.EventsDropped and Stats.PublishErrors and logged.) An outage
//     longer than D also makes the nodes declare each other dead and drop
//     each other's entries; they are learned again within H + RTT of the
//     reconnection.
//
// Presence entries also expire by themselves on every node TTL after their
// last event, so a dead node's presence disappears within min(D + H, TTL).
package roomsync
