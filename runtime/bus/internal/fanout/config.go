package fanout

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus"
)

// Defaults of the options every networked bus has.
const (
	DefaultReconnectWait = time.Second
	DefaultConfirmWait   = 2 * time.Second
)

// Config is what every networked bus (natsbus, redisbus) is configured
// with. A backend embeds it in its own configuration, starts from
// DefaultConfig and exposes each field through a With option built by the
// generic constructors below, so each option's rule is written once.
type Config struct {
	Logger        *slog.Logger
	Name          string
	ReconnectWait time.Duration
	QueueSize     int
	TLS           *tls.Config
	ConfirmWait   time.Duration
	OnState       func(bus.State, error)
}

// DefaultConfig returns the defaults: slog.Default(), DefaultReconnectWait,
// DefaultQueueSize and DefaultConfirmWait.
func DefaultConfig() Config {
	return Config{
		Logger:        slog.Default(),
		ReconnectWait: DefaultReconnectWait,
		QueueSize:     DefaultQueueSize,
		ConfirmWait:   DefaultConfirmWait,
	}
}

// Shared returns c itself: a backend configuration that embeds Config has
// this method, which the option constructors use.
func (c *Config) Shared() *Config { return c }

// Configurable is a backend configuration that embeds Config.
type Configurable interface{ Shared() *Config }

// WithLogger sets the logger; nil keeps the default.
func WithLogger[C Configurable, O ~func(C)](l *slog.Logger) O {
	return func(c C) {
		if l != nil {
			c.Shared().Logger = l
		}
	}
}

// WithName sets the name the server shows for the connection.
func WithName[C Configurable, O ~func(C)](name string) O {
	return func(c C) { c.Shared().Name = name }
}

// WithReconnectWait sets the wait between reconnect attempts; d <= 0 keeps
// the default.
func WithReconnectWait[C Configurable, O ~func(C)](d time.Duration) O {
	return func(c C) {
		if d > 0 {
			c.Shared().ReconnectWait = d
		}
	}
}

// WithQueueSize sets each subscription's queue bound; n < 1 is 1.
func WithQueueSize[C Configurable, O ~func(C)](n int) O {
	return func(c C) { c.Shared().QueueSize = max(n, 1) }
}

// WithTLSConfig makes the connection use TLS with cfg.
func WithTLSConfig[C Configurable, O ~func(C)](cfg *tls.Config) O {
	return func(c C) { c.Shared().TLS = cfg }
}

// WithConfirmWait bounds a Subscribe's confirmation round trip; d <= 0
// keeps the default.
func WithConfirmWait[C Configurable, O ~func(C)](d time.Duration) O {
	return func(c C) {
		if d > 0 {
			c.Shared().ConfirmWait = d
		}
	}
}

// WithStateHandler sets the connection state handler.
func WithStateHandler[C Configurable, O ~func(C)](f func(bus.State, error)) O {
	return func(c C) { c.Shared().OnState = f }
}

// CheckPublish is the opening every networked bus's Publish shares: it
// refuses a done ctx and an invalid subject (errors prefixed with name),
// then returns bus.ErrClosed if closed reports true.
func CheckPublish(ctx context.Context, name, subject string, closed func() bool) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: publish %s: %w", name, subject, err)
	}
	if err := CheckSubject(subject); err != nil {
		return fmt.Errorf("%s: publish: %w", name, err)
	}
	if closed() {
		return bus.ErrClosed
	}
	return nil
}

// CheckSubscribe is the opening every networked bus's Subscribe shares: it
// refuses a done ctx, an invalid subject and a nil handler, with errors
// prefixed with name.
func CheckSubscribe(ctx context.Context, name, subject string, handler bus.Handler) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: subscribe %s: %w", name, subject, err)
	}
	if err := CheckSubject(subject); err != nil {
		return fmt.Errorf("%s: subscribe: %w", name, err)
	}
	if handler == nil {
		return fmt.Errorf("%s: subscribe %s: nil handler", name, subject)
	}
	return nil
}

// Subscription is the bus.Subscription a networked bus hands out for one
// local handler. Unsubscribe removes the handler from the table while
// holding mu (the lock that serialises the bus's transport subscriptions
// with the table) and, if it was the subject's last local subscription,
// calls drop with the subject, still holding mu, to unsubscribe it on the
// transport. Unsubscribe is idempotent, safe from the handler itself and
// after Close (the table then reports no last subscription).
type Subscription struct {
	mu    *sync.Mutex
	table *Table
	sub   *Sub
	drop  func(subject string) error
}

// NewSubscription returns the subscription of s, registered in t.
func NewSubscription(mu *sync.Mutex, t *Table, s *Sub, drop func(subject string) error) *Subscription {
	return &Subscription{mu: mu, table: t, sub: s, drop: drop}
}

// Unsubscribe stops delivery to the handler; see Subscription.
func (s *Subscription) Unsubscribe() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.table.Remove(s.sub) {
		return nil
	}
	return s.drop(s.sub.Subject())
}

// Confirmed finishes a networked bus's Subscribe once sub is registered:
// the subject's first local subscription runs confirm, which confirms the
// subject with the server and closes ready; a later one waits for ready
// too, and if ctx ends first it is unsubscribed and Subscribe fails with
// ctx's error (prefixed with name).
func Confirmed(ctx context.Context, name, subject string, sub *Subscription, first bool,
	ready <-chan struct{}, confirm func()) (bus.Subscription, error) {
	if first {
		confirm()
		return sub, nil
	}
	select {
	case <-ready:
		return sub, nil
	case <-ctx.Done():
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("%s: subscribe %s: %w", name, subject, ctx.Err())
	}
}

// PublishLost counts a publish the transport refused as lost and wraps
// err with the bus's name, or returns bus.ErrClosed once the bus is
// closed (a publish racing Close is not a loss).
func (c *Conn) PublishLost(subject string, err error, closed func() bool) error {
	if closed() {
		return bus.ErrClosed
	}
	c.Loss.Add(subject, err)
	return fmt.Errorf("%s: publish %s: %w", c.name, subject, err)
}
