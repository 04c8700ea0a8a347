// Package natsbus is a bus.Bus on NATS core (github.com/nats-io/nats.go):
// every node connects to the same NATS server or cluster, and a message
// published on one node reaches the subscriptions of every node.
//
//	b, err := natsbus.New(ctx, "nats://user:password@nats:4222")
//	if err != nil { ... } // no server reachable before ctx is done
//	defer b.Close()
//
// # Connection
//
// New connects to a URL such as nats://user:password@host:4222 (or a
// comma-separated list of servers). Credentials in the URL are used;
// tls://host:4222, or WithTLSConfig, makes the connection use TLS. New fails
// if no server can be reached before ctx is done (it does not start in a
// degraded mode); afterwards the connection is kept up by the NATS client.
//
// # Subjects
//
// Subjects are literal, as bus.Bus requires. Because NATS gives '*' and '>'
// tokens a wildcard meaning, Publish and Subscribe refuse (with
// ErrInvalidSubject) any subject with an empty token ("a..b", ".a"), a "*"
// or ">" token, whitespace or control characters, or more than
// MaxSubjectLen bytes. Identifiers from runtime.Ref never contain '.', '*'
// or '>', so a room called "*" or "a.>" can never become a subscription to
// other rooms.
//
// # Delivery
//
// The node holds one NATS subscription per subject that has local
// subscriptions (interest-based: a subject without local subscriptions
// receives no traffic) and fans each message out to the local handlers.
// Each handler has its own bounded queue (WithQueueSize) and goroutine, so
// a slow handler delays only itself; a full queue drops the message for
// that subscription, counted in Stats.Dropped and logged (1st, 2nd, 4th…
// drop). Messages are at most once and in publish order per publisher.
// Subscribe returns once the server has confirmed the subscription (a
// flush round trip), so a message published afterwards by any node reaches
// it.
//
// # Faults
//
// When the connection drops, the client reconnects forever by default
// (WithMaxReconnects), waiting WithReconnectWait (plus up to 100ms jitter)
// between attempts, and restores every subscription itself.
//
//   - Publish never blocks for the outage: the client's reconnect buffer is
//     disabled, so a Publish while disconnected fails at once with an error
//     wrapping ErrDisconnected. Each such message is counted as lost
//     (Stats.Dropped, ConnStats.PublishLost) and logged (1st, 2nd, 4th…
//     loss of each outage, and a total when the connection is back).
//     Messages written to the socket in the instant before the client
//     notices the drop can be lost without an error (NATS core is at most
//     once).
//   - Subscribe while disconnected registers the subscription and returns;
//     it becomes active when the connection is restored.
//   - Delivery resumes within ReconnectWait + 100ms jitter + one round trip
//     after the server accepts connections again: the client reconnects,
//     re-sends every subscription, and natsbus flushes before reporting
//     StateConnected. With the default 1s wait that is about 1.1s. The
//     restart test (ReconnectWait 100ms, loopback) measured 60–125ms from
//     the restarted server being ready to the first cross-node delivery,
//     and asserts the bound (plus 1s of slack for loaded CI machines).
//
// Connected reports the state; WithStateHandler observes its changes.
// Close unsubscribes everything, closes the connection and returns after
// every goroutine the bus started has ended.
package natsbus

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/bus/internal/fanout"
	"github.com/nats-io/nats.go"
)

// Defaults for the options.
const (
	DefaultQueueSize     = fanout.DefaultQueueSize // per-subscription queue
	DefaultInboundSize   = 64 * 1024               // messages buffered between the client and the fan-out
	DefaultReconnectWait = fanout.DefaultReconnectWait
	DefaultConfirmWait   = fanout.DefaultConfirmWait // bound on a Subscribe's flush round trip
	DefaultConnectWait   = 5 * time.Second           // connect timeout when ctx has no deadline
	// MaxSubjectLen bounds subjects in bytes.
	MaxSubjectLen = fanout.MaxSubjectLen
)

// Errors specific to this bus (see also bus.ErrClosed, bus.ErrEmptySubject).
var (
	// ErrInvalidSubject is returned for a subject NATS would not treat
	// literally; see the package documentation.
	ErrInvalidSubject = fanout.ErrInvalidSubject
	// ErrDisconnected is wrapped by Publish errors while the connection
	// is down; the message is counted as lost.
	ErrDisconnected = errors.New("natsbus: disconnected")
	// ErrURL is wrapped by New for an unusable URL.
	ErrURL = errors.New("natsbus: invalid URL")
)

// Option configures New.
type Option func(*config)

type config struct {
	fanout.Config
	maxReconnects int
	inboundSize   int
}

