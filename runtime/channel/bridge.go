package channel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/internal/logsample"
)

// BridgeOption configures Bridge.
type BridgeOption func(*bridgeConfig)

type bridgeConfig struct {
	nodeID jsgenrt.NodeID
	logger *slog.Logger
}

// BridgeNodeID sets the node ID stamped on outgoing envelopes (default:
// jsgenrt.NewNodeID()): the process's one NodeID, also given to
// ws.WithNodeID and the room services. Every node sharing the bus needs a
// distinct one; Bridge refuses an invalid one.
func BridgeNodeID(id jsgenrt.NodeID) BridgeOption {
	return func(c *bridgeConfig) { c.nodeID = id }
}

// BridgeLogger sets the logger for invalid envelopes and bus failures
// (default slog.Default()).
func BridgeLogger(l *slog.Logger) BridgeOption {
	return func(c *bridgeConfig) {
		if l != nil {
			c.logger = l
		}
	}
}

// Decoder is how a Bridge reads the payloads other nodes send.
type Decoder[M any] struct {
	// Decode decodes a payload strictly into M; required.
	Decode func([]byte) (M, error)
	// Check, if set, accepts exactly the payloads Decode accepts, without
	// building M (the generated channels pass a check that reads the
	// payload as strictly as Decode and keeps nothing). With it, a received
	// payload is checked once and delivered as bytes; Decode runs only
	// when, and the first time that, a subscriber asks for the message
	// (Delivery.Message), so subscribers that relay Delivery.Bytes never
	// decode. Without it, every payload is decoded on receipt.
	Check func([]byte) error
}

// Link is a running Bridge between one Channels and a bus. Close it to stop
// forwarding.
type Link struct {
	nodeID string
	log    *slog.Logger
	remove func()

	mu     sync.Mutex
	stop   func() bool                 // releases the context.AfterFunc registration
	subs   map[string]bus.Subscription // key → bus subscription
	closed bool
	once   sync.Once
	err    error

	sent, sendFailed, received, own, delivered atomic.Uint64
	invalid                                    logsample.Counter
}

// LinkStats counts a Link's traffic (monotonic since Bridge returned).
type LinkStats struct {
	Subjects   int    // bus subjects currently subscribed (keys with local subscribers)
	Sent       uint64 // local publishes forwarded to the bus
	SendFailed uint64 // forwards the bus refused (also counted as hook failures)
	Received   uint64 // envelopes received from the bus
	Own        uint64 // envelopes from this node, ignored (delivered locally already)
	Invalid    uint64 // envelopes or payloads that failed to decode, dropped
	Delivered  uint64 // remote messages handed to DeliverRemote
}

// Bridge makes ch cluster-aware over b: each node sharing b runs one Bridge
// per Channels, with the same subjectPrefix, and then a Publish on any node
// reaches the subscribers of that key on every node, exactly once each (at
// most once, as always: the bus may lose messages).
//
//   - Every local Publish is forwarded (OnPublish) to the subject
//     subjectPrefix + ch.Key(ref), in an envelope carrying the key, the
//     PublishOptions, the message's shared encoding and this node's ID.
//   - Interest-based: a node subscribes a key's subject while, and only
//     while, it has local subscribers on that key (OnFirstSubscriber /
//     OnLastUnsubscribe); keys active when Bridge is called are subscribed
//     before it returns.
//   - A received envelope from this node is ignored (the local Publish
//     already delivered it); any other is checked with dec (see Decoder)
//     and delivered to the key's local subscribers without running any
//     hook, as DeliverRemote does, so nothing echoes back. Its Delivery
//     carries the payload as received: Bytes never re-encodes it, and the
//     message is decoded only when a subscriber asks for it. Invalid
//     envelopes and payloads are dropped, counted and logged.
//
// A bus failure is a hook failure of ch (counted, logged): a failed forward
// loses that message for other nodes, and a failed subscribe leaves the key
// local-only until its subscribers have all left and a new one arrives.
//
// subjectPrefix must be distinct per channel type sharing the bus (e.g.
// "jsgen.chan.RoomChannels."). The Link stops when ctx is done or Close is
// called. Remote publishes are not forwarded again, so a Channels needs one
// Bridge (or another backend), never both.
func Bridge[K, M any](ctx context.Context, ch *Channels[K, M], b bus.Bus, subjectPrefix string,
	dec Decoder[M], opts ...BridgeOption) (*Link, error) {
	if ch == nil || b == nil || dec.Decode == nil {
		return nil, errors.New("channel: Bridge needs a Channels, a Bus and a Decoder with Decode")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("channel: bridge: %w", err)
	}
	cfg := bridgeConfig{logger: slog.Default()}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.nodeID == "" {
		cfg.nodeID = jsgenrt.NewNodeID()
	} else if err := cfg.nodeID.Check(); err != nil {
		return nil, fmt.Errorf("channel: bridge: %w", err)
	}
	l := &Link{
		nodeID: string(cfg.nodeID),
		log:    cfg.logger.With("component", "channel.bridge", "node", string(cfg.nodeID), "subject_prefix", subjectPrefix),
		subs:   make(map[string]bus.Subscription),
	}
	subjectOf := func(key string) string { return subjectPrefix + ch.c.prefix + key }
	l.remove = ch.AddHooks(Hooks[M]{
		OnPublish: func(key string, d *Delivery[M]) error {
			return l.forward(ctx, b, subjectOf(key), d.Encode, envelope{origin: l.nodeID, key: key, except: d.except, id: d.id})
		},
		OnFirstSubscriber: func(key string) error {
			return listenTyped(ctx, l, b, subjectOf(key), key, ch.c, dec)
		},
		OnLastUnsubscribe: l.unlisten,
	})
	stop := context.AfterFunc(ctx, func() { _ = l.Close() })
	l.mu.Lock()
	l.stop = stop
	l.mu.Unlock()
	return l, nil
}

