package codecbench

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/jsonx"
)

// The strict mirror: the Post message for encoding/json + validator with
// pointers for required members, so that "absent" is visible, used as an
// independent oracle of which posts are valid.

type sPost struct {
	Type        *string           `json:"type" validate:"omitempty,eq=post"`
	ID          *string           `json:"id" validate:"required,min=1,max=64,idpat"`
	Room        *string           `json:"room" validate:"required,max=64,ident"`
	Author      *string           `json:"author" validate:"required,max=255,ident"`
	Kind        *string           `json:"kind" validate:"required,oneof=text image system"`
	Content     *string           `json:"content" validate:"required,min=1,max=4000"`
	Mentions    []string          `json:"mentions" validate:"omitempty,max=20,dive,max=255,ident"`
	Tags        []string          `json:"tags" validate:"omitempty,max=10,dive,max=32,tagpat"`
	Attachments []sAttachment     `json:"attachments" validate:"omitempty,max=5,dive"`
	Reactions   map[string]int    `json:"reactions" validate:"omitempty,dive,min=0"`
	Priority    *int              `json:"priority" validate:"omitempty,min=0,max=10"`
	Score       *float64          `json:"score" validate:"omitempty,min=0,max=1"`
	SentAt      *int64            `json:"sentAt" validate:"required"`
	Sequence    *int64            `json:"sequence" validate:"required,min=0"`
	Silent      *bool             `json:"silent"`
	ReplyTo     *sQuote           `json:"replyTo"`
	Meta        map[string]string `json:"meta" validate:"omitempty,dive,max=256"`
	Ranks       [][]int           `json:"ranks" validate:"omitempty,max=3,dive,dive,min=0,max=100"`
	Embed       json.RawMessage   `json:"embed"`
}

type sAttachment struct {
	URL    *string `json:"url" validate:"required,max=2048,httpsurl"`
	Mime   *string `json:"mime" validate:"required,mimepat"`
	Size   *int64  `json:"size" validate:"required,min=0,max=10485760"`
	Width  *int    `json:"width" validate:"omitempty,min=1,max=10000"`
	Height *int    `json:"height" validate:"omitempty,min=1,max=10000"`
}

type sQuote struct {
	MessageID *string `json:"messageId" validate:"required,min=1,max=64"`
	Excerpt   *string `json:"excerpt" validate:"omitempty,max=280"`
}

type sLinkEmbed struct {
	Kind  *string `json:"kind"`
	URL   *string `json:"url" validate:"required,max=2048,anyurl"`
	Title *string `json:"title" validate:"omitempty,max=200"`
}

type sPollEmbed struct {
	Kind     *string  `json:"kind"`
	Question *string  `json:"question" validate:"required,min=1,max=300"`
	Options  []string `json:"options" validate:"required,min=2,max=10,dive,min=1,max=100"`
	ClosesAt *int64   `json:"closesAt"`
}

// mirrorAccepts reports whether encoding/json (refusing unknown fields) and
// validator accept data as a post.
func mirrorAccepts(data []byte) bool {
	v := newValidator()
	var p sPost
	if unmarshal(data, &p, true) != nil || v.Struct(&p) != nil {
		return false
	}
	if p.Embed == nil {
		return true
	}
	var k struct {
		Kind *string `json:"kind"`
	}
	if json.Unmarshal(p.Embed, &k) != nil || k.Kind == nil {
		return false
	}
	var target any
	switch *k.Kind {
	case "link":
		target = &sLinkEmbed{}
	case "poll":
		target = &sPollEmbed{}
	default:
		return false
	}
	return unmarshal(p.Embed, target, true) == nil && v.Struct(target) == nil
}

// wireNames are all member names of the message set; a key that matches one
// only case-insensitively is a case mismatch, which encoding/json accepts.
var wireNames = []string{"type", "id", "room", "author", "kind", "content", "mentions", "tags", "attachments",
	"reactions", "priority", "score", "sentAt", "sequence", "silent", "replyTo", "meta", "ranks", "embed",
	"url", "mime", "size", "width", "height", "messageId", "excerpt", "title", "question", "options", "closesAt"}

// lenient reports whether data is something encoding/json treats more
// leniently than the strict decoder in ways unrelated to the message's
// validity: a duplicate key, a null, a case-mismatched member name.
func lenient(data []byte) bool {
	d := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object bool
		keys   map[string]bool
		expect bool // next string token in an object is a key
	}
	var stack []*frame
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return false
		}
		if err != nil {
			return true
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.expect {
			if key, ok := tok.(string); ok {
				if top.keys[key] {
					return true
				}
				top.keys[key] = true
				for _, w := range wireNames {
					if key != w && strings.EqualFold(key, w) {
						return true
					}
				}
				top.expect = false
				continue
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &frame{object: true, keys: map[string]bool{}, expect: true})
				continue
			case '[':
				stack = append(stack, &frame{})
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		case nil:
			return true
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].expect = true
		}
	}
}

