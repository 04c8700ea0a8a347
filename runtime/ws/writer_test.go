package ws

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gws "github.com/gobwas/ws"
	"github.com/gorilla/websocket"
)

// raceStream is a server's byte stream split into frames of every kind.
type raceStream struct {
	texts      [][]byte
	pings      int
	pongs      [][]byte
	closes     int
	closeCode  int
	reason     string
	afterClose int // frames after the close frame (none allowed)
	partial    int // bytes of an incomplete last frame
}

// scanRaceStream splits stream into frames and fails on anything that is
// not a well-formed, final, unmasked text, ping, pong or close frame: a
// frame cut into by another shows up as a bad header, a bad length or a
// corrupt payload. A stream ending mid-frame is an error too: the server
// closes the socket only after its close frame.
func scanRaceStream(stream []byte) (raceStream, error) {
	r, err := scanFrames(stream)
	if err == nil && r.partial > 0 {
		err = fmt.Errorf("stream ends inside a frame (%d bytes)", r.partial)
	}
	return r, err
}

// scanFrames is scanRaceStream on a stream that may still be arriving: an
// incomplete last frame is counted in r.partial.
func scanFrames(stream []byte) (r raceStream, err error) {
	for len(stream) > 0 {
		b0, b1 := stream[0], byte(0)
		if len(stream) >= 2 {
			b1 = stream[1]
		}
		if b0&0x80 == 0 || b0&0x70 != 0 || b1&0x80 != 0 {
			return r, fmt.Errorf("bad frame header % x after %d texts", stream[:min(2, len(stream))], len(r.texts))
		}
		n, hl := uint64(b1&0x7f), 2
		switch {
		case len(stream) < 2:
			r.partial = len(stream)
			return r, nil
		case n == 126 && len(stream) >= 4:
			n, hl = uint64(binary.BigEndian.Uint16(stream[2:])), 4
		case n == 127 && len(stream) >= 10:
			n, hl = binary.BigEndian.Uint64(stream[2:]), 10
		case n >= 126:
			r.partial = len(stream)
			return r, nil
		}
		if n > 1<<30 {
			return r, fmt.Errorf("frame length %d after %d texts", n, len(r.texts))
		}
		if uint64(len(stream)-hl) < n {
			r.partial = len(stream)
			return r, nil
		}
		p := stream[hl : hl+int(n)]
		stream = stream[hl+int(n):]
		if r.closes > 0 {
			r.afterClose++
			continue
		}
		switch op := b0 & 0x0f; op {
		case 0x1:
			r.texts = append(r.texts, p)
		case opPing:
			if len(p) != 0 {
				return r, fmt.Errorf("ping with a %d-byte payload", len(p))
			}
			r.pings++
		case opPong:
			r.pongs = append(r.pongs, p)
		case opClose:
			r.closes++
			if len(p) >= 2 {
				r.closeCode, r.reason = int(binary.BigEndian.Uint16(p)), string(p[2:])
			}
		default:
			return r, fmt.Errorf("unexpected opcode %d after %d texts", op, len(r.texts))
		}
	}
	return r, nil
}

// streamEnd says how readUntilEnd's stream ended.
type streamEnd struct {
	err   error         // the read error that ended it (EOF, reset)
	stall time.Duration // time spent in the last read
	reads int
}

// readUntilEnd reads everything the server sends until the connection
// ends, closing closeSeen once the stream holds a close frame. A read
// timeout is an error (a hang).
func readUntilEnd(conn net.Conn, br *bufio.Reader, pause time.Duration, closeSeen chan struct{}, end *streamEnd) ([]byte, error) {
	var stream []byte
	buf := make([]byte, 4<<10)
	seen, scanned := false, 0
	last := time.Now()
	for {
		_ = conn.SetReadDeadline(time.Now().Add(stressReadWait))
		n, err := br.Read(buf)
		end.stall = time.Since(last)
		last = time.Now()
		end.reads++
		stream = append(stream, buf[:n]...)
		if !seen && len(stream)-scanned > 0 {
			if r, _ := scanFrames(stream); r.closes > 0 {
				seen = true
				close(closeSeen)
			}
			scanned = len(stream)
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return stream, fmt.Errorf("the server neither wrote nor closed for %v (%d bytes read)", stressReadWait, len(stream))
			}
			if !seen {
				close(closeSeen)
			}
			end.err = err
			return stream, nil // EOF, reset: the end
		}
		time.Sleep(pause)
	}
}

