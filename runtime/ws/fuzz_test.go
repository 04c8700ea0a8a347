package ws

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	gws "github.com/gobwas/ws"
)

// fuzzFrames turns a fuzz input into the bytes a client writes after the
// handshake. Inputs starting with an even byte are written as they are;
// with an odd byte, the rest is a list of frames [b0][len|nomask][payload]
// (b0 is the first header byte: FIN, RSV, opcode; len ≤ 127 payload bytes;
// frames are masked unless bit 7 of the length byte is set), so the fuzzer
// reaches the decoder and the handler instead of stopping at the mask
// check.
func fuzzFrames(data []byte) []byte {
	if len(data) == 0 || data[0]&1 == 0 {
		if len(data) == 0 {
			return nil
		}
		return data[1:]
	}
	var b bytes.Buffer
	d := data[1:]
	for len(d) >= 2 {
		b0, l := d[0], int(d[1]&0x7f)
		unmask := d[1]&0x80 != 0
		d = d[2:]
		l = min(l, len(d))
		rsv := (b0 >> 4) & 0x7
		rawFrame{fin: b0&0x80 != 0, rsv: rsv, op: gws.OpCode(b0 & 0x0f), unmask: unmask, payload: d[:l]}.encode(&b)
		d = d[l:]
	}
	return b.Bytes()
}

// structured encodes frames in fuzzFrames' structured form (payloads over
// 127 bytes are cut).
func structured(frames ...rawFrame) []byte {
	out := []byte{1}
	for _, f := range frames {
		b0 := byte(f.op) | f.rsv<<4
		if f.fin {
			b0 |= 0x80
		}
		p := f.payload[:min(len(f.payload), 127)]
		l := byte(len(p))
		if f.unmask {
			l |= 0x80
		}
		out = append(out, b0, l)
		out = append(out, p...)
	}
	return out
}

// FuzzFrames feeds arbitrary frames to a mounted route over a real
// connection: the server must not panic, the decoder must only ever see
// valid UTF-8 within the read limit, and every connection must end once
// the client has gone (TestMain's goleak checks nothing is left).
func FuzzFrames(f *testing.F) {
	for _, tc := range rawCases(rawLimit) {
		f.Add(append([]byte{0}, encodeFrames(tc.frames...)...))
		f.Add(structured(tc.frames...))
	}
	f.Add(structured(text(`{"type":"burst","n":50}`)))
	f.Add(structured(text(`{"type":"panic"}`)))
	f.Add(structured(text(`{"type":"broadcast","text":"x"}`), text(`{"type":"quit"}`)))
	f.Add([]byte{0, 0x81})
	f.Add([]byte{0xff})

	e := newEnv(f, envConfig{opts: []Option{WithReadLimit(rawLimit), func(o *Options) {
		o.CloseTimeout = 100 * time.Millisecond
		o.LingerTimeout = 100 * time.Millisecond
		o.FlushTimeout = 100 * time.Millisecond
	}}})
	conns := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		conn, br := e.rawDial(t, "fuzz")
		conns++
		_ = conn.SetDeadline(time.Now().Add(testTimeout))
		_, _ = conn.Write(fuzzFrames(data)) // the server may have closed already
		_ = conn.(*net.TCPConn).CloseWrite()
		_, _ = io.Copy(io.Discard, br) // until the server closes
		conn.Close()
		e.metrics.waitFor(t, "the connection to end", func(m *recMetrics) bool {
			n := 0
			for _, c := range m.closed {
				n += c
			}
			return n == conns
		})
		if v := e.violations.Load(); v != 0 {
			t.Fatalf("the decoder saw %d invalid or over-limit messages", v)
		}
	})
}
