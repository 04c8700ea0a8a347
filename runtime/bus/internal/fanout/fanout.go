// Package fanout is the node-local half shared by the networked buses
// (natsbus, redisbus): subject validation, the table of local handlers with
// one bounded queue and goroutine per subscription, and rate-limited loss
// accounting. The transport half (one remote subscription per subject,
// reconnects) stays in each bus package.
//
// Table keeps the bus.Bus semantics for the local side: delivery never
// blocks the transport's reader (a full queue drops the message for that
// subscription, counted and logged), each subscription sees messages in the
// order Deliver was called, handler panics are recovered and counted, and
// Close waits for every handler goroutine.
package fanout

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/jsgen-dev/jsgen/runtime/bus"

	"github.com/jsgen-dev/jsgen/runtime/internal/logsample"
)

// DefaultQueueSize is the per-subscription queue length used when a bus is
// not given another one.
const DefaultQueueSize = 1024

// Table maps subjects to local subscriptions and runs their handlers.
type Table struct {
	name      string
	queueSize int
	log       *slog.Logger

	mu     sync.RWMutex
	subs   map[string][]*Sub // replaced, never mutated in place
	closed bool
	wg     sync.WaitGroup

	delivered atomic.Uint64
	dropped   atomic.Uint64
	failed    atomic.Uint64
}

// New returns an empty table. name prefixes log messages ("natsbus");
// queueSize < 1 is treated as 1.
func New(name string, queueSize int, log *slog.Logger) *Table {
	if log == nil {
		log = slog.Default()
	}
	return &Table{
		name:      name,
		queueSize: max(queueSize, 1),
		log:       log,
		subs:      make(map[string][]*Sub),
	}
}

// Add registers handler on subject and starts its goroutine. first reports
// that subject had no subscription before, so the caller must subscribe it
// on the transport. It fails with bus.ErrClosed after Close.
func (t *Table) Add(subject string, handler bus.Handler) (s *Sub, first bool, err error) {
	s = &Sub{
		table:   t,
		subject: subject,
		handler: handler,
		queue:   make(chan []byte, t.queueSize),
		stop:    make(chan struct{}),
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, false, bus.ErrClosed
	}
	old := t.subs[subject]
	list := make([]*Sub, len(old), len(old)+1)
	copy(list, old)
	t.subs[subject] = append(list, s)
	t.wg.Add(1)
	go s.run()
	return s, len(old) == 0, nil
}

// Remove unregisters s and stops its goroutine (queued messages are
// discarded). last reports that s was the subject's last subscription, so
// the caller must unsubscribe the subject on the transport; it is false for
// a subscription already removed and after Close. Remove is idempotent and
// safe from s's own handler.
func (t *Table) Remove(s *Sub) (last bool) {
	defer s.halt()
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.subs[s.subject]
	list := make([]*Sub, 0, len(old))
	for _, o := range old {
		if o != s {
			list = append(list, o)
		}
	}
	if len(list) == len(old) {
		return false
	}
	if len(list) == 0 {
		delete(t.subs, s.subject)
		return true
	}
	t.subs[s.subject] = list
	return false
}

// Has reports whether subject has a local subscription.
func (t *Table) Has(subject string) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.subs[subject]) > 0
}

// Deliver queues data for every subscription on subject without blocking
// and returns how many subscriptions there were. data is shared by those
// subscriptions and must not be modified afterwards.
func (t *Table) Deliver(subject string, data []byte) int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	subs := t.subs[subject]
	for _, s := range subs {
		s.offer(data)
	}
	return len(subs)
}

// Close stops every subscription and waits for their goroutines. Later
// Adds fail with bus.ErrClosed. It must not be called from a handler.
func (t *Table) Close() {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		t.wg.Wait()
		return
	}
	t.closed = true
	all := t.subs
	t.subs = nil
	t.mu.Unlock()
	for _, list := range all {
		for _, s := range list {
			s.halt()
		}
	}
	t.wg.Wait()
}

