// Package redisbus is a bus.Bus on Redis pub/sub
// (github.com/redis/go-redis/v9): every node connects to the same Redis
// server, and a message published on one node reaches the subscriptions of
// every node.
//
//	b, err := redisbus.New(ctx, "redis://user:password@redis:6379/0")
//	if err != nil { ... } // the server cannot be reached before ctx is done
//	defer b.Close()
//
// # Connection
//
// New connects to a URL such as redis://user:password@host:6379/0, or
// rediss://… for TLS (parsed by redis.ParseURL, so its query options such
// as dial_timeout work too); WithTLSConfig supplies a private CA or client
// certificate and turns TLS on for a redis:// URL. New fails if the server
// cannot be reached before ctx is done (it does not start in a degraded
// mode).
//
// Each bus uses one connection for PUBLISH, written by one goroutine (see
// Publishing), and one dedicated pub/sub connection that multiplexes every
// subscription (SUBSCRIBE, never PSUBSCRIBE, so channel names are literal).
//
// # Subjects
//
// Subjects are literal, as bus.Bus requires. So that a subject valid on
// one networked bus is valid on the other, Publish and Subscribe refuse
// the same subjects as natsbus (ErrInvalidSubject): empty tokens ("a..b"),
// "*" or ">" tokens, whitespace or control characters, and more than
// MaxSubjectLen bytes.
//
// # Publishing
//
// Publish does not wait for Redis. It copies the message into the bus's
// publish queue and returns; one writer goroutine per Bus takes everything
// queued and sends it as pipelined PUBLISH commands (up to 1024 messages or
// 1 MiB per round trip), so under load one round trip carries many
// messages, and when the bus is idle a message is sent at once, without
// waiting for company.
// Because there is a single writer, messages leave in the order Publish
// accepted them.
//
// The queue is bounded (WithPublishQueue; DefaultPublishQueue messages and
// DefaultPublishQueueBytes bytes of subjects and payloads, counted from
// Publish until the message is sent or lost). When it is full, Publish fails
// at once with an error wrapping ErrQueueFull and the message is counted as
// lost; it never blocks. Each pipeline round trip is bounded by
// WithPublishTimeout.
//
// # Delivery
//
// A subject is subscribed on Redis while, and only while, it has local
// subscriptions. One goroutine reads the pub/sub connection and hands each
// message to the local subscriptions without blocking: each has its own
// bounded queue (WithQueueSize) and goroutine, so a slow handler delays
// only itself, and a full queue drops the message for that subscription,
// counted in Stats.Dropped and logged (1st, 2nd, 4th… drop). Messages are
// at most once (PUBLISH is never retried) and, per subscription, in the
// order one Bus published them. Subscribe returns once Redis has processed
// the SUBSCRIBE (a PING round trip on the pub/sub connection), so a message
// published afterwards by any node reaches it.
//
// # Faults
//
//   - Publish never blocks for an outage: while the pub/sub connection is
//     known to be down it fails at once with an error wrapping
//     ErrDisconnected. A refused publish is counted as lost (Stats.Dropped,
//     ConnStats.PublishLost) and logged (1st, 2nd, 4th… loss of each outage,
//     and a total when the connection is back).
//   - A message already accepted is lost, counted and logged the same way,
//     if its pipeline fails (it may or may not have reached Redis; it is not
//     retried) or if the connection is known to be down when its turn comes
//     (the writer then discards the queue instead of sending it late). Until
//     the bus notices a silent connection loss (see below), Publish keeps
//     accepting messages and each pipeline waits up to the publish timeout,
//     so the queue can fill and Publish fail with ErrQueueFull.
//   - A dropped connection is noticed at once when the socket fails, and a
//     silent one (no traffic, no error) within HealthInterval + PingTimeout
//     (WithHealthCheck; 3s + 2s by default): the reader pings an idle
//     connection and reconnects when the reply is late.
//   - Reconnecting is go-redis's: the pub/sub connection is redialled and
//     every subscribed channel re-sent (the tests check this against the
//     server's PUBSUB NUMSUB). While the server is unreachable the bus
//     retries every WithReconnectWait (default 1s), forever.
//   - Subscribe while disconnected registers the subscription and returns;
//     it becomes active when the connection is restored.
//   - Delivery resumes within ReconnectWait + one round trip after the
//     server accepts connections again (StateConnected is reported once a
//     PING sent after the re-subscription has been answered, so every
//     subscription is in place by then). With the default 1s wait that is
//     about 1s. The restart test (ReconnectWait 100ms, loopback, SIGKILL)
//     measured 55–85ms from the restarted server being ready to the first
//     cross-node delivery, and asserts the bound (plus 1s of slack for
//     loaded CI machines); the partition test (health check 100ms+100ms)
//     noticed the silent loss after about 200ms.
//
// Connected reports the state; WithStateHandler observes its changes.
// Close flushes the publish queue (for at most the publish timeout; what it
// cannot send is counted as lost), unsubscribes everything, closes both
// connections and returns after every goroutine the bus started has ended.
package redisbus

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/bus/internal/fanout"
	"github.com/redis/go-redis/v9"
)

