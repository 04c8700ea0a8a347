package ws

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"
)

// recConn records what batchConn writes to the socket.
type recConn struct {
	net.Conn // nil: only Write is used
	out      bytes.Buffer
	writes   int
}

func (r *recConn) Write(p []byte) (int, error) {
	r.writes++
	return r.out.Write(p)
}

// serverFrame encodes an unmasked server frame as gorilla does.
func serverFrame(op byte, payload []byte) []byte {
	b := []byte{0x80 | op}
	switch n := len(payload); {
	case n >= 65536:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	case n > 125:
		b = append(b, 126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, byte(n))
	}
	return append(b, payload...)
}

// step is one frame write: its bytes, split into one or two Write calls
// like gorilla, and what more() reports while it is written.
type step struct {
	frame []byte
	split int // 0: one Write; else the first Write has frame[:split]
	more  bool
}

// runBatch writes steps through a batchConn and checks, after every frame,
// that nothing is held back when it should have been flushed, that held
// bytes never exceed max, and at the end that the output is exactly the
// input.
func runBatch(t *testing.T, max int, steps []step) (writes int) {
	t.Helper()
	rec := &recConn{}
	b := &batchConn{Conn: rec, max: max}
	more := false
	b.arm(func() bool { return more })
	var want bytes.Buffer
	for i, s := range steps {
		more = s.more
		parts := [][]byte{s.frame}
		if s.split > 0 && s.split < len(s.frame) {
			parts = [][]byte{s.frame[:s.split], s.frame[s.split:]}
		}
		for _, p := range parts {
			if n, err := b.Write(p); n != len(p) || err != nil {
				t.Fatalf("step %d: Write = %d, %v", i, n, err)
			}
		}
		want.Write(s.frame)
		held := want.Len() - rec.out.Len()
		control := s.frame[0]&0x08 != 0
		if (!s.more || control) && held != 0 {
			t.Fatalf("step %d (more=%v control=%v): %d bytes held back", i, s.more, control, held)
		}
		if held > max {
			t.Fatalf("step %d: %d bytes held, max %d", i, held, max)
		}
	}
	if !bytes.Equal(rec.out.Bytes(), want.Bytes()) {
		t.Fatalf("output differs from input (%d vs %d bytes)", rec.out.Len(), want.Len())
	}
	return rec.writes
}

func TestBatchConnCoalesces(t *testing.T) {
	var steps []step
	for i := range 16 {
		steps = append(steps, step{frame: serverFrame(1, bytes.Repeat([]byte{'a'}, 100)), more: i < 15})
	}
	if w := runBatch(t, 32<<10, steps); w != 1 {
		t.Fatalf("16 queued frames took %d writes, want 1", w)
	}
	// A control frame flushes at once, even with more queued.
	steps = []step{
		{frame: serverFrame(1, []byte("x")), more: true},
		{frame: serverFrame(9, nil), more: true},
		{frame: serverFrame(1, []byte("y")), more: false},
	}
	if w := runBatch(t, 32<<10, steps); w != 2 {
		t.Fatalf("writes %d, want 2", w)
	}
	// Large frames written in two parts, batch cap reached.
	big := serverFrame(1, bytes.Repeat([]byte{'b'}, 70000))
	steps = []step{
		{frame: serverFrame(1, []byte("x")), more: true},
		{frame: big, split: 4096, more: true},
		{frame: serverFrame(1, bytes.Repeat([]byte{'c'}, 300)), split: 10, more: false},
	}
	runBatch(t, 32<<10, steps)
}

func TestBatchConnPassThroughBeforeArm(t *testing.T) {
	rec := &recConn{}
	b := &batchConn{Conn: rec, max: 1024}
	for range 3 {
		if _, err := b.Write([]byte("HTTP/1.1 101 Switching Protocols\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	if rec.writes != 3 {
		t.Fatalf("%d writes before arm, want 3", rec.writes)
	}
	// A split header (never produced by gorilla) switches to pass-through.
	b.arm(func() bool { return true })
	if _, err := b.Write([]byte{0x81}); err != nil || rec.writes != 4 || !b.broken {
		t.Fatalf("split header: writes %d broken %v", rec.writes, b.broken)
	}
}

// FuzzBatchConn checks batchConn's frame tracking on arbitrary sequences
// of frames, splits and queue states.
func FuzzBatchConn(f *testing.F) {
	f.Add([]byte{1, 10, 0, 1, 1, 200, 5, 1, 9, 0, 0, 0, 1, 0xff, 0, 0})
	f.Add([]byte{2, 0xff, 0xff, 3, 1, 1, 10, 0, 0})
	f.Add([]byte{8, 2, 0, 0, 10, 0, 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var steps []step
		for len(data) >= 4 {
			op := []byte{1, 2, 8, 9, 10}[int(data[0])%5]
			n := int(binary.BigEndian.Uint16(data[1:3]))
			if op >= 8 {
				n %= 126
			}
			steps = append(steps, step{
				frame: serverFrame(op, bytes.Repeat([]byte{data[3]}, n)),
				split: int(data[3]) * 37,
				more:  data[3]&1 == 1,
			})
			data = data[4:]
		}
		if len(steps) > 0 {
			steps[len(steps)-1].more = false // the last queued frame: nothing behind it
			runBatch(t, 4096, steps)
		}
	})
}
