package ws

// Stress tests for the outbound write path (flushers, writer goroutines,
// partial non-blocking writes, discard/flush closes, Shutdown). Every
// wait is bounded; nothing asserts on timing. Run them with
//
//	go test -race -run Stress ./runtime/ws

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gws "github.com/gobwas/ws"
	"github.com/gorilla/websocket"
)

// stressReadWait bounds every client read in the stress tests: hitting it
// means the server stopped writing without closing (a hang), a failure.
const stressReadWait = 15 * time.Second

// stressFrame is frame s of broadcaster b, size bytes of JSON whose padding
// depends on (b, s), so a frame cut, shifted or mixed with another one is
// detected: {"b":B,"s":S,"p":"ccc…"}.
func stressFrame(b, s, size int) []byte {
	out := fmt.Appendf(nil, `{"b":%d,"s":%d,"p":"`, b, s)
	pad := byte('a' + (b*31+s*7)%26)
	for n := size - len(out) - 2; n > 0; n-- {
		out = append(out, pad)
	}
	return append(out, `"}`...)
}

// parseStressFrame returns b and s of a stressFrame, or an error if p is
// not exactly one.
func parseStressFrame(p []byte) (b, s int, err error) {
	rest, ok := bytes.CutPrefix(p, []byte(`{"b":`))
	if !ok {
		return 0, 0, fmt.Errorf("not a stress frame: %.40q", p)
	}
	i := bytes.IndexByte(rest, ',')
	if i < 0 {
		return 0, 0, fmt.Errorf("not a stress frame: %.40q", p)
	}
	if b, err = strconv.Atoi(string(rest[:i])); err != nil {
		return 0, 0, fmt.Errorf("bad broadcaster in %.40q", p)
	}
	rest, ok = bytes.CutPrefix(rest[i+1:], []byte(`"s":`))
	if !ok {
		return 0, 0, fmt.Errorf("not a stress frame: %.40q", p)
	}
	if i = bytes.IndexByte(rest, ','); i < 0 {
		return 0, 0, fmt.Errorf("not a stress frame: %.40q", p)
	}
	if s, err = strconv.Atoi(string(rest[:i])); err != nil {
		return 0, 0, fmt.Errorf("bad sequence in %.40q", p)
	}
	if want := stressFrame(b, s, len(p)); !bytes.Equal(p, want) {
		return b, s, fmt.Errorf("frame b=%d s=%d (%d bytes) is corrupt: %.60q…", b, s, len(p), p)
	}
	return b, s, nil
}

// stressSize is the size of frame s of broadcaster b in the broadcast
// tests: mostly small (copied into a batch), some above copyLimit (their
// own iovec), a few past 125 and 8 KiB.
func stressSize(b, s int) int {
	switch x := (b*131 + s*17) % 50; {
	case x == 0:
		return 9000
	case x%7 == 0:
		return 1025 + (b*977+s*131)%3000
	default:
		return 40 + (b*37+s*53)%1000
	}
}

// readEnd classifies how a gorilla client's read loop ended.
type readEnd struct {
	cut    bool   // the server ended the connection (close frame or abrupt end)
	code   int    // close code seen (1006: none)
	reason string // close reason or error text
}