// WithLogger sets the logger for drops, losses, state changes and handler
// panics (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return fanout.WithLogger[*config, Option](l) }

// WithName sets the connection name the server shows for this client.
func WithName(name string) Option { return fanout.WithName[*config, Option](name) }

// WithReconnectWait sets the wait between reconnect attempts to a server
// (default DefaultReconnectWait); it bounds how long delivery stays down
// after the server is back. d <= 0 keeps the default.
func WithReconnectWait(d time.Duration) Option { return fanout.WithReconnectWait[*config, Option](d) }

// WithMaxReconnects sets how many reconnect attempts are made before the
// bus gives up and reports bus.StateClosed; n < 0 (the default) retries
// forever.
func WithMaxReconnects(n int) Option { return func(c *config) { c.maxReconnects = n } }

// WithQueueSize sets how many messages each subscription buffers before it
// drops (default DefaultQueueSize); n < 1 is treated as 1.
func WithQueueSize(n int) Option { return fanout.WithQueueSize[*config, Option](n) }

// WithInboundSize sets how many received messages are buffered between the
// NATS client and the fan-out to local subscriptions (default
// DefaultInboundSize). Overflow there is a NATS slow-consumer drop, counted
// in Stats.Dropped.
func WithInboundSize(n int) Option { return func(c *config) { c.inboundSize = max(n, 1) } }

// WithTLSConfig makes the connection use TLS with cfg (for a private CA, a
// client certificate or a server name), whatever the URL's scheme.
func WithTLSConfig(cfg *tls.Config) Option { return fanout.WithTLSConfig[*config, Option](cfg) }

// WithConfirmWait bounds the round trip Subscribe waits for to confirm a
// new subject with the server (default DefaultConfirmWait). When it
// expires the subscription stays registered and Subscribe returns.
func WithConfirmWait(d time.Duration) Option { return fanout.WithConfirmWait[*config, Option](d) }

// WithStateHandler registers f to be called on every connection state
// change after New returned: bus.StateDisconnected (with the cause),
// bus.StateConnected (subscriptions restored) and bus.StateClosed. Calls are
// sequential, from a goroutine of the NATS client; f must return quickly
// and must not call Close.
func WithStateHandler(f func(s bus.State, err error)) Option {
	return fanout.WithStateHandler[*config, Option](f)
}

// Bus is a bus.Bus over one NATS connection. Create it with New.
type Bus struct {
	cfg   config
	log   *slog.Logger
	nc    *nats.Conn
	table *fanout.Table
	conn  *fanout.Conn // up/down, outages, publishes accepted and lost

	remoteMu sync.Mutex // serialises NATS subscribe/unsubscribe with the table
	topics   map[string]*topic

	inbound    chan *nats.Msg
	stop       chan struct{} // closed by Close: the reader exits
	readerDone chan struct{}
	connClosed chan struct{} // closed by the client's closed callback
	closeOnce  sync.Once

	closed atomic.Bool

	retiredDrops atomic.Uint64 // NATS-side drops of subscriptions already gone
}

// topic is the NATS subscription of one subject with local interest.
type topic struct {
	sub   *nats.Subscription
	ready chan struct{} // closed once the server confirmed it (or the confirm gave up)
}

var _ bus.Bus = (*Bus)(nil)

// New connects to the NATS server(s) at rawURL and returns a bus. ctx
// bounds the connection attempt.
func New(ctx context.Context, rawURL string, opts ...Option) (*Bus, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("natsbus: connect: %w", err)
	}
	if err := checkURL(rawURL); err != nil {
		return nil, err
	}
	cfg := config{Config: fanout.DefaultConfig(), maxReconnects: -1, inboundSize: DefaultInboundSize}
	for _, o := range opts {
		o(&cfg)
	}
	log := cfg.Logger.With("component", "natsbus")
	b := &Bus{
		cfg:        cfg,
		log:        log,
		table:      fanout.New("natsbus", cfg.QueueSize, log),
		conn:       fanout.NewConn("natsbus", log, cfg.OnState),
		topics:     make(map[string]*topic),
		inbound:    make(chan *nats.Msg, cfg.inboundSize),
		stop:       make(chan struct{}),
		readerDone: make(chan struct{}),
		connClosed: make(chan struct{}),
	}
	nc, err := nats.Connect(rawURL, b.natsOptions(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("natsbus: connect to %s: %w", redact(rawURL), err)
	}
	b.nc = nc
	b.conn.Connected()
	go b.read()
	log.Debug("natsbus: connected", "server", nc.ConnectedUrlRedacted())
	return b, nil
}

