package bus_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/bus/membus"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type payload struct {
	Room    string `json:"room"`
	Content string `json:"content"`
}

func validate(p payload) error {
	var errs jsgenrt.FieldErrors
	if p.Room == "" {
		errs.Add("room", "required")
	}
	return errs.Err()
}

func decode(b []byte) (payload, error) {
	var p payload
	if err := json.Unmarshal(b, &p); err != nil {
		return p, err
	}
	return p, nil
}

func encode(b []byte, p payload) []byte {
	out, _ := json.Marshal(p)
	return append(b, out...)
}

type logBuf struct {
	mu sync.Mutex
	sb strings.Builder
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sb.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sb.String()
}

func newTopic(logs io.Writer) bus.Topic[payload] {
	return bus.Topic[payload]{
		Subject:  "room.message",
		Encode:   encode,
		Decode:   decode,
		Validate: validate,
		Logger:   slog.New(slog.NewTextHandler(logs, nil)),
	}
}

func TestTopicEmitAndOn(t *testing.T) {
	b := membus.New(membus.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer b.Close()
	var logs logBuf
	topic := newTopic(&logs)
	got := make(chan payload, 10)
	var handlerCtx context.Context
	sub, err := topic.On(b, func(ctx context.Context, p payload) {
		handlerCtx = ctx
		got <- p
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// Invalid on emit: refused with the validation error, nothing published.
	err = topic.Emit(ctx, b, payload{Content: "x"})
	var verr *jsgenrt.Error
	if !errors.As(err, &verr) || verr.Errors[0].Path != "room" {
		t.Fatalf("Emit(invalid) = %v", err)
	}
	if b.Stats().Published != 0 {
		t.Fatal("an invalid payload was published")
	}

	// Invalid on receive (another publisher bypassing Emit): dropped,
	// counted, logged; the handler never sees it.
	_ = b.Publish(ctx, "room.message", []byte(`{"room":""}`))
	_ = b.Publish(ctx, "room.message", []byte(`{not json`))
	if err := topic.Emit(ctx, b, payload{Room: "r1", Content: "hi"}); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p != (payload{Room: "r1", Content: "hi"}) {
			t.Fatalf("handler got %+v", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("handler not called")
	}
	if len(got) != 0 {
		t.Fatal("an invalid payload reached the handler")
	}
	waitStats(t, sub, bus.TopicStats{Received: 3, Handled: 1, Invalid: 2})
	if !strings.Contains(logs.String(), "invalid payload") {
		t.Fatalf("invalid payloads not logged: %s", logs.String())
	}

	if handlerCtx.Err() != nil {
		t.Fatal("handler context cancelled while subscribed")
	}
	if err := sub.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	if err := sub.Unsubscribe(); err != nil {
		t.Fatal("second Unsubscribe:", err)
	}
	if handlerCtx.Err() == nil {
		t.Fatal("handler context not cancelled by Unsubscribe")
	}
}

func TestTopicHandlerPanic(t *testing.T) {
	b := membus.New()
	defer b.Close()
	var logs logBuf
	topic := newTopic(&logs)
	done := make(chan struct{})
	sub, err := topic.On(b, func(_ context.Context, p payload) {
		if p.Content == "boom" {
			panic("boom")
		}
		close(done)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	ctx := context.Background()
	_ = topic.Emit(ctx, b, payload{Room: "r", Content: "boom"})
	_ = topic.Emit(ctx, b, payload{Room: "r", Content: "ok"})
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("handler not called after a panic")
	}
	waitStats(t, sub, bus.TopicStats{Received: 2, Handled: 1, Panics: 1})
	if !strings.Contains(logs.String(), "panicked") {
		t.Fatalf("panic not logged: %s", logs.String())
	}
}

// waitStats waits until the handler calls have been counted (the counter
// is updated after the handler returns, so after the test saw its effect).
func waitStats(t *testing.T, sub *bus.TopicSubscription, want bus.TopicStats) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for sub.Stats() != want {
		if time.Now().After(deadline) {
			t.Fatalf("stats = %+v, want %+v", sub.Stats(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestTopicErrors(t *testing.T) {
	b := membus.New()
	ctx := context.Background()
	if err := (bus.Topic[payload]{Subject: "s"}).Emit(ctx, b, payload{}); !errors.Is(err, bus.ErrTopicConfig) {
		t.Fatalf("Emit without codec: %v", err)
	}
	if _, err := (bus.Topic[payload]{Encode: encode, Decode: decode}).On(b, func(context.Context, payload) {}); !errors.Is(err, bus.ErrTopicConfig) {
		t.Fatalf("On without subject: %v", err)
	}
	_ = b.Close()
	topic := newTopic(io.Discard)
	if err := topic.Emit(ctx, b, payload{Room: "r"}); !errors.Is(err, bus.ErrClosed) {
		t.Fatalf("Emit on a closed bus: %v", err)
	}
	if _, err := topic.On(b, func(context.Context, payload) {}); !errors.Is(err, bus.ErrClosed) {
		t.Fatalf("On on a closed bus: %v", err)
	}
}
