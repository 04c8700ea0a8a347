package room

import "github.com/jsgen-dev/jsgen/runtime/room/internal/repl"

// Replica returns the members' replication state, what roomsync.Start
// drives; an app passes the Members itself to roomsync.Start and never
// calls it.
func (m *Members[R, U]) Replica() repl.Replica { return membersReplica[R, U]{m} }

// Replica returns the presence's replication state, what roomsync.Start
// drives; an app passes the Presence itself to roomsync.Start and never
// calls it.
func (p *Presence[U]) Replica() repl.Replica { return presenceReplica[U]{p} }

type membersReplica[R, U any] struct{ m *Members[R, U] }

func (r membersReplica[R, U]) NodeID() string                    { return r.m.node }
func (r membersReplica[R, U]) OnEvent(f func(repl.Event)) func() { return r.m.onEvent(f) }
func (r membersReplica[R, U]) Apply(e repl.Event) error          { return r.m.apply(e) }
func (r membersReplica[R, U]) Snapshot() repl.Snapshot           { return r.m.snapshot() }
func (r membersReplica[R, U]) SyncNode(s repl.Snapshot) error    { return r.m.syncNode(s) }
func (r membersReplica[R, U]) DropNode(node string) (int, error) { return r.m.dropNode(node) }

type presenceReplica[U any] struct{ p *Presence[U] }

func (r presenceReplica[U]) NodeID() string                    { return r.p.node }
func (r presenceReplica[U]) OnEvent(f func(repl.Event)) func() { return r.p.onEvent(f) }
func (r presenceReplica[U]) Apply(e repl.Event) error          { return r.p.apply(e) }
func (r presenceReplica[U]) Snapshot() repl.Snapshot           { return r.p.snapshot() }
func (r presenceReplica[U]) SyncNode(s repl.Snapshot) error    { return r.p.syncNode(s) }
func (r presenceReplica[U]) DropNode(node string) (int, error) { return r.p.dropNode(node) }
