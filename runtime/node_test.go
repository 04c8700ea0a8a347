package runtime

import (
	"errors"
	"strings"
	"testing"
)

func TestNodeID(t *testing.T) {
	for _, id := range []NodeID{"a", "Node_1", NodeID(strings.Repeat("x", MaxNodeIDLength)), NewNodeID()} {
		if err := id.Check(); err != nil {
			t.Errorf("%q refused: %v", id, err)
		}
	}
	for _, id := range []NodeID{"", "a.b", "a-b", "a b", "é", NodeID(strings.Repeat("x", MaxNodeIDLength+1))} {
		var e *NodeIDError
		if err := id.Check(); !errors.As(err, &e) || e.ID != id || e.Reason == "" {
			t.Errorf("%q: %v, want a *NodeIDError", id, err)
		}
	}
	if a, b := NewNodeID(), NewNodeID(); a == b || len(a) != 8 {
		t.Fatalf("NewNodeID gave %q and %q: want two different 8-digit IDs", a, b)
	}
}