// Defaults for the options.
const (
	DefaultQueueSize      = fanout.DefaultQueueSize // per-subscription queue
	DefaultReconnectWait  = fanout.DefaultReconnectWait
	DefaultHealthInterval = 3 * time.Second           // idle time before the reader pings
	DefaultPingTimeout    = 2 * time.Second           // a ping reply later than this means a dead connection
	DefaultPublishTimeout = 2 * time.Second           // bound on one pipeline round trip, and on Close's flush
	DefaultConfirmWait    = fanout.DefaultConfirmWait // bound on a Subscribe's confirmation round trip
	DefaultConnectWait    = 5 * time.Second           // connect timeout when ctx has no deadline
	// DefaultPublishQueue bounds the messages accepted by Publish and not
	// yet sent or lost.
	DefaultPublishQueue = 64 * 1024
	// DefaultPublishQueueBytes bounds their subjects and payloads, in bytes.
	DefaultPublishQueueBytes = 64 << 20
	// MaxSubjectLen bounds subjects in bytes.
	MaxSubjectLen = fanout.MaxSubjectLen
)

// Errors specific to this bus (see also bus.ErrClosed, bus.ErrEmptySubject).
var (
	// ErrInvalidSubject is returned for a refused subject; see the package
	// documentation.
	ErrInvalidSubject = fanout.ErrInvalidSubject
	// ErrDisconnected is wrapped by Publish errors while the connection
	// is down; the message is counted as lost.
	ErrDisconnected = errors.New("redisbus: disconnected")
	// ErrQueueFull is wrapped by Publish errors when the publish queue is
	// at its bound (WithPublishQueue); the message is counted as lost.
	ErrQueueFull = errors.New("redisbus: publish queue full")
	// ErrURL is wrapped by New for an unusable URL.
	ErrURL = errors.New("redisbus: invalid URL")
)

// Option configures New.
type Option func(*config)

type config struct {
	fanout.Config
	healthInterval time.Duration
	pingTimeout    time.Duration
	publishTimeout time.Duration
	outMsgs        int // publish queue bounds
	outBytes       int
	sendHook       func() // tests: called by the writer before each pipeline
}

// WithLogger sets the logger for drops, losses, state changes and handler
// panics (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return fanout.WithLogger[*config, Option](l) }

// WithName sets the client name (CLIENT SETNAME) of the bus's connections.
func WithName(name string) Option { return fanout.WithName[*config, Option](name) }

// WithReconnectWait sets the wait between reconnect attempts (default
// DefaultReconnectWait); it bounds how long delivery stays down after the
// server is back. d <= 0 keeps the default.
func WithReconnectWait(d time.Duration) Option { return fanout.WithReconnectWait[*config, Option](d) }

// WithHealthCheck sets how long the pub/sub connection may be idle before
// the bus pings it, and how long it waits for the reply before it treats
// the connection as dead and reconnects (defaults DefaultHealthInterval,
// DefaultPingTimeout). Values <= 0 keep the defaults.
func WithHealthCheck(interval, timeout time.Duration) Option {
	return func(c *config) {
		if interval > 0 {
			c.healthInterval = interval
		}
		if timeout > 0 {
			c.pingTimeout = timeout
		}
	}
}

