package room

import (
	"errors"
	"testing"
	"time"
)

// The common options (node ID, clock, logger) configure both services;
// each service's own options set only what they name, and what no option
// sets takes its default.
func TestOptionsConfigureBothServices(t *testing.T) {
	clock := NewManualClock(t0)
	common := []Option{WithNodeID("n7"), WithClock(clock), WithLogger(discardLogger())}

	var mopts []MembersOption
	for _, o := range common {
		mopts = append(mopts, o)
	}
	m, err := NewMembers[Room, User](append(mopts, WithLimits(Limits{RoomsPerConn: 3}))...)
	if err != nil {
		t.Fatal(err)
	}
	if m.NodeID() != "n7" || m.clock != Clock(clock) {
		t.Errorf("members: node %q clock %v", m.NodeID(), m.clock)
	}
	if l := m.Limits(); l.RoomsPerConn != 3 || l.MembersPerRoom != DefaultMembersPerRoom || l.MaxIDLength != DefaultMaxIDLength {
		t.Errorf("members limits = %+v", l)
	}

	var popts []PresenceOption
	for _, o := range common {
		popts = append(popts, o)
	}
	p, err := NewPresence[User](append(popts, WithTTL(time.Minute),
		WithPresenceLimits(PresenceLimits{MaxConnsPerUser: 2, MaxIDLength: 9}), WithWatchQueue(5))...)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.NodeID() != "n7" || p.clock != Clock(clock) || p.ttl != int64(time.Minute) {
		t.Errorf("presence: node %q clock %v ttl %v", p.NodeID(), p.clock, time.Duration(p.ttl))
	}
	if p.maxConns != 2 || p.maxID != 9 || p.maxEntries != DefaultMaxEntries {
		t.Errorf("presence limits: conns %d id %d entries %d", p.maxConns, p.maxID, p.maxEntries)
	}

	if _, err := NewPresence[User](WithNodeID("bad.node")); !errors.Is(err, ErrInvalidID) {
		t.Errorf("presence with node ID \"bad.node\": %v, want ErrInvalidID", err)
	}
}