// classifyReadErr turns a gorilla read error into a readEnd, or an error
// if it shows a corrupt stream or a hang.
func classifyReadErr(err error) (readEnd, error) {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return readEnd{cut: true, code: ce.Code, reason: ce.Text}, nil
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return readEnd{}, fmt.Errorf("no frame and no close for %v: %v", stressReadWait, err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) {
		return readEnd{cut: true, code: websocket.CloseAbnormalClosure, reason: err.Error()}, nil
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "read" {
		return readEnd{cut: true, code: websocket.CloseAbnormalClosure, reason: err.Error()}, nil
	}
	// gorilla's protocol errors ("websocket: bad opcode", "RSV1 set", …)
	// mean the bytes on the wire were not a valid frame sequence.
	return readEnd{}, fmt.Errorf("corrupt stream: %v", err)
}

// abruptClose drops a gorilla client's TCP connection with a reset.
func abruptClose(c *websocket.Conn) {
	if tc, ok := c.NetConn().(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.NetConn().Close()
}

// tlsConfigOf returns the client TLS config for an env served over TLS.
func tlsConfigOf(e *testEnv) *tls.Config {
	if e.http.TLS == nil {
		return nil
	}
	return e.http.Client().Transport.(*http.Transport).TLSClientConfig
}

// rawDialRcvBuf opens a WebSocket with gobwas/ws with a small receive
// buffer, for reading the server's bytes exactly as sent.
func rawDialRcvBuf(t testing.TB, e *testEnv, room string, rcvBuf int) (net.Conn, *bufio.Reader) {
	t.Helper()
	d := gws.Dialer{
		TLSConfig: tlsConfigOf(e),
		NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err == nil && rcvBuf > 0 {
				_ = nc.(*net.TCPConn).SetReadBuffer(rcvBuf)
			}
			return nc, err
		},
	}
	conn, br, _, err := d.Dial(testCtx(t), e.url+room)
	if err != nil {
		t.Fatalf("raw dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	if br == nil {
		br = bufio.NewReaderSize(conn, 512)
	}
	return conn, br
}

// readRawStream reads every byte the server sends until the connection
// ends, in chunks of up to chunk bytes with pause between them (a slow
// reader). A read timeout is returned as an error (a hang).
func readRawStream(conn net.Conn, br *bufio.Reader, chunk int, pause func() time.Duration) ([]byte, error) {
	var stream []byte
	buf := make([]byte, chunk)
	for {
		_ = conn.SetReadDeadline(time.Now().Add(stressReadWait))
		n, err := br.Read(buf)
		stream = append(stream, buf[:n]...)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return stream, fmt.Errorf("the server neither wrote nor closed for %v (%d bytes read)", stressReadWait, len(stream))
			}
			return stream, nil // EOF, reset: the end
		}
		if pause != nil {
			if d := pause(); d > 0 {
				time.Sleep(d)
			}
		}
	}
}

// serverStream is a server's byte stream split into frames.
type serverStream struct {
	texts      [][]byte
	closeSeen  bool
	closeCode  int
	reason     string
	afterClose []string // frames the server sent after its close frame (RFC 6455 §5.5.1: none allowed)
	truncated  int      // bytes of an incomplete last frame (the connection ended mid-frame)
}

// scanServerStream splits stream into server frames. It fails on anything
// that is not a well-formed unmasked frame: a cut or interleaved frame
// shows up as a bad header or a bad payload.
func scanServerStream(stream []byte) (serverStream, error) {
	var r serverStream
	for len(stream) > 0 {
		if len(stream) < 2 {
			r.truncated = len(stream)
			return r, nil
		}
		b0, b1 := stream[0], stream[1]
		if b0&0x80 == 0 || b0&0x70 != 0 || b1&0x80 != 0 {
			return r, fmt.Errorf("bad frame header % x after %d frames", stream[:2], len(r.texts))
		}
		op := b0 & 0x0f
		n, hl := uint64(b1&0x7f), 2
		switch n {
		case 126:
			if len(stream) < 4 {
				r.truncated = len(stream)
				return r, nil
			}
			n, hl = uint64(binary.BigEndian.Uint16(stream[2:])), 4
			if n < 126 {
				return r, fmt.Errorf("non-minimal 16-bit length %d", n)
			}
		case 127:
			if len(stream) < 10 {
				r.truncated = len(stream)
				return r, nil
			}
			n, hl = binary.BigEndian.Uint64(stream[2:]), 10
			if n < 1<<16 || n > 1<<30 {
				return r, fmt.Errorf("bad 64-bit length %d", n)
			}
		}
		if uint64(len(stream)-hl) < n {
			r.truncated = len(stream)
			return r, nil
		}
		p := stream[hl : hl+int(n)]
		stream = stream[hl+int(n):]
		if r.closeSeen {
			r.afterClose = append(r.afterClose, fmt.Sprintf("opcode %d, %d bytes: %.40q", op, len(p), p))
			continue
		}
		switch op {
		case 0x1:
			r.texts = append(r.texts, p)
		case 0x9: // ping
		case 0x8:
			r.closeSeen = true
			if len(p) >= 2 {
				r.closeCode, r.reason = int(binary.BigEndian.Uint16(p)), string(p[2:])
			}
		default:
			return r, fmt.Errorf("unexpected opcode %d after %d frames", op, len(r.texts))
		}
	}
	return r, nil
}

