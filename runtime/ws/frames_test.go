package ws

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

	gws "github.com/gobwas/ws"
)

// rawFrame is one frame as a raw client writes it, including frames no
// conforming client would send.
type rawFrame struct {
	fin     bool
	rsv     byte // gobwas encoding: bit 2 = RSV1, 1 = RSV2, 0 = RSV3
	op      gws.OpCode
	unmask  bool   // send without a mask (illegal from a client)
	payload []byte //
	length  int64  // declared length when > 0 and no payload (lying header)
}

func text(s string) rawFrame { return rawFrame{fin: true, op: gws.OpText, payload: []byte(s)} }

func frag(op gws.OpCode, fin bool, s string) rawFrame {
	return rawFrame{fin: fin, op: op, payload: []byte(s)}
}

// encode appends f's wire form to b.
func (f rawFrame) encode(b *bytes.Buffer) {
	h := gws.Header{Fin: f.fin, Rsv: f.rsv, OpCode: f.op, Length: int64(len(f.payload))}
	if f.length > 0 {
		h.Length = f.length
	}
	p := append([]byte(nil), f.payload...)
	if !f.unmask {
		h.Masked = true
		h.Mask = [4]byte{0x12, 0x34, 0x56, 0x78}
		gws.Cipher(p, h.Mask, 0)
	}
	_ = gws.WriteHeader(b, h)
	b.Write(p)
}

func encodeFrames(frames ...rawFrame) []byte {
	var b bytes.Buffer
	for _, f := range frames {
		f.encode(&b)
	}
	return b.Bytes()
}

// rawDial opens a WebSocket with gobwas/ws and returns the raw connection.
func (e *testEnv) rawDial(t testing.TB, room string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, br, _, err := gws.Dial(testCtx(t), e.url+room)
	if err != nil {
		t.Fatalf("raw dial: %v", err)
	}
	if br == nil {
		br = bufio.NewReader(conn)
	}
	return conn, br
}

// serverReply is what the server sent back: data frames, pongs, and the
// close frame's code (0 if the connection ended without one).
type serverReply struct {
	texts     []string
	pongs     []string
	closeCode int
	reason    string
}

// readReplies reads server frames until a close frame, EOF, or until
// stop says enough arrived.
func readReplies(conn net.Conn, br *bufio.Reader, stop func(r *serverReply) bool) (serverReply, error) {
	var r serverReply
	_ = conn.SetReadDeadline(time.Now().Add(testTimeout))
	for stop == nil || !stop(&r) {
		h, err := gws.ReadHeader(br)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return r, nil
			}
			return r, err
		}
		if h.Masked {
			return r, errors.New("server sent a masked frame")
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(br, p); err != nil {
			return r, err
		}
		switch h.OpCode {
		case gws.OpText:
			r.texts = append(r.texts, string(p))
		case gws.OpPong:
			r.pongs = append(r.pongs, string(p))
		case gws.OpClose:
			code, reason := gws.ParseCloseFrameData(p)
			r.closeCode, r.reason = int(code), reason
			return r, nil
		}
	}
	return r, nil
}

// rawCase is one row of the raw-frame table.
type rawCase struct {
	name      string
	frames    []rawFrame
	wantTexts []string // data frames expected ("error:CODE" for an error frame)
	wantPongs []string
	wantClose int // 0: the connection must stay open
}

