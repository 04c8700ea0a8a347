package room

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the package returns matches one of them with
// errors.Is, so callers branch on the kind and log the detail.
var (
	// ErrInvalidID: a room, user, connection or node identifier is empty,
	// too long (see Limits.MaxIDLength) or contains characters refs never
	// hold (see runtime.CheckIdentifier).
	ErrInvalidID = errors.New("room: invalid identifier")
	// ErrLimit: a configured bound would be exceeded. The concrete error is
	// a *LimitError, which also matches the specific sentinel below.
	ErrLimit = errors.New("room: limit exceeded")
	// ErrTooManyRooms: the connection is already in Limits.RoomsPerConn rooms.
	ErrTooManyRooms = errors.New("room: connection is in too many rooms")
	// ErrRoomFull: the room already has Limits.MembersPerRoom members.
	ErrRoomFull = errors.New("room: room is full")
	// ErrTooManyConns: the user already has the maximum number of
	// connections in the room (Limits.ConnsPerMember) or in presence
	// (PresenceLimits.MaxConnsPerUser).
	ErrTooManyConns = errors.New("room: user has too many connections")
	// ErrPresenceFull: presence already holds PresenceLimits.MaxEntries
	// connection entries.
	ErrPresenceFull = errors.New("room: presence table is full")
	// ErrAlreadyJoined: this connection is already in this room.
	ErrAlreadyJoined = errors.New("room: connection already joined this room")
	// ErrConnUser: the connection ID is already in use by another user.
	ErrConnUser = errors.New("room: connection belongs to another user")
	// ErrInvalidStatus: a presence status other than online, away or busy.
	ErrInvalidStatus = errors.New("room: invalid presence status")
	// ErrNotPresent: Heartbeat found no live presence entry for the
	// connection (it was never Set, was removed, or expired).
	ErrNotPresent = errors.New("room: no presence entry for this connection")
	// ErrForbidden: a connection asked to act as another user (their
	// direct messages, their presence), or has no identity at all.
	ErrForbidden = errors.New("room: forbidden")
	// ErrNoIdentity: a connection without an identity (no guard or
	// Authenticate set one, or it set a zero value) asked to act as a user.
	// Errors that match it also match ErrForbidden.
	ErrNoIdentity = errors.New("room: the connection has no identity (authenticate it: declare auth: {identity: User} on the route, or set one with ws.WithGuard)")
	// ErrClosed: the service was closed.
	ErrClosed = errors.New("room: service closed")
)

// LimitError reports which bound a call would have exceeded. It matches
// ErrLimit and Kind (one of ErrTooManyRooms, ErrRoomFull, ErrTooManyConns,
// ErrPresenceFull) with errors.Is.
type LimitError struct {
	Kind  error  // the specific sentinel
	Limit string // the option's name, e.g. "Limits.MembersPerRoom"
	Max   int    // the configured bound
	Key   string // the room, connection or user the bound applies to ("" for a global bound)
}

// Error names the limit, its bound and what it applied to.
func (e *LimitError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%v (%s = %d)", e.Kind, e.Limit, e.Max)
	}
	return fmt.Sprintf("%v: %q (%s = %d)", e.Kind, e.Key, e.Limit, e.Max)
}

// Is matches ErrLimit and the specific sentinel.
func (e *LimitError) Is(target error) bool { return target == ErrLimit || target == e.Kind }

// IDError reports an identifier refused by a service. It matches
// ErrInvalidID.
type IDError struct {
	What   string // "room", "user", "connection", "node"
	ID     string // the refused identifier, truncated to 64 bytes
	Reason string
}

// Error says which identifier was refused and why.
func (e *IDError) Error() string {
	return fmt.Sprintf("room: invalid %s identifier %q: %s", e.What, e.ID, e.Reason)
}

// Unwrap returns ErrInvalidID.
func (e *IDError) Unwrap() error { return ErrInvalidID }

func idError(what, id, reason string) error {
	if len(id) > 64 {
		id = id[:64]
	}
	return &IDError{What: what, ID: id, Reason: reason}
}