// checkOneSender checks that texts are stressFrames 0, 1, 2, … of
// broadcaster 0 (an in-order prefix, none cut or skipped).
func checkOneSender(texts [][]byte) error {
	for i, p := range texts {
		b, s, err := parseStressFrame(p)
		if err != nil {
			return fmt.Errorf("frame %d: %v", i, err)
		}
		if b != 0 || s != i {
			return fmt.Errorf("frame %d is b=%d s=%d: lost or reordered", i, b, s)
		}
	}
	return nil
}

// seqTracker checks per-broadcaster order: from each broadcaster the
// frames must be 0, 1, 2, … with no gap.
type seqTracker struct {
	next []int
	got  int
}

func (tr *seqTracker) add(p []byte) error {
	b, s, err := parseStressFrame(p)
	if err != nil {
		return err
	}
	if b < 0 || b >= len(tr.next) {
		return fmt.Errorf("frame from unknown broadcaster %d", b)
	}
	if s != tr.next[b] {
		return fmt.Errorf("from broadcaster %d got frame %d, want %d (gap or reorder)", b, s, tr.next[b])
	}
	tr.next[b]++
	tr.got++
	return nil
}

type memberKind int

const (
	kindReader  memberKind = iota // reads as fast as it can; broadcasters never outrun it by much
	kindSlow                      // sleeps between reads; may be cut as slow
	kindStalled                   // small receive buffer, reads nothing until the broadcasts end
	kindQuitter                   // reads a while, then resets the connection
)

func (k memberKind) String() string {
	return [...]string{"reader", "slow", "stalled", "quitter"}[k]
}

type memberResult struct {
	kind     memberKind
	tr       seqTracker
	complete bool
	self     bool // the member disconnected itself
	end      readEnd
	err      error
}

