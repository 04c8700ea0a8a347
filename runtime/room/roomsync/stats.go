package roomsync

import (
	"sync/atomic"

	"github.com/jsgen-dev/jsgen/runtime/internal/logsample"
)

// Stats is a snapshot of a Sync's counters, all monotonic since Start.
type Stats struct {
	EventsPublished uint64 // local events handed to the bus
	EventsDropped   uint64 // local events lost: the outbound queue was full or the bus refused the publish
	EventsReceived  uint64 // other nodes' events received (this node's own are not counted)
	EventsApplied   uint64 // received events passed to Apply (and not refused as invalid)
	EventsBuffered  uint64 // received events held back while a sync with their node was pending
	EventsDiscarded uint64 // received events held during a sync and discarded: Queue were held already, or of another epoch than the snapshot (repaired by a later sync)
	Gaps            uint64 // missing events detected: by Apply (a sequence gap) or by a heartbeat ahead of what was applied
	SyncsRequested  uint64 // sync requests published (including the one to every node at Start)
	SyncsServed     uint64 // snapshots published in answer to requests
	SyncsApplied    uint64 // snapshots passed to SyncNode successfully
	SyncsSkipped    uint64 // snapshots not applied: stale (newer events applied already) or matching the applied state
	HeartbeatsSent  uint64 // heartbeats handed to the bus
	HeartbeatsSeen  uint64 // other nodes' heartbeats received
	NodesDropped    uint64 // other nodes declared dead after DeadAfter of silence (DropNode called)
	Refused         uint64 // events or snapshots the replica applied only in part (e.g. a presence *room.LimitError)
	Invalid         uint64 // received messages dropped: undecodable, or refused by Apply/SyncNode as invalid
	PublishErrors   uint64 // publishes the bus refused (any subject)
}

type counters struct {
	eventsPublished, eventsReceived, eventsApplied, eventsBuffered atomic.Uint64
	gaps, syncsRequested, syncsServed, syncsApplied, syncsSkipped  atomic.Uint64
	heartbeatsSent, heartbeatsSeen, nodesDropped                   atomic.Uint64
	// Logged when they happen, sampled (1st, 2nd, 4th…).
	eventsDropped, heldLost, refused, invalid, publishErrs, collisions logsample.Counter
}

// Stats returns a snapshot of the counters.
func (s *Sync) Stats() Stats {
	n := &s.n
	return Stats{
		EventsPublished: n.eventsPublished.Load(),
		EventsDropped:   n.eventsDropped.Load(),
		EventsReceived:  n.eventsReceived.Load(),
		EventsApplied:   n.eventsApplied.Load(),
		EventsBuffered:  n.eventsBuffered.Load(),
		EventsDiscarded: n.heldLost.Load(),
		Gaps:            n.gaps.Load(),
		SyncsRequested:  n.syncsRequested.Load(),
		SyncsServed:     n.syncsServed.Load(),
		SyncsApplied:    n.syncsApplied.Load(),
		SyncsSkipped:    n.syncsSkipped.Load(),
		HeartbeatsSent:  n.heartbeatsSent.Load(),
		HeartbeatsSeen:  n.heartbeatsSeen.Load(),
		NodesDropped:    n.nodesDropped.Load(),
		Refused:         n.refused.Load(),
		Invalid:         n.invalid.Load(),
		PublishErrors:   n.publishErrs.Load(),
	}
}