// rawCases is the raw-frame table for a route with the given read limit.
func rawCases(limit int) []rawCase {
	echo := func(s string) string { return `{"type":"echo","text":"` + s + `"}` }
	atLimit := echo(strings.Repeat("x", limit-len(echo(""))))
	tinyFragments := []rawFrame{frag(gws.OpText, false, "{")}
	for range limit + 10 {
		tinyFragments = append(tinyFragments, frag(gws.OpContinuation, false, " "))
	}
	tinyFragments = append(tinyFragments, frag(gws.OpContinuation, true, "}"))

	return []rawCase{
		{"masked text", []rawFrame{text(echo("hi"))}, []string{`{"echo":"hi"}`}, nil, 0},
		{"unmasked text", []rawFrame{{fin: true, op: gws.OpText, unmask: true, payload: []byte(echo("hi"))}}, nil, nil, 1002},
		{"fragmented text", []rawFrame{frag(gws.OpText, false, `{"type":"ec`), frag(gws.OpContinuation, false, `ho","text":"fr`), frag(gws.OpContinuation, true, `ag"}`)}, []string{`{"echo":"frag"}`}, nil, 0},
		{"ping inside fragmented message", []rawFrame{frag(gws.OpText, false, `{"type":"echo",`), {fin: true, op: gws.OpPing, payload: []byte("p1")}, frag(gws.OpContinuation, true, `"text":"x"}`)}, []string{`{"echo":"x"}`}, []string{"p1"}, 0},
		{"ping", []rawFrame{{fin: true, op: gws.OpPing, payload: []byte("hello")}}, nil, []string{"hello"}, 0},
		{"empty text", []rawFrame{text("")}, []string{"error:invalid_json"}, nil, 0},
		{"binary frame on a JSON route", []rawFrame{{fin: true, op: gws.OpBinary, payload: []byte(echo("b"))}}, []string{"error:" + CodeBinaryNotSupported}, nil, 0},
		{"message exactly at the limit", []rawFrame{text(atLimit)}, []string{"error:invalid_message"}, nil, 0},
		{"message over the limit", []rawFrame{text(atLimit + " ")}, nil, nil, 1009},
		{"tiny fragments over the limit", tinyFragments, nil, nil, 1009},
		{"declared length 2^62", []rawFrame{{fin: true, op: gws.OpText, length: 1 << 62}}, nil, nil, 1009},
		{"invalid UTF-8", []rawFrame{text(echo("\xff\xfe"))}, nil, nil, 1007},
		{"overlong encoding", []rawFrame{text(echo("\xc0\xaf"))}, nil, nil, 1007},
		{"UTF-16 surrogate", []rawFrame{text(echo("\xed\xa0\x80"))}, nil, nil, 1007},
		{"invalid UTF-8 split across fragments", []rawFrame{frag(gws.OpText, false, `{"type":"echo","text":"`+"\xe2\x82"), frag(gws.OpContinuation, true, "\x28"+`"}`)}, nil, nil, 1007},
		{"valid UTF-8 split across fragments", []rawFrame{frag(gws.OpText, false, `{"type":"echo","text":"`+"\xe2\x82"), frag(gws.OpContinuation, true, "\xac"+`"}`)}, []string{`{"echo":"€"}`}, nil, 0},
		{"RSV1 without extension", []rawFrame{{fin: true, rsv: gws.Rsv(true, false, false), op: gws.OpText, payload: []byte(echo("r"))}}, nil, nil, 1002},
		{"RSV2", []rawFrame{{fin: true, rsv: gws.Rsv(false, true, false), op: gws.OpText, payload: []byte(echo("r"))}}, nil, nil, 1002},
		{"RSV3", []rawFrame{{fin: true, rsv: gws.Rsv(false, false, true), op: gws.OpText, payload: []byte(echo("r"))}}, nil, nil, 1002},
		{"reserved opcode 0x3", []rawFrame{{fin: true, op: 0x3, payload: []byte("x")}}, nil, nil, 1002},
		{"reserved control opcode 0xB", []rawFrame{{fin: true, op: 0xB}}, nil, nil, 1002},
		{"fragmented ping", []rawFrame{{fin: false, op: gws.OpPing, payload: []byte("x")}}, nil, nil, 1002},
		{"ping payload of 126 bytes", []rawFrame{{fin: true, op: gws.OpPing, payload: bytes.Repeat([]byte("p"), 126)}}, nil, nil, 1002},
		{"continuation without start", []rawFrame{frag(gws.OpContinuation, true, "x")}, nil, nil, 1002},
		{"text inside fragmented message", []rawFrame{frag(gws.OpText, false, "{"), frag(gws.OpText, true, "}")}, nil, nil, 1002},
		{"close 1000", []rawFrame{{fin: true, op: gws.OpClose, payload: closeBody(1000, "bye")}}, nil, nil, 1000},
		{"close code 999", []rawFrame{{fin: true, op: gws.OpClose, payload: closeBody(999, "")}}, nil, nil, 1002},
		{"close code 1005", []rawFrame{{fin: true, op: gws.OpClose, payload: closeBody(1005, "")}}, nil, nil, 1002},
		{"close code 5000", []rawFrame{{fin: true, op: gws.OpClose, payload: closeBody(5000, "")}}, nil, nil, 1002},
		{"close reason not UTF-8", []rawFrame{{fin: true, op: gws.OpClose, payload: closeBody(1000, "\xff")}}, nil, nil, 1002},
	}
}

const rawLimit = 1024

func TestRawFrames(t *testing.T) {
	e := newEnv(t, envConfig{opts: []Option{WithReadLimit(rawLimit)}})
	for _, tc := range rawCases(rawLimit) {
		t.Run(tc.name, func(t *testing.T) {
			conn, br := e.rawDial(t, "raw")
			defer conn.Close()
			if _, err := conn.Write(encodeFrames(tc.frames...)); err != nil {
				t.Fatal(err)
			}
			stop := func(r *serverReply) bool {
				return tc.wantClose == 0 && len(r.texts) >= len(tc.wantTexts) && len(r.pongs) >= len(tc.wantPongs)
			}
			r, err := readReplies(conn, br, stop)
			if err != nil {
				t.Fatalf("reading replies: %v (got %+v)", err, r)
			}
			if r.closeCode != tc.wantClose {
				t.Fatalf("close code %d (%q), want %d; replies %+v", r.closeCode, r.reason, tc.wantClose, r)
			}
			if len(r.texts) != len(tc.wantTexts) {
				t.Fatalf("data frames %q, want %q", r.texts, tc.wantTexts)
			}
			for i, want := range tc.wantTexts {
				if code, ok := strings.CutPrefix(want, "error:"); ok {
					if f := parseErrFrame(t, r.texts[i]); f.Code != code {
						t.Fatalf("error frame %s, want code %s", r.texts[i], code)
					}
				} else if r.texts[i] != want {
					t.Fatalf("data frame %q, want %q", r.texts[i], want)
				}
			}
			if strings.Join(r.pongs, ",") != strings.Join(tc.wantPongs, ",") {
				t.Fatalf("pongs %q, want %q", r.pongs, tc.wantPongs)
			}
		})
	}
	if v := e.violations.Load(); v != 0 {
		t.Fatalf("the decoder saw %d invalid or over-limit messages", v)
	}
}

func closeBody(code uint16, reason string) []byte {
	b := binary.BigEndian.AppendUint16(nil, code)
	return append(b, reason...)
}