// TestWriterPingsPongsCloseAndDataNeverInterleave: on one connection,
// several goroutines send data frames of every size class, the server
// pings every millisecond, the client pings the server (so pongs race
// too), and another goroutine closes the connection mid-stream, while the
// client reads slowly through a small receive buffer (so frames are
// written partly and finished by writer goroutines). The client must see
// only well-formed frames — each sender's frames intact and in order,
// pings, pongs echoing its pings — then exactly one close frame with the
// code given to Close, and nothing after it. Run it under -race.
func TestWriterPingsPongsCloseAndDataNeverInterleave(t *testing.T) {
	for _, wp := range stressWritePaths[:2] { // raw frames are read off plain TCP
		t.Run(wp.name, func(t *testing.T) {
			const senders, perSender = 8, 150
			cfg := wp.cfg
			cfg.sndBuf = 16 << 10
			cfg.opts = append(append([]Option(nil), cfg.opts...), WithMaxQueueBytes(64<<20), func(o *Options) {
				o.PingPeriod = time.Millisecond
				o.LingerTimeout = 10 * time.Second // the client replies to the close frame once it reads it, however loaded the machine
				o.FlushTimeout = time.Second       // then the close frame follows a partly written frame
			})
			var sent atomic.Int64
			var conn1 atomic.Pointer[Conn]
			cfg.runOverride = func(ctx context.Context, c *Conn, _ iter.Seq[testMsg]) error {
				conn1.Store(c)
				half := make(chan struct{})
				var once sync.Once
				var wg sync.WaitGroup
				for b := range senders {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for s := range perSender {
							if c.SendBytes(stressFrame(b, s, stressSize(b, s))) != nil {
								return
							}
							if sent.Add(1) >= senders*perSender/2 {
								once.Do(func() { close(half) })
							}
						}
					}()
				}
				wg.Add(1)
				go func() { // closes from a goroutine of its own, mid-stream
					defer wg.Done()
					select {
					case <-half:
					case <-ctx.Done():
					}
					c.Close(4001, "race over")
				}()
				wg.Wait()
				<-ctx.Done()
				return nil
			}
			e := newEnv(t, cfg)
			conn, br := rawDialRcvBuf(t, e, "lobby", 128<<10) // not below the loopback MSS, or window updates stall

			// The client pings every millisecond until it reads the server's
			// close frame, then replies with a close frame (so the server's
			// lingering close ends cleanly) and reads to the end.
			closeSeen := make(chan struct{})
			var pinged atomic.Int64
			pinger := make(chan error, 1)
			go func() {
				ping := encodeFrames(rawFrame{fin: true, op: gws.OpPing, payload: []byte("p")})
				for {
					select {
					case <-closeSeen:
						_, _ = conn.Write(encodeFrames(rawFrame{fin: true, op: gws.OpClose, payload: closeBody(4001, "")}))
						pinger <- nil
						return
					case <-time.After(time.Millisecond):
					}
					if _, err := conn.Write(ping); err != nil {
						pinger <- fmt.Errorf("client ping %d: %w", pinged.Load()+1, err)
						return
					}
					pinged.Add(1)
				}
			}()
			var end streamEnd
			stream, err := readUntilEnd(conn, br, time.Millisecond, closeSeen, &end)
			if err != nil {
				t.Fatal(err)
			}
			if err := <-pinger; err != nil {
				t.Fatal(err)
			}
			r, err := scanRaceStream(stream)
			if err != nil {
				t.Logf("server log:\n%s", e.logs.String())
				t.Logf("client read ended with %v; the last read took %v, %d reads, %d bytes", end.err, end.stall, end.reads, len(stream))
				e.metrics.snapshot(func(m *recMetrics) any {
					t.Logf("server wrote %d data frames, %d bytes", m.out, m.outBytes)
					return nil
				})
				if c := conn1.Load(); c != nil {
					w := &c.out
					w.mu.Lock()
					t.Logf("writer: queue %d, queued %d, busy %v stopped %v final %v broken %v gone %v",
						w.queue.len(), w.queued, w.busy, w.stopped, w.final, w.broken, w.gone)
					w.mu.Unlock()
				}
				t.Fatalf("%v (%d data frames, %d pings, %d pongs before)", err, len(r.texts), r.pings, len(r.pongs))
			}
			tr := &seqTracker{next: make([]int, senders)}
			for _, p := range r.texts {
				if err := tr.add(p); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range r.pongs {
				if !bytes.Equal(p, []byte("p")) {
					t.Fatalf("pong %q, want the ping's payload %q", p, "p")
				}
			}
			t.Logf("%d data frames, %d pings, %d pongs (%d client pings), close %d %q",
				len(r.texts), r.pings, len(r.pongs), pinged.Load(), r.closeCode, r.reason)
			switch {
			case r.closes != 1 || r.closeCode != 4001 || r.reason != "race over":
				t.Fatalf("%d close frames, code %d %q; want one, 4001 %q", r.closes, r.closeCode, r.reason, "race over")
			case r.afterClose > 0:
				t.Fatalf("%d frames after the close frame", r.afterClose)
			case r.pings == 0:
				t.Fatal("no ping from the server")
			case int64(len(r.pongs)) > pinged.Load():
				t.Fatalf("%d pongs for %d pings", len(r.pongs), pinged.Load())
			}
			e.metrics.waitFor(t, "closed with 4001, nothing queued", func(m *recMetrics) bool {
				return m.closed[4001] == 1 && m.queue == 0
			})
		})
	}
}