// natsOptions builds the client options: reconnect forever without a
// reconnect buffer (so Publish fails fast while down), our callbacks.
func (b *Bus) natsOptions(ctx context.Context) []nats.Option {
	timeout := DefaultConnectWait
	if dl, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(dl), time.Millisecond)
	}
	opts := []nats.Option{
		nats.Timeout(timeout),
		nats.ReconnectWait(b.cfg.ReconnectWait),
		nats.MaxReconnects(b.cfg.maxReconnects),
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(b.onDisconnect),
		nats.ReconnectHandler(b.onReconnect),
		nats.ClosedHandler(b.onClosed),
		nats.ErrorHandler(b.onAsyncError),
	}
	if b.cfg.Name != "" {
		opts = append(opts, nats.Name(b.cfg.Name))
	}
	if b.cfg.TLS != nil {
		opts = append(opts, nats.Secure(b.cfg.TLS))
	}
	return opts
}

// checkURL validates every server in a comma-separated NATS URL list.
func checkURL(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return fmt.Errorf("%w: empty", ErrURL)
	}
	for part := range strings.SplitSeq(raw, ",") {
		u, err := url.Parse(strings.TrimSpace(part))
		if err != nil {
			return fmt.Errorf("%w: %s", ErrURL, redactErr(err))
		}
		switch u.Scheme {
		case "nats", "tls":
		default:
			return fmt.Errorf("%w: %s: scheme must be nats:// or tls://", ErrURL, redact(part))
		}
		if u.Hostname() == "" {
			return fmt.Errorf("%w: %s: no host", ErrURL, redact(part))
		}
	}
	return nil
}

// redact hides the password of a URL for logs and errors.
func redact(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// redactErr reports a URL parse error without echoing the URL.
func redactErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return "unparsable URL"
}

// read fans received messages out to the local subscriptions until Close.
func (b *Bus) read() {
	defer close(b.readerDone)
	for {
		select {
		case m := <-b.inbound:
			b.table.Deliver(m.Subject, m.Data)
		case <-b.stop:
			return
		}
	}
}

// Publish sends data to subject on every node. It returns once the message
// is in the client's write buffer. While the connection is down it fails
// at once with an error wrapping ErrDisconnected and counts the message as
// lost.
func (b *Bus) Publish(ctx context.Context, subject string, data []byte) error {
	if err := fanout.CheckPublish(ctx, "natsbus", subject, b.closed.Load); err != nil {
		return err
	}
	if err := b.nc.Publish(subject, data); err != nil {
		return b.publishFailed(subject, err)
	}
	b.conn.Published()
	return nil
}

func (b *Bus) publishFailed(subject string, err error) error {
	switch {
	case errors.Is(err, nats.ErrReconnectBufExceeded), errors.Is(err, nats.ErrConnectionReconnecting),
		errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrConnectionDraining):
		err = fmt.Errorf("%w: %w", ErrDisconnected, err)
	}
	return b.conn.PublishLost(subject, err, b.closed.Load)
}

// Subscribe registers handler for messages published on subject by any
// node from now on. The first local subscription of a subject subscribes
// it on NATS and waits (bounded by ctx and WithConfirmWait) until the
// server has it; later ones wait for that too. While disconnected the
// subscription is registered and restored with the connection.
func (b *Bus) Subscribe(ctx context.Context, subject string, handler bus.Handler) (bus.Subscription, error) {
	if err := fanout.CheckSubscribe(ctx, "natsbus", subject, handler); err != nil {
		return nil, err
	}
	s, t, first, err := b.register(subject, handler)
	if err != nil {
		return nil, err
	}
	sub := fanout.NewSubscription(&b.remoteMu, b.table, s, b.dropSubject)
	return fanout.Confirmed(ctx, "natsbus", subject, sub, first, t.ready, func() { b.confirm(ctx, t) })
}

// register adds handler to the table and, for a subject's first local
// subscription, subscribes the subject on NATS.
func (b *Bus) register(subject string, handler bus.Handler) (*fanout.Sub, *topic, bool, error) {
	b.remoteMu.Lock()
	defer b.remoteMu.Unlock()
	if b.closed.Load() {
		return nil, nil, false, bus.ErrClosed
	}
	t := b.topics[subject]
	first := t == nil
	if first {
		ns, err := b.nc.ChanSubscribe(subject, b.inbound)
		if err != nil {
			if b.closed.Load() || errors.Is(err, nats.ErrConnectionClosed) {
				return nil, nil, false, bus.ErrClosed
			}
			return nil, nil, false, fmt.Errorf("natsbus: subscribe %s: %w", subject, err)
		}
		t = &topic{sub: ns, ready: make(chan struct{})}
		b.topics[subject] = t
	}
	s, _, err := b.table.Add(subject, handler)
	if err != nil {
		if first {
			delete(b.topics, subject)
			_ = t.sub.Unsubscribe()
		}
		return nil, nil, false, err
	}
	return s, t, first, nil
}

