package channel

import (
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// Channels is a set of typed channels carrying messages M, one per key, keys
// being refs to model K. Create it with New; it is safe for concurrent use.
// See the package documentation for its delivery semantics.
type Channels[K, M any] struct {
	c *core[M]
}

// New returns an empty Channels whose Delivery.Bytes uses enc, run at most
// once per publish; a nil enc means encoding/json. Generated code calls,
// for example,
//
//	channel.New[User, DirectMessage](AppendDirectMessageJSON, channel.WithPrefix("user:"))
//
// Install hooks with AddHooks, typically right after New. New panics if
// WithOverflow was given an unknown policy.
func New[K, M any](enc Encoder[M], opts ...Option) *Channels[K, M] {
	o := options{queueSize: DefaultQueueSize, logger: slog.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	c := &core[M]{
		prefix:    o.prefix,
		queueSize: o.queueSize,
		overflow:  o.overflow,
		enc:       enc,
		log:       o.logger.With("component", "channel", "prefix", o.prefix),
		keys:      make(map[string]*entry[M]),
	}
	switch o.overflow {
	case CloseSubscriber, DropOldest, DropNewest:
	default:
		panic(fmt.Sprintf("channel.New: unknown overflow policy %v", o.overflow))
	}
	c.hooks.Store(newHookList[M](0, nil))
	return &Channels[K, M]{c: c}
}

// Prefix returns the backend key prefix ("" if none).
func (ch *Channels[K, M]) Prefix() string { return ch.c.prefix }

// Key returns ref's backend key: the prefix followed by the identifier.
func (ch *Channels[K, M]) Key(ref jsgenrt.Ref[K]) string { return ch.c.prefix + ref.ID() }

// Subscribe registers a subscriber on ref's key and returns its
// subscription. Registration happens now: messages published after
// Subscribe returns are queued until read. If this is the key's first local
// subscriber, the OnFirstSubscriber hooks have run when Subscribe returns.
// After Close, Subscribe returns an ended subscription (Err is
// ErrChannelsClosed).
func (ch *Channels[K, M]) Subscribe(ref jsgenrt.Ref[K]) *Subscription[M] {
	return ch.c.subscribe(ref.ID(), "", nil)
}

// SubscribeWith is Subscribe with options (a subscriber ID for
// exclude-sender).
func (ch *Channels[K, M]) SubscribeWith(ref jsgenrt.Ref[K], o SubscribeOptions) *Subscription[M] {
	return ch.c.subscribe(ref.ID(), o.ID, nil)
}

// SubscribeFunc registers a subscriber that is handed every delivery by
// the publisher itself instead of queueing it: deliver runs on the
// publishing goroutine (or the Bridge's, for other nodes' messages), once
// per message, in publish order for each publisher, and possibly
// concurrently for concurrent publishers. It is how a WebSocket
// connection gets messages with no goroutine of its own (ws.Subscribe).
//
// deliver runs holding its subscription's lock, so it must not block, and
// must not call back into this Channels: not the subscription's own
// methods (to end it, return an error), not Publish or DeliverRemote on a
// key it is subscribed to, not Close. No queue bound applies: deliver does
// its own bounding. Once Close returns, deliver is not called again. If
// deliver returns an error the subscription ends with it (Err returns it
// as is); if it panics, the subscription ends with an error wrapping
// ErrDeliverPanicked and the publisher goes on.
// Next, Messages and Deliveries yield nothing; they return when the
// subscription ends. Exclude-sender (o.ID) and hooks work as for
// Subscribe.
func (ch *Channels[K, M]) SubscribeFunc(ref jsgenrt.Ref[K], o SubscribeOptions, deliver func(*Delivery[M]) error) *Subscription[M] {
	if deliver == nil {
		panic("channel: SubscribeFunc with a nil deliver func")
	}
	return ch.c.subscribe(ref.ID(), o.ID, deliver)
}

// Publish delivers msg to every current local subscriber of ref's key, then
// runs the OnPublish hooks. It never blocks on a subscriber (see Overflow).
func (ch *Channels[K, M]) Publish(ref jsgenrt.Ref[K], msg M) {
	ch.c.publish(ref.ID(), msg, PublishOptions{})
}

// PublishWith is Publish with metadata: subscribers whose ID equals
// o.Except are skipped, and the Delivery (seen by subscribers, hooks and
// other nodes through the Bridge) carries o.
func (ch *Channels[K, M]) PublishWith(ref jsgenrt.Ref[K], msg M, o PublishOptions) {
	ch.c.publish(ref.ID(), msg, o)
}

// DeliverRemote delivers msg to the current local subscribers of the
// un-prefixed key, without running any hook: use it for messages that
// another node published, so forwarding can never loop. With no local
// subscriber it does nothing. opts, if given, is the publisher's metadata;
// when several are given, the last one applies.
func (ch *Channels[K, M]) DeliverRemote(key string, msg M, opts ...PublishOptions) {
	var o PublishOptions
	if len(opts) > 0 {
		o = opts[len(opts)-1]
	}
	ch.c.deliverRemote(key, newDelivery(key, msg, o, ch.c.enc))
}

// HasSubscribers reports whether ref's key has a local subscriber.
func (ch *Channels[K, M]) HasSubscribers(ref jsgenrt.Ref[K]) bool {
	return ch.Subscribers(ref) > 0
}

// Subscribers returns the number of local subscribers on ref's key.
func (ch *Channels[K, M]) Subscribers(ref jsgenrt.Ref[K]) int {
	if e := ch.c.lookup(ref.ID()); e != nil {
		return len(e.subs.Load().subs)
	}
	return 0
}

// ActiveKeys returns the un-prefixed keys that have at least one local
// subscriber, sorted.
func (ch *Channels[K, M]) ActiveKeys() []string {
	var keys []string
	for _, e := range ch.c.entries() {
		if len(e.subs.Load().subs) > 0 {
			keys = append(keys, e.key)
		}
	}
	slices.Sort(keys)
	return keys
}

// AddHooks installs another hook set (after those given to New) and returns
// a function that removes it; once removal returns no new call of its
// hooks starts. Keys that already have subscribers are caught up:
// h.OnFirstSubscriber runs for each before AddHooks returns.
func (ch *Channels[K, M]) AddHooks(h Hooks[M]) (remove func()) {
	return ch.c.addHooks(h)
}

// Stats returns a snapshot of the channel's counters.
func (ch *Channels[K, M]) Stats() Stats { return ch.c.stats() }

// Close ends every subscription with ErrChannelsClosed (running
// OnLastUnsubscribe for each active key). Later subscriptions are born
// ended; publishing remains legal and reaches only the OnPublish hooks.
// Close is idempotent.
func (ch *Channels[K, M]) Close() error {
	ch.c.close()
	return nil
}

// Stats is a snapshot of a Channels' gauges and counters (counters are
// monotonic since New).
type Stats struct {
	Keys           int    // keys with at least one local subscriber
	Subscribers    int    // local subscriptions
	Published      uint64 // Publish and PublishWith calls
	Remote         uint64 // DeliverRemote calls
	Delivered      uint64 // messages queued to a subscriber (one per subscriber per message)
	Dropped        uint64 // messages lost to a full queue, under any policy
	OverflowClosed uint64 // subscriptions ended by CloseSubscriber
	HookFailures   uint64 // hook calls that returned an error or panicked
}

// core is the key-as-string implementation behind Channels.
type core[M any] struct {
	prefix    string
	queueSize int
	overflow  Overflow
	enc       Encoder[M]
	log       *slog.Logger

	mu     sync.RWMutex // guards keys and closed transitions
	keys   map[string]*entry[M]
	closed atomic.Bool

	hookMu  sync.Mutex // serializes hook installation and removal
	hookSeq uint64
	hooks   atomic.Pointer[hookList[M]]

	subscribers    atomic.Int64
	published      atomic.Uint64
	remote         atomic.Uint64
	delivered      atomic.Uint64
	dropped        atomic.Uint64
	overflowClosed atomic.Uint64
	hookFailures   atomic.Uint64
}

// entry is one key's subscriber set. Publishers read subs without locking;
// mu serializes membership changes and the first/last hooks.
type entry[M any] struct {
	key      string
	mu       sync.Mutex
	subs     atomic.Pointer[subList[M]]
	notified uint64 // hook sets up to this version saw the 0→1 transition
	dead     bool   // removed from core.keys; a subscriber must retry
}

type subList[M any] struct{ subs []*Subscription[M] }

func newEntry[M any](key string) *entry[M] {
	e := &entry[M]{key: key}
	e.subs.Store(&subList[M]{})
	return e
}

func (c *core[M]) lookup(key string) *entry[M] {
	c.mu.RLock()
	e := c.keys[key]
	c.mu.RUnlock()
	return e
}

func (c *core[M]) entries() []*entry[M] {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*entry[M], 0, len(c.keys))
	for _, e := range c.keys {
		out = append(out, e)
	}
	return out
}

func (c *core[M]) subscribe(key, id string, deliver func(*Delivery[M]) error) *Subscription[M] {
	for {
		c.mu.Lock()
		if c.closed.Load() {
			c.mu.Unlock()
			return c.bornClosed(key, id)
		}
		e := c.keys[key]
		if e == nil {
			e = newEntry[M](key)
			c.keys[key] = e
		}
		c.mu.Unlock()

		e.mu.Lock()
		if e.dead {
			e.mu.Unlock()
			continue
		}
		if c.closed.Load() {
			e.mu.Unlock()
			return c.bornClosed(key, id)
		}
		s := newSubscription(c, e, key, id, deliver)
		old := e.subs.Load().subs
		e.subs.Store(&subList[M]{subs: append(slices.Clip(old), s)})
		c.subscribers.Add(1)
		if len(old) == 0 {
			l := c.hooks.Load()
			c.firstSubscriber(e, l, 0, l.version)
			e.notified = l.version
		}
		e.mu.Unlock()
		return s
	}
}

func (c *core[M]) bornClosed(key, id string) *Subscription[M] {
	s := newSubscription(c, nil, key, id, nil)
	s.closed, s.err = true, ErrChannelsClosed
	return s
}

// detach removes s from its key, running OnLastUnsubscribe and retiring
// the entry if s was the last subscriber. Idempotent.
func (c *core[M]) detach(s *Subscription[M]) {
	e := s.entry
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.subs.Load().subs
	i := slices.Index(old, s)
	if i < 0 {
		return
	}
	rest := make([]*Subscription[M], 0, len(old)-1)
	rest = append(append(rest, old[:i]...), old[i+1:]...)
	e.subs.Store(&subList[M]{subs: rest})
	c.subscribers.Add(-1)
	if len(rest) > 0 {
		return
	}
	c.lastUnsubscribe(e)
	e.dead = true
	c.mu.Lock()
	if c.keys[e.key] == e {
		delete(c.keys, e.key)
	}
	c.mu.Unlock()
}

func (c *core[M]) publish(key string, msg M, o PublishOptions) {
	c.published.Add(1)
	l := c.hooks.Load()
	var subs []*Subscription[M]
	if e := c.lookup(key); e != nil {
		subs = e.subs.Load().subs
	}
	if len(subs) == 0 && !l.anyPublish {
		return
	}
	d := newDelivery(key, msg, o, c.enc)
	c.fanout(subs, d)
	if l.anyPublish {
		c.publishHooks(l, d)
	}
}

// deliverRemote delivers d to key's local subscribers only.
func (c *core[M]) deliverRemote(key string, d *Delivery[M]) {
	c.remote.Add(1)
	e := c.lookup(key)
	if e == nil {
		return
	}
	subs := e.subs.Load().subs
	if len(subs) == 0 {
		return
	}
	c.fanout(subs, d)
}

// fanout queues d for every subscriber in subs (an immutable snapshot).
func (c *core[M]) fanout(subs []*Subscription[M], d *Delivery[M]) {
	var delivered uint64
	for _, s := range subs {
		if d.except != "" && d.except == s.id {
			continue
		}
		if s.deliver != nil {
			if ok, ended := s.push(d); ok {
				delivered++
			} else if ended {
				c.detach(s)
			}
			continue
		}
		res, lost := s.offer(d, c.overflow)
		if res == queued {
			delivered++
		}
		if lost > 0 {
			c.countDrops(s, lost)
		}
		if res == overflowClosed {
			c.overflowClosed.Add(1)
			c.log.Warn("channel: subscriber closed: queue full",
				"key", s.key, "subscriber", s.id, "queue_size", c.queueSize, "dropped", s.dropped.Load())
			c.detach(s)
		}
	}
	if delivered > 0 {
		c.delivered.Add(delivered)
	}
}

// countDrops records lost messages on s and the channel, logging the 1st,
// 2nd, 4th, 8th... drop of each subscription.
func (c *core[M]) countDrops(s *Subscription[M], lost uint64) {
	c.dropped.Add(lost)
	if n, log := s.dropped.Add(lost); log && c.overflow != CloseSubscriber {
		c.log.Warn("channel: subscriber queue full, messages dropped",
			"key", s.key, "subscriber", s.id, "policy", c.overflow.String(), "dropped", n)
	}
}

func (c *core[M]) close() {
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return
	}
	c.closed.Store(true)
	c.mu.Unlock()
	for _, e := range c.entries() {
		// Taking e.mu orders this snapshot after any Subscribe that saw
		// closed == false on this entry.
		e.mu.Lock()
		subs := e.subs.Load().subs
		e.mu.Unlock()
		for _, s := range subs {
			s.end(ErrChannelsClosed)
			c.detach(s)
		}
	}
}

func (c *core[M]) stats() Stats {
	c.mu.RLock()
	keys := len(c.keys)
	c.mu.RUnlock()
	return Stats{
		Keys:           keys,
		Subscribers:    int(c.subscribers.Load()),
		Published:      c.published.Load(),
		Remote:         c.remote.Load(),
		Delivered:      c.delivered.Load(),
		Dropped:        c.dropped.Load(),
		OverflowClosed: c.overflowClosed.Load(),
		HookFailures:   c.hookFailures.Load(),
	}
}