// TestReadSideKeepsGorillaCloseFrame: once sealed, gorilla's writes reach
// neither the socket nor its write deadline; the close frame gorilla
// wanted to send is kept for the writer.
func TestReadSideKeepsGorillaCloseFrame(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	rs := &readSide{Conn: a}
	go func() { _, _ = b.Read(make([]byte, 16)) }()
	if n, err := rs.Write([]byte("HTTP")); err != nil || n != 4 {
		t.Fatalf("handshake write: %d, %v", n, err)
	}
	rs.seal()
	frame := append([]byte{0x80 | opClose, 4}, closePayload(CloseProtocolError, "xy")...)
	if _, err := rs.Write(frame); !errors.Is(err, errReadOnly) {
		t.Fatalf("write after seal: %v, want errReadOnly", err)
	}
	if got := rs.refused(); !bytes.Equal(got, closePayload(CloseProtocolError, "xy")) {
		t.Fatalf("kept close payload % x", got)
	}
	if _, err := rs.Write([]byte{0x89, 0}); !errors.Is(err, errReadOnly) {
		t.Fatalf("ping after seal: %v, want errReadOnly", err)
	}
	if err := rs.SetWriteDeadline(time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	// The deadline in the past was not applied: a write below gorilla works.
	go func() { _, _ = b.Read(make([]byte, 16)) }()
	if _, err := a.Write([]byte("x")); err != nil {
		t.Fatalf("raw write after gorilla's deadline: %v", err)
	}
}

// timeoutErr is a net.Error that timed out, with the text of a write.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "write tcp 127.0.0.1:1->127.0.0.1:2: i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestReadErrorsClassifiedByType: what melody reports is classified by
// the error's type and by what gorilla tried to write, never by its text:
// a read timeout is a timeout whatever its message says (not a slow
// client: melody never writes), an untyped error is a protocol error only
// when gorilla wanted to answer it with a close frame (which the writer
// then sends, with gorilla's code and reason), a read limit closes with
// 1009, and a client's close frame records its code.
func TestReadErrorsClassifiedByType(t *testing.T) {
	cases := []struct {
		name      string
		err       error
		refused   []byte // close payload gorilla tried to write
		wantErr   string // Metrics.Error code, "" for none
		wantSent  int
		wantPeer  int
		wantClose []byte // payload of the close frame queued, nil for none
	}{
		{"read timeout with a write-like text", timeoutErr{}, nil, ErrCodeTimeout, 0, 0, nil},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, nil, "", 0, 0, nil},
		{"EOF", fmt.Errorf("read: %w", io.EOF), nil, "", 0, 0, nil},
		{"gorilla-like text, nothing refused", errors.New("websocket: looks like a protocol error"), nil, "", 0, 0, nil},
		{"protocol error", errors.New("anything"), closePayload(CloseProtocolError, "bad opcode 3"),
			ErrCodeProtocol, CloseProtocolError, 0, closePayload(CloseProtocolError, "bad opcode 3")},
		{"read limit", fmt.Errorf("read: %w", websocket.ErrReadLimit), nil, ErrCodeMessageTooBig, CloseTooBig, 0, closePayload(CloseTooBig, "")},
		{"client's close frame", &websocket.CloseError{Code: 4000, Text: "bye"}, nil, "", 0, 4000, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newRecMetrics()
			s, err := New(WithMetrics(m), WithLogger(discardLogger()), func(o *Options) { o.CloseTimeout, o.LingerTimeout = time.Millisecond, -1 })
			if err != nil {
				t.Fatal(err)
			}
			c := newConn(s, "r", "", nil, nil, nil, context.Background())
			side := &readSide{}
			if tc.refused != nil {
				side.seal()
				_, _ = side.Write(append([]byte{0x80 | opClose, byte(len(tc.refused))}, tc.refused...))
			}
			s.readError(&session{conn: c, side: side}, tc.err)
			m.snapshot(func(m *recMetrics) any {
				want := map[string]int{}
				if tc.wantErr != "" {
					want[tc.wantErr] = 1
				}
				if !maps.Equal(m.errors, want) || m.slow != 0 {
					t.Errorf("errors %v, slow %d; want %v, 0", m.errors, m.slow, want)
				}
				return nil
			})
			if got := int(c.sentCode.Load()); got != tc.wantSent {
				t.Errorf("sent code %d, want %d", got, tc.wantSent)
			}
			if got := int(c.peerCode.Load()); got != tc.wantPeer {
				t.Errorf("peer code %d, want %d", got, tc.wantPeer)
			}
			var queued []byte
			c.out.mu.Lock()
			if c.out.queue.len() > 0 && c.out.queue.front().ctl == opClose {
				queued = c.out.queue.front().p
			}
			c.out.mu.Unlock()
			if !bytes.Equal(queued, tc.wantClose) {
				t.Errorf("close frame queued % x, want % x", queued, tc.wantClose)
			}
			c.finish()
		})
	}
}

