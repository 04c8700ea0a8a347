package fanout

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/jsgen-dev/jsgen/runtime/bus"
)

// TestConnOutagesCountedOnce: each outage and recovery is counted,
// reported and logged once however often the transport repeats it, and
// lost publishes count towards Stats.Dropped.
func TestConnOutagesCountedOnce(t *testing.T) {
	var states []bus.State
	c := NewConn("testbus", slog.New(slog.NewTextHandler(io.Discard, nil)), func(s bus.State, _ error) { states = append(states, s) })
	if c.Up() {
		t.Fatal("up before Connected")
	}
	c.Connected()
	c.Published()
	for range 2 {
		if !c.Down(errors.New("reset")) || c.Down(errors.New("again")) {
			t.Fatal("Down must report each outage once")
		}
		c.Loss.Add("s", errors.New("down"))
		if !c.Restored() || c.Restored() {
			t.Fatal("Restored must report each recovery once")
		}
	}
	c.Closed()
	if d, r := c.Counts(); d != 2 || r != 2 {
		t.Fatalf("counts %d disconnects, %d reconnects; want 2, 2", d, r)
	}
	if st := c.ConnStats(3); st != (bus.ConnStats{Disconnects: 2, Reconnects: 2, PublishLost: 2, Subjects: 3}) {
		t.Fatalf("ConnStats = %+v", st)
	}
	want := []bus.State{bus.StateDisconnected, bus.StateConnected, bus.StateDisconnected, bus.StateConnected, bus.StateClosed}
	if !slices.Equal(states, want) {
		t.Fatalf("states %v, want %v", states, want)
	}
	tab := New("testbus", 1, nil)
	defer tab.Close()
	if st := c.Stats(tab, 3); st.Published != 1 || st.Dropped != 2+3 {
		t.Fatalf("stats %+v: want 1 published, 5 dropped (2 lost + 3 by the transport)", st)
	}
	if c.Up() {
		t.Fatal("up after Closed")
	}
}
