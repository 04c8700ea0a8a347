package channel

import (
	"encoding/json"
	"fmt"
	"sync"
)

// PublishOptions is metadata a publisher attaches to a message. It travels
// with the Delivery (and across nodes through the Bridge) as data; the
// channel itself only interprets Except (see SubscribeOptions.ID).
type PublishOptions struct {
	// Except is the ID of a subscriber (typically a WebSocket connection ID)
	// that must not receive the message: exclude-sender.
	Except string
	// ID identifies the message (for acknowledgements and deduplication).
	ID string
}

// Delivery is one published message as its subscribers and OnPublish hooks
// see it. All of them share the same *Delivery; it is immutable apart from
// the lazily computed encoding (local publishes) or the lazily decoded
// message (messages from other nodes), and safe for concurrent use.
type Delivery[M any] struct {
	msg    M
	key    string
	except string
	id     string
	enc    Encoder[M]

	// dec, when set, decodes b into msg on the first Message call: a
	// message from another node arrives as bytes, already checked. once
	// then guards that decoding (err is its error) instead of encoding.
	dec func([]byte) (M, error)

	once sync.Once
	b    []byte
	err  error
}

func newDelivery[M any](key string, msg M, o PublishOptions, enc Encoder[M]) *Delivery[M] {
	return &Delivery[M]{msg: msg, key: key, except: o.Except, id: o.ID, enc: enc}
}

// newEncodedDelivery is a delivery known by its wire form b only (a
// payload another node sent, already checked): Bytes returns b as is, and
// Message decodes it with dec on its first call.
func newEncodedDelivery[M any](key string, b []byte, o PublishOptions, dec func([]byte) (M, error)) *Delivery[M] {
	return &Delivery[M]{key: key, except: o.Except, id: o.ID, dec: dec, b: b}
}

// Message returns the published message. Subscribers share it: treat it as
// read-only. A message from another node travels as bytes and is decoded
// here, on the first call only: a subscriber that relays Bytes never pays
// for decoding, and however many subscribers call Message it is decoded
// once. Such a payload was checked on receipt by the Bridge's decoder; if
// decoding still fails (a Check that accepts what Decode refuses), Message
// returns the zero M and MessageErr reports why.
func (d *Delivery[M]) Message() M {
	if d.dec != nil {
		d.once.Do(d.decode)
	}
	return d.msg
}

// MessageErr returns the error of decoding a message that arrived from
// another node, decoding it if Message has not yet; nil for a local
// publish.
func (d *Delivery[M]) MessageErr() error {
	if d.dec == nil {
		return nil
	}
	d.once.Do(d.decode)
	return d.err
}

func (d *Delivery[M]) decode() {
	defer func() {
		if r := recover(); r != nil {
			d.err = fmt.Errorf("channel: decoder panicked on key %q: %v", d.key, r)
		}
	}()
	m, err := d.dec(d.b)
	if err != nil {
		d.err = fmt.Errorf("channel: decode message on key %q: %w", d.key, err)
		return
	}
	d.msg = m
}

// Key returns the un-prefixed key (the ref's identifier) it was published on.
func (d *Delivery[M]) Key() string { return d.key }

// Except returns the subscriber ID the publisher excluded, or "".
func (d *Delivery[M]) Except() string { return d.except }

// ID returns the publisher-set message ID, or "".
func (d *Delivery[M]) ID() string { return d.id }

// Encode returns the message's wire form, computing it on the first call
// only: however many subscribers and hooks call Encode or Bytes, the encoder
// runs at most once per publish. The returned slice is shared; do not
// modify it. It fails only when no encoder was configured and
// encoding/json refuses the message, or when the encoder panics. A message
// from another node is returned as it arrived, never re-encoded.
func (d *Delivery[M]) Encode() ([]byte, error) {
	if d.dec != nil {
		return d.b, nil
	}
	d.once.Do(d.encode)
	return d.b, d.err
}

// Bytes is Encode without the error: it returns nil if encoding failed.
func (d *Delivery[M]) Bytes() []byte {
	b, _ := d.Encode()
	return b
}

func (d *Delivery[M]) encode() {
	defer func() {
		if r := recover(); r != nil {
			d.b, d.err = nil, fmt.Errorf("channel: encoder panicked on key %q: %v", d.key, r)
		}
	}()
	if d.enc != nil {
		d.b = d.enc(nil, d.msg)
		return
	}
	b, err := json.Marshal(d.msg)
	if err != nil {
		d.err = fmt.Errorf("channel: encode message on key %q: %w", d.key, err)
		return
	}
	d.b = b
}