// WithPublishTimeout bounds each pipelined round trip of the bus's writer
// (default DefaultPublishTimeout): the messages of a pipeline that takes
// longer are counted as lost. It also bounds how long Close spends
// flushing the publish queue. Publish itself never waits. d <= 0 keeps the
// default.
func WithPublishTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.publishTimeout = d
		}
	}
}

// WithConfirmWait bounds the round trip Subscribe waits for to confirm a
// new subject (default DefaultConfirmWait). When it expires the
// subscription stays registered and Subscribe returns.
func WithConfirmWait(d time.Duration) Option { return fanout.WithConfirmWait[*config, Option](d) }

// WithQueueSize sets how many messages each subscription buffers before it
// drops (default DefaultQueueSize); n < 1 is treated as 1.
func WithQueueSize(n int) Option { return fanout.WithQueueSize[*config, Option](n) }

// WithPublishQueue bounds the publish queue: Publish refuses a message with
// ErrQueueFull when more than messages messages, or more than bytes bytes of
// subjects and payloads, would be accepted and not yet sent or lost
// (defaults DefaultPublishQueue, DefaultPublishQueueBytes). An empty queue
// accepts one message of any size. Values <= 0 keep the defaults.
func WithPublishQueue(messages, bytes int) Option {
	return func(c *config) {
		if messages > 0 {
			c.outMsgs = messages
		}
		if bytes > 0 {
			c.outBytes = bytes
		}
	}
}

// WithTLSConfig makes the connections use TLS with cfg (for a private CA or
// a client certificate), whatever the URL's scheme. Without a ServerName
// the URL's host is verified.
func WithTLSConfig(cfg *tls.Config) Option { return fanout.WithTLSConfig[*config, Option](cfg) }

// WithStateHandler registers f to be called on every connection state
// change after New returned: bus.StateDisconnected (with the cause),
// bus.StateConnected (subscriptions restored) and bus.StateClosed. Calls are
// sequential, from the bus's reader goroutine (bus.StateClosed from Close); f
// must return quickly and must not call Close.
func WithStateHandler(f func(s bus.State, err error)) Option {
	return fanout.WithStateHandler[*config, Option](f)
}

// Bus is a bus.Bus over Redis pub/sub. Create it with New.
type Bus struct {
	cfg    config
	log    *slog.Logger
	addr   string
	client *redis.Client // PUBLISH
	ps     *redis.PubSub // every subscription
	table  *fanout.Table
	conn   *fanout.Conn // up/down, outages, publishes accepted and lost
	out    *outbox      // publish queue, drained by writeLoop

	sendCtx     context.Context // parent of every pipeline; cancelled when Close stops flushing
	cancelSends context.CancelCauseFunc

	remoteMu sync.Mutex // serialises SUBSCRIBE/UNSUBSCRIBE with the table
	topics   map[string]*topic

	waitMu  sync.Mutex
	waiters map[string]chan struct{} // PING token → closed on its PONG
	seq     atomic.Uint64

	stop       chan struct{} // closed by Close
	readerDone chan struct{}
	writerDone chan struct{}
	closeOnce  sync.Once

	closed    atomic.Bool
	pipelines atomic.Uint64
}

// topic is one subject subscribed on Redis.
type topic struct {
	ready chan struct{} // closed once Redis confirmed it (or the confirmation gave up)
}

var _ bus.Bus = (*Bus)(nil)

