package chat

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// wantErr checks err is a *jsgenrt.Error with code and exactly the listed
// violations ("path: message", in order).
func wantErr(t *testing.T, err error, code string, want ...string) {
	t.Helper()
	var e *jsgenrt.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want a *jsgenrt.Error", err, err)
	}
	var got []string
	for _, fe := range e.Errors {
		got = append(got, fe.Path+": "+fe.Message)
	}
	if e.Code != code || !reflect.DeepEqual(got, want) {
		t.Fatalf("err = %s %q\nwant %s %q", e.Code, got, code, want)
	}
}

func ptr[T any](v T) *T { return &v }

func TestClientMessage(t *testing.T) {
	m, err := DecodeClientMessage([]byte(` {"content":"hi","type":"message"} `))
	if err != nil || m.Type != ClientMessageTypeMessage || m.Content == nil || *m.Content != "hi" {
		t.Fatalf("decode = %+v, %v", m, err)
	}
	m, err = DecodeClientMessage([]byte(`{"type":"typing"}`))
	if err != nil || m.Type != ClientMessageTypeTyping || m.Content != nil {
		t.Fatalf("decode = %+v, %v", m, err)
	}
	long := strings.Repeat("é", 5000)
	_, err = DecodeClientMessage([]byte(`{"type":"message","content":"` + long + `"}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, "content: 5000 characters, at most 4000")

	_, err = DecodeClientMessage([]byte(`{"type":"message","Content":"x"}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, `Content: unknown field (did you mean "content"?)`)
	_, err = DecodeClientMessage([]byte(`{"type":"message","type":"typing"}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, "type: duplicate field")
	_, err = DecodeClientMessage([]byte(`{"content":"x"}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, "type: required field is missing")
	_, err = DecodeClientMessage([]byte(`{"type":5,"content":null,"extra":[1,{"a":2}]}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, "type: want string, got number", "content: want string, got null", "extra: unknown field")
	_, err = DecodeClientMessage([]byte(`{"type":"shout"}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, `type: "shout" is not one of message, typing`)
	_, err = DecodeClientMessage([]byte(`[]`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, ": want object, got array")

	for _, bad := range []string{"{\"type\":\"message\",\"content\":\"\xff\"}", `{"type":"message",}`, `{"type":"message"} x`,
		`{"type":"message","content":"\ud800"}`, ``, `{"type":"mess` + "\n" + `age"}`} {
		_, err = DecodeClientMessage([]byte(bad))
		var e *jsgenrt.Error
		if !errors.As(err, &e) || e.Code != jsgenrt.CodeInvalidJSON || len(e.Errors) != 1 || !strings.Contains(e.Errors[0].Message, "at byte") {
			t.Errorf("DecodeClientMessage(%q) = %v, want one invalid_json error with an offset", bad, err)
		}
	}
	// encoding/json goes through the strict decoder.
	var viaJSON ClientMessage
	if err := json.Unmarshal([]byte(`{"TYPE":"message"}`), &viaJSON); err == nil {
		t.Error("json.Unmarshal accepted a case-mismatched name")
	}
	if err := json.Unmarshal([]byte(`{"type":"message"}`), &viaJSON); err != nil || viaJSON.Type != ClientMessageTypeMessage {
		t.Errorf("json.Unmarshal = %+v, %v", viaJSON, err)
	}
}

func TestRoomQueryDefaultsAndPattern(t *testing.T) {
	q, err := DecodeRoomQuery([]byte(`{}`))
	if err != nil || q.Username != "Anonymous" || !q.Echo {
		t.Fatalf("defaults = %+v, %v", q, err)
	}
	q, err = DecodeRoomQuery([]byte(`{"username":"ann","echo":false}`))
	if err != nil || q.Username != "ann" || q.Echo {
		t.Fatalf("decode = %+v, %v", q, err)
	}
	_, err = DecodeRoomQuery([]byte(`{"username":"<b>"}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, `username: does not match pattern "^[^<>]+$"`)
	_, err = DecodeRoomQuery([]byte(`{"username":""}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, "username: 0 characters, at least 1", `username: does not match pattern "^[^<>]+$"`)
	_, err = DecodeRoomQuery([]byte(`{"echo":"yes"}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, "echo: want boolean, got string")
}

func TestNestedPaths(t *testing.T) {
	_, err := DecodeErrorEvent([]byte(`{"code":"c","message":"m","errors":[{"path":"a","message":"b"},{"path":"x"},{"path":1,"message":"y","z":0}]}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage,
		"errors[1].message: required field is missing",
		"errors[2].path: want string, got number",
		"errors[2].z: unknown field")
	e := ErrorEvent{Code: "c", Message: "\xff", Errors: []FieldProblem{{Path: "ok", Message: "ok"}, {Path: "\xfe", Message: "ok"}}}
	wantErr(t, e.Validate(), jsgenrt.CodeInvalidMessage, "message: invalid UTF-8", "errors[1].path: invalid UTF-8")
	d := DirectMessage{From: "ann", Content: "", Timestamp: time.UnixMilli(1)}
	wantErr(t, d.Validate(), jsgenrt.CodeInvalidMessage, "content: 0 characters, at least 1")
}

func TestValidateDoesNotAllocate(t *testing.T) {
	ev := ErrorEvent{Code: "bad", Message: "invalid frame", Errors: []FieldProblem{{Path: "content", Message: "too long"}}}
	q := RoomQuery{Username: "ann", Echo: true}
	send := DirectSend{To: MustUserRef("bob"), Content: "hello"}
	var u RoomEvent = ChatEvent{Username: "ann", Content: ptr("hi"), Timestamp: time.UnixMilli(1700000000000)}
	if n := testing.AllocsPerRun(100, func() {
		if ev.Validate() != nil || q.Validate() != nil || send.Validate() != nil || ValidateRoomEvent(u) != nil {
			t.Fatal("invalid")
		}
	}); n != 0 {
		t.Errorf("Validate allocates %v times per run on valid messages", n)
	}
}

func TestRoomEventUnion(t *testing.T) {
	ts := time.UnixMilli(1700000000123).UTC()
	events := []RoomEvent{
		JoinEvent{Username: "ann", Timestamp: ts},
		LeaveEvent{Username: "ann", Timestamp: ts},
		ChatEvent{Username: "ann", Content: ptr("hi \"there\"\n"), Timestamp: ts},
		TypingEvent{Username: "bob", Timestamp: ts},
		SentEvent{MessageID: "m1"},
		ErrorEvent{Code: "invalid_message", Message: "bad", Errors: []FieldProblem{{Path: "content", Message: "too long"}}},
		ErrorEvent{Code: "x", Message: "y"},
	}
	wantJSON := []string{
		`{"type":"join","username":"ann","timestamp":1700000000123}`,
		`{"type":"leave","username":"ann","timestamp":1700000000123}`,
		`{"type":"message","username":"ann","content":"hi \"there\"\n","timestamp":1700000000123}`,
		`{"type":"typing","username":"bob","timestamp":1700000000123}`,
		`{"type":"sent","messageId":"m1"}`,
		`{"type":"error","code":"invalid_message","message":"bad","errors":[{"path":"content","message":"too long"}]}`,
		`{"type":"error","code":"x","message":"y"}`,
	}
	for i, ev := range events {
		b := AppendRoomEventJSON(nil, ev)
		if string(b) != wantJSON[i] {
			t.Errorf("Append(%T) = %s\nwant %s", ev, b, wantJSON[i])
		}
		if !json.Valid(b) {
			t.Errorf("invalid JSON %s", b)
		}
		back, err := DecodeRoomEvent(b)
		if err != nil || !reflect.DeepEqual(back, ev) {
			t.Errorf("round trip of %s = %#v, %v", b, back, err)
		}
		if ev.RoomEventTag() == "" {
			t.Errorf("%T has no tag", ev)
		}
	}
	// A pointer to a variant works too.
	if b := AppendRoomEventJSON(nil, &SentEvent{MessageID: "m2"}); string(b) != `{"type":"sent","messageId":"m2"}` {
		t.Errorf("pointer variant = %s", b)
	}
	if ValidateRoomEvent(&SentEvent{MessageID: "m2"}) != nil {
		t.Error("a pointer variant does not validate")
	}
	wantErr(t, ValidateRoomEvent(nil), jsgenrt.CodeInvalidMessage, ": required field is missing")
	if b := AppendRoomEventJSON(nil, nil); string(b) != "null" {
		t.Errorf("Append(nil) = %s", b)
	}
	wantErr(t, ValidateRoomEvent((*SentEvent)(nil)), jsgenrt.CodeInvalidMessage, ": required field is missing")

	ev, err := DecodeRoomEvent([]byte(`{"username":"ann","timestamp":5,"type":"leave"}`))
	if err != nil || ev != (LeaveEvent{Username: "ann", Timestamp: time.UnixMilli(5).UTC()}) {
		t.Errorf("discriminator last: %#v, %v", ev, err)
	}
	_, err = DecodeRoomEvent([]byte(`{"type":"wave","username":"ann"}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, `type: unknown type "wave"; want one of join, leave, message, typing, sent, error`)
	_, err = DecodeRoomEvent([]byte(`{"username":"ann"}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, "type: required field is missing")
	_, err = DecodeRoomEvent([]byte(`{"type":"join","type":"join","username":"ann","timestamp":1}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, "type: duplicate field")
	_, err = DecodeRoomEvent([]byte(`{"type":"join","username":"ann","timestamp":1.5}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, "timestamp: 1.5 is not an integer")
	_, err = DecodeRoomEvent([]byte(`{"type":"error","code":"c","message":"m","errors":[{"path":"p"}]}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, "errors[0].message: required field is missing")
}

func TestVariantOwnJSON(t *testing.T) {
	// A variant of exactly one union writes its tag in its own JSON form, so
	// encoding/json on an interface value keeps the discriminator.
	var ev RoomEvent = JoinEvent{Username: "ann", Timestamp: time.UnixMilli(7)}
	b, err := json.Marshal(ev)
	if err != nil || string(b) != `{"type":"join","username":"ann","timestamp":7}` {
		t.Errorf("json.Marshal = %s, %v", b, err)
	}
	j, err := DecodeJoinEvent(b)
	if err != nil || j.Username != "ann" {
		t.Errorf("DecodeJoinEvent(%s) = %+v, %v", b, j, err)
	}
	if _, err := DecodeJoinEvent([]byte(`{"username":"ann","timestamp":7}`)); err != nil {
		t.Errorf("the tag is optional in the variant's own form: %v", err)
	}
	_, err = DecodeJoinEvent([]byte(`{"type":"leave","username":"ann","timestamp":7}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, `type: "leave" does not match this message; want "join"`)
}

func TestDMFrameDefaultVariant(t *testing.T) {
	f, err := DecodeDMFrame([]byte(`{"to":"bob","content":"hi"}`))
	if err != nil || f != (DirectSend{To: MustUserRef("bob"), Content: "hi"}) {
		t.Fatalf("default variant = %#v, %v", f, err)
	}
	f, err = DecodeDMFrame([]byte(`{"type":"presence","status":"away"}`))
	if err != nil || f != (PresenceUpdate{Status: PresenceStatusAway}) {
		t.Fatalf("presence = %#v, %v", f, err)
	}
	_, err = DecodeDMFrame([]byte(`{"to":"a.b","content":"hi"}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, `to: invalid User identifier "a.b": '.' at byte 1 is not allowed`)
	_, err = DecodeDMFrame([]byte(`{"type":"presence","status":"gone"}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, `status: "gone" is not one of online, away, busy`)
	b := AppendDMFrameJSON(nil, DirectSend{To: MustUserRef("bob"), Content: "yo"})
	if string(b) != `{"type":"dm","to":"bob","content":"yo"}` {
		t.Errorf("Append = %s", b)
	}
}

func TestModelsAndRefs(t *testing.T) {
	if _, err := RoomRef("lobby"); err != nil {
		t.Errorf("RoomRef(lobby): %v", err)
	}
	for _, bad := range []string{"", "a.b", "a b", "a*", "x>", strings.Repeat("r", 65), "\xff", "a\x00"} {
		_, err := RoomRef(bad)
		var re *jsgenrt.RefError
		if !errors.As(err, &re) || re.Model != "Room" {
			t.Errorf("RoomRef(%q) = %v, want a *RefError", bad, err)
		}
	}
	if _, err := UserRef(strings.Repeat("u", 255)); err != nil {
		t.Errorf("UserRef at the default bound: %v", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("MustRoomRef did not panic")
			}
		}()
		MustRoomRef("no way")
	}()
	r, err := DecodeRoom([]byte(`{"name":"General"}`))
	if err != nil || r.Name != "General" {
		t.Errorf("DecodeRoom = %+v, %v", r, err)
	}
	_, err = DecodeRoom([]byte(`{"name":"` + strings.Repeat("n", 101) + `"}`))
	wantErr(t, err, jsgenrt.CodeInvalidMessage, "name: 101 characters, at most 100")
	u := User{DisplayName: ptr("Ann")}
	if b, _ := json.Marshal(u); string(b) != `{"displayName":"Ann"}` {
		t.Errorf("json.Marshal(User) = %s", b)
	}
	if b, _ := json.Marshal(User{}); string(b) != `{}` {
		t.Errorf("json.Marshal(User{}) = %s", b)
	}
}
