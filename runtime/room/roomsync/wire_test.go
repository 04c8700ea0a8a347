package roomsync

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

func TestHeartbeatRoundTrip(t *testing.T) {
	for _, h := range []heartbeat{
		{node: "A", epoch: 1},
		{node: "node_7", epoch: 1<<64 - 1, seq: 1 << 40},
		{node: "0123456789abcdef0123456789abcdef", epoch: 42, seq: 3},
	} {
		data := h.appendBinary(nil)
		got, err := parseHeartbeat(data)
		if err != nil || got != h {
			t.Fatalf("round trip of %+v: %+v, %v", h, got, err)
		}
		for i := range data {
			if _, err := parseHeartbeat(data[:i]); !errors.Is(err, errInvalidMessage) {
				t.Fatalf("prefix %d of %+v accepted: %v", i, h, err)
			}
		}
		if _, err := parseHeartbeat(append(data, 0)); !errors.Is(err, errInvalidMessage) {
			t.Fatal("trailing byte accepted")
		}
	}
	for _, bad := range []heartbeat{{node: "", epoch: 1}, {node: "a.b", epoch: 1}, {node: "A", epoch: 0},
		{node: "0123456789abcdef0123456789abcdefX", epoch: 1}} {
		if _, err := parseHeartbeat(bad.appendBinary(nil)); !errors.Is(err, errInvalidMessage) {
			t.Fatalf("%+v accepted", bad)
		}
	}
}

func TestSyncRequestRoundTrip(t *testing.T) {
	for _, r := range []syncRequest{{from: "A"}, {from: "A", target: "B_2"}} {
		data := r.appendBinary(nil)
		got, err := parseSyncRequest(data)
		if err != nil || got != r {
			t.Fatalf("round trip of %+v: %+v, %v", r, got, err)
		}
		for i := range data {
			if _, err := parseSyncRequest(data[:i]); !errors.Is(err, errInvalidMessage) {
				t.Fatalf("prefix %d of %+v accepted: %v", i, r, err)
			}
		}
		if _, err := parseSyncRequest(append(data, 0)); !errors.Is(err, errInvalidMessage) {
			t.Fatal("trailing byte accepted")
		}
	}
	for _, bad := range []syncRequest{{from: ""}, {from: "A", target: "*"}, {from: "a b"}} {
		if _, err := parseSyncRequest(bad.appendBinary(nil)); !errors.Is(err, errInvalidMessage) {
			t.Fatalf("%+v accepted", bad)
		}
	}
}

func sampleSnapshot(n int) repl.Snapshot {
	s := repl.Snapshot{Node: "A", Epoch: 7, Seq: uint64(n) + 3}
	for i := range n {
		s.Events = append(s.Events, repl.Event{Kind: repl.EventJoin, Node: "A", Epoch: 7, Seq: s.Seq,
			Room: "lobby", User: fmt.Sprintf("user-%04d", i), Conn: fmt.Sprintf("A-%04d", i), At: int64(i)})
	}
	return s
}

// Split snapshots respect the size bound and reassemble to the original.
func TestSplitSnapshot(t *testing.T) {
	for _, n := range []int{0, 1, 100, 2000} {
		s := sampleSnapshot(n)
		parts := splitSnapshot(s, minMaxMessage)
		var events []repl.Event
		for i, data := range parts {
			if len(data) > minMaxMessage {
				t.Fatalf("%d events: part %d has %d bytes", n, i, len(data))
			}
			p, err := parseSnapshotPart(data)
			if err != nil {
				t.Fatal(err)
			}
			if p.part != i || p.parts != len(parts) || p.snap.Node != s.Node || p.snap.Epoch != s.Epoch || p.snap.Seq != s.Seq {
				t.Fatalf("part %d: %+v", i, p)
			}
			events = append(events, p.snap.Events...)
		}
		if !reflect.DeepEqual(events, s.Events) {
			t.Fatalf("%d events: reassembled %d", n, len(events))
		}
		if n == 2000 && len(parts) < 5 {
			t.Fatalf("2000 events in %d parts", len(parts))
		}
	}
	// One event larger than the bound still travels, alone.
	big := repl.Snapshot{Node: "A", Epoch: 1, Seq: 2, Events: []repl.Event{
		{Kind: repl.EventJoin, Node: "A", Epoch: 1, Seq: 2, Room: string(make([]byte, 1000)), User: "u", Conn: "c"},
		{Kind: repl.EventJoin, Node: "A", Epoch: 1, Seq: 2, Room: "r", User: "u", Conn: "c"},
	}}
	if parts := splitSnapshot(big, 500); len(parts) != 2 {
		t.Fatalf("%d parts", len(parts))
	}
}

