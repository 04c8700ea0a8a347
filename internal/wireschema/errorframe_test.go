package wireschema

import (
	"testing"

	"github.com/jsgen-dev/jsgen/internal/genfile"
)

// TestErrorFrame checks the error frame's document against an independent
// validator: it accepts what the runtime sends and nothing else.
func TestErrorFrame(t *testing.T) {
	f, err := ErrorFrame()
	if err != nil {
		t.Fatal(err)
	}
	if f.Path != "jsgen.ErrorFrame.schema.json" {
		t.Errorf("path %q", f.Path)
	}
	s := compileAll(t, []genfile.File{f})[ErrorFrameName]
	for _, tc := range []struct {
		frame string
		ok    bool
	}{
		{`{"type":"error","code":"invalid_message","message":"invalid message","errors":[{"path":"content","message":"required field is missing"}]}`, true},
		{`{"type":"error","code":"join_refused","message":"the room is full","errors":[]}`, true},
		{`{"type":"error","code":"c","message":"m"}`, false},
		{`{"type":"message","code":"c","message":"m","errors":[]}`, false},
		{`{"type":"error","code":"c","message":"m","errors":[],"extra":1}`, false},
		{`{"type":"error","code":"c","message":"m","errors":[{"path":"p"}]}`, false},
		{`{"type":"error","code":1,"message":"m","errors":[]}`, false},
	} {
		ok, err := schemaAccepts(t, s, []byte(tc.frame))
		if ok != tc.ok {
			t.Errorf("%s: accepted %v (%v), want %v", tc.frame, ok, err, tc.ok)
		}
	}
}