// confirm waits for the server to have processed the subscription (a
// flush round trip), then releases everyone waiting on t. When the
// connection is down, or the round trip fails, the subscription stays
// registered: the client re-sends it on reconnect.
func (b *Bus) confirm(ctx context.Context, t *topic) {
	defer close(t.ready)
	if !b.nc.IsConnected() {
		return
	}
	fctx, cancel := context.WithTimeout(ctx, b.cfg.ConfirmWait)
	defer cancel()
	if err := b.nc.FlushWithContext(fctx); err != nil && ctx.Err() == nil {
		b.log.Warn("natsbus: subscription not confirmed by the server; it stays registered",
			"subject", t.sub.Subject, "err", err)
	}
}

// dropSubject unsubscribes subject on NATS once its last local
// subscription is gone (b.remoteMu held).
func (b *Bus) dropSubject(subject string) error {
	t := b.topics[subject]
	delete(b.topics, subject)
	if t == nil || b.closed.Load() {
		return nil
	}
	b.retire(t)
	if err := t.sub.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		return fmt.Errorf("natsbus: unsubscribe %s: %w", subject, err)
	}
	return nil
}

// retire keeps the NATS-side drop count of a subscription about to go.
func (b *Bus) retire(t *topic) {
	if n, err := t.sub.Dropped(); err == nil && n > 0 {
		b.retiredDrops.Add(uint64(n))
	}
}

// Stats returns a snapshot of the bus's counters. Dropped includes
// messages dropped on full subscription queues, NATS slow-consumer drops
// and publishes lost while disconnected.
func (b *Bus) Stats() bus.Stats {
	return b.conn.Stats(b.table, b.natsDrops())
}

func (b *Bus) natsDrops() uint64 {
	n := b.retiredDrops.Load()
	b.remoteMu.Lock()
	defer b.remoteMu.Unlock()
	for _, t := range b.topics {
		if d, err := t.sub.Dropped(); err == nil && d > 0 {
			n += uint64(d)
		}
	}
	return n
}

// ConnStats counts connection events (monotonic since New): bus.ConnStats.
type ConnStats = bus.ConnStats

// ConnStats returns the connection counters.
func (b *Bus) ConnStats() ConnStats {
	b.remoteMu.Lock()
	n := len(b.topics)
	b.remoteMu.Unlock()
	return b.conn.ConnStats(n)
}

// Connected reports whether the connection is up with every subscription
// in place.
func (b *Bus) Connected() bool { return b.conn.Up() }

// Close unsubscribes every handler, waits for running handlers to return,
// closes the NATS connection and waits for the bus's goroutines. Later
// Publish and Subscribe calls fail with bus.ErrClosed. It is idempotent and
// must not be called from a handler.
func (b *Bus) Close() error {
	b.closeOnce.Do(func() {
		b.remoteMu.Lock()
		b.closed.Store(true)
		for _, t := range b.topics {
			b.retire(t)
		}
		b.topics = nil
		b.remoteMu.Unlock()
		b.nc.Close()
		select {
		case <-b.connClosed: // the client's callbacks are done
		case <-time.After(5 * time.Second):
			b.log.Warn("natsbus: client did not report closing in time")
		}
		close(b.stop)
		<-b.readerDone
		b.table.Close()
	})
	return nil
}

func (b *Bus) onDisconnect(_ *nats.Conn, err error) {
	if b.closed.Load() {
		return
	}
	b.conn.Down(err)
}

// onReconnect runs after the client re-sent every subscription; a flush
// makes sure the server processed them before the state says connected.
func (b *Bus) onReconnect(nc *nats.Conn) {
	if b.closed.Load() {
		return
	}
	if err := nc.FlushTimeout(b.cfg.ConfirmWait); err != nil {
		b.log.Warn("natsbus: reconnected but the flush failed", "err", err)
	}
	b.conn.Restored("server", nc.ConnectedUrlRedacted())
}

func (b *Bus) onClosed(*nats.Conn) {
	if !b.closed.Load() {
		b.log.Error("natsbus: connection closed: reconnect attempts exhausted")
	}
	b.conn.Closed()
	close(b.connClosed)
}

func (b *Bus) onAsyncError(_ *nats.Conn, sub *nats.Subscription, err error) {
	if errors.Is(err, nats.ErrSlowConsumer) && sub != nil {
		b.log.Warn("natsbus: inbound buffer full, messages dropped (slow consumer)", "subject", sub.Subject)
		return
	}
	b.log.Error("natsbus: asynchronous error", "err", err)
}