// New connects to the Redis server at rawURL and returns a bus. ctx bounds
// the connection attempt.
func New(ctx context.Context, rawURL string, opts ...Option) (*Bus, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("redisbus: connect: %w", err)
	}
	cfg := config{
		Config:         fanout.DefaultConfig(),
		healthInterval: DefaultHealthInterval,
		pingTimeout:    DefaultPingTimeout,
		publishTimeout: DefaultPublishTimeout,
		outMsgs:        DefaultPublishQueue,
		outBytes:       DefaultPublishQueueBytes,
	}
	for _, o := range opts {
		o(&cfg)
	}
	opt, err := clientOptions(rawURL, cfg)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger.With("component", "redisbus")
	sendCtx, cancelSends := context.WithCancelCause(context.Background())
	b := &Bus{
		cfg:         cfg,
		log:         log,
		addr:        opt.Addr,
		client:      redis.NewClient(opt),
		table:       fanout.New("redisbus", cfg.QueueSize, log),
		conn:        fanout.NewConn("redisbus", log, cfg.OnState),
		out:         newOutbox(cfg.outMsgs, cfg.outBytes),
		sendCtx:     sendCtx,
		cancelSends: cancelSends,
		topics:      make(map[string]*topic),
		waiters:     make(map[string]chan struct{}),
		stop:        make(chan struct{}),
		readerDone:  make(chan struct{}),
		writerDone:  make(chan struct{}),
	}
	if err := b.connect(ctx); err != nil {
		cancelSends(err)
		_ = b.client.Close()
		return nil, fmt.Errorf("redisbus: connect to %s: %w", b.addr, err)
	}
	b.conn.Connected()
	go b.run()
	go b.writeLoop()
	log.Debug("redisbus: connected", "addr", b.addr)
	return b, nil
}

// clientOptions parses rawURL and sets what the bus relies on: no command
// retries (a retried PUBLISH could deliver twice), context deadlines
// honoured, one dial attempt per call (the bus does its own retrying).
func clientOptions(rawURL string, cfg config) (*redis.Options, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, password included
		}
		return nil, fmt.Errorf("%w: %w", ErrURL, err)
	}
	if opt.Network != "tcp" {
		return nil, fmt.Errorf("%w: scheme must be redis:// or rediss://", ErrURL)
	}
	if host, _, _ := net.SplitHostPort(opt.Addr); host == "" {
		return nil, fmt.Errorf("%w: no host", ErrURL)
	}
	opt.MaxRetries = -1
	opt.ContextTimeoutEnabled = true
	if opt.DialerRetries == 0 {
		opt.DialerRetries = 1
	}
	opt.DisableIdentity = true // CLIENT SETINFO is unknown before Redis 7.2
	if cfg.Name != "" {
		opt.ClientName = cfg.Name
	}
	if cfg.TLS != nil {
		tc := cfg.TLS.Clone()
		if tc.ServerName == "" {
			tc.ServerName, _, _ = net.SplitHostPort(opt.Addr)
		}
		opt.TLSConfig = tc
	}
	return opt, nil
}

// connect checks the publishing pool and opens the pub/sub connection,
// waiting for its first PONG.
func (b *Bus) connect(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultConnectWait)
		defer cancel()
	}
	if err := b.client.Ping(ctx).Err(); err != nil {
		return err
	}
	b.ps = b.client.Subscribe(ctx)
	if err := b.ps.Ping(ctx); err != nil {
		_ = b.ps.Close()
		return err
	}
	for {
		msg, err := b.ps.Receive(ctx)
		if err != nil {
			_ = b.ps.Close()
			return err
		}
		if _, ok := msg.(*redis.Pong); ok {
			return nil
		}
	}
}

// run reads the pub/sub connection until Close: it delivers messages,
// answers confirmations, pings an idle connection and re-establishes a
// lost one.
func (b *Bus) run() {
	defer close(b.readerDone)
	probe := false // a PING is outstanding
	var probeDeadline time.Time
	for !b.closed.Load() {
		if !b.conn.Up() && !probe {
			if !b.sleep(b.cfg.ReconnectWait) {
				return
			}
			if err := b.ping(""); err != nil {
				b.log.Debug("redisbus: reconnect attempt failed", "err", err)
				continue
			}
			probe, probeDeadline = true, time.Now().Add(b.cfg.pingTimeout)
		}
		msg, err := b.receive(probe, probeDeadline)
		if err != nil {
			if b.closed.Load() {
				return
			}
			if !probe && isTimeout(err) { // idle: check the connection is alive
				if err := b.ping(""); err != nil {
					b.down(err)
					continue
				}
				probe, probeDeadline = true, time.Now().Add(b.cfg.pingTimeout)
				continue
			}
			// A failed read, or no reply to the probe in time: go-redis has
			// dropped the connection and tried to redial it.
			probe = false
			b.down(err)
			continue
		}
		switch m := msg.(type) {
		case *redis.Message:
			b.table.Deliver(m.Channel, []byte(m.Payload))
		case *redis.Pong:
			probe = false
			b.pong(m.Payload)
		}
	}
}