// TestOracle keeps the fuzz oracle honest: it must accept the valid sample
// and see through each kind of leniency.
func TestOracle(t *testing.T) {
	good := samplePostJSON()
	if !mirrorAccepts(good) || lenient(good) {
		t.Fatalf("oracle on the sample: mirrorAccepts=%v lenient=%v", mirrorAccepts(good), lenient(good))
	}
	minimal := []byte(`{"id":"a","room":"r","author":"u","kind":"text","content":"x","sentAt":0,"sequence":0}`)
	if !mirrorAccepts(minimal) {
		t.Error("mirror refuses a minimal post")
	}
	for _, bad := range []string{
		`{"id":"a","room":"r","author":"u","kind":"text","content":"x","sentAt":0}`,
		`{"id":"a","room":"r.x","author":"u","kind":"text","content":"x","sentAt":0,"sequence":0}`,
		`{"id":"a","room":"r","author":"u","kind":"text","content":"x","sentAt":0,"sequence":0,"embed":{"kind":"poll","question":"?","options":["a"]}}`,
		`{"id":"a","room":"r","author":"u","kind":"text","content":"x","sentAt":0,"sequence":0,"extra":1}`,
	} {
		if mirrorAccepts([]byte(bad)) {
			t.Errorf("mirror accepts %s", bad)
		}
	}
	for _, l := range []string{`{"a":1,"a":2}`, `{"a":null}`, `{"ID":"x"}`, `[{"sentat":1}]`} {
		if !lenient([]byte(l)) {
			t.Errorf("lenient(%s) = false", l)
		}
	}
}

func fuzzSeeds(f *testing.F) {
	good := samplePostJSON()
	f.Add(good)
	f.Add([]byte(`{"id":"a","room":"r","author":"u","kind":"text","content":"x","sentAt":0,"sequence":0}`))
	f.Add([]byte(`{"id":"a","room":"r","author":"u","kind":"text","content":"x","sentAt":0,"sequence":0,"embed":{"kind":"poll","question":"?","options":["a","b"]}}`))
	f.Add([]byte(`{"id":"a","room":"r","author":"u","kind":"text","content":"x","sentAt":0,"sequence":1.0,"priority":1e1}`))
	f.Add(bytes.Replace(good, []byte(`"priority":3`), []byte(`"priority":11`), 1))
	f.Add(bytes.Replace(good, []byte(`"id"`), []byte(`"ID"`), 1))
	f.Add(bytes.Replace(good, []byte(`"kind":"text"`), []byte(`"kind":"text","kind":"text"`), 1))
	f.Add(bytes.Replace(good, []byte(`"ops"`), []byte(`"\ud800"`), 1))
	f.Add([]byte(`{"type":"typing","room":"r"}`))
	f.Add([]byte(`{"type":"presence","status":"away","lastSeen":5}`))
	f.Add([]byte(`{"room":"r","lang":"fr","type":"typing"}`))
	f.Add([]byte(`[{"a":1}]`))
}

// FuzzDecode checks the generated Post decoder: no panics, and it accepts
// exactly the valid posts. If it accepts, Validate passes, the post encodes
// to valid JSON that decodes back to the same post (and encodes the same
// again), and encoding/json + validator accept that encoding too. If it
// refuses well-formed input that encoding/json + validator accept, the
// input must be one encoding/json is merely lenient about (duplicate keys,
// nulls, case-mismatched names, invalid UTF-8, lone surrogates).
func FuzzDecode(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePost(data)
		if err != nil {
			var e *jsgenrt.Error
			if !errors.As(err, &e) || len(e.Errors) == 0 ||
				(e.Code != jsgenrt.CodeInvalidJSON && e.Code != jsgenrt.CodeInvalidMessage) {
				t.Fatalf("DecodePost(%q): malformed error %#v", data, err)
			}
			for _, fe := range e.Errors {
				if fe.Message == "" || !utf8.ValidString(fe.Path) {
					t.Fatalf("DecodePost(%q): bad violation %#v", data, fe)
				}
			}
			if e.Code == jsgenrt.CodeInvalidMessage && utf8.Valid(data) && jsonx.Valid(data) &&
				!lenient(data) && mirrorAccepts(data) {
				t.Fatalf("DecodePost(%q) refuses what encoding/json + validator accept: %v", data, err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("DecodePost(%q) accepted an invalid post: %v", data, err)
		}
		out := p.AppendJSON(nil)
		if !json.Valid(out) {
			t.Fatalf("AppendJSON wrote invalid JSON %q", out)
		}
		back, err := DecodePost(out)
		if err != nil {
			t.Fatalf("DecodePost(AppendJSON(%q)) = %v; encoded %q", data, err, out)
		}
		if !reflect.DeepEqual(p, back) {
			t.Fatalf("round trip of %q changed the post:\n%#v\n%#v", data, p, back)
		}
		if again := back.AppendJSON(nil); !bytes.Equal(out, again) {
			t.Fatalf("encoding is not stable: %q vs %q", out, again)
		}
		if !mirrorAccepts(out) {
			t.Fatalf("encoding/json + validator refuse %q, which DecodePost accepted", out)
		}
	})
}

// FuzzDecodeFrame checks the union decoder: no panics; whatever it accepts
// validates, and encodes to JSON that decodes back to the same frame.
func FuzzDecodeFrame(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := DecodeClientFrame(data)
		if err != nil {
			var e *jsgenrt.Error
			if !errors.As(err, &e) || len(e.Errors) == 0 {
				t.Fatalf("DecodeClientFrame(%q): malformed error %#v", data, err)
			}
			return
		}
		if err := ValidateClientFrame(fr); err != nil {
			t.Fatalf("DecodeClientFrame(%q) accepted an invalid frame: %v", data, err)
		}
		out := AppendClientFrameJSON(nil, fr)
		back, err := DecodeClientFrame(out)
		if err != nil || !reflect.DeepEqual(fr, back) {
			t.Fatalf("round trip of %q via %q = %#v, %v; want %#v", data, out, back, err, fr)
		}
	})
}
