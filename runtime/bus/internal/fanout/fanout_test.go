package fanout

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestCheckSubject(t *testing.T) {
	valid := []string{"a", "a.b", "room.lobby.message", "a*", "a>b", "x:y", "ü.ñ", strings.Repeat("x", MaxSubjectLen)}
	for _, s := range valid {
		if err := CheckSubject(s); err != nil {
			t.Errorf("CheckSubject(%q) = %v", s, err)
		}
	}
	invalid := map[string]string{
		"*": "wildcard", ">": "wildcard", "a.*": "wildcard", "a.>.b": "wildcard", "*.a": "wildcard",
		"a..b": "empty token", ".a": "empty token", "a.": "empty token", ".": "empty token",
		"a b": "whitespace", "a\tb": "whitespace", "a\r\nb": "whitespace", "a\x00": "control", "a\x7f": "control",
		strings.Repeat("x", MaxSubjectLen+1): "bytes",
	}
	for s, why := range invalid {
		err := CheckSubject(s)
		if !errors.Is(err, ErrInvalidSubject) || !strings.Contains(err.Error(), why) {
			t.Errorf("CheckSubject(%q) = %v, want ErrInvalidSubject (%s)", s, err, why)
		}
	}
	if err := CheckSubject(""); !errors.Is(err, bus.ErrEmptySubject) {
		t.Errorf("CheckSubject(\"\") = %v", err)
	}
}

// FuzzCheckSubject checks that an accepted subject is literal on NATS: no
// empty or wildcard token, no whitespace or control byte, bounded length.
func FuzzCheckSubject(f *testing.F) {
	for _, s := range []string{"a.b", "*", "a.>", "a..b", "a b", "", "a*b.c>", "\x00", ". .", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckSubject(s) != nil {
			return
		}
		if s == "" || len(s) > MaxSubjectLen {
			t.Fatalf("accepted %q", s)
		}
		for _, tok := range strings.Split(s, ".") {
			if tok == "" || tok == "*" || tok == ">" {
				t.Fatalf("accepted %q with token %q", s, tok)
			}
		}
		for i := range len(s) {
			if s[i] <= ' ' || s[i] == 0x7f {
				t.Fatalf("accepted %q with byte %#x", s, s[i])
			}
		}
	})
}

func TestTableFirstLast(t *testing.T) {
	tb := New("test", 4, quiet())
	defer tb.Close()
	h := func(string, []byte) {}
	s1, first, err := tb.Add("a", h)
	if err != nil || !first {
		t.Fatalf("first Add: first=%v err=%v", first, err)
	}
	s2, first, _ := tb.Add("a", h)
	if first {
		t.Fatal("second Add reported first")
	}
	if !tb.Has("a") || tb.Has("b") {
		t.Fatal("Has")
	}
	if tb.Remove(s1) {
		t.Fatal("removing one of two reported last")
	}
	if tb.Remove(s1) {
		t.Fatal("second Remove of the same subscription reported last")
	}
	if !tb.Remove(s2) {
		t.Fatal("removing the last did not report last")
	}
	if tb.Has("a") {
		t.Fatal("subject still present")
	}
}

func TestTableDeliverAndClose(t *testing.T) {
	tb := New("test", 2, quiet())
	release := make(chan struct{})
	var got atomic.Int32
	started := make(chan struct{}, 1)
	if _, _, err := tb.Add("a", func(_ string, d []byte) {
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
		got.Add(1)
	}); err != nil {
		t.Fatal(err)
	}
	if n := tb.Deliver("a", []byte("1")); n != 1 {
		t.Fatalf("Deliver reached %d", n)
	}
	<-started
	for range 5 { // 2 queued, 3 dropped
		tb.Deliver("a", []byte("x"))
	}
	if _, dropped, _ := tb.Counts(); dropped != 3 {
		t.Fatalf("dropped %d, want 3", dropped)
	}
	if tb.Deliver("nobody", nil) != 0 {
		t.Fatal("delivered to nobody")
	}
	closed := make(chan struct{})
	go func() {
		tb.Close()
		close(closed)
	}()
	select {
	case <-closed:
		t.Fatal("Close returned while a handler was running")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	<-closed
	tb.Close() // idempotent
	if _, _, err := tb.Add("a", func(string, []byte) {}); !errors.Is(err, bus.ErrClosed) {
		t.Fatalf("Add after Close: %v", err)
	}
	if got.Load() != 1 {
		t.Fatalf("%d handler calls finished; queued messages must be discarded on Close", got.Load())
	}
}

func TestTablePanics(t *testing.T) {
	var logs syncBuffer
	tb := New("test", 4, slog.New(slog.NewTextHandler(&logs, nil)))
	defer tb.Close()
	done := make(chan struct{})
	if _, _, err := tb.Add("a", func(_ string, d []byte) {
		if string(d) == "boom" {
			panic("boom")
		}
		close(done)
	}); err != nil {
		t.Fatal(err)
	}
	tb.Deliver("a", []byte("boom"))
	tb.Deliver("a", []byte("ok"))
	<-done
	deadline := time.Now().Add(10 * time.Second)
	for {
		delivered, _, failed := tb.Counts()
		if delivered == 1 && failed == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("counts %d delivered %d failed", delivered, failed)
		}
		time.Sleep(time.Millisecond)
	}
	if !strings.Contains(logs.String(), "test: handler panicked") {
		t.Fatalf("panic not logged: %s", logs.String())
	}
}

func TestLoss(t *testing.T) {
	var logs syncBuffer
	l := NewLoss("test", slog.New(slog.NewTextHandler(&logs, nil)))
	for range 5 {
		l.Add("s", errors.New("down"))
	}
	// Logged at the 1st, 2nd and 4th loss of the outage.
	if n := strings.Count(logs.String(), "publish lost"); n != 3 {
		t.Fatalf("%d log lines, want 3:\n%s", n, logs.String())
	}
	if n := l.EndOutage(); n != 5 {
		t.Fatalf("EndOutage = %d", n)
	}
	l.Add("s", errors.New("down again"))
	if n := strings.Count(logs.String(), "publish lost"); n != 4 {
		t.Fatal("a new outage must log its first loss")
	}
	if l.Total() != 6 {
		t.Fatalf("Total = %d", l.Total())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
