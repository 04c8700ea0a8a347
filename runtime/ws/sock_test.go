package ws

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"
)

// parseFrames splits a server byte stream into the payloads of its
// unmasked, final text frames, failing on anything else.
func parseFrames(stream []byte) ([][]byte, error) {
	var out [][]byte
	for len(stream) > 0 {
		if len(stream) < 2 || stream[0] != 0x81 || stream[1]&0x80 != 0 {
			return out, fmt.Errorf("bad frame header % x", stream[:min(len(stream), 2)])
		}
		n, hl := uint64(stream[1]&0x7f), 2
		switch n {
		case 126:
			if len(stream) < 4 {
				return out, fmt.Errorf("short 16-bit length")
			}
			n, hl = uint64(binary.BigEndian.Uint16(stream[2:])), 4
		case 127:
			if len(stream) < 10 {
				return out, fmt.Errorf("short 64-bit length")
			}
			n, hl = binary.BigEndian.Uint64(stream[2:]), 10
		}
		if uint64(len(stream)-hl) < n {
			return out, fmt.Errorf("frame of %d bytes cut at %d", n, len(stream)-hl)
		}
		out = append(out, stream[hl:hl+int(n)])
		stream = stream[hl+int(n):]
	}
	return out, nil
}

// drainBatches empties q through writeBatch.take with the given limit and
// returns the concatenated bytes of every batch, checking that each batch
// holds at least one frame and, with several, stays within limit.
func drainBatches(t testing.TB, q *frameQueue, limit int) []byte {
	var bp batchPool
	var stream []byte
	for q.len() > 0 {
		b := bp.get()
		before := q.len()
		b.take(q, limit)
		if b.frames() == 0 || b.frames() != before-q.len() {
			t.Fatalf("batch took %d frames, queue went %d -> %d", b.frames(), before, q.len())
		}
		var n int
		for _, p := range b.bufs {
			stream = append(stream, p...)
			n += len(p)
		}
		if n != b.wire {
			t.Fatalf("batch has %d bytes, says %d", n, b.wire)
		}
		if b.frames() > 1 && (limit < 0 || n > limit) {
			t.Fatalf("batch of %d frames is %d bytes, limit %d", b.frames(), n, limit)
		}
		bp.put(b)
	}
	return stream
}

func TestWriteBatchFrames(t *testing.T) {
	sizes := []int{0, 1, 125, 126, 127, 1024, 1025, 65535, 65536, 70000, 3}
	for _, limit := range []int{-1, 0, 100, 4096, 32 << 10, 1 << 20} {
		var q frameQueue
		var want [][]byte
		for i, n := range sizes {
			p := bytes.Repeat([]byte{byte('a' + i)}, n)
			q.push(outFrame{p: p})
			want = append(want, p)
		}
		got, err := parseFrames(drainBatches(t, &q, limit))
		if err != nil {
			t.Fatalf("limit %d: %v", limit, err)
		}
		if len(got) != len(want) {
			t.Fatalf("limit %d: %d frames, want %d", limit, len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("limit %d: frame %d differs", limit, i)
			}
		}
	}
}

// TestWriteBatchPartialFrame: a frame whose first bytes a non-blocking
// write already sent continues exactly where it stopped, whether the cut
// is in its header or its payload.
func TestWriteBatchPartialFrame(t *testing.T) {
	for _, n := range []int{5, 300, 2000, 70000} {
		p := bytes.Repeat([]byte{'x'}, n)
		full := append(appendFrameHeader(nil, n), p...)
		for _, sent := range []int{1, 2, 3, headerLen(n), headerLen(n) + 1, len(full) - 1} {
			if sent >= len(full) {
				continue
			}
			var q frameQueue
			q.push(outFrame{p: []byte("next")})
			q.pushFront(outFrame{p: p, sent: sent})
			stream := append(full[:sent:sent], drainBatches(t, &q, 32<<10)...)
			got, err := parseFrames(stream)
			if err != nil || len(got) != 2 || !bytes.Equal(got[0], p) || string(got[1]) != "next" {
				t.Fatalf("n=%d sent=%d: %d frames, err %v", n, sent, len(got), err)
			}
		}
	}
}

// TestQueueDiscardKeepsPartialFrame: discarding keeps a frame that is
// partly on the wire (cutting it would corrupt the stream) and counts the
// rest.
func TestQueueDiscardKeepsPartialFrame(t *testing.T) {
	var q frameQueue
	q.push(outFrame{p: []byte("abc"), sent: 2})
	q.push(outFrame{p: []byte("defg")})
	q.push(outFrame{p: []byte("hi")})
	frames, n := q.discard()
	if frames != 2 || n != 6 || q.len() != 1 || string(q.front().p) != "abc" {
		t.Fatalf("discard: %d frames %d bytes, %d left", frames, n, q.len())
	}
	q.pop()
	q.push(outFrame{p: []byte("x")})
	if frames, n := q.discard(); frames != 1 || n != 1 || q.len() != 0 {
		t.Fatalf("discard of unsent frames: %d frames %d bytes, %d left", frames, n, q.len())
	}
}

