package room

import (
	"fmt"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

// check validates a remote event for a service that accepts kinds, with
// identifiers of at most maxID bytes.
func checkEvent(e *repl.Event, maxID int, kinds ...repl.EventKind) error {
	known := false
	for _, k := range kinds {
		known = known || e.Kind == k
	}
	if !known {
		return fmt.Errorf("%w: kind %v not accepted here", repl.ErrInvalidEvent, e.Kind)
	}
	if err := checkNodeID(e.Node); err != nil {
		return fmt.Errorf("%w: %w", repl.ErrInvalidEvent, err)
	}
	if e.Seq == 0 {
		return fmt.Errorf("%w: seq 0", repl.ErrInvalidEvent)
	}
	if e.Kind == repl.EventJoin || e.Kind == repl.EventLeave {
		if err := checkID("room", e.Room, maxID); err != nil {
			return fmt.Errorf("%w: %w", repl.ErrInvalidEvent, err)
		}
	}
	if err := checkID("user", e.User, maxID); err != nil {
		return fmt.Errorf("%w: %w", repl.ErrInvalidEvent, err)
	}
	if err := checkID("connection", e.Conn, maxID); err != nil {
		return fmt.Errorf("%w: %w", repl.ErrInvalidEvent, err)
	}
	if e.Kind == repl.EventPresence && !Status(e.Status).Valid() {
		return fmt.Errorf("%w: invalid status %d", repl.ErrInvalidEvent, e.Status)
	}
	return nil
}

// check validates a remote snapshot whose events must be of kind.
func checkSnapshot(s *repl.Snapshot, maxID int, kind repl.EventKind) error {
	if err := checkNodeID(s.Node); err != nil {
		return fmt.Errorf("%w: snapshot: %w", repl.ErrInvalidEvent, err)
	}
	for i := range s.Events {
		e := &s.Events[i]
		if e.Node != s.Node || e.Epoch != s.Epoch {
			return fmt.Errorf("%w: snapshot event %d is from node %q epoch %d, not %q epoch %d",
				repl.ErrInvalidEvent, i, e.Node, e.Epoch, s.Node, s.Epoch)
		}
		if err := checkEvent(e, maxID, kind); err != nil {
			return fmt.Errorf("snapshot event %d: %w", i, err)
		}
	}
	return nil
}