// NodeID returns the ID stamped on this node's envelopes.
func (l *Link) NodeID() string { return l.nodeID }

// Stats returns a snapshot of the link's counters.
func (l *Link) Stats() LinkStats {
	l.mu.Lock()
	n := len(l.subs)
	l.mu.Unlock()
	return LinkStats{
		Subjects:   n,
		Sent:       l.sent.Load(),
		SendFailed: l.sendFailed.Load(),
		Received:   l.received.Load(),
		Own:        l.own.Load(),
		Invalid:    l.invalid.Load(),
		Delivered:  l.delivered.Load(),
	}
}

// Close stops forwarding: the hooks are removed and every bus subscription
// is unsubscribed. It is idempotent and returns the first call's
// unsubscribe errors, joined.
func (l *Link) Close() error {
	l.once.Do(func() {
		l.remove()
		l.mu.Lock()
		if l.stop != nil {
			l.stop()
		}
		l.closed = true
		subs := l.subs
		l.subs = map[string]bus.Subscription{}
		l.mu.Unlock()
		var errs []error
		for key, s := range subs {
			if err := s.Unsubscribe(); err != nil {
				errs = append(errs, fmt.Errorf("channel: bridge unsubscribe %q: %w", key, err))
			}
		}
		l.err = errors.Join(errs...)
	})
	return l.err
}

// forward publishes one local message to the bus.
func (l *Link) forward(ctx context.Context, b bus.Bus, subject string, encode func() ([]byte, error), e envelope) error {
	payload, err := encode()
	if err != nil {
		l.sendFailed.Add(1)
		return fmt.Errorf("bridge: %w", err)
	}
	if err := b.Publish(ctx, subject, appendEnvelope(nil, e, payload)); err != nil {
		l.sendFailed.Add(1)
		return fmt.Errorf("bridge: publish %s: %w", subject, err)
	}
	l.sent.Add(1)
	return nil
}

// listenTyped subscribes key's subject, delivering what other nodes publish.
func listenTyped[M any](ctx context.Context, l *Link, b bus.Bus, subject, key string, c *core[M], dec Decoder[M]) error {
	sub, err := b.Subscribe(ctx, subject, func(_ string, data []byte) {
		l.received.Add(1)
		e, payload, err := decodeEnvelope(data)
		if err == nil && e.key != key {
			err = fmt.Errorf("%w: key %q on the subject of key %q", errEnvelope, e.key, key)
		}
		if err != nil {
			l.dropInvalid(subject, err)
			return
		}
		if e.origin == l.nodeID {
			l.own.Add(1)
			return
		}
		d, err := remoteDelivery(key, payload, PublishOptions{Except: e.except, ID: e.id}, dec)
		if err != nil {
			l.dropInvalid(subject, fmt.Errorf("decode payload from node %s: %w", e.origin, err))
			return
		}
		c.deliverRemote(key, d)
		l.delivered.Add(1)
	})
	if err != nil {
		return fmt.Errorf("bridge: subscribe %s: %w", subject, err)
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return sub.Unsubscribe()
	}
	prev := l.subs[key]
	l.subs[key] = sub
	l.mu.Unlock()
	if prev != nil { // cannot happen: first/last hooks alternate per key
		return prev.Unsubscribe()
	}
	return nil
}

// remoteDelivery checks payload and returns its delivery: carrying the
// bytes, decoded lazily, when dec has a Check; decoded now otherwise.
func remoteDelivery[M any](key string, payload []byte, o PublishOptions, dec Decoder[M]) (*Delivery[M], error) {
	if dec.Check != nil {
		if err := dec.Check(payload); err != nil {
			return nil, err
		}
		return newEncodedDelivery(key, payload, o, dec.Decode), nil
	}
	msg, err := dec.Decode(payload)
	if err != nil {
		return nil, err
	}
	d := newDelivery[M](key, msg, o, nil)
	d.once.Do(func() { d.b = payload })
	return d, nil
}

// unlisten drops key's bus subscription.
func (l *Link) unlisten(key string) error {
	l.mu.Lock()
	sub := l.subs[key]
	delete(l.subs, key)
	l.mu.Unlock()
	if sub == nil {
		return nil
	}
	return sub.Unsubscribe()
}

func (l *Link) dropInvalid(subject string, err error) {
	if n, log := l.invalid.Inc(); log {
		l.log.Warn("channel: bridge dropped invalid message", "subject", subject, "err", err, "invalid_total", n)
	}
}
