package channel

import (
	"fmt"
	"log/slog"
)

// DefaultQueueSize is the per-subscriber queue bound used when WithQueueSize
// is not given.
const DefaultQueueSize = 256

// Overflow names what happens when a message arrives for a subscriber whose
// queue is full.
type Overflow int

// The overflow policies. The zero value, CloseSubscriber, is the default.
const (
	// CloseSubscriber ends the subscription: its queued messages and the
	// new one are dropped, its iteration ends and Err reports ErrOverflow.
	// A consumer that cannot keep up finds out instead of silently missing
	// messages (a WebSocket consumer closes the connection as "slow").
	CloseSubscriber Overflow = iota
	// DropOldest evicts the oldest queued message to make room: the reader
	// keeps the most recent ones (suits volatile data such as typing or
	// cursor positions).
	DropOldest
	// DropNewest discards the new message and keeps the queue as it is.
	DropNewest
)

// String returns the policy's name.
func (o Overflow) String() string {
	switch o {
	case CloseSubscriber:
		return "close-subscriber"
	case DropOldest:
		return "drop-oldest"
	case DropNewest:
		return "drop-newest"
	}
	return fmt.Sprintf("Overflow(%d)", int(o))
}

// Option configures New.
type Option func(*options)

type options struct {
	prefix    string
	queueSize int
	overflow  Overflow
	logger    *slog.Logger
}

// WithPrefix sets the prefix prepended to identifiers to form backend keys
// (e.g. "user:" makes Ref "42" the backend key "user:42"), so channel types
// sharing one bus never cross-deliver.
func WithPrefix(p string) Option {
	return func(o *options) { o.prefix = p }
}

// WithQueueSize bounds each subscriber's queue to n messages (n < 1 is
// treated as 1).
func WithQueueSize(n int) Option {
	return func(o *options) { o.queueSize = max(n, 1) }
}

// WithOverflow sets the policy applied when a subscriber's queue is full.
func WithOverflow(p Overflow) Option {
	return func(o *options) { o.overflow = p }
}

// Encoder appends the wire form of m to b and returns the extended buffer.
// It is the shared encoding behind Delivery.Bytes, given to New; generated
// channels pass the message's generated AppendJSON.
type Encoder[M any] func(b []byte, m M) []byte

// WithLogger sets the logger for drops, overflow closes and hook failures
// (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}
