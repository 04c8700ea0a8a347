package fanout

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus"
)

// Conn is the connection bookkeeping the networked buses share: whether
// the connection is up, its outages and recoveries (counted, logged and
// reported to the state handler once each), publishes accepted and lost,
// and the bus.Stats built from them and the Table.
type Conn struct {
	name    string
	log     *slog.Logger
	onState func(bus.State, error)

	// Loss counts publishes lost on the transport, per outage.
	Loss *Loss

	published   atomic.Uint64
	up          atomic.Bool
	disconnects atomic.Uint64
	reconnects  atomic.Uint64
	downSince   atomic.Int64 // unix nanoseconds
}

// NewConn returns the bookkeeping of a connection that is not up yet. name
// prefixes log messages ("natsbus"); onState may be nil.
func NewConn(name string, log *slog.Logger, onState func(bus.State, error)) *Conn {
	if log == nil {
		log = slog.Default()
	}
	return &Conn{name: name, log: log, onState: onState, Loss: NewLoss(name, log)}
}

// Connected marks the first connection up, without counting a recovery.
func (c *Conn) Connected() { c.up.Store(true) }

// Up reports whether the connection is up with every subscription in place.
func (c *Conn) Up() bool { return c.up.Load() }

// Published counts one publish accepted by the transport.
func (c *Conn) Published() { c.published.Add(1) }

// Down records a lost connection, once per outage: it counts it, logs it
// with attrs and reports bus.StateDisconnected. It returns false when the
// connection was already down.
func (c *Conn) Down(err error, attrs ...any) bool {
	if !c.up.Swap(false) {
		return false
	}
	c.disconnects.Add(1)
	c.downSince.Store(time.Now().UnixNano())
	c.log.Warn(c.name+": disconnected; reconnecting", append(attrs, "err", err)...)
	c.notify(bus.StateDisconnected, err)
	return true
}

// Restored records a recovery with every subscription in place, once per
// outage: it counts it, logs how long the outage lasted and how many
// publishes it lost (restarting the loss log), and reports
// bus.StateConnected. It returns false when the connection was up.
func (c *Conn) Restored(attrs ...any) bool {
	if c.up.Swap(true) {
		return false
	}
	c.reconnects.Add(1)
	down := time.Duration(time.Now().UnixNano() - c.downSince.Load())
	c.log.Info(c.name+": reconnected; subscriptions restored",
		append(attrs, "down_for", down, "publishes_lost", c.Loss.EndOutage())...)
	c.notify(bus.StateConnected, nil)
	return true
}

// Closed marks the connection gone for good and reports bus.StateClosed.
func (c *Conn) Closed() {
	c.up.Store(false)
	c.notify(bus.StateClosed, nil)
}

// ConnStats returns the connection counters, with subjects the subjects
// subscribed on the server now.
func (c *Conn) ConnStats(subjects int) bus.ConnStats {
	return bus.ConnStats{
		Disconnects: c.disconnects.Load(),
		Reconnects:  c.reconnects.Load(),
		PublishLost: c.Loss.Total(),
		Subjects:    subjects,
	}
}

// Counts returns the outages and the recoveries counted so far.
func (c *Conn) Counts() (disconnects, reconnects uint64) {
	return c.disconnects.Load(), c.reconnects.Load()
}

// Stats returns the bus's counters: publishes accepted, t's deliveries,
// drops (t's full queues, lost publishes and extraDropped, what the
// transport dropped itself) and handler failures.
func (c *Conn) Stats(t *Table, extraDropped uint64) bus.Stats {
	delivered, dropped, failed := t.Counts()
	return bus.Stats{
		Published: c.published.Load(),
		Delivered: delivered,
		Dropped:   dropped + c.Loss.Total() + extraDropped,
		Failed:    failed,
	}
}

func (c *Conn) notify(s bus.State, err error) {
	if c.onState != nil {
		c.onState(s, err)
	}
}