// TestWriterKeepsOneControlFrameOfEachKind: a client that pings without
// reading cannot grow the queue: one pong waits, carrying the newest
// ping's payload, and one ping, ahead of the data frames but behind a
// frame partly written.
func TestWriterKeepsOneControlFrameOfEachKind(t *testing.T) {
	w := &writer{cfg: &writerConfig{maxQueue: 1 << 20}, m: (*connMetrics)(&Conn{srv: &Server{opts: Options{Metrics: nopMetrics{}}}})}
	if err := w.Enqueue([]byte("data")); err != nil {
		t.Fatal(err)
	}
	w.queue.front().sent = 1 // partly written
	if err := w.Enqueue([]byte("more")); err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		w.Pong(fmt.Appendf(nil, "p%d", i))
		w.mu.Lock()
		w.control(outFrame{ctl: opPing})
		w.mu.Unlock()
	}
	var got []string
	for i := range w.queue.len() {
		f := w.queue.r.At(i)
		got = append(got, fmt.Sprintf("%d:%s", f.ctl, f.p))
	}
	want := []string{"0:data", "9:", "10:p999", "0:more"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("queue %v, want %v", got, want)
	}
	if !w.Close(closePayload(CloseNormal, ""), "closed") {
		t.Fatal("Close did not queue the close frame")
	}
	w.Pong([]byte("late"))
	if n, last := w.queue.len(), w.queue.r.At(w.queue.len()-1); n != 2 || last.ctl != opClose {
		t.Fatalf("after Close: %d frames, last kind %d; want the partial frame then the close frame", n, last.ctl)
	}
}

// TestPongWaitsBehindStuckDataWithoutCuttingTheConnection: a client that
// pings while it is not reading, with megabytes queued for it, gets its
// pong once it reads again, and the connection stays open: the pong waits
// in the writer's queue (ahead of the data not yet started) for as long as
// the socket is full, with no deadline of its own.
func TestPongWaitsBehindStuckDataWithoutCuttingTheConnection(t *testing.T) {
	const frames, size = 256, 8 << 10
	sentAll := make(chan struct{})
	e := newEnv(t, envConfig{sndBuf: 8 << 10,
		opts: []Option{WithMaxQueueBytes(64 << 20)},
		runOverride: func(ctx context.Context, c *Conn, msgs iter.Seq[testMsg]) error {
			for k := range frames {
				if err := c.SendBytes(stressFrame(0, k, size)); err != nil {
					return err
				}
			}
			close(sentAll)
			for range msgs {
			}
			return nil
		}})
	conn, br := rawDialRcvBuf(t, e, "lobby", 128<<10) // far less than the 2 MiB queued
	<-sentAll
	if _, err := conn.Write(encodeFrames(rawFrame{fin: true, op: gws.OpPing, payload: []byte("still there?")})); err != nil {
		t.Fatal(err)
	}
	// The stimulus, not a wait for a result: the client reads nothing for
	// longer than the one second gorilla gave its own pong.
	time.Sleep(1500 * time.Millisecond)

	var texts [][]byte
	var pong []byte
	buf := make([]byte, 64<<10)
	var stream []byte
	for len(texts) < frames || pong == nil {
		_ = conn.SetReadDeadline(time.Now().Add(testTimeout))
		n, err := br.Read(buf)
		stream = append(stream, buf[:n]...)
		if err != nil {
			t.Fatalf("after %d data frames (pong: %q): %v", len(texts), pong, err)
		}
		r, err := scanFrames(stream)
		if err != nil {
			t.Fatal(err)
		}
		if r.closes > 0 {
			t.Fatalf("closed with %d %q after %d data frames", r.closeCode, r.reason, len(r.texts))
		}
		texts = r.texts
		if len(r.pongs) > 0 {
			pong = r.pongs[0]
		}
	}
	if err := checkOneSender(texts); err != nil {
		t.Fatal(err)
	}
	if string(pong) != "still there?" {
		t.Fatalf("pong %q", pong)
	}
	if n := e.srv.Len(); n != 1 {
		t.Fatalf("%d connections open, want 1", n)
	}
}
