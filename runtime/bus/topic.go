package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
)

// Topic is a typed event on one subject: how its payload P is encoded,
// decoded and validated. Generated event buses hold one Topic per declared
// topic (ChatEvents.EmitRoomMessage wraps Emit, OnRoomMessage wraps On).
// A Topic is a plain value, safe to copy and to use concurrently.
type Topic[P any] struct {
	// Subject is the exact bus subject.
	Subject string
	// Encode appends the wire form of p to b and returns the extended slice.
	Encode func(b []byte, p P) []byte
	// Decode parses a wire payload. It must reject malformed and invalid
	// payloads (generated decoders validate as they decode).
	Decode func(data []byte) (P, error)
	// Validate, if set, checks a payload before it is emitted and again
	// after it is decoded on receive.
	Validate func(p P) error
	// Logger receives reports of invalid received payloads and handler
	// panics; nil means slog.Default().
	Logger *slog.Logger
}

// ErrTopicConfig reports a Topic that lacks its subject or codec.
var ErrTopicConfig = errors.New("bus: topic needs a Subject, Encode and Decode")

func (t Topic[P]) check() error {
	if t.Subject == "" || t.Encode == nil || t.Decode == nil {
		return fmt.Errorf("%w (subject %q)", ErrTopicConfig, t.Subject)
	}
	return nil
}

func (t Topic[P]) logger() *slog.Logger {
	if t.Logger != nil {
		return t.Logger
	}
	return slog.Default()
}

// Emit validates p, encodes it and publishes it on the topic's subject. A
// payload that fails validation is not published; the returned error wraps
// Validate's error (so a *runtime.Error stays reachable with errors.As).
func (t Topic[P]) Emit(ctx context.Context, b Bus, p P) error {
	if err := t.check(); err != nil {
		return err
	}
	if t.Validate != nil {
		if err := t.Validate(p); err != nil {
			return fmt.Errorf("bus: emit %s: %w", t.Subject, err)
		}
	}
	if err := b.Publish(ctx, t.Subject, t.Encode(nil, p)); err != nil {
		return fmt.Errorf("bus: emit %s: %w", t.Subject, err)
	}
	return nil
}

// On subscribes handler to the topic, using context.Background() for the
// subscribe call. See OnContext.
func (t Topic[P]) On(b Bus, handler func(ctx context.Context, p P)) (*TopicSubscription, error) {
	return t.OnContext(context.Background(), b, handler)
}

// OnContext subscribes handler to the topic. ctx bounds the subscribe call;
// its values (not its cancellation) are passed on to handler calls, whose
// context is cancelled when the subscription is unsubscribed. Payloads that
// fail Decode or Validate never reach handler: they are dropped, counted
// (TopicStats.Invalid) and logged. A panicking handler is recovered, counted
// and logged.
func (t Topic[P]) OnContext(ctx context.Context, b Bus, handler func(ctx context.Context, p P)) (*TopicSubscription, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ts := &TopicSubscription{cancel: cancel}
	log := t.logger().With("subject", t.Subject)
	sub, err := b.Subscribe(ctx, t.Subject, func(_ string, data []byte) {
		ts.received.Add(1)
		p, err := t.Decode(data)
		if err == nil && t.Validate != nil {
			err = t.Validate(p)
		}
		if err != nil {
			n := ts.invalid.Add(1)
			log.Warn("bus: dropped invalid payload", "err", err, "size", len(data), "invalid_total", n)
			return
		}
		callHandler(hctx, ts, log, handler, p)
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("bus: subscribe %s: %w", t.Subject, err)
	}
	ts.sub = sub
	return ts, nil
}

// TopicSubscription is a handler registered through Topic.On. It satisfies
// Subscription.
type TopicSubscription struct {
	sub      Subscription
	cancel   context.CancelFunc
	once     sync.Once
	err      error
	received atomic.Uint64
	handled  atomic.Uint64
	invalid  atomic.Uint64
	panics   atomic.Uint64
}

// TopicStats counts what a TopicSubscription received.
type TopicStats struct {
	Received uint64 // payloads received from the bus
	Handled  uint64 // handler calls that returned normally
	Invalid  uint64 // payloads dropped because Decode or Validate refused them
	Panics   uint64 // handler calls that panicked
}

// Stats returns a snapshot of the subscription's counters.
func (s *TopicSubscription) Stats() TopicStats {
	return TopicStats{
		Received: s.received.Load(),
		Handled:  s.handled.Load(),
		Invalid:  s.invalid.Load(),
		Panics:   s.panics.Load(),
	}
}

// Unsubscribe stops delivery and cancels the context handed to handler
// calls. It is idempotent; every call returns the first call's result.
func (s *TopicSubscription) Unsubscribe() error {
	s.once.Do(func() {
		s.cancel()
		s.err = s.sub.Unsubscribe()
	})
	return s.err
}

// callHandler runs handler with panics contained: a panic is counted and
// logged, never propagated into the bus's delivery goroutine.
func callHandler[P any](ctx context.Context, s *TopicSubscription, log *slog.Logger, handler func(context.Context, P), p P) {
	defer func() {
		if r := recover(); r != nil {
			s.panics.Add(1)
			log.Error("bus: topic handler panicked", "panic", r)
		}
	}()
	handler(ctx, p)
	s.handled.Add(1)
}
