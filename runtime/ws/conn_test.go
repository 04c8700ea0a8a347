package ws

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestInvalidFramesGetErrorFramesAndConnectionStays(t *testing.T) {
	e := newEnv(t, envConfig{})
	c := e.dial(t, "lobby", nil)
	tests := []struct {
		name, frame, code, path string
	}{
		{"not JSON", `{"type":`, "invalid_json", ""},
		{"empty", ``, "invalid_json", ""},
		{"array", `[1,2]`, "invalid_json", ""},
		{"two objects", `{"type":"echo"}{"type":"echo"}`, "invalid_json", ""},
		{"unknown field", `{"type":"echo","admin":true}`, "invalid_json", ""},
		{"unknown type", `{"type":"nope"}`, "invalid_message", "type"},
		{"too long", `{"type":"echo","text":"` + strings.Repeat("x", 101) + `"}`, "invalid_message", "text"},
	}
	for _, tc := range tests {
		send(t, c, tc.frame)
		f := parseErrFrame(t, read(t, c))
		if f.Code != tc.code {
			t.Errorf("%s: code %q, want %q", tc.name, f.Code, tc.code)
		}
		if tc.path != "" && (len(f.Errors) != 1 || f.Errors[0].Path != tc.path) {
			t.Errorf("%s: errors %+v, want one at %q", tc.name, f.Errors, tc.path)
		}
	}
	if err := c.WriteMessage(websocket.BinaryMessage, []byte(`{"type":"echo"}`)); err != nil {
		t.Fatal(err)
	}
	if f := parseErrFrame(t, read(t, c)); f.Code != CodeBinaryNotSupported {
		t.Errorf("binary frame: code %q", f.Code)
	}
	send(t, c, `{"type":"echo","text":"still here"}`)
	if got := read(t, c); got != `{"echo":"still here"}` {
		t.Fatalf("after invalid frames: %s", got)
	}
	errs := e.metrics.snapshot(func(m *recMetrics) any {
		return fmt.Sprint(m.errors["invalid_json"], m.errors["invalid_message"], m.errors[CodeBinaryNotSupported])
	})
	if errs != "5 2 1" {
		t.Errorf("errors by code invalid_json, invalid_message, binary: %s, want 5 2 1", errs)
	}
}

func TestInvalidUTF8Closes1007(t *testing.T) {
	e := newEnv(t, envConfig{})
	c := e.dial(t, "lobby", nil)
	if err := c.WriteMessage(websocket.TextMessage, []byte("{\"type\":\"echo\",\"text\":\"\xff\xfe\"}")); err != nil {
		t.Fatal(err)
	}
	code, reason, _ := readClose(t, c)
	if code != CloseInvalidPayload || reason != "invalid UTF-8" {
		t.Fatalf("close %d %q, want 1007", code, reason)
	}
	if len(e.decoded) != 0 {
		t.Fatal("the decoder saw invalid UTF-8")
	}
	e.metrics.waitFor(t, "close 1007 counted", func(m *recMetrics) bool { return m.closed[1007] == 1 })
}

func TestReadLimit(t *testing.T) {
	const limit = 1024
	e := newEnv(t, envConfig{opts: []Option{WithReadLimit(limit)}})
	c := e.dial(t, "lobby", nil)
	frame := func(n int) string {
		head := `{"type":"echo","text":"`
		return head + strings.Repeat("x", n-len(head)-2) + `"}`
	}
	send(t, c, frame(limit)) // at the limit: delivered (and refused by validation)
	if f := parseErrFrame(t, read(t, c)); f.Code != "invalid_message" {
		t.Fatalf("message at the limit: %+v", f)
	}
	send(t, c, frame(limit+1))
	code, _, _ := readClose(t, c)
	if code != CloseTooBig {
		t.Fatalf("over the limit: close %d, want 1009", code)
	}
	e.metrics.waitFor(t, "close 1009 counted", func(m *recMetrics) bool {
		return m.closed[1009] == 1 && m.errors[ErrCodeMessageTooBig] == 1
	})
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, envConfig{opts: []Option{WithRateLimit(0.1, 10)}})
	c := e.dial(t, "lobby", nil)
	for i := range 10 { // the burst
		send(t, c, fmt.Sprintf(`{"type":"echo","text":"%d"}`, i))
		if got, want := read(t, c), fmt.Sprintf(`{"echo":"%d"}`, i); got != want {
			t.Fatalf("frame %d: %s", i, got)
		}
	}
	for i := range 20 { // the flood: the first is refused, the rest ignored
		send(t, c, fmt.Sprintf(`{"type":"echo","text":"x%d"}`, i))
	}
	code, reason, data := readClose(t, c)
	if code != ClosePolicy || reason != "rate limit exceeded" {
		t.Fatalf("close %d %q, want 1008", code, reason)
	}
	if len(data) != 1 || parseErrFrame(t, data[0]).Code != CodeRateLimited {
		t.Fatalf("frames before the close: %q, want one rate_limited error frame", data)
	}
	if n := len(e.decoded); n != 10 {
		t.Fatalf("%d messages reached the decoder, want 10", n)
	}
}

