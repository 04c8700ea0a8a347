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
package membus

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/jsgen-dev/jsgen/runtime/bus"
)

// DefaultQueueSize is the per-subscription queue length used when
// WithQueueSize is not given.
const DefaultQueueSize = 1024

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
	queueSize int
	log       *slog.Logger

	mu     sync.RWMutex
	subs   map[string][]*subscription // replaced, never mutated in place
	closed bool
	wg     sync.WaitGroup

	published atomic.Uint64
	delivered atomic.Uint64
	dropped   atomic.Uint64
	failed    atomic.Uint64
}

var _ bus.Bus = (*Bus)(nil)

// New returns an empty in-memory bus.
func New(opts ...Option) *Bus {
	c := config{queueSize: DefaultQueueSize, logger: slog.Default()}
	for _, o := range opts {
		o(&c)
	}
	return &Bus{
		queueSize: c.queueSize,
		log:       c.logger.With("component", "membus"),
		subs:      make(map[string][]*subscription),
	}
}

// Publish copies data once and queues it for every subscription on subject.
// It never blocks on a handler: a full queue drops the message for that
// subscription only.
func (b *Bus) Publish(ctx context.Context, subject string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("membus: publish %s: %w", subject, err)
	}
	if subject == "" {
		return bus.ErrEmptySubject
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return bus.ErrClosed
	}
	b.published.Add(1)
	subs := b.subs[subject]
	if len(subs) == 0 {
		return nil
	}
	msg := append([]byte(nil), data...)
	for _, s := range subs {
		s.offer(msg)
	}
	return nil
}

// Subscribe starts a goroutine that runs handler for each message published
// on subject from now on.
func (b *Bus) Subscribe(ctx context.Context, subject string, handler bus.Handler) (bus.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("membus: subscribe %s: %w", subject, err)
	}
	if subject == "" {
		return nil, bus.ErrEmptySubject
	}
	if handler == nil {
		return nil, fmt.Errorf("membus: subscribe %s: nil handler", subject)
	}
	s := &subscription{
		bus:     b,
		subject: subject,
		handler: handler,
		queue:   make(chan []byte, b.queueSize),
		stop:    make(chan struct{}),
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, bus.ErrClosed
	}
	old := b.subs[subject]
	list := make([]*subscription, len(old), len(old)+1)
	copy(list, old)
	b.subs[subject] = append(list, s)
	b.wg.Add(1)
	go s.run()
	return s, nil
}

// Stats returns a snapshot of the bus's counters.
func (b *Bus) Stats() bus.Stats {
	return bus.Stats{
		Published: b.published.Load(),
		Delivered: b.delivered.Load(),
		Dropped:   b.dropped.Load(),
		Failed:    b.failed.Load(),
	}
}

// Close stops every subscription and waits for their goroutines to exit.
// It must not be called from a handler (it would wait for itself).
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	all := b.subs
	b.subs = nil
	b.mu.Unlock()
	for _, list := range all {
		for _, s := range list {
			s.halt()
		}
	}
	b.wg.Wait()
	return nil
}

func (b *Bus) remove(s *subscription) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old := b.subs[s.subject]
	list := make([]*subscription, 0, len(old))
	for _, o := range old {
		if o != s {
			list = append(list, o)
		}
	}
	if len(list) == 0 {
		delete(b.subs, s.subject)
		return
	}
	b.subs[s.subject] = list
}

type subscription struct {
	bus     *Bus
	subject string
	handler bus.Handler
	queue   chan []byte
	stop    chan struct{}
	once    sync.Once
	stopped atomic.Bool
	dropped atomic.Uint64
}

// offer queues msg without blocking, dropping it if the queue is full.
func (s *subscription) offer(msg []byte) {
	select {
	case s.queue <- msg:
	default:
		s.bus.dropped.Add(1)
		// Log the 1st, 2nd, 4th, 8th... drop: visible without flooding.
		if n := s.dropped.Add(1); n&(n-1) == 0 {
			s.bus.log.Warn("membus: subscription queue full, message dropped",
				"subject", s.subject, "dropped", n)
		}
	}
}

func (s *subscription) run() {
	defer s.bus.wg.Done()
	for {
		select {
		case <-s.stop:
			return
		case msg := <-s.queue:
			if s.stopped.Load() {
				return
			}
			s.handle(msg)
		}
	}
}

func (s *subscription) handle(msg []byte) {
	defer func() {
		if r := recover(); r != nil {
			s.bus.failed.Add(1)
			s.bus.log.Error("membus: handler panicked", "subject", s.subject, "panic", r)
		}
	}()
	s.handler(s.subject, msg)
	s.bus.delivered.Add(1)
}

// halt stops the goroutine without touching the bus's subscription table.
func (s *subscription) halt() {
	s.once.Do(func() {
		s.stopped.Store(true)
		close(s.stop)
	})
}

// Unsubscribe removes the subscription and stops its goroutine; queued
// messages are discarded. Idempotent, safe from any goroutine including the
// handler.
func (s *subscription) Unsubscribe() error {
	if s.stopped.Load() {
		return nil
	}
	s.bus.remove(s)
	s.halt()
	return nil
}
