package room

import (
	"fmt"
	"strconv"
)

// Status is a connection's or user's presence status. The zero value is
// not a valid status.
type Status uint8

// The statuses.
const (
	StatusOnline Status = 1 + iota
	StatusAway
	StatusBusy
)

// String returns "online", "away" or "busy" ("" for the zero Status).
func (s Status) String() string {
	switch s {
	case StatusOnline:
		return "online"
	case StatusAway:
		return "away"
	case StatusBusy:
		return "busy"
	case 0:
		return ""
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Valid reports whether s is online, away or busy.
func (s Status) Valid() bool { return s >= StatusOnline && s <= StatusBusy }

// ParseStatus parses "online", "away" or "busy"; anything else fails with
// ErrInvalidStatus.
func ParseStatus(text string) (Status, error) {
	switch text {
	case "online":
		return StatusOnline, nil
	case "away":
		return StatusAway, nil
	case "busy":
		return StatusBusy, nil
	}
	if len(text) > 16 {
		text = text[:16] + "…"
	}
	return 0, fmt.Errorf("%w %q (want online, away or busy)", ErrInvalidStatus, text)
}

// MarshalText returns the status name; the zero Status is refused.
func (s Status) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("%w %d", ErrInvalidStatus, s)
	}
	return []byte(s.String()), nil
}

// UnmarshalText parses a status name (see ParseStatus).
func (s *Status) UnmarshalText(text []byte) error {
	v, err := ParseStatus(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
