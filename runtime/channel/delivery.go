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
// the lazily computed encoding, and safe for concurrent use.
type Delivery[M any] struct {
	msg    M
	key    string
	except string
	id     string
	enc    func([]byte, M) []byte

	once sync.Once
	b    []byte
	err  error
}

func newDelivery[M any](key string, msg M, o PublishOptions, enc func([]byte, M) []byte) *Delivery[M] {
	return &Delivery[M]{msg: msg, key: key, except: o.Except, id: o.ID, enc: enc}
}

// Message returns the published message. Subscribers share it: treat it as
// read-only.
func (d *Delivery[M]) Message() M { return d.msg }

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
// encoding/json refuses the message, or when the encoder panics.
func (d *Delivery[M]) Encode() ([]byte, error) {
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

// preset records an encoding known in advance (the payload a remote node
// sent), so Bytes never re-encodes it.
func (d *Delivery[M]) preset(b []byte) {
	d.once.Do(func() { d.b = b })
}
