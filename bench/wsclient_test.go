package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// serverFrame appends a frame as a server (or, with mask, a client) writes
// it.
func serverFrame(b []byte, fin bool, op byte, payload []byte, mask *[4]byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	b = append(b, b0)
	var m byte
	if mask != nil {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		b = append(b, m|byte(n))
	case n <= 0xFFFF:
		b = append(b, m|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if mask == nil {
		return append(b, payload...)
	}
	b = append(b, mask[:]...)
	for i, c := range payload {
		b = append(b, c^mask[i&3])
	}
	return b
}

type readMsg struct {
	op      byte
	payload string
}

// readAll returns every message the reader yields from stream, and the
// error that ended it.
func readAll(stream []byte) ([]readMsg, error) {
	r := messageReader{br: bufio.NewReader(bytes.NewReader(stream))}
	var out []readMsg
	for {
		op, p, err := r.next()
		if err != nil {
			return out, err
		}
		out = append(out, readMsg{op, string(p)})
	}
}

func TestMessageReader(t *testing.T) {
	long := strings.Repeat("x", 70000) // 64-bit length
	mid := strings.Repeat("y", 300)    // 16-bit length
	mask := [4]byte{1, 2, 3, 4}
	var s []byte
	s = serverFrame(s, true, opText, []byte(`{"a":1}`), nil)
	s = serverFrame(s, false, opText, []byte("frag-"), nil)
	s = serverFrame(s, true, opPing, []byte("p"), nil) // between fragments
	s = serverFrame(s, false, opCont, []byte("ment-"), nil)
	s = serverFrame(s, true, opCont, []byte("ed"), nil)
	s = serverFrame(s, true, opText, []byte(mid), nil)
	s = serverFrame(s, true, opBin, []byte(long), nil)
	s = serverFrame(s, true, opText, []byte("masked"), &mask)
	s = serverFrame(s, true, opClose, []byte{0x03, 0xE8}, nil)
	got, err := readAll(s)
	if !errors.Is(err, io.EOF) {
		t.Fatalf("ended with %v, want EOF", err)
	}
	want := []readMsg{{opText, `{"a":1}`}, {opPing, "p"}, {opText, "frag-ment-ed"}, {opText, mid}, {opBin, long},
		{opText, "masked"}, {opClose, "\x03\xe8"}}
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d: op %d %.20q, want op %d %.20q", i, got[i].op, got[i].payload, want[i].op, want[i].payload)
		}
	}
}

func TestMessageReaderRefuses(t *testing.T) {
	for name, stream := range map[string][]byte{
		"reserved bits":         {0xC1, 0x00},
		"reserved opcode":       {0x83, 0x00},
		"fragmented control":    serverFrame(nil, false, opPing, nil, nil),
		"long control":          serverFrame(nil, true, opPing, make([]byte, 126), nil),
		"orphan continuation":   serverFrame(nil, true, opCont, []byte("x"), nil),
		"message in a fragment": serverFrame(serverFrame(nil, false, opText, []byte("a"), nil), true, opText, []byte("b"), nil),
		"too large":             {0x81, 127, 0, 0, 0, 0, 0x7F, 0, 0, 0},
	} {
		if _, err := readAll(stream); !errors.Is(err, errFrame) && !errors.Is(err, errTooLarge) {
			t.Errorf("%s: got %v, want a framing error", name, err)
		}
	}
	if _, err := readAll([]byte{0x81, 5, 'a'}); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated payload: got %v, want ErrUnexpectedEOF", err)
	}
}

// TestClientFrameRoundTrip: what the client writes is a valid masked
// frame carrying the payload.
func TestClientFrameRoundTrip(t *testing.T) {
	mask := [4]byte{0xde, 0xad, 0xbe, 0xef}
	for _, n := range []int{0, 5, 125, 126, 65535, 65536} {
		p := bytes.Repeat([]byte{'z'}, n)
		got, err := readAll(appendClientFrame(nil, opText, p, mask))
		if !errors.Is(err, io.EOF) || len(got) != 1 || got[0].payload != string(p) {
			t.Errorf("length %d: got %d messages, err %v", n, len(got), err)
		}
	}
}

// TestRunAnswersPing: run passes data messages on, answers a ping with a
// masked pong carrying its payload, and echoes the server's close.
func TestRunAnswersPing(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	c := &wsConn{nc: client, br: bufio.NewReader(client), mask: [4]byte{9, 8, 7, 6}}
	var got []string
	done := make(chan error, 1)
	go func() { done <- c.run(func(m []byte) { got = append(got, string(m)) }) }()
	_ = server.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := server.Write(serverFrame(serverFrame(nil, true, opText, []byte("hello"), nil), true, opPing, []byte("ping!"), nil)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(server)
	h, err := readHeader(br)
	if err != nil || h.op != opPong || !h.masked || h.length != 5 {
		t.Fatalf("pong header %+v, err %v", h, err)
	}
	p := make([]byte, h.length)
	if _, err := io.ReadFull(br, p); err != nil {
		t.Fatal(err)
	}
	unmask(p, h.mask, true)
	if string(p) != "ping!" {
		t.Errorf("pong payload %q", p)
	}
	go func() { _, _ = server.Write(serverFrame(nil, true, opClose, []byte{0x03, 0xE8}, nil)) }()
	if h, err := readHeader(br); err != nil || h.op != opClose {
		t.Errorf("close reply %+v, err %v", h, err)
	}
	if err := <-done; !errors.Is(err, errServerClose) {
		t.Errorf("run ended with %v", err)
	}
	if len(got) != 1 || got[0] != "hello" {
		t.Errorf("messages %q", got)
	}
	client.Close()
}

// FuzzMessageReader: any byte stream ends in an error without panicking,
// and no message is larger than the bound.
func FuzzMessageReader(f *testing.F) {
	mask := [4]byte{1, 2, 3, 4}
	f.Add(serverFrame(nil, true, opText, []byte(`{"type":"message","content":"1"}`), nil))
	f.Add(serverFrame(serverFrame(nil, false, opText, []byte("a"), nil), true, opCont, []byte("b"), nil))
	f.Add(serverFrame(nil, true, opPing, []byte("x"), &mask))
	f.Add([]byte{0x81, 126, 0x01})
	f.Add([]byte{0x81, 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, stream []byte) {
		r := messageReader{br: bufio.NewReader(bytes.NewReader(stream))}
		for range len(stream) + 1 {
			_, p, err := r.next()
			if err != nil {
				return
			}
			if len(p) > maxMessage {
				t.Fatalf("message of %d bytes", len(p))
			}
		}
		t.Fatal("reader did not end")
	})
}
