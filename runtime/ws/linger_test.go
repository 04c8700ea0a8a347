package ws

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	gws "github.com/gobwas/ws"
	"github.com/gorilla/websocket"
)

// TestOversizeFrameCloses1009 sends 50 consecutive 2 MiB messages, each on
// a new connection, from a gorilla client with the default 64 KiB read
// limit. Every client must read the close frame 1009: the server keeps
// reading and discarding after it, so the socket is never closed while
// the client's bytes are still arriving (which resets the connection and
// loses the close frame: the client sees 1006).
func TestOversizeFrameCloses1009(t *testing.T) {
	e := newEnv(t, envConfig{})
	big := `{"type":"echo","text":"` + strings.Repeat("x", 2<<20) + `"}`
	for i := range 50 {
		c := e.dial(t, "lobby", nil)
		// A client that is reset while writing reports 1006 (browsers,
		// Node's ws): the write must complete, then the close frame arrive.
		if err := c.WriteMessage(websocket.TextMessage, []byte(big)); err != nil {
			t.Fatalf("connection %d: writing the 2 MiB message: %v (the server reset the connection: the client sees 1006)", i, err)
		}
		code, reason, _ := readClose(t, c)
		c.Close()
		if code != CloseTooBig {
			t.Fatalf("connection %d: close %d %q, want 1009", i, code, reason)
		}
	}
	e.metrics.waitFor(t, "50 closes 1009 counted", func(m *recMetrics) bool {
		return m.closed[CloseTooBig] == 50
	})
}

// bulk returns n bytes of valid masked text frames of 32 KiB each.
func bulk(n int) []byte {
	chunk := text(`{"type":"echo","text":"` + strings.Repeat("y", 32<<10) + `"}`)
	var frames []rawFrame
	for size := 0; size < n; size += len(chunk.payload) {
		frames = append(frames, chunk)
	}
	return encodeFrames(frames...)
}

// TestProtocolErrorLingers: a frame with a reserved bit set is closed with
// 1002 by gorilla's reader; the 2 MiB the client was sending behind it
// are read and discarded, so the client's write completes and it reads
// 1002 instead of being reset.
func TestProtocolErrorLingers(t *testing.T) {
	e := newEnv(t, envConfig{})
	// A small send buffer keeps most of the 2 MiB in the client until the
	// server reads it, as over a real network.
	d := gws.Dialer{NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			_ = nc.(*net.TCPConn).SetWriteBuffer(256 << 10)
		}
		return nc, err
	}}
	for i := range 10 {
		conn, br, _, err := d.Dial(testCtx(t), e.url+"lobby")
		if err != nil {
			t.Fatal(err)
		}
		if br == nil {
			br = bufio.NewReader(conn)
		}
		bad := rawFrame{fin: true, rsv: 4, op: gws.OpText, payload: []byte(`{"type":"echo","text":"x"}`)}
		wire := append(encodeFrames(bad), bulk(2<<20)...)
		werr := make(chan error, 1)
		go func() { _, err := conn.Write(wire); werr <- err }()
		r, err := readReplies(conn, br, nil)
		if err != nil || r.closeCode != CloseProtocolError {
			t.Fatalf("connection %d: close %d (%v), want 1002", i, r.closeCode, err)
		}
		if err := <-werr; err != nil {
			t.Fatalf("connection %d: writing behind the bad frame: %v (the server reset the connection)", i, err)
		}
		conn.Close()
	}
	e.metrics.waitFor(t, "10 closes 1002 counted", func(m *recMetrics) bool { return m.closed[CloseProtocolError] == 10 })
}

// TestLingerBytesBound: a client that keeps sending after the server's
// close frame and never replies is cut once LingerBytes are discarded,
// long before LingerTimeout.
func TestLingerBytesBound(t *testing.T) {
	e := newEnv(t, envConfig{opts: []Option{WithLinger(time.Hour, 256<<10)}})
	conn, br := e.rawDial(t, "lobby")
	defer conn.Close()
	if _, err := conn.Write(encodeFrames(text(`{"type":"quit"}`))); err != nil {
		t.Fatal(err)
	}
	r, err := readReplies(conn, br, nil)
	if err != nil || r.closeCode != CloseNormal {
		t.Fatalf("close %d (%v), want 1000", r.closeCode, err)
	}
	chunk := bulk(1 << 20)
	for {
		_ = conn.SetWriteDeadline(time.Now().Add(testTimeout))
		if _, err := conn.Write(chunk); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the server kept the connection past LingerBytes: %v", err)
			}
			break // reset or closed: the server stopped lingering
		}
	}
	e.metrics.waitFor(t, "close 1000 counted", func(m *recMetrics) bool { return m.closed[CloseNormal] == 1 })
}

// TestShutdownEndsLinger: connections lingering after a 1009 (a client
// that never closes, with LingerTimeout of an hour) do not hold Shutdown
// past its context, and nothing leaks (goleak in TestMain).
func TestShutdownEndsLinger(t *testing.T) {
	e := newEnv(t, envConfig{opts: []Option{WithLinger(time.Hour, 1<<30)}})
	big := encodeFrames(text(`{"type":"echo","text":"` + strings.Repeat("z", 128<<10) + `"}`))
	for i := range 3 {
		conn, br := e.rawDial(t, "lobby")
		defer conn.Close()
		if _, err := conn.Write(big); err != nil {
			t.Fatal(err)
		}
		if r, err := readReplies(conn, br, nil); err != nil || r.closeCode != CloseTooBig {
			t.Fatalf("connection %d: close %d (%v), want 1009", i, r.closeCode, err)
		}
	}
	e.metrics.waitFor(t, "3 oversize messages seen", func(m *recMetrics) bool { return m.errors[ErrCodeMessageTooBig] == 3 })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := e.srv.Shutdown(ctx); err == nil {
		t.Fatal("Shutdown returned nil while connections were lingering for an hour")
	}
	if d := time.Since(start); d > testTimeout/2 {
		t.Fatalf("Shutdown took %v past its 300ms context", d)
	}
	if err := e.srv.Shutdown(testCtx(t)); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	e.metrics.waitFor(t, "3 closes 1009 counted", func(m *recMetrics) bool { return m.closed[CloseTooBig] == 3 })
}