// Counts returns the handler calls that returned normally, the messages
// dropped on full queues and the handler calls that panicked.
func (t *Table) Counts() (delivered, dropped, failed uint64) {
	return t.delivered.Load(), t.dropped.Load(), t.failed.Load()
}

// Sub is one local subscription of a Table.
type Sub struct {
	table   *Table
	subject string
	handler bus.Handler
	queue   chan []byte
	stop    chan struct{}
	once    sync.Once
	stopped atomic.Bool
	dropped logsample.Counter
}

// Subject returns the subscription's subject.
func (s *Sub) Subject() string { return s.subject }

// offer queues msg without blocking, dropping it if the queue is full.
func (s *Sub) offer(msg []byte) {
	select {
	case s.queue <- msg:
	default:
		s.table.dropped.Add(1)
		if n, log := s.dropped.Inc(); log {
			s.table.log.Warn(s.table.name+": subscription queue full, message dropped",
				"subject", s.subject, "dropped", n)
		}
	}
}

func (s *Sub) run() {
	defer s.table.wg.Done()
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

func (s *Sub) handle(msg []byte) {
	defer func() {
		if r := recover(); r != nil {
			s.table.failed.Add(1)
			s.table.log.Error(s.table.name+": handler panicked", "subject", s.subject, "panic", r)
		}
	}()
	s.handler(s.subject, msg)
	s.table.delivered.Add(1)
}

func (s *Sub) halt() {
	s.once.Do(func() {
		s.stopped.Store(true)
		close(s.stop)
	})
}

// Loss counts publishes lost to transport failures and logs them
// rate-limited: the 1st, 2nd, 4th, 8th... loss of each outage.
type Loss struct {
	name   string
	log    *slog.Logger
	total  atomic.Uint64
	outage logsample.Counter
}

// NewLoss returns a loss counter logging to log with name as prefix.
func NewLoss(name string, log *slog.Logger) *Loss {
	if log == nil {
		log = slog.Default()
	}
	return &Loss{name: name, log: log}
}

// Add counts one lost publish on subject.
func (l *Loss) Add(subject string, err error) {
	l.total.Add(1)
	if n, log := l.outage.Inc(); log {
		l.log.Warn(l.name+": publish lost", "subject", subject, "err", err, "lost_this_outage", n)
	}
}

// EndOutage resets the per-outage count (restarting the log sequence) and
// returns it.
func (l *Loss) EndOutage() uint64 { return l.outage.Reset() }

// Total returns every loss counted since creation.
func (l *Loss) Total() uint64 { return l.total.Load() }

// MaxSubjectLen bounds subjects (bytes): NATS refuses over-long protocol
// lines by disconnecting, so a long room name must fail here instead.
const MaxSubjectLen = 512

// ErrInvalidSubject is returned for a subject the networked buses refuse.
var ErrInvalidSubject = errors.New("invalid subject")

// CheckSubject reports why subject cannot be used on a networked bus:
// it must be non-empty, at most MaxSubjectLen bytes, free of whitespace and
// control characters, and made of non-empty '.'-separated tokens none of
// which is a wildcard ("*" or ">"). Both buses apply the same rule, so a
// subject valid on one is valid on the other and is always literal.
func CheckSubject(subject string) error {
	if subject == "" {
		return bus.ErrEmptySubject
	}
	if len(subject) > MaxSubjectLen {
		return fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidSubject, len(subject), MaxSubjectLen)
	}
	start := 0
	for i := 0; i <= len(subject); i++ {
		if i < len(subject) && subject[i] != '.' {
			if c := subject[i]; c <= ' ' || c == 0x7f {
				return fmt.Errorf("%w %q: whitespace or control character at byte %d", ErrInvalidSubject, subject, i)
			}
			continue
		}
		switch tok := subject[start:i]; tok {
		case "":
			return fmt.Errorf("%w %q: empty token at byte %d", ErrInvalidSubject, subject, start)
		case "*", ">":
			return fmt.Errorf("%w %q: wildcard token %q", ErrInvalidSubject, subject, tok)
		}
		start = i + 1
	}
	return nil
}