// receive reads one reply: bounded by the health interval when idle (a
// timeout then is harmless), by the probe's deadline while a PING is
// outstanding (a timeout then makes go-redis drop and redial).
func (b *Bus) receive(probe bool, deadline time.Time) (any, error) {
	if !probe {
		return b.ps.ReceiveTimeout(context.Background(), b.cfg.healthInterval)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	return b.ps.Receive(ctx)
}

// ping sends PING with payload on the pub/sub connection (dialling and
// re-subscribing first if go-redis has no connection).
func (b *Bus) ping(payload string) error {
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.pingTimeout)
	defer cancel()
	if payload == "" {
		return b.ps.Ping(ctx)
	}
	return b.ps.Ping(ctx, payload)
}

// sleep waits d or until Close; it reports false on Close.
func (b *Bus) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-b.stop:
		return false
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// down records a lost connection (once per outage).
func (b *Bus) down(err error) {
	b.releaseWaiters()
	b.conn.Down(err, "addr", b.addr)
}

// pong handles a PING reply: it releases the Subscribe waiting for it and,
// after an outage, marks the connection up. Redis answers in order, so
// every SUBSCRIBE sent before the PING (including go-redis's
// re-subscription) is in place.
func (b *Bus) pong(payload string) {
	if payload != "" {
		b.waitMu.Lock()
		if ch := b.waiters[payload]; ch != nil {
			close(ch)
			delete(b.waiters, payload)
		}
		b.waitMu.Unlock()
	}
	b.conn.Restored("addr", b.addr)
}

// releaseWaiters lets every waiting Subscribe return: its confirmation
// will not come on this connection (the subscription stays registered).
func (b *Bus) releaseWaiters() {
	b.waitMu.Lock()
	defer b.waitMu.Unlock()
	for token, ch := range b.waiters {
		close(ch)
		delete(b.waiters, token)
	}
}

// drainPublishes closes the publish queue and waits for the writer to send
// or count as lost everything in it; after the publish timeout it makes
// the writer give up.
func (b *Bus) drainPublishes() {
	b.out.close()
	giveUp := time.AfterFunc(b.cfg.publishTimeout, func() { b.cancelSends(errUnsentAtClose) })
	<-b.writerDone
	giveUp.Stop()
	b.cancelSends(bus.ErrClosed)
}

// Subscribe registers handler for messages published on subject by any
// node from now on. The first local subscription of a subject subscribes
// it on Redis and waits (bounded by ctx and WithConfirmWait) until Redis
// has processed it; later ones wait for that too. While disconnected the
// subscription is registered and restored with the connection.
func (b *Bus) Subscribe(ctx context.Context, subject string, handler bus.Handler) (bus.Subscription, error) {
	if err := fanout.CheckSubscribe(ctx, "redisbus", subject, handler); err != nil {
		return nil, err
	}
	sub, t, first, err := b.register(ctx, subject, handler)
	if err != nil {
		return nil, err
	}
	return fanout.Confirmed(ctx, "redisbus", subject, sub, first, t.ready, func() { b.confirm(ctx, t) })
}

// register adds handler to the table and, for a subject's first local
// subscription, sends SUBSCRIBE. A transport failure leaves the channel
// registered with go-redis, which re-sends it when it reconnects.
func (b *Bus) register(ctx context.Context, subject string, handler bus.Handler) (*fanout.Subscription, *topic, bool, error) {
	b.remoteMu.Lock()
	defer b.remoteMu.Unlock()
	if b.closed.Load() {
		return nil, nil, false, bus.ErrClosed
	}
	s, first, err := b.table.Add(subject, handler)
	if err != nil {
		return nil, nil, false, err
	}
	sub := fanout.NewSubscription(&b.remoteMu, b.table, s, b.dropSubject)
	t := b.topics[subject]
	if !first {
		return sub, t, false, nil
	}
	t = &topic{ready: make(chan struct{})}
	b.topics[subject] = t
	sctx, cancel := context.WithTimeout(ctx, b.cfg.ConfirmWait)
	defer cancel()
	if err := b.ps.Subscribe(sctx, subject); err != nil {
		if ctx.Err() != nil {
			b.table.Remove(s)
			delete(b.topics, subject)
			b.unsubscribeRemote(subject)
			return nil, nil, false, fmt.Errorf("redisbus: subscribe %s: %w", subject, ctx.Err())
		}
		b.log.Debug("redisbus: SUBSCRIBE not sent; it is re-sent on reconnect", "subject", subject, "err", err)
	}
	return sub, t, true, nil
}

