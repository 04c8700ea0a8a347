package room

import (
	"errors"
	"reflect"
	"testing"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

func sampleEvents() []repl.Event {
	return []repl.Event{
		{Kind: repl.EventJoin, Node: "A", Epoch: 42, Seq: 1, Room: "lobby", User: "alice", Conn: "A-1", At: 1767323045000000000},
		{Kind: repl.EventLeave, Node: "node_7", Epoch: 1<<64 - 1, Seq: 1 << 40, Room: "r", User: "ü", Conn: "c", At: -5},
		{Kind: repl.EventPresence, Node: "B", Epoch: 3, Seq: 9, User: "bob", Conn: "B-2", Status: uint8(StatusBusy), At: 10, Since: 7},
		{Kind: repl.EventPresenceExpire, Node: "B", Epoch: 3, Seq: 10, User: "bob", Conn: "B-2"},
	}
}

func TestEventRoundTrip(t *testing.T) {
	for _, e := range sampleEvents() {
		data, err := e.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var d repl.Event
		if err := d.UnmarshalBinary(data); err != nil {
			t.Fatalf("%+v: %v", e, err)
		}
		if d != e {
			t.Fatalf("round trip: %+v != %+v", d, e)
		}
		// Every strict prefix is refused, and so is a trailing byte.
		for i := range data {
			if err := new(repl.Event).UnmarshalBinary(data[:i]); !errors.Is(err, repl.ErrInvalidEvent) {
				t.Fatalf("prefix %d of %+v accepted: %v", i, e, err)
			}
		}
		if err := new(repl.Event).UnmarshalBinary(append(data, 0)); !errors.Is(err, repl.ErrInvalidEvent) {
			t.Fatalf("trailing byte accepted: %v", err)
		}
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	for _, s := range []repl.Snapshot{
		{Node: "A", Epoch: 1, Seq: 0},
		{Node: "B", Epoch: 3, Seq: 10, Events: sampleEvents()},
	} {
		data, _ := s.MarshalBinary()
		var d repl.Snapshot
		if err := d.UnmarshalBinary(data); err != nil {
			t.Fatal(err)
		}
		if d.Node != s.Node || d.Epoch != s.Epoch || d.Seq != s.Seq || len(d.Events) != len(s.Events) ||
			(len(s.Events) > 0 && !reflect.DeepEqual(d.Events, s.Events)) {
			t.Fatalf("round trip %+v != %+v", d, s)
		}
		for i := range data {
			if err := new(repl.Snapshot).UnmarshalBinary(data[:i]); err == nil {
				t.Fatalf("prefix %d accepted", i)
			}
		}
	}
	// A count far larger than the data is refused before allocating.
	if err := new(repl.Snapshot).UnmarshalBinary([]byte{1, 1, 1, 1, 'A', 0xff, 0xff, 0xff, 0xff, 0x0f}); !errors.Is(err, repl.ErrInvalidEvent) {
		t.Fatalf("huge count: %v", err)
	}
}

func TestEventKindAndReasonNames(t *testing.T) {
	names := map[string]string{
		repl.EventJoin.String(): "join", repl.EventPresenceRemove.String(): "presence-remove", repl.EventKind(99).String(): "EventKind(99)",
		ReasonNodeRestart.String(): "node-restart", Reason(0).String(): "Reason(0)",
		MemberLeft.String(): "left", PresenceUpdate.String(): "update", StatusAway.String(): "away",
	}
	for got, want := range names {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestStatusText(t *testing.T) {
	for _, s := range []Status{StatusOnline, StatusAway, StatusBusy} {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var d Status
		if err := d.UnmarshalText(b); err != nil || d != s {
			t.Fatalf("%s: %v %v", b, d, err)
		}
	}
	if _, err := Status(0).MarshalText(); err == nil {
		t.Fatal("zero status encoded")
	}
	var d Status
	if err := d.UnmarshalText([]byte("sleeping")); !errors.Is(err, ErrInvalidStatus) {
		t.Fatal("unknown status parsed")
	}
}

// FuzzEventUnmarshal: the decoder never panics, never accepts trailing
// bytes, and what it accepts re-encodes to the same bytes.
func FuzzEventUnmarshal(f *testing.F) {
	for _, e := range sampleEvents() {
		data, _ := e.MarshalBinary()
		f.Add(data)
	}
	f.Add([]byte{})
	f.Add([]byte{1, 1, 0, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		var e repl.Event
		if err := e.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, repl.ErrInvalidEvent) {
				t.Fatalf("error %v does not wrap repl.ErrInvalidEvent", err)
			}
			return
		}
		again, _ := e.MarshalBinary()
		var d repl.Event
		if err := d.UnmarshalBinary(again); err != nil || d != e {
			t.Fatalf("re-decode: %v, %+v != %+v", err, d, e)
		}
		_ = checkEvent(&e, DefaultMaxIDLength, repl.EventJoin, repl.EventLeave, repl.EventPresence, repl.EventPresenceRemove, repl.EventPresenceExpire)
	})
}

// FuzzSnapshotUnmarshal: the snapshot decoder never panics and never
// allocates beyond what the input can describe.
func FuzzSnapshotUnmarshal(f *testing.F) {
	data, _ := repl.Snapshot{Node: "B", Epoch: 3, Seq: 10, Events: sampleEvents()}.MarshalBinary()
	f.Add(data)
	f.Add([]byte{1, 0, 0, 1, 'A', 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var s repl.Snapshot
		if err := s.UnmarshalBinary(data); err != nil {
			return
		}
		if len(s.Events) > len(data) {
			t.Fatalf("%d events from %d bytes", len(s.Events), len(data))
		}
		again, _ := s.MarshalBinary()
		var d repl.Snapshot
		if err := d.UnmarshalBinary(again); err != nil || len(d.Events) != len(s.Events) {
			t.Fatalf("re-decode: %v", err)
		}
		_ = checkSnapshot(&s, DefaultMaxIDLength, repl.EventJoin)
	})
}
