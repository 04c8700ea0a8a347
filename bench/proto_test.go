package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
)

func TestAppendPublish(t *testing.T) {
	for _, p := range []protocol{protoJsgen, protoMelody, protoCentrifuge} {
		b := p.appendPublish(nil, 7, 1234567890123, 42)
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("protocol %d: %s is not JSON: %v", p, b, err)
		}
		if ts, ok := contentTS(b); !ok || ts != 1234567890123 {
			t.Errorf("protocol %d: timestamp %d %v in %s", p, ts, ok, b)
		}
		if p == protoCentrifuge {
			pub, _ := v["publish"].(map[string]any)
			if v["id"] != float64(42) || pub["channel"] != "r007" {
				t.Errorf("centrifuge publish %s", b)
			}
		}
	}
}

func TestContentTS(t *testing.T) {
	for msg, want := range map[string]int64{
		`{"type":"message","username":"u1","content":"17","timestamp":3}`:             17,
		`{"push":{"channel":"r001","pub":{"data":{"type":"message","content":"9"}}}}`: 9,
		`{"type":"join","username":"u1","timestamp":3}`:                               -1,
		`{"content":"12x"}`: -1,
		`{"content":""}`:    -1,
		`{"content":"12`:    -1,
	} {
		ts, ok := contentTS([]byte(msg))
		if (want < 0) == ok || (ok && ts != want) {
			t.Errorf("%s: got %d %v, want %d", msg, ts, ok, want)
		}
	}
}

func TestReady(t *testing.T) {
	join := []byte(`{"type":"join","username":"u12","timestamp":1}`)
	if !protoJsgen.isReady(join, protoJsgen.readyNeedle(12)) {
		t.Error("own join not recognised")
	}
	if protoJsgen.isReady(join, protoJsgen.readyNeedle(1)) {
		t.Error("u1 took u12's join for its own")
	}
	if protoJsgen.isReady([]byte(`{"type":"message","username":"u12","content":"1"}`), protoJsgen.readyNeedle(12)) {
		t.Error("a message taken for a join")
	}
	if !protoMelody.isReady(readyFrame, protoMelody.readyNeedle(3)) {
		t.Error("melody ready not recognised")
	}
	if !protoCentrifuge.isReady([]byte(`{"id":1,"connect":{"client":"x"}}`), protoCentrifuge.readyNeedle(3)) {
		t.Error("centrifuge connect reply not recognised")
	}
	if !protoCentrifuge.isPing([]byte("{}")) || protoJsgen.isPing([]byte("{}")) {
		t.Error("ping detection")
	}
	var hello struct {
		ID      int `json:"id"`
		Connect struct {
			Data connectData `json:"data"`
		} `json:"connect"`
	}
	if err := json.Unmarshal(protoCentrifuge.hello(3, 5), &hello); err != nil || hello.ID != 1 || hello.Connect.Data != (connectData{Room: "r003", User: "u5"}) {
		t.Errorf("hello %s: %v", protoCentrifuge.hello(3, 5), err)
	}
}

// FuzzContentTS: the parser never panics, and it returns a timestamp
// exactly when the first content key is followed by a decimal int64 and a
// closing quote, the value strconv reads there.
func FuzzContentTS(f *testing.F) {
	f.Add([]byte(`{"content":"123"}`))
	f.Add([]byte(`{"content":"9223372036854775807"}`))
	f.Add([]byte(`{"content":"9223372036854775808"}`))
	f.Add([]byte(`"content":"`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		ts, ok := contentTS(msg)
		var want int64
		wantOK := false
		if i := bytes.Index(msg, contentKey); i >= 0 {
			rest := msg[i+len(contentKey):]
			if j := bytes.IndexByte(rest, '"'); j > 0 && !bytes.ContainsAny(rest[:j], "+-") {
				if v, err := strconv.ParseInt(string(rest[:j]), 10, 64); err == nil {
					want, wantOK = v, true
				}
			}
		}
		if ok != wantOK || ts != want {
			t.Fatalf("%q: got %d %v, want %d %v", msg, ts, ok, want, wantOK)
		}
	})
}
