package channel

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"

	"github.com/jsgen-dev/jsgen/runtime/internal/logsample"
	"github.com/jsgen-dev/jsgen/runtime/internal/ring"
)

// Reasons a subscription ended, reported by Subscription.Err and Next.
var (
	// ErrClosed: the subscriber closed it (Close, Unsubscribe, or breaking
	// out of a Messages or Deliveries loop).
	ErrClosed = errors.New("channel: subscription closed")
	// ErrOverflow: the CloseSubscriber policy closed it because its queue
	// was full.
	ErrOverflow = errors.New("channel: subscription closed: queue overflow (subscriber too slow)")
	// ErrChannelsClosed: the Channels it belonged to was closed.
	ErrChannelsClosed = errors.New("channel: channels closed")
	// ErrDeliverPanicked: a SubscribeFunc deliver func panicked; the panic
	// is contained (the publisher goes on) and ends that subscription.
	ErrDeliverPanicked = errors.New("channel: deliver func panicked")
)

// initialRing is the queue capacity a subscription starts with; it grows by
// doubling up to the configured bound, so idle subscribers stay small.
const initialRing = 8

// SubscribeOptions configures one subscription.
type SubscribeOptions struct {
	// ID identifies the subscriber (typically a WebSocket connection ID).
	// Messages published with PublishOptions.Except equal to ID are not
	// queued for it. Empty means no exclusion applies.
	ID string
}

// Subscription is one subscriber's registration on one key. Its methods are
// safe for concurrent use. Messages are queued from the moment Subscribe
// returns until the subscription ends; reading is by Messages, Deliveries
// or Next.
type Subscription[M any] struct {
	core  *core[M]
	entry *entry[M] // nil if the subscription was born closed
	key   string
	id    string

	mu      sync.Mutex
	queue   ring.Ring[*Delivery[M]] // grown up to limit
	limit   int
	waiters int
	closed  bool
	err     error
	notify  chan struct{}            // capacity 1: a wake-up for a blocked reader
	deliver func(*Delivery[M]) error // SubscribeFunc's; nil: queued

	dropped logsample.Counter
}

func newSubscription[M any](c *core[M], e *entry[M], key, id string, deliver func(*Delivery[M]) error) *Subscription[M] {
	s := &Subscription[M]{
		core:    c,
		entry:   e,
		key:     key,
		id:      id,
		limit:   c.queueSize,
		notify:  make(chan struct{}, 1),
		deliver: deliver,
	}
	if deliver == nil {
		s.queue.Grow(min(initialRing, c.queueSize))
	}
	return s
}

// Key returns the un-prefixed key the subscription is registered on.
func (s *Subscription[M]) Key() string { return s.key }

// ID returns the subscriber ID given in SubscribeOptions, or "".
func (s *Subscription[M]) ID() string { return s.id }

// Dropped returns how many messages this subscription lost to its queue
// bound (including the queued messages discarded when CloseSubscriber
// closed it).
func (s *Subscription[M]) Dropped() uint64 { return s.dropped.Load() }

// Len returns how many messages are queued and not yet read.
func (s *Subscription[M]) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queue.Len()
}

// Active reports whether the subscription is still registered.
func (s *Subscription[M]) Active() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.closed
}

