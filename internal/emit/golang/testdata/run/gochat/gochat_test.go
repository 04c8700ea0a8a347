package gochat

import (
	"errors"
	"strings"
	"testing"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

func TestUserTypesGetMethods(t *testing.T) {
	m, err := DecodeClientMessage([]byte(`{"type":"typing"}`))
	if err != nil || m.Type != ClientMessageTypeTyping || !m.Type.Valid() {
		t.Fatalf("DecodeClientMessage = %+v, %v", m, err)
	}
	long := strings.Repeat("x", 4001)
	m.Content = &long
	var e *jsgenrt.Error
	if err := m.Validate(); !errors.As(err, &e) || e.Errors[0].Path != "content" || e.Errors[0].Message != "4001 characters, at most 4000" {
		t.Fatalf("Validate = %v", err)
	}
	if b := m.AppendJSON(nil); !strings.HasPrefix(string(b), `{"type":"typing","content":"xxx`) {
		t.Errorf("AppendJSON = %.40s", b)
	}
}

func TestMixedOriginUnion(t *testing.T) {
	room := MustRoomRef("lobby")
	ts := time.UnixMilli(1700000000000).UTC()
	for _, ev := range []RoomEvent{
		JoinEvent{Username: "ann", Room: room, Timestamp: ts},
		LeaveEvent{Username: "ann", Room: room, Timestamp: ts},
	} {
		b := AppendRoomEventJSON(nil, ev)
		back, err := DecodeRoomEvent(b)
		if err != nil || back != ev {
			t.Errorf("round trip of %s = %#v, %v", b, back, err)
		}
	}
	_, err := DecodeRoomEvent([]byte(`{"type":"join","username":"ann","room":"","timestamp":1}`))
	var e *jsgenrt.Error
	if !errors.As(err, &e) || e.Errors[0].Path != "room" || !strings.Contains(e.Errors[0].Message, "invalid Room identifier") {
		t.Errorf("empty room: %v", err)
	}
	if err := ValidateRoomEvent(JoinEvent{Username: "ann", Timestamp: ts}); !errors.As(err, &e) || e.Errors[0].Message != "missing Room identifier" {
		t.Errorf("zero ref: %v", err)
	}
}
