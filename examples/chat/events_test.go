package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/jsgen-dev/jsgen/examples/chat/chatapi"
	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/bus/membus"
)

// recorded is what another service received from the chat's event bus.
type recorded struct {
	mu     sync.Mutex
	events []string // "topic room username [content]"
}

func (r *recorded) add(topic string, p chatapi.RoomPayload) {
	line := topic + " " + p.RoomKey.ID()
	switch e := p.Event.(type) {
	case chatapi.JoinEvent:
		line += " " + e.Username.ID()
	case chatapi.LeaveEvent:
		line += " " + e.Username.ID()
	case chatapi.ChatEvent:
		line += " " + e.Username.ID() + " " + e.Content
	}
	r.mu.Lock()
	r.events = append(r.events, line)
	r.mu.Unlock()
}

func (r *recorded) has(want ...string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range want {
		found := false
		for _, e := range r.events {
			found = found || e == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestEventsReachAnotherService: a service that shares the chat's bus (an
// audit log, a search indexer) receives the typed room.join, room.message
// and room.leave events, validated, through the generated ChatEvents.
func TestEventsReachAnotherService(t *testing.T) {
	b := membus.New()
	t.Cleanup(func() { b.Close() })
	var got recorded
	other := chatapi.NewChatEvents(b, nil)
	record := func(topic string) func(context.Context, chatapi.RoomPayload) {
		return func(_ context.Context, p chatapi.RoomPayload) { got.add(topic, p) }
	}
	for _, on := range []func() (*bus.TopicSubscription, error){
		func() (*bus.TopicSubscription, error) { return other.OnRoomJoin(record("room.join")) },
		func() (*bus.TopicSubscription, error) { return other.OnRoomMessage(record("room.message")) },
		func() (*bus.TopicSubscription, error) { return other.OnRoomLeave(record("room.leave")) },
	} {
		sub, err := on()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sub.Unsubscribe() })
	}
	n := startNode(t, appConfig{SharedBus: b})
	alice := n.dial("/chat/room/ops?username=alice")
	alice.expect("join")
	alice.send(`{"type":"message","content":"hello"}`)
	alice.expect("message")
	alice.send(`{"type":"typing"}`) // typing is not an event other services get
	alice.expect("typing")
	alice.conn.Close()
	waitFor(t, func() bool {
		return got.has("room.join ops alice", "room.message ops alice hello", "room.leave ops alice")
	})
	got.mu.Lock()
	defer got.mu.Unlock()
	if len(got.events) != 3 {
		t.Fatalf("events %q, want exactly join, message and leave", got.events)
	}
}

// TestAuditLogSingleNode: with Audit set, a single node (no bus
// configured) logs every room event through its own consumer of ChatEvents.
func TestAuditLogSingleNode(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	audit := slog.New(slog.NewTextHandler(&lockedWriter{mu: &mu, w: &buf}, nil))
	n := startNode(t, appConfig{Audit: audit})
	alice := n.dial("/chat/room/lobby?username=alice")
	alice.expect("join")
	alice.send(`{"type":"message","content":"for the record"}`)
	alice.expect("message")
	waitFor(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		s := buf.String()
		return strings.Contains(s, "topic=room.join room=lobby user=alice") &&
			strings.Contains(s, `topic=room.message room=lobby user=alice content="for the record"`)
	})
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