func TestHandlerReturnFlushesThenCloses1000(t *testing.T) {
	e := newEnv(t, envConfig{})
	c := e.dial(t, "lobby", nil)
	send(t, c, `{"type":"burst","n":500}`)
	code, _, data := readClose(t, c)
	if code != CloseNormal {
		t.Fatalf("close %d, want 1000", code)
	}
	if len(data) != 500 {
		t.Fatalf("got %d frames, want all 500 before the close", len(data))
	}
	for i, d := range data {
		if d != fmt.Sprintf(`{"i":%d}`, i) {
			t.Fatalf("frame %d out of order: %s", i, d)
		}
	}
}

func TestHandlerErrorAndPanicClose1011(t *testing.T) {
	e := newEnv(t, envConfig{})
	other := e.dial(t, "lobby", nil)
	for _, kind := range []string{"fail", "panic"} {
		c := e.dial(t, "lobby", nil)
		send(t, c, `{"type":"id"}`)
		id := read(t, c)
		send(t, c, `{"type":"`+kind+`"}`)
		code, reason, _ := readClose(t, c)
		if code != CloseInternal || reason != "internal error" {
			t.Fatalf("%s: close %d %q, want 1011", kind, code, reason)
		}
		id = strings.TrimSuffix(strings.TrimPrefix(id, `{"id":"`), `"}`)
		if !strings.Contains(e.logs.String(), "conn_id="+id) {
			t.Errorf("%s: no log line with conn_id=%s:\n%s", kind, id, e.logs)
		}
	}
	e.metrics.waitFor(t, "handler failures counted", func(m *recMetrics) bool {
		return m.errors[ErrCodeHandlerError] == 1 && m.errors[ErrCodeHandlerPanic] == 1 && m.closed[1011] == 2
	})
	if !strings.Contains(e.logs.String(), "handler panicked on purpose") {
		t.Error("the panic value is not logged")
	}
	send(t, other, `{"type":"echo","text":"alive"}`)
	if got := read(t, other); got != `{"echo":"alive"}` {
		t.Fatalf("other connection after a panic: %s", got)
	}
}

func TestContextCancelledWhenClientLeaves(t *testing.T) {
	e := newEnv(t, envConfig{})
	c := e.dial(t, "lobby", nil)
	send(t, c, `{"type":"id"}`)
	id := strings.TrimSuffix(strings.TrimPrefix(read(t, c), `{"id":"`), `"}`)
	_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, "bye"), time.Now().Add(time.Second))
	c.Close()
	select {
	case got := <-e.ctxDone:
		if got != id {
			t.Fatalf("context of %s done, want %s", got, id)
		}
	case <-testCtx(t).Done():
		t.Fatal("handler context not cancelled after the client left")
	}
	e.metrics.waitFor(t, "client close code recorded", func(m *recMetrics) bool { return m.closed[1000] == 1 })
}

func TestInboxFullCloses1013(t *testing.T) {
	started := make(chan struct{}, 1)
	e := newEnv(t, envConfig{
		opts: []Option{func(o *Options) { o.InboxSize, o.InboundWait = 2, 50*time.Millisecond }},
		runOverride: func(ctx context.Context, c *Conn, _ iter.Seq[testMsg]) error {
			started <- struct{}{}
			<-ctx.Done() // never reads its messages
			return nil
		},
	})
	c := e.dial(t, "lobby", nil)
	<-started
	for range 5 {
		send(t, c, `{"type":"echo"}`)
	}
	code, reason, _ := readClose(t, c)
	if code != CloseTryAgainLater || !strings.Contains(reason, "not consumed") {
		t.Fatalf("close %d %q, want 1013 (messages not consumed)", code, reason)
	}
}

func TestCloseFromHandler(t *testing.T) {
	e := newEnv(t, envConfig{runOverride: func(ctx context.Context, c *Conn, _ iter.Seq[testMsg]) error {
		_ = c.SendBytes([]byte(`{"bye":true}`))
		c.Close(4001, strings.Repeat("é", 100)) // reason cut to 123 bytes without splitting a rune
		if err := c.SendBytes([]byte(`{}`)); err != ErrClosed {
			return fmt.Errorf("SendBytes after Close: %v, want ErrClosed", err)
		}
		<-ctx.Done()
		return nil
	}})
	c := e.dial(t, "lobby", nil)
	code, reason, data := readClose(t, c)
	if code != 4001 || len(reason) != 122 || len(data) != 1 {
		t.Fatalf("close %d reason of %d bytes, %d data frames", code, len(reason), len(data))
	}
}

func TestCloseCodeSanitized(t *testing.T) {
	for code, want := range map[int]int{1000: 1000, 1003: 1003, 1004: 1011, 1005: 1011, 1006: 1011, 1013: 1013, 1015: 1011, 2999: 1011, 3000: 3000, 4999: 4999, 5000: 1011, 0: 1011} {
		if got := sendableCloseCode(code); got != (code == want) {
			t.Errorf("sendableCloseCode(%d) = %v", code, got)
		}
	}
}