// confirm sends a PING after the SUBSCRIBE and waits for its reply, then
// releases everyone waiting on t.
func (b *Bus) confirm(ctx context.Context, t *topic) {
	defer close(t.ready)
	if !b.conn.Up() {
		return
	}
	token := "jsgen-confirm-" + strconv.FormatUint(b.seq.Add(1), 10)
	ch := make(chan struct{})
	b.waitMu.Lock()
	b.waiters[token] = ch
	b.waitMu.Unlock()
	defer func() {
		b.waitMu.Lock()
		delete(b.waiters, token)
		b.waitMu.Unlock()
	}()
	if err := b.ping(token); err != nil {
		return
	}
	timer := time.NewTimer(b.cfg.ConfirmWait)
	defer timer.Stop()
	select {
	case <-ch:
	case <-ctx.Done():
	case <-b.stop:
	case <-timer.C:
		b.log.Warn("redisbus: subscription not confirmed in time; it stays registered")
	}
}

// unsubscribeRemote sends UNSUBSCRIBE. go-redis forgets the channel even
// if the command cannot be sent, and a broken connection loses its
// subscriptions anyway, so a failure is only logged.
func (b *Bus) unsubscribeRemote(subject string) {
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.ConfirmWait)
	defer cancel()
	if err := b.ps.Unsubscribe(ctx, subject); err != nil {
		b.log.Debug("redisbus: UNSUBSCRIBE not sent", "subject", subject, "err", err)
	}
}

// dropSubject unsubscribes subject on Redis once its last local
// subscription is gone (b.remoteMu held).
func (b *Bus) dropSubject(subject string) error {
	delete(b.topics, subject)
	if !b.closed.Load() {
		b.unsubscribeRemote(subject)
	}
	return nil
}

// Stats returns a snapshot of the bus's counters. Published counts messages
// accepted into the publish queue. Dropped includes messages dropped on
// full subscription queues and lost publishes (ConnStats.PublishLost).
func (b *Bus) Stats() bus.Stats {
	return b.conn.Stats(b.table, 0)
}

// ConnStats counts connection events (monotonic since New): the counters
// every networked bus has (bus.ConnStats; its PublishLost counts publishes
// refused by Publish, disconnected or queue full, or accepted and then not
// sent or not acknowledged by Redis) and the publish pipeline's.
type ConnStats struct {
	bus.ConnStats
	// Pipelines counts pipelined round trips the writer made; each carried
	// one or more publishes.
	Pipelines    uint64
	PublishQueue int // publishes accepted and not yet sent or lost
}

// ConnStats returns the connection counters.
func (b *Bus) ConnStats() ConnStats {
	b.remoteMu.Lock()
	n := len(b.topics)
	b.remoteMu.Unlock()
	return ConnStats{ConnStats: b.conn.ConnStats(n), Pipelines: b.pipelines.Load(), PublishQueue: b.out.queued()}
}

// Connected reports whether the pub/sub connection is up with every
// subscription in place.
func (b *Bus) Connected() bool { return b.conn.Up() }

// Close sends what the publish queue holds (for at most the publish
// timeout, and only while connected; the rest is counted as lost),
// unsubscribes every handler, waits for running handlers to return, closes
// both connections and waits for the bus's goroutines. Later Publish and
// Subscribe calls fail with bus.ErrClosed. It is idempotent and must not be
// called from a handler.
func (b *Bus) Close() error {
	b.closeOnce.Do(func() {
		b.remoteMu.Lock()
		b.closed.Store(true)
		b.topics = nil
		b.remoteMu.Unlock()
		b.drainPublishes()
		close(b.stop)
		_ = b.ps.Close() // ends the reader's blocking read
		<-b.readerDone
		_ = b.client.Close()
		b.table.Close()
		b.conn.Closed()
	})
	return nil
}