// Err returns nil while the subscription is active and afterwards why it
// ended: ErrClosed, ErrOverflow, ErrChannelsClosed, or the error a
// SubscribeFunc deliver func returned (ErrDeliverPanicked if it panicked).
func (s *Subscription[M]) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends the subscription: it is removed from its key (running
// OnLastUnsubscribe if it was the last), unread messages are discarded,
// and blocked readers return. Close is idempotent, safe from any
// goroutine, and always returns nil (it satisfies io.Closer).
func (s *Subscription[M]) Close() error {
	s.end(ErrClosed)
	s.core.detach(s)
	return nil
}

// Unsubscribe is Close without its (always nil) error, for use in defer
// and as a cleanup func.
func (s *Subscription[M]) Unsubscribe() { _ = s.Close() }

// Next waits for the next message and returns its Delivery. It returns the
// reason the subscription ended (see Err) once it has ended, or ctx's error
// if ctx is done first; a message queued before the subscription ended by
// overflow or Close is not returned (ending discards the queue).
func (s *Subscription[M]) Next(ctx context.Context) (*Delivery[M], error) {
	return s.next(ctx.Done(), ctx.Err)
}

// Deliveries returns an iterator over the subscription's deliveries, for
// consumers that want the shared encoding (Delivery.Bytes) or the
// publisher's metadata. The iteration ends when the subscription ends;
// breaking out of the loop closes the subscription.
func (s *Subscription[M]) Deliveries() iter.Seq[*Delivery[M]] {
	return func(yield func(*Delivery[M]) bool) {
		for {
			d, err := s.next(nil, nil)
			if err != nil {
				return
			}
			if !yield(d) {
				_ = s.Close()
				return
			}
		}
	}
}

// Messages returns an iterator over the subscription's messages:
//
//	for msg := range sub.Messages() { ... }
//
// The loop blocks waiting for messages and ends when the subscription ends
// (Close from another goroutine, overflow, Channels closed); Err then says
// why. Breaking out of the loop closes the subscription.
func (s *Subscription[M]) Messages() iter.Seq[M] {
	return func(yield func(M) bool) {
		for d := range s.Deliveries() {
			if !yield(d.Message()) {
				return
			}
		}
	}
}

// next pops the oldest queued delivery, waiting on done (nil: forever).
func (s *Subscription[M]) next(done <-chan struct{}, doneErr func() error) (*Delivery[M], error) {
	s.mu.Lock()
	for {
		if d, ok := s.queue.Pop(); ok {
			pass := s.queue.Len() > 0 && s.waiters > 0
			s.mu.Unlock()
			if pass {
				s.wake()
			}
			return d, nil
		}
		if s.closed {
			err, pass := s.err, s.waiters > 0
			s.mu.Unlock()
			if pass {
				s.wake()
			}
			return nil, err
		}
		s.waiters++
		s.mu.Unlock()
		select {
		case <-s.notify:
		case <-done:
			s.mu.Lock()
			s.waiters--
			s.mu.Unlock()
			return nil, doneErr()
		}
		s.mu.Lock()
		s.waiters--
	}
}

// wake posts a wake-up without blocking; one pending wake-up is enough
// because readers re-check the queue under the lock.
func (s *Subscription[M]) wake() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// offer result.
type offerResult uint8

const (
	queued offerResult = iota
	skipped
	droppedNew
	overflowClosed
)

// offer queues d without blocking, applying the overflow policy. It
// returns what happened and how many messages were dropped.
func (s *Subscription[M]) offer(d *Delivery[M], policy Overflow) (offerResult, uint64) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return skipped, 0
	}
	var lost uint64
	if s.queue.Full() {
		if s.queue.Cap() < s.limit {
			s.queue.Grow(min(2*s.queue.Cap(), s.limit))
		} else {
			switch policy {
			case DropNewest:
				s.mu.Unlock()
				return droppedNew, 1
			case DropOldest:
				s.queue.Pop()
				lost = 1
			default: // CloseSubscriber
				lost = uint64(s.queue.Len()) + 1
				s.discard()
				s.closed, s.err = true, ErrOverflow
				s.mu.Unlock()
				s.wake()
				return overflowClosed, lost
			}
		}
	}
	s.queue.Push(d)
	wake := s.waiters > 0
	s.mu.Unlock()
	if wake {
		s.wake()
	}
	return queued, lost
}

// push hands d to a SubscribeFunc subscriber. It reports whether d was
// delivered, and whether deliver's error just ended the subscription. The
// lock makes Close wait for a delivery in progress, so none follows it.
func (s *Subscription[M]) push(d *Delivery[M]) (ok, ended bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false, false
	}
	err := s.callDeliver(d)
	if err != nil {
		s.closed, s.err = true, err
	}
	s.mu.Unlock()
	if err != nil {
		s.wake()
		return false, true
	}
	return true, false
}

// callDeliver runs deliver, turning a panic into an error that ends the
// subscription: the publisher goes on and the lock is released.
func (s *Subscription[M]) callDeliver(d *Delivery[M]) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: subscriber %q on %q: %v", ErrDeliverPanicked, s.id, s.key, r)
		}
	}()
	return s.deliver(d)
}

// discard drops every queued delivery; the caller holds mu.
func (s *Subscription[M]) discard() { s.queue.Clear() }

// end marks the subscription ended with err unless it already was, and
// wakes blocked readers.
func (s *Subscription[M]) end(err error) {
	s.mu.Lock()
	if !s.closed {
		s.closed, s.err = true, err
		s.discard()
	}
	s.mu.Unlock()
	s.wake()
}
