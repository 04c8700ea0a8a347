// Package membus is the in-memory bus.Bus: the embedded default, for a
// single process (and for tests that simulate several nodes in one
// process by sharing one Bus).
//
//	b := membus.New()
//	defer b.Close()
//
// Each subscription owns a bounded queue and one goroutine that runs its
// handler, so a slow handler delays only itself. Publish never blocks: when
// a subscription's queue is full the message is dropped for that
// subscription, counted (Stats.Dropped) and logged. Delivery is at most
// once and in publish order per publisher and subscription. Close stops
// every goroutine before it returns.
//
// It accepts exactly the subjects natsbus and redisbus accept (non-empty
// '.'-separated tokens, no wildcard token "*" or ">", no whitespace or
// control characters, at most MaxSubjectLen bytes) and refuses the others
// with ErrInvalidSubject, so an app that runs on it in development runs
// unchanged on a networked bus. Its local side (queues, handler goroutines,
// drop accounting) is the one the networked buses use.
package membus

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/bus/internal/fanout"
)

// DefaultQueueSize is the per-subscription queue length used when
// WithQueueSize is not given.
const DefaultQueueSize = fanout.DefaultQueueSize

// MaxSubjectLen bounds subjects in bytes, as on the networked buses.
const MaxSubjectLen = fanout.MaxSubjectLen

// ErrInvalidSubject is returned for a subject the networked buses would
// refuse; see the package documentation.
var ErrInvalidSubject = fanout.ErrInvalidSubject

// Option configures a Bus.
type Option func(*config)

type config struct {
	queueSize int
	logger    *slog.Logger
}

// WithQueueSize sets how many messages each subscription buffers before it
// starts dropping; n < 1 is treated as 1.
func WithQueueSize(n int) Option {
	return func(c *config) { c.queueSize = max(n, 1) }
}

// WithLogger sets the logger for drops and handler panics (default
// slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// Bus is an in-memory bus.Bus. The zero value is not usable; call New.
type Bus struct {
	table     *fanout.Table
	closed    atomic.Bool
	published atomic.Uint64
}

var _ bus.Bus = (*Bus)(nil)

// New returns an empty in-memory bus.
func New(opts ...Option) *Bus {
	c := config{queueSize: DefaultQueueSize, logger: slog.Default()}
	for _, o := range opts {
		o(&c)
	}
	return &Bus{table: fanout.New("membus", c.queueSize, c.logger.With("component", "membus"))}
}

// Publish copies data once and queues it for every subscription on subject.
// It never blocks on a handler: a full queue drops the message for that
// subscription only.
func (b *Bus) Publish(ctx context.Context, subject string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("membus: publish %s: %w", subject, err)
	}
	if err := fanout.CheckSubject(subject); err != nil {
		return fmt.Errorf("membus: publish: %w", err)
	}
	if b.closed.Load() {
		return bus.ErrClosed
	}
	b.published.Add(1)
	if !b.table.Has(subject) {
		return nil
	}
	b.table.Deliver(subject, append([]byte(nil), data...))
	return nil
}

// Subscribe starts a goroutine that runs handler for each message published
// on subject from now on.
func (b *Bus) Subscribe(ctx context.Context, subject string, handler bus.Handler) (bus.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("membus: subscribe %s: %w", subject, err)
	}
	if err := fanout.CheckSubject(subject); err != nil {
		return nil, fmt.Errorf("membus: subscribe: %w", err)
	}
	if handler == nil {
		return nil, fmt.Errorf("membus: subscribe %s: nil handler", subject)
	}
	s, _, err := b.table.Add(subject, handler)
	if err != nil {
		return nil, err
	}
	return &subscription{table: b.table, sub: s}, nil
}

// Stats returns a snapshot of the bus's counters.
func (b *Bus) Stats() bus.Stats {
	delivered, dropped, failed := b.table.Counts()
	return bus.Stats{
		Published: b.published.Load(),
		Delivered: delivered,
		Dropped:   dropped,
		Failed:    failed,
	}
}

// Close stops every subscription and waits for their goroutines to exit.
// It must not be called from a handler (it would wait for itself).
func (b *Bus) Close() error {
	b.closed.Store(true)
	b.table.Close()
	return nil
}

// subscription is one handler on one subject.
type subscription struct {
	table *fanout.Table
	sub   *fanout.Sub
}

// Unsubscribe removes the subscription and stops its goroutine; queued
// messages are discarded. Idempotent, safe from any goroutine including the
// handler.
func (s *subscription) Unsubscribe() error {
	s.table.Remove(s.sub)
	return nil
}