// FuzzWriteBatch builds queues from arbitrary frame sizes, partial
// offsets and batch limits and checks the bytes written decode to exactly
// the queued frames.
func FuzzWriteBatch(f *testing.F) {
	f.Add([]byte{1, 200, 3, 0, 125, 126}, uint16(0), int16(64))
	f.Add([]byte{255, 255, 255}, uint16(3), int16(-1))
	f.Add([]byte{0}, uint16(1), int16(0))
	f.Fuzz(func(t *testing.T, spec []byte, sent uint16, limit int16) {
		if len(spec) > 64 {
			spec = spec[:64]
		}
		var q frameQueue
		var want [][]byte
		for i, s := range spec {
			n := int(s) * int(s) // up to 65025: all three header forms but the 64-bit one
			if i%7 == 6 {
				n += 65536 // the 64-bit form
			}
			p := bytes.Repeat([]byte{byte(i)}, n)
			q.push(outFrame{p: p})
			want = append(want, p)
		}
		var prefix []byte
		if len(want) > 0 {
			full := append(appendFrameHeader(nil, len(want[0])), want[0]...)
			cut := int(sent) % len(full)
			q.front().sent = cut
			prefix = full[:cut]
		}
		got, err := parseFrames(append(prefix, drainBatches(t, &q, int(limit)*64)...))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d frames, want %d", len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("frame %d differs", i)
			}
		}
	})
}

// TestWriteBatchSplit: after a partial write the batch reports the frames
// written whole and returns the rest, the first one advanced by what of
// it went out, so writing the rest completes the stream exactly.
func TestWriteBatchSplit(t *testing.T) {
	payloads := [][]byte{[]byte("a"), bytes.Repeat([]byte{'b'}, 300), bytes.Repeat([]byte{'c'}, 2000), []byte("d")}
	var full []byte
	for _, p := range payloads {
		full = append(full, appendFrameHeader(nil, len(p))...)
		full = append(full, p...)
	}
	for n := 0; n < len(full); n++ {
		var q frameQueue
		for _, p := range payloads {
			q.push(outFrame{p: p})
		}
		var bp batchPool
		b := bp.get()
		b.take(&q, 1<<20)
		done, payload, rest := b.split(n)
		want := 0
		for _, p := range payloads[:done] {
			want += len(p)
		}
		if payload != want || done+len(rest) != len(payloads) {
			t.Fatalf("n=%d: %d done (%d bytes), %d rest", n, done, payload, len(rest))
		}
		for i := len(rest) - 1; i >= 0; i-- {
			q.pushFront(rest[i])
		}
		stream := append(full[:n:n], drainBatches(t, &q, 1<<20)...)
		if !bytes.Equal(stream, full) {
			t.Fatalf("n=%d: resumed stream differs", n)
		}
	}
}

// TestBroadcastAllocationsDoNotGrow: on Linux a broadcast allocates the
// same for 1 member as for 64: frames are shared, queued without
// allocating, and written by the Server's flushers (whose start, once per
// flusher and broadcast at most, is the only allocation).
func TestBroadcastAllocationsDoNotGrow(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("non-blocking flushes are Linux-only; elsewhere frames go through a writer goroutine per connection")
	}
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	e := newEnv(t, envConfig{opts: []Option{WithMetrics(nopMetrics{})}}) // the test's recorder allocates
	frame := []byte(`{"type":"message","content":"hello"}`)
	measure := func(room string, members int) float64 {
		conns := e.dialMany(t, room, members)
		e.waitRoom(t, room, members)
		// The members read only after the measurement: AllocsPerRun counts
		// every allocation of the process, and the clients' reads (which
		// allocate) would be counted or not depending on how a loaded
		// machine schedules them. The 201 frames, 8 KB per member, fit in
		// the socket buffers meanwhile.
		const runs = 200
		allocs := testing.AllocsPerRun(runs, func() {
			if n := e.rooms.broadcast(room, frame, ""); n != members {
				t.Errorf("broadcast reached %d of %d", n, members)
			}
		})
		read := make(chan error, members)
		for _, c := range conns {
			go func() {
				for range runs + 1 { // AllocsPerRun runs once more to warm up
					if _, _, err := c.ReadMessage(); err != nil {
						read <- err
						return
					}
				}
				read <- nil
			}()
		}
		for range conns {
			if err := <-read; err != nil {
				t.Fatalf("member read: %v", err)
			}
		}
		return allocs
	}
	one, many := measure("one", 1), measure("many", 64)
	t.Logf("allocations per broadcast: %.2f to 1 member, %.2f to 64 (%d flushers)", one, many, len(e.srv.flushers))
	if limit := float64(2 * len(e.srv.flushers)); many > limit {
		t.Fatalf("a broadcast to 64 members allocated %.2f times, want at most %.0f (two per flusher start)", many, limit)
	}
}

// TestBroadcastOrderEveryWritePath: members receive every broadcast frame,
// in order and intact, whichever way frames are written: the flushers'
// non-blocking writes (Linux, plain TCP), a writer goroutine per
// connection (WriteBatchBytes < 0), and TLS, where the socket has no file
// descriptor to write to directly. Mixed sizes make the TLS and batched
// paths split and join frames.
func TestBroadcastOrderEveryWritePath(t *testing.T) {
	cases := []struct {
		name string
		cfg  envConfig
	}{
		{"flushers", envConfig{}},
		{"writer goroutines", envConfig{opts: []Option{func(o *Options) { o.WriteBatchBytes = -1 }}}},
		{"tls", envConfig{tls: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The broadcaster outruns the readers: let everything queue
			// rather than cut a member as slow.
			tc.cfg.opts = append(tc.cfg.opts, WithMaxQueueBytes(64<<20))
			e := newEnv(t, tc.cfg)
			const members, frames = 8, 300
			conns := e.dialMany(t, "r", members)
			e.waitRoom(t, "r", members)
			errs := make(chan error, members)
			for _, c := range conns {
				go func() {
					var got []string
					for range frames {
						_, b, err := c.ReadMessage()
						if err != nil {
							errs <- err
							return
						}
						got = append(got, string(b))
					}
					errs <- checkPrefix(got)
				}()
			}
			for k := range frames {
				if n := e.rooms.broadcast("r", paddedFrame(k, 40+(k*977)%9000), ""); n != members {
					t.Fatalf("frame %d reached %d of %d members", k, n, members)
				}
			}
			for range conns {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
