package ws

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/jsonx"
)

var envelopeSeeds = []string{
	`{"id":"1","command":"send","payload":{"content":"hi"}}`,
	` { "payload" : { "a" : [1, {"b": null}] } , "command":"send", "id":"x" } `,
	`{"id":"1","command":"send"}`,
	`{"id":"1","cancel":true}`,
	`{"id":"1","cancel":false}`,
	`{"id":"1","cancel":"yes"}`,
	`{"id":"1","command":"send","cancel":true}`,
	`{"id":"1","cancel":true,"payload":{}}`,
	`{"id":"","command":"send"}`,
	`{"id":"` + strings.Repeat("é", 64) + `","command":"send"}`,
	`{"id":"` + strings.Repeat("a", 65) + `","command":"send"}`,
	`{"id":1,"command":"send"}`,
	`{"id":"1","command":""}`,
	`{"id":"1","command":7}`,
	`{"id":"1","command":"send","payload":[1]}`,
	`{"id":"1","command":"send","payload":{"a":}}`,
	`{"id":"1","id":"2","command":"send"}`,
	`{"id":"1","command":"send","extra":1}`,
	`{"id":"1","Command":"send"}`,
	`{"command":"send"}`,
	`{"id":"\u0041\n","command":"s\"end"}`,
	`{"id":"1","command":"send"} x`,
	`{"type":"message","content":"hi"}`,
	`[1,2]`, `"command"`, `{`, ``,
}

func TestDecodeEnvelope(t *testing.T) {
	cases := []struct {
		in, id, command, payload string
		cancel                   bool
		paths                    string // "" when valid
	}{
		{in: envelopeSeeds[0], id: "1", command: "send", payload: `{"content":"hi"}`},
		{in: envelopeSeeds[1], id: "x", command: "send", payload: `{ "a" : [1, {"b": null}] }`},
		{in: envelopeSeeds[2], id: "1", command: "send"},
		{in: envelopeSeeds[3], id: "1", cancel: true},
		{in: envelopeSeeds[4], id: "1", paths: "[cancel]"},
		{in: envelopeSeeds[5], id: "1", paths: "[cancel]"},
		{in: envelopeSeeds[6], id: "1", paths: "[cancel]"},
		{in: envelopeSeeds[7], id: "1", paths: "[payload]"},
		{in: envelopeSeeds[8], paths: "[id]"},
		{in: envelopeSeeds[9], id: strings.Repeat("é", 64), command: "send"},
		{in: envelopeSeeds[10], paths: "[id]"},
		{in: envelopeSeeds[11], paths: "[id]"},
		{in: envelopeSeeds[12], id: "1", paths: "[command]"},
		{in: envelopeSeeds[13], id: "1", paths: "[command]"},
		{in: envelopeSeeds[14], id: "1", paths: "[payload]"},
		{in: envelopeSeeds[16], id: "1", paths: "[id]"},
		{in: envelopeSeeds[17], id: "1", paths: "[extra]"},
		{in: envelopeSeeds[18], id: "1", paths: "[Command command]"},
		{in: envelopeSeeds[19], paths: "[id]"},
		{in: envelopeSeeds[20], id: "A\n", command: `s"end`},
	}
	for _, tc := range cases {
		env, err := decodeEnvelope([]byte(tc.in))
		var paths []string
		var je *jsgenrt.Error
		if errors.As(err, &je) {
			for _, fe := range je.Errors {
				paths = append(paths, fe.Path)
			}
		}
		switch {
		case tc.paths == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tc.in, err)
		case tc.paths != "" && fmt.Sprint(paths) != tc.paths:
			t.Errorf("%s: error paths %v (%v), want %s", tc.in, paths, err, tc.paths)
		case env.id != tc.id:
			t.Errorf("%s: id %q, want %q", tc.in, env.id, tc.id)
		case tc.paths == "" && (env.command != tc.command || string(env.payload) != tc.payload || env.cancel != tc.cancel):
			t.Errorf("%s: got %+v", tc.in, env)
		}
	}
	// Malformed JSON is invalid_json, with the id when it was read first
	// (so the refusal can be a reply).
	for in, id := range map[string]string{envelopeSeeds[15]: "1", envelopeSeeds[21]: "1", `{`: "", `{"command":"x",`: ""} {
		env, err := decodeEnvelope([]byte(in))
		var je *jsgenrt.Error
		if !errors.As(err, &je) || je.Code != jsgenrt.CodeInvalidJSON || env.id != id {
			t.Errorf("%s: got %+v, %v; want invalid_json with id %q", in, env, err, id)
		}
	}
}

func TestIsCallFrame(t *testing.T) {
	for in, want := range map[string]bool{
		`{"id":"1","command":"x"}`:          true,
		`{"a":{"command":1},"cancel":true}`: true,
		`{"type":"message","content":"hi"}`: false,
		`{"content":{"command":"x"}}`:       false,
		`[{"command":"x"}]`:                 false,
		`{"type":"message","command"`:       false, // truncated: the message decoder reports it
		`{"type":"message","content":"hi"`:  false,
		`not json`:                          false,
	} {
		if got := isCallFrame([]byte(in)); got != want {
			t.Errorf("isCallFrame(%s) = %v, want %v", in, got, want)
		}
	}
	msg := []byte(`{"type":"message","content":"hi","n":[1,2]}`)
	allocs := testing.AllocsPerRun(100, func() { isCallFrame(msg) })
	if allocs != 0 {
		t.Errorf("isCallFrame allocates %v per message frame, want 0", allocs)
	}
	call := []byte(envelopeSeeds[0])
	allocs = testing.AllocsPerRun(100, func() { _, _ = decodeEnvelope(call) })
	if allocs != 0 {
		t.Errorf("decodeEnvelope allocates %v per valid call, want 0", allocs)
	}
}

// FuzzDecodeEnvelope checks the envelope decoder never panics, and that
// what it accepts is a well-formed call or cancel: an id of 1..64
// characters, and a command with an object payload, or a cancel alone.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		isCallFrame(data)
		env, err := decodeEnvelope(data)
		if n := utf8.RuneCountInString(env.id); env.id != "" && (n < 1 || n > MaxCallIDLength) {
			t.Fatalf("id %q of %d characters", env.id, n)
		}
		if err != nil {
			var je *jsgenrt.Error
			if !errors.As(err, &je) {
				t.Fatalf("error %T, want *jsgenrt.Error", err)
			}
			return
		}
		if !jsonx.Valid(data) || !isCallFrame(data) {
			t.Fatalf("accepted %q: not a JSON call frame", data)
		}
		if env.cancel == (env.command != "") || env.cancel && env.payload != nil {
			t.Fatalf("accepted %q as %+v", data, env)
		}
		if env.payload != nil && (!jsonx.Valid(env.payload) || env.payload[0] != '{') {
			t.Fatalf("payload %q is not an object", env.payload)
		}
	})
}