func TestSnapshotPartRefused(t *testing.T) {
	valid := appendSnapshotPart(nil, 0, 1, sampleSnapshot(2))
	if _, err := parseSnapshotPart(valid); err != nil {
		t.Fatal(err)
	}
	for i := range valid {
		if _, err := parseSnapshotPart(valid[:i]); !errors.Is(err, errInvalidMessage) {
			t.Fatalf("prefix %d accepted: %v", i, err)
		}
	}
	for name, data := range map[string][]byte{
		"part >= parts": appendSnapshotPart(nil, 1, 1, sampleSnapshot(0)),
		"zero parts":    appendSnapshotPart(nil, 0, 0, sampleSnapshot(0)),
		"too many":      appendSnapshotPart(nil, 0, maxParts+1, sampleSnapshot(0)),
		"bad node":      appendSnapshotPart(nil, 0, 1, repl.Snapshot{Node: "a.b", Epoch: 1}),
		"version":       append([]byte{9}, valid[1:]...),
	} {
		if _, err := parseSnapshotPart(data); !errors.Is(err, errInvalidMessage) {
			t.Fatalf("%s accepted: %v", name, err)
		}
	}
}

// FuzzHeartbeat: the decoder never panics, and whatever it accepts
// re-encodes to something it decodes identically.
func FuzzHeartbeat(f *testing.F) {
	f.Add(heartbeat{node: "A", epoch: 1}.appendBinary(nil))
	f.Add(heartbeat{node: "node_7", epoch: 1<<64 - 1, seq: 1 << 40}.appendBinary(nil))
	f.Add([]byte{})
	f.Add([]byte{1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})
	f.Add([]byte{1, 1, 0, 40, 'A'})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := parseHeartbeat(data)
		if err != nil {
			if !errors.Is(err, errInvalidMessage) {
				t.Fatalf("error %v does not wrap errInvalidMessage", err)
			}
			return
		}
		if jsgenrt.NodeID(h.node).Check() != nil || h.epoch == 0 {
			t.Fatalf("accepted %+v", h)
		}
		again, err := parseHeartbeat(h.appendBinary(nil))
		if err != nil || again != h {
			t.Fatalf("re-encoding %+v: %+v, %v", h, again, err)
		}
	})
}

// FuzzSyncRequest: as FuzzHeartbeat, for sync requests.
func FuzzSyncRequest(f *testing.F) {
	f.Add(syncRequest{from: "A"}.appendBinary(nil))
	f.Add(syncRequest{from: "A", target: "B"}.appendBinary(nil))
	f.Add([]byte{1, 0, 0})
	f.Add([]byte{1, 1, 'A', 1, '>'})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseSyncRequest(data)
		if err != nil {
			if !errors.Is(err, errInvalidMessage) {
				t.Fatalf("error %v does not wrap errInvalidMessage", err)
			}
			return
		}
		if jsgenrt.NodeID(r.from).Check() != nil || (r.target != "" && jsgenrt.NodeID(r.target).Check() != nil) {
			t.Fatalf("accepted %+v", r)
		}
		again, err := parseSyncRequest(r.appendBinary(nil))
		if err != nil || again != r {
			t.Fatalf("re-encoding %+v: %+v, %v", r, again, err)
		}
	})
}

// FuzzSnapshotPart: the snapshot message decoder never panics and keeps
// its bounds.
func FuzzSnapshotPart(f *testing.F) {
	for _, data := range splitSnapshot(sampleSnapshot(300), minMaxMessage) {
		f.Add(data)
	}
	f.Add(appendSnapshotPart(nil, 0, 1, repl.Snapshot{Node: "A", Epoch: 1}))
	f.Add([]byte{1, 0, 1, 1, 1, 1, 1, 'A', 200})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parseSnapshotPart(data)
		if err != nil {
			if !errors.Is(err, errInvalidMessage) {
				t.Fatalf("error %v does not wrap errInvalidMessage", err)
			}
			return
		}
		if p.parts < 1 || p.parts > maxParts || p.part >= p.parts || jsgenrt.NodeID(p.snap.Node).Check() != nil {
			t.Fatalf("accepted part %d of %d from %q", p.part, p.parts, p.snap.Node)
		}
	})
}
