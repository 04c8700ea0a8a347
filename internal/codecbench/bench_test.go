package codecbench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-playground/validator/v10"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// samplePost is a realistic post: every field set, some non-ASCII text.
func samplePost() Post {
	score := 0.75
	w, h := 640, 480
	excerpt := "Earlier: can we move the stand-up?"
	return Post{
		ID:       "p_01HZX3K9V8Q2",
		Room:     MustRoomRef("team-general"),
		Author:   MustUserRef("ann"),
		Kind:     PostKindText,
		Content:  "Heads-up @bob @chloé: the release train leaves at 15:00 UTC — please merge by 14:30. " + strings.Repeat("Thanks! 🙏 ", 8),
		Mentions: []jsgenrt.Ref[User]{MustUserRef("bob"), MustUserRef("chloe")},
		Tags:     []string{"release", "ops", "q3"},
		Attachments: []Attachment{
			{URL: "https://files.example.com/a/plan.png", Mime: "image/png", Size: 183_442, Width: &w, Height: &h},
		},
		Reactions: map[string]int{"thumbsup": 4, "rocket": 2},
		Priority:  3,
		Score:     &score,
		SentAt:    time.UnixMilli(1_760_000_000_123).UTC(),
		Sequence:  918_273,
		ReplyTo:   &Quote{MessageID: "p_01HZX3K9V8Q1", Excerpt: &excerpt},
		Meta:      map[string]string{"client": "web/4.2.1", "locale": "en-GB"},
		Ranks:     [][]int{{1, 2, 3}, {4}},
		Embed:     LinkEmbed{URL: "https://example.com/release-notes", Title: ptr("Release notes")},
	}
}

func ptr[T any](v T) *T { return &v }

// unmarshal is json.Unmarshal, refusing unknown fields when strict.
func unmarshal(data []byte, v any, strict bool) error {
	if !strict {
		return json.Unmarshal(data, v)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// samplePostJSON is samplePost as generated code encodes it.
func samplePostJSON() []byte {
	p := samplePost()
	return p.AppendJSON(nil)
}

func sampleQuoteJSON() []byte {
	return []byte(`{"messageId":"p_01HZX3K9V8Q1","excerpt":"Earlier: can we move the stand-up?"}`)
}

// decodeVPost is the encoding/json + validator pipeline for a post.
func decodeVPost(v *validator.Validate, data []byte) (vPost, error) {
	var p vPost
	if err := json.Unmarshal(data, &p); err != nil {
		return vPost{}, err
	}
	if err := v.Struct(&p); err != nil {
		return vPost{}, err
	}
	if len(p.Embed) > 0 {
		if err := validateVEmbed(v, p.Embed, false); err != nil {
			return vPost{}, err
		}
	}
	return p, nil
}

// validateVEmbed decodes and validates the embed union the way an
// encoding/json application does: peek at the discriminator, then decode
// the variant.
func validateVEmbed(v *validator.Validate, raw []byte, strict bool) error {
	var k vEmbedKind
	if err := json.Unmarshal(raw, &k); err != nil {
		return err
	}
	var target any
	switch k.Kind {
	case "link":
		target = &vLinkEmbed{}
	case "poll":
		target = &vPollEmbed{}
	default:
		return fmt.Errorf("unknown embed kind %q", k.Kind)
	}
	if err := unmarshal(raw, target, strict); err != nil {
		return err
	}
	return v.Struct(target)
}

func TestSamplesAreValid(t *testing.T) {
	data := samplePostJSON()
	p, err := DecodePost(data)
	if err != nil {
		t.Fatalf("DecodePost(sample): %v", err)
	}
	want := samplePost()
	if string(p.AppendJSON(nil)) != string(want.AppendJSON(nil)) {
		t.Errorf("round trip changed the post")
	}
	if _, err := decodeVPost(newValidator(), data); err != nil {
		t.Fatalf("encoding/json + validator refuse the sample: %v", err)
	}
	if _, err := DecodeQuote(sampleQuoteJSON()); err != nil {
		t.Fatal(err)
	}
	// The mirror is equivalent on a violation too.
	bad := strings.Replace(string(data), `"priority":3`, `"priority":11`, 1)
	_, errGen := DecodePost([]byte(bad))
	_, errVal := decodeVPost(newValidator(), []byte(bad))
	if errGen == nil || errVal == nil {
		t.Errorf("priority 11 accepted: jsgen %v, validator %v", errGen, errVal)
	}
}

func TestValidateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector (sync.Pool drops items)")
	}
	p := samplePost()
	if n := testing.AllocsPerRun(200, func() {
		if p.Validate() != nil {
			t.Fatal("invalid")
		}
	}); n != 0 {
		t.Errorf("Post.Validate allocates %v times on a valid post", n)
	}
}

func BenchmarkDecodeValidate(b *testing.B) {
	cases := []struct {
		name string
		data []byte
		gen  func([]byte) error
		mir  func(*validator.Validate, []byte) error
	}{
		{"Post", samplePostJSON(),
			func(d []byte) error { _, err := DecodePost(d); return err },
			func(v *validator.Validate, d []byte) error { _, err := decodeVPost(v, d); return err }},
		{"Quote", sampleQuoteJSON(),
			func(d []byte) error { _, err := DecodeQuote(d); return err },
			func(v *validator.Validate, d []byte) error {
				var q vQuote
				if err := json.Unmarshal(d, &q); err != nil {
					return err
				}
				return v.Struct(&q)
			}},
	}
	for _, c := range cases {
		b.Run(c.name+"/jsgen", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				if err := c.gen(c.data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/encoding_json+validator", func(b *testing.B) {
			v := newValidator()
			b.ReportAllocs()
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				if err := c.mir(v, c.data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkValidate(b *testing.B) {
	b.Run("Post/jsgen", func(b *testing.B) {
		p := samplePost()
		b.ReportAllocs()
		for b.Loop() {
			if err := p.Validate(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Post/validator", func(b *testing.B) {
		v := newValidator()
		p, err := decodeVPost(v, samplePostJSON())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := v.Struct(&p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Post/jsgen-invalid", func(b *testing.B) {
		p := samplePost()
		p.Priority = 11
		p.Tags = append(p.Tags, "Not OK")
		b.ReportAllocs()
		for b.Loop() {
			var e interface{ Error() string }
			if err := p.Validate(); !errors.As(err, &e) {
				b.Fatal("valid")
			}
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	b.Run("Post/jsgen", func(b *testing.B) {
		p := samplePost()
		buf := make([]byte, 0, 2048)
		b.ReportAllocs()
		for b.Loop() {
			buf = p.AppendJSON(buf[:0])
		}
	})
	b.Run("Post/encoding_json", func(b *testing.B) {
		p, err := decodeVPost(newValidator(), samplePostJSON())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(&p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