// TestStressBroadcastMixedMembers: 8 goroutines broadcast to one room of
// 30 members that read normally, read slowly, stop reading, or reset the
// connection mid-stream. Every member gets, from each broadcaster, frames
// 0, 1, 2, … with no gap and none corrupt; members that keep up get every
// frame; members cut as slow end with 1013 "slow client…" or an abrupt end
// (write deadline), and every cut is counted (SlowClient, Dropped); queued
// bytes return to 0.
func TestStressBroadcastMixedMembers(t *testing.T) {
	const (
		broadcasters = 8
		perB         = 150
		total        = broadcasters * perB
		window       = 4 // a broadcaster waits until every reader is at most this many frames behind it
		room         = "stress"
	)
	kinds := make([]memberKind, 0, 30)
	for range 12 {
		kinds = append(kinds, kindReader)
	}
	for range 8 {
		kinds = append(kinds, kindSlow)
	}
	for range 5 {
		kinds = append(kinds, kindStalled)
	}
	for range 5 {
		kinds = append(kinds, kindQuitter)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	e := newEnv(t, envConfig{sndBuf: 16 << 10, opts: []Option{
		WithMaxQueueBytes(256 << 10),
		func(o *Options) {
			// Stalled members are cut by the queue bound (1013) or, past
			// WriteWait, by the write deadline; a reader that keeps up must
			// never be taken for one because a loaded machine let it sleep.
			o.WriteWait = 3 * time.Second
			o.CloseTimeout = 300 * time.Millisecond
			o.LingerTimeout = 300 * time.Millisecond
		},
	}})
	conns := make([]*websocket.Conn, len(kinds))
	for i, k := range kinds {
		if k == kindStalled {
			conns[i] = e.dialRcvBuf(t, room, 4<<10)
		} else {
			conns[i] = e.dial(t, room, nil)
		}
	}
	e.waitRoom(t, room, len(kinds))

	results := make([]memberResult, len(kinds))
	progress := make([][broadcasters]atomic.Int64, len(kinds))
	ended := make([]atomic.Bool, len(kinds))
	for i := range progress {
		for b := range broadcasters {
			progress[i][b].Store(-1)
		}
	}
	release := make(chan struct{}) // the broadcasts are over: stalled members start reading
	var releaseOnce sync.Once
	releaseStalled := func() { releaseOnce.Do(func() { close(release) }) }
	defer releaseStalled()

	var members sync.WaitGroup
	for i, c := range conns {
		r := &results[i]
		r.kind = kinds[i]
		r.tr.next = make([]int, broadcasters)
		quitAt := 1 + rng.IntN(total/2)
		slowPause := time.Duration(1+i%3) * 300 * time.Microsecond
		members.Add(1)
		go func() {
			defer members.Done()
			defer ended[i].Store(true)
			if r.kind == kindStalled {
				<-release
			}
			for {
				_ = c.SetReadDeadline(time.Now().Add(stressReadWait))
				typ, p, err := c.ReadMessage()
				if err != nil {
					r.end, r.err = classifyReadErr(err)
					return
				}
				if typ != websocket.TextMessage {
					r.err = fmt.Errorf("message type %d", typ)
					return
				}
				if err := r.tr.add(p); err != nil {
					r.err = fmt.Errorf("after %d frames: %v", r.tr.got, err)
					return
				}
				b, s, _ := parseStressFrame(p)
				progress[i][b].Store(int64(s))
				if r.tr.got == total {
					r.complete = true
					return
				}
				switch r.kind {
				case kindSlow:
					time.Sleep(slowPause)
				case kindQuitter:
					if r.tr.got == quitAt {
						r.self = true
						abruptClose(c)
						return
					}
				}
			}
		}()
	}

	// caughtUp reports whether every reader still reading has frame s-window
	// of broadcaster b.
	caughtUp := func(b, s int) bool {
		for i, k := range kinds {
			if k == kindReader && !ended[i].Load() && progress[i][b].Load() < int64(s-window) {
				return false
			}
		}
		return true
	}
	var bcast sync.WaitGroup
	bfail := make(chan error, broadcasters)
	for b := range broadcasters {
		bcast.Add(1)
		go func() {
			defer bcast.Done()
			for s := range perB {
				deadline := time.Now().Add(stressReadWait)
				for !caughtUp(b, s) {
					if time.Now().After(deadline) {
						bfail <- fmt.Errorf("broadcaster %d: readers stuck before frame %d", b, s)
						return
					}
					time.Sleep(100 * time.Microsecond)
				}
				e.rooms.broadcast(room, stressFrame(b, s, stressSize(b, s)), "")
			}
		}()
	}
	bcast.Wait()
	close(bfail)
	for err := range bfail {
		t.Error(err)
	}
	releaseStalled()
	members.Wait()

	var cut, saw1013, quitters int
	byKind := map[string]int{}
	for i := range results {
		r := &results[i]
		if r.err != nil {
			t.Errorf("member %d (%v): %v", i, r.kind, r.err)
			continue
		}
		switch {
		case r.complete:
			byKind[r.kind.String()+" complete"]++
		case r.self:
			quitters++
			byKind[r.kind.String()+" quit"]++
		case r.end.cut:
			cut++
			byKind[fmt.Sprintf("%v cut %d", r.kind, r.end.code)]++
			switch r.end.code {
			case CloseTryAgainLater:
				saw1013++
				if !strings.HasPrefix(r.end.reason, "slow client") {
					t.Errorf("member %d (%v): close 1013 %q, want a slow-client reason", i, r.kind, r.end.reason)
				}
			case websocket.CloseAbnormalClosure:
			default:
				t.Errorf("member %d (%v): close %d %q, want 1013 or an abrupt end", i, r.kind, r.end.code, r.end.reason)
			}
		}
		switch {
		case r.kind == kindReader && !r.complete:
			t.Errorf("reader %d got %d of %d frames, then %+v: a member that keeps up must get everything", i, r.tr.got, total, r.end)
		case r.kind == kindStalled && !r.end.cut:
			t.Errorf("stalled member %d was never cut (got %d frames)", i, r.tr.got)
		}
	}
	t.Logf("members: %v", byKind)

	// Every cut the clients saw was counted as a slow client; a quitter may
	// also have been cut (and counted) before it left.
	e.metrics.waitFor(t, fmt.Sprintf("%d slow-client cuts counted", cut), func(m *recMetrics) bool { return m.slow >= cut })
	for _, c := range conns {
		c.Close()
	}
	e.metrics.waitFor(t, "every connection closed and nothing left queued", func(m *recMetrics) bool {
		n := 0
		for _, v := range m.closed {
			n += v
		}
		return n == len(kinds) && m.queue == 0
	})
	e.metrics.snapshot(func(m *recMetrics) any {
		if m.slow > cut+quitters {
			t.Errorf("%d slow-client cuts counted, but only %d members were cut and %d left on their own", m.slow, cut, quitters)
		}
		if m.closed[CloseTryAgainLater] < saw1013 {
			t.Errorf("clients saw %d × 1013, metrics closed %v", saw1013, m.closed)
		}
		if m.slow > 0 && m.dropped[ErrCodeSlowClient]+m.dropped["write_failed"] == 0 {
			t.Errorf("%d slow clients but nothing counted as dropped: %v", m.slow, m.dropped)
		}
		t.Logf("metrics: slow=%d closed=%v dropped=%v errors=%v out=%d", m.slow, m.closed, m.dropped, m.errors, m.out)
		return nil
	})
}

// stressWritePaths are the ways frames reach a socket.
var stressWritePaths = []struct {
	name string
	cfg  envConfig
}{
	{"flushers", envConfig{}},
	{"writer goroutines", envConfig{opts: []Option{func(o *Options) { o.WriteBatchBytes = -1 }}}},
	{"tls", envConfig{tls: true}},
}

// TestStressShutdownDuringPartialWrites: Shutdown while broadcasters keep
// going and slow members have partly written frames on their sockets
// returns nil by its deadline (the handlers honour ctx), every member sees
// gap-free, intact frames then 1001 or an abrupt end and never a frame
// after the close frame, no connection is left, and queued bytes return to
// exactly 0 (TestMain's goleak then checks that every goroutine ended).
func TestStressShutdownDuringPartialWrites(t *testing.T) {
	for _, wp := range stressWritePaths {
		t.Run(wp.name, func(t *testing.T) {
			const (
				broadcasters = 4
				readers      = 8
				slow         = 6
				raw          = 4
				room         = "shut"
			)
			cfg := wp.cfg
			cfg.sndBuf = 8 << 10
			cfg.opts = append(append([]Option(nil), cfg.opts...), WithMaxQueueBytes(4<<20), func(o *Options) {
				o.WriteWait = 5 * time.Second // the close, not the write deadline, must end blocked writes
				o.CloseTimeout = 300 * time.Millisecond
				o.LingerTimeout = 300 * time.Millisecond
			})
			e := newEnv(t, cfg)
			var gconns []*websocket.Conn
			for range readers {
				gconns = append(gconns, e.dial(t, room, nil))
			}
			for range slow {
				gconns = append(gconns, e.dialRcvBuf(t, room, 4<<10))
			}
			type rawMember struct {
				conn net.Conn
				br   *bufio.Reader
			}
			var raws []rawMember
			for range raw {
				conn, br := rawDialRcvBuf(t, e, room, 4<<10)
				raws = append(raws, rawMember{conn, br})
			}
			e.waitRoom(t, room, len(gconns)+raw)

			var members sync.WaitGroup
			errs := make(chan error, len(gconns)+raw)
			ends := make(chan readEnd, len(gconns))
			for i, c := range gconns {
				isSlow := i >= readers
				members.Add(1)
				go func() {
					defer members.Done()
					tr := seqTracker{next: make([]int, broadcasters)}
					for {
						_ = c.SetReadDeadline(time.Now().Add(stressReadWait))
						_, p, err := c.ReadMessage()
						if err != nil {
							end, cerr := classifyReadErr(err)
							switch {
							case cerr != nil, end.code == CloseGoingAway, end.code == websocket.CloseAbnormalClosure:
							case end.code == CloseTryAgainLater && strings.HasPrefix(end.reason, "slow client"):
								// cut as slow before the shutdown reached it
							default:
								cerr = fmt.Errorf("close %d %q, want 1001, 1013 or an abrupt end", end.code, end.reason)
							}
							if cerr != nil {
								errs <- fmt.Errorf("member %d after %d frames: %v", i, tr.got, cerr)
							}
							ends <- end
							return
						}
						if err := tr.add(p); err != nil {
							errs <- fmt.Errorf("member %d after %d frames: %v", i, tr.got, err)
							return
						}
						if isSlow {
							time.Sleep(2 * time.Millisecond)
						}
					}
				}()
			}
			for i, m := range raws {
				members.Add(1)
				go func() {
					defer members.Done()
					stream, err := readRawStream(m.conn, m.br, 1024, func() time.Duration { return time.Millisecond })
					if err != nil {
						errs <- fmt.Errorf("raw member %d: %v", i, err)
						return
					}
					r, err := scanServerStream(stream)
					if err != nil {
						errs <- fmt.Errorf("raw member %d: %v", i, err)
						return
					}
					tr := seqTracker{next: make([]int, broadcasters)}
					for _, p := range r.texts {
						if err := tr.add(p); err != nil {
							errs <- fmt.Errorf("raw member %d after %d frames: %v", i, tr.got, err)
							return
						}
					}
					if r.closeSeen && r.closeCode != CloseGoingAway && !(r.closeCode == CloseTryAgainLater && strings.HasPrefix(r.reason, "slow client")) {
						errs <- fmt.Errorf("raw member %d: close %d %q, want 1001 (or 1013 slow client)", i, r.closeCode, r.reason)
					}
					if len(r.afterClose) > 0 {
						errs <- fmt.Errorf("raw member %d: %d frames after the close frame, first %s", i, len(r.afterClose), r.afterClose[0])
					}
				}()
			}

			stop := make(chan struct{})
			var bcast sync.WaitGroup
			for b := range broadcasters {
				bcast.Add(1)
				go func() {
					defer bcast.Done()
					for s := 0; ; s++ {
						select {
						case <-stop:
							return
						default:
						}
						size := 100 + (b*997+s*131)%6000
						if s%37 == 0 {
							size = 20000
						}
						if e.rooms.broadcast(room, stressFrame(b, s, size), "") == 0 {
							// Everyone has left (shutdown): keep trying until
							// stopped, without spinning hot.
							time.Sleep(time.Millisecond)
						}
					}
				}()
			}
			// Let the slow members' queues fill, so that writes are in
			// progress (partly written frames, blocked writers) at Shutdown.
			e.metrics.waitFor(t, "queues filling", func(m *recMetrics) bool { return m.queue >= 1<<20 })
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
			defer cancel()
			err := e.srv.Shutdown(ctx)
			close(stop)
			bcast.Wait()
			if err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			members.Wait()
			close(errs)
			close(ends)
			for err := range errs {
				t.Error(err)
			}
			codes := map[int]int{}
			for end := range ends {
				codes[end.code]++
			}
			t.Logf("members ended with %v", codes)
			if n := e.srv.Len(); n != 0 {
				t.Errorf("%d connections left after Shutdown", n)
			}
			if n := e.rooms.count(); n != 0 {
				t.Errorf("%d rooms left after Shutdown", n)
			}
			// Shutdown has waited for every connection and writer, and the
			// broadcasters have stopped: the count must be exactly 0 now.
			e.metrics.snapshot(func(m *recMetrics) any {
				closed := 0
				for _, v := range m.closed {
					closed += v
				}
				if m.queue != 0 || closed != m.opened {
					t.Errorf("after Shutdown: queue=%d bytes, %d opened, closed %v", m.queue, m.opened, m.closed)
				}
				t.Logf("metrics: closed=%v dropped=%v out=%d", m.closed, m.dropped, m.out)
				return nil
			})
		})
	}
}

// TestStressCloseFlushesEverything: Conn.Close (flush mode) called from
// another goroutine while the handler keeps sending and the client reads
// slowly: every frame SendBytes accepted arrives, in order, before the
// close frame with the given code and reason, and nothing is dropped.
func TestStressCloseFlushesEverything(t *testing.T) {
	for _, wp := range stressWritePaths {
		t.Run(wp.name, func(t *testing.T) {
			const closeAfter = 1000
			accepted := make(chan int, 1)
			cfg := wp.cfg
			cfg.sndBuf = 8 << 10
			cfg.opts = append(append([]Option(nil), cfg.opts...), WithMaxQueueBytes(64<<20), func(o *Options) {
				o.FlushTimeout = 15 * time.Second // a bound, not expected to be reached
			})
			cfg.runOverride = func(ctx context.Context, c *Conn, _ iter.Seq[testMsg]) error {
				var closer sync.WaitGroup
				defer closer.Wait()
				k := 0
				for ; k < 100000; k++ {
					if err := c.SendBytes(stressFrame(0, k, 60+(k*131)%3000)); err != nil {
						if err != ErrClosed {
							return err
						}
						break
					}
					if k == closeAfter {
						closer.Add(1)
						go func() {
							defer closer.Done()
							c.Close(4001, "flush me")
						}()
					}
				}
				accepted <- k
				<-ctx.Done()
				return nil
			}
			e := newEnv(t, cfg)
			// The client's receive buffer stays at its default: shrunk to a
			// few KiB after the handshake, loopback TCP stalls ~200 ms at a
			// time on zero-window probes, which says nothing about the server.
			c := e.dial(t, "lobby", nil)
			var texts [][]byte
			var end readEnd
			for {
				_ = c.SetReadDeadline(time.Now().Add(stressReadWait))
				_, p, err := c.ReadMessage()
				if err != nil {
					var cerr error
					if end, cerr = classifyReadErr(err); cerr != nil {
						t.Fatalf("after %d frames: %v", len(texts), cerr)
					}
					break
				}
				texts = append(texts, p)
				if len(texts) < 200 {
					time.Sleep(time.Millisecond)
				}
			}
			var n int
			select {
			case n = <-accepted:
			case <-testCtx(t).Done():
				t.Fatal("the handler never stopped sending")
			}
			t.Logf("%d frames accepted before the close", n)
			if end.code != 4001 || end.reason != "flush me" {
				t.Errorf("close %d %q, want 4001 \"flush me\"", end.code, end.reason)
			}
			if err := checkOneSender(texts); err != nil {
				t.Fatal(err)
			}
			if len(texts) != n {
				t.Fatalf("received %d frames before the close, want all %d accepted", len(texts), n)
			}
			e.metrics.waitFor(t, "closed with 4001, nothing queued", func(m *recMetrics) bool {
				return m.closed[4001] == 1 && m.queue == 0
			})
			e.metrics.snapshot(func(m *recMetrics) any {
				if len(m.dropped) != 0 || m.out != n {
					t.Errorf("dropped %v, %d frames out; want none dropped and %d out", m.dropped, m.out, n)
				}
				return nil
			})
		})
	}
}

// TestStressDiscardCloseMidFrame: slow clients whose queues overflow
// while frames (large ones, up to the 64-bit length form) are partly
// written are cut with discard: each sees complete, intact frames in
// order, then a 1013 close frame and nothing after it, or an abrupt end;
// never a corrupt frame. Every cut is counted and queued bytes return to 0.
func TestStressDiscardCloseMidFrame(t *testing.T) {
	for _, wp := range stressWritePaths[:2] { // raw frames are read off plain TCP
		t.Run(wp.name, func(t *testing.T) {
			const clients = 16
			var busyAtCut, partialAtCut atomic.Int64
			cfg := wp.cfg
			cfg.sndBuf = 8 << 10
			cfg.opts = append(append([]Option(nil), cfg.opts...), WithMaxQueueBytes(96<<10), func(o *Options) {
				o.WriteWait = 3 * time.Second
				o.CloseTimeout = 500 * time.Millisecond
				o.LingerTimeout = 500 * time.Millisecond
			})
			cfg.runOverride = func(ctx context.Context, c *Conn, _ iter.Seq[testMsg]) error {
				for k := 0; k < 10000; k++ {
					size := 3000 + (k*7919)%50000
					if k%5 == 4 {
						size = 66000 + k%5000 // 64-bit length form
					}
					if c.SendBytes(stressFrame(0, k, size)) != nil {
						// Record what the discard found (internal state, read
						// under the writer's lock): a writer busy, a partly
						// written frame kept at the queue's front.
						c.out.mu.Lock()
						if c.out.busy {
							busyAtCut.Add(1)
						}
						if c.out.queue.len() > 0 && c.out.queue.front().sent > 0 {
							partialAtCut.Add(1)
						}
						c.out.mu.Unlock()
						break
					}
					if k%8 == 7 {
						time.Sleep(time.Duration(k%3) * 100 * time.Microsecond) // let partial writes happen
					}
				}
				<-ctx.Done()
				return nil
			}
			e := newEnv(t, cfg)
			seed := uint64(time.Now().UnixNano())
			t.Logf("seed %d", seed)
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			results := make([]serverStream, clients)
			for i := range clients {
				conn, br := rawDialRcvBuf(t, e, "lobby", 4<<10)
				rng := rand.New(rand.NewPCG(seed, uint64(i)))
				chunk := 256 << (i % 4)
				wg.Add(1)
				go func() {
					defer wg.Done()
					stream, err := readRawStream(conn, br, chunk, func() time.Duration {
						return time.Duration(rng.IntN(400)) * time.Microsecond
					})
					if err != nil {
						errs <- fmt.Errorf("client %d: %v", i, err)
						return
					}
					r, err := scanServerStream(stream)
					if err != nil {
						errs <- fmt.Errorf("client %d: %v", i, err)
						return
					}
					results[i] = r
					if err := checkOneSender(r.texts); err != nil {
						errs <- fmt.Errorf("client %d: %v", i, err)
					}
					switch {
					case len(r.afterClose) > 0:
						errs <- fmt.Errorf("client %d: %d frames after the close frame, first %s", i, len(r.afterClose), r.afterClose[0])
					case r.closeSeen && (r.closeCode != CloseTryAgainLater || !strings.HasPrefix(r.reason, "slow client")):
						errs <- fmt.Errorf("client %d: close %d %q, want 1013 slow client", i, r.closeCode, r.reason)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			var closes, abrupt, truncated int
			for _, r := range results {
				if r.closeSeen {
					closes++
				} else {
					abrupt++
				}
				if r.truncated > 0 {
					truncated++
				}
			}
			t.Logf("%d clients saw a close frame, %d an abrupt end (%d mid-frame); at the cut %d had a writer busy, %d a partly written frame kept",
				closes, abrupt, truncated, busyAtCut.Load(), partialAtCut.Load())
			e.metrics.waitFor(t, "every client cut, counted, nothing queued", func(m *recMetrics) bool {
				closed := 0
				for _, v := range m.closed {
					closed += v
				}
				return closed == clients && m.slow == clients && m.queue == 0
			})
			e.metrics.snapshot(func(m *recMetrics) any {
				if m.dropped[ErrCodeSlowClient]+m.dropped["write_failed"] == 0 {
					t.Errorf("no dropped frames counted: %v", m.dropped)
				}
				return nil
			})
		})
	}
}

// TestStressFlushTimeoutNoDataAfterClose: when a flush-mode close gives up
// waiting for the queue (FlushTimeout) because the client reads slowly,
// the close frame is the last frame on the wire: the frames still queued
// must not follow it (RFC 6455 §5.5.1: no data frame after a Close frame).
// The client sees intact frames in order, then close 1000 (or an abrupt
// end), and nothing after the close frame.
//
// The frames still queued at that point are dropped and counted
// (writer.Close queues the close frame last and drops the data frames
// still queued but one partly written).
func TestStressFlushTimeoutNoDataAfterClose(t *testing.T) {
	for _, wp := range stressWritePaths[:2] { // raw frames are read off plain TCP
		t.Run(wp.name, func(t *testing.T) {
			const frames, size = 600, 4 << 10
			cfg := wp.cfg
			cfg.sndBuf = 8 << 10
			cfg.opts = append(append([]Option(nil), cfg.opts...), WithMaxQueueBytes(8<<20), func(o *Options) {
				o.FlushTimeout = 200 * time.Millisecond
				o.CloseTimeout = time.Second
				o.LingerTimeout = time.Second
			})
			cfg.runOverride = func(ctx context.Context, c *Conn, _ iter.Seq[testMsg]) error {
				for k := range frames {
					if err := c.SendBytes(stressFrame(0, k, size)); err != nil {
						return err
					}
				}
				return nil // close 1000 after flushing, bounded by FlushTimeout
			}
			e := newEnv(t, cfg)
			conn, br := rawDialRcvBuf(t, e, "lobby", 0)
			stream, err := readRawStream(conn, br, 2048, func() time.Duration { return time.Millisecond })
			if err != nil {
				t.Fatal(err)
			}
			r, err := scanServerStream(stream)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkOneSender(r.texts); err != nil {
				t.Fatal(err)
			}
			t.Logf("%d of %d frames before the close frame (seen: %v, code %d), %d frames after it, %d bytes of a cut frame",
				len(r.texts), frames, r.closeSeen, r.closeCode, len(r.afterClose), r.truncated)
			if r.closeSeen && r.closeCode != CloseNormal {
				t.Errorf("close %d %q, want 1000", r.closeCode, r.reason)
			}
			if len(r.afterClose) > 0 {
				t.Errorf("%d frames after the close frame, first %s", len(r.afterClose), r.afterClose[0])
			}
			e.metrics.waitFor(t, "closed, nothing queued", func(m *recMetrics) bool {
				return m.closed[CloseNormal] == 1 && m.queue == 0
			})
			// Every accepted frame is either written or counted as dropped.
			written, dropped := e.metrics.snapshot(func(m *recMetrics) any { return m.out }).(int), 0
			for _, n := range e.metrics.snapshot(func(m *recMetrics) any { return maps.Clone(m.dropped) }).(map[string]int) {
				dropped += n
			}
			if written+dropped != frames || dropped == 0 {
				t.Errorf("%d frames written and %d dropped, want %d in all, some dropped", written, dropped, frames)
			}
		})
	}
}
