package room

import (
	"fmt"
	"reflect"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/channel"
)

// DMPrefix is the channel key prefix of per-user direct-message channels:
// declare them with channel.WithPrefix(DMPrefix).
const DMPrefix = "user:"

// Identity is what a WebSocket guard may return as a connection's
// identity so that DM can tell which user the connection is. A guard may
// also return the user's jsgenrt.Ref or its identifier as a string.
type Identity interface {
	// UserID returns the identifier of the authenticated user.
	UserID() string
}

// DM sends direct messages over per-user channels (a Channels keyed by
// user refs, normally with prefix DMPrefix): Send reaches every current
// subscription of the recipient, so all their connections, on every node
// when the Channels is bridged to a bus.
type DM[U, M any] struct {
	ch *channel.Channels[U, M]
}

// NewDM returns a DM over ch.
func NewDM[U, M any](ch *channel.Channels[U, M]) *DM[U, M] { return &DM[U, M]{ch: ch} }

// Channels returns the underlying per-user channels.
func (d *DM[U, M]) Channels() *channel.Channels[U, M] { return d.ch }

// Send delivers msg to every subscription of user to.
func (d *DM[U, M]) Send(to jsgenrt.Ref[U], msg M) { d.ch.Publish(to, msg) }

// SendWith is Send with publish options, e.g. Except the sending
// connection when a user messages themselves from one of their tabs, and
// ID for the acknowledgement.
func (d *DM[U, M]) SendWith(to jsgenrt.Ref[U], msg M, o channel.PublishOptions) {
	d.ch.PublishWith(to, msg, o)
}

// Subscribe subscribes a connection to user's direct messages after
// Authorize(user, identity); connID (may be "") becomes the
// subscription's ID so SendWith's Except can skip it. It fails with
// ErrInvalidID for a bad user identifier, ErrForbidden when identity
// names another user, and ErrNoIdentity (also ErrForbidden) when the
// connection has no identity.
func (d *DM[U, M]) Subscribe(user jsgenrt.Ref[U], identity any, connID string) (*channel.Subscription[M], error) {
	if err := checkID("user", user.ID(), DefaultMaxIDLength); err != nil {
		return nil, fmt.Errorf("room: dm: subscribe: %w", err)
	}
	if err := Authorize(user, identity); err != nil {
		return nil, err
	}
	return d.ch.SubscribeWith(user, channel.SubscribeOptions{ID: connID}), nil
}

// Authorize decides whether a connection with identity (what the guard
// or Authenticate attached to it) may act as user. The identity must name
// the same user: a jsgenrt.Ref[U], *jsgenrt.Ref[U], string or Identity
// with user's identifier. A missing identity (nil, a nil pointer, a zero
// ref, an empty identifier) is refused with an error matching
// ErrNoIdentity and ErrForbidden: an unauthenticated connection acts as
// nobody. Any other identity type is refused too (fail closed). Every
// refusal matches ErrForbidden.
func Authorize[U any](user jsgenrt.Ref[U], identity any) error {
	id, err := identityID[U](identity)
	if err != nil {
		return fmt.Errorf("room: connection may not act as user %q: %w", user.ID(), err)
	}
	if id != user.ID() {
		return fmt.Errorf("room: connection of user %q may not act as user %q: %w", id, user.ID(), ErrForbidden)
	}
	return nil
}

// identityID returns the user identifier identity names, refusing a
// missing identity (ErrNoIdentity) and one of an unknown type.
func identityID[U any](identity any) (string, error) {
	noIdentity := fmt.Errorf("%w: %w", ErrNoIdentity, ErrForbidden)
	if isNil(identity) {
		return "", noIdentity
	}
	var id string
	switch v := identity.(type) {
	case jsgenrt.Ref[U]:
		id = v.ID()
	case *jsgenrt.Ref[U]:
		id = v.ID()
	case string:
		id = v
	case Identity:
		id = v.UserID()
	default:
		return "", fmt.Errorf("room: connection identity of type %T does not name a user: %w", identity, ErrForbidden)
	}
	if id == "" {
		return "", noIdentity
	}
	return id, nil
}

// isNil reports whether v is nil or a nil pointer, map, slice, func,
// channel or interface (a guard's typed nil must not be called).
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch r := reflect.ValueOf(v); r.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return r.IsNil()
	}
	return false
}
