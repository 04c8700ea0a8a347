package wireschema

import (
	"bytes"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	sv "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/jsgen-dev/jsgen/internal/codecbench"
	"github.com/jsgen-dev/jsgen/internal/genfile"
	"github.com/jsgen-dev/jsgen/runtime/jsonx"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// The differential test: for a corpus generated from the edge cases of the
// codecbench declarations, the generated decoders of internal/codecbench
// and github.com/santhosh-tekuri/jsonschema/v6 (an independent validator)
// running the schemas of this package must agree on every document, and
// both must give the verdict the document was built to get.
//
// Not in the corpus, because JSON Schema validates a parsed value and
// cannot see them (TestBeyondJSONSchema shows the decoder refuses them):
// invalid UTF-8, lone surrogate escapes, duplicate keys, nesting deeper
// than jsonx.MaxDepth. Documented differences (TestKnownDifferences) are not
// in it either.

// decodeFunc adapts a generated Decode function to report only its error.
func decodeFunc[T any](f func([]byte) (T, error)) func([]byte) error {
	return func(b []byte) error { _, err := f(b); return err }
}

// codecbenchDecoders holds the generated decoder of every model, message and
// union of internal/codecbench.
var codecbenchDecoders = map[string]func([]byte) error{
	"Room":        decodeFunc(codecbench.DecodeRoom),
	"User":        decodeFunc(codecbench.DecodeUser),
	"Attachment":  decodeFunc(codecbench.DecodeAttachment),
	"LinkEmbed":   decodeFunc(codecbench.DecodeLinkEmbed),
	"PollEmbed":   decodeFunc(codecbench.DecodePollEmbed),
	"Post":        decodeFunc(codecbench.DecodePost),
	"Presence":    decodeFunc(codecbench.DecodePresence),
	"Quote":       decodeFunc(codecbench.DecodeQuote),
	"Typing":      decodeFunc(codecbench.DecodeTyping),
	"ClientFrame": decodeFunc(codecbench.DecodeClientFrame),
	"Embed":       decodeFunc(codecbench.DecodeEmbed),
	"ServerFrame": decodeFunc(codecbench.DecodeServerFrame),
}

// codecbenchIR builds the IR of internal/codecbench from its jsgen.yaml.
func codecbenchIR(t testing.TB) *ir.Program {
	t.Helper()
	const path = "../codecbench/jsgen.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return buildIR(t, path, data)
}

// compileAll compiles every schema document with the independent
// validator (which also checks each against the draft 2020-12 metaschema).
func compileAll(t testing.TB, files []genfile.File) map[string]*sv.Schema {
	t.Helper()
	c := sv.NewCompiler()
	for _, f := range files {
		doc, err := sv.UnmarshalJSON(bytes.NewReader(f.Data))
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		if err := c.AddResource(schemaURL(f.Path), doc); err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
	}
	out := map[string]*sv.Schema{}
	for _, f := range files {
		s, err := c.Compile(schemaURL(f.Path))
		if err != nil {
			t.Fatalf("compiling %s: %v", f.Path, err)
		}
		out[DocName(f.Path)] = s
	}
	return out
}

func schemaURL(path string) string { return "https://schemas.jsgen.invalid/" + url.PathEscape(path) }

// schemaAccepts validates data against s with the independent validator.
func schemaAccepts(t testing.TB, s *sv.Schema, data []byte) (bool, error) {
	t.Helper()
	inst, err := sv.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("corpus document is not JSON: %v\n%s", err, data)
	}
	err = s.Validate(inst)
	return err == nil, err
}

type sample struct {
	decl, label string
	data        []byte
	want        verdict
}

// corpus generates the samples of every declaration of p, without
// duplicates.
func corpus(p *ir.Program, names []string) []sample {
	g := newGenerator(p)
	var out []sample
	seen := map[string]bool{}
	for _, name := range names {
		for _, c := range g.declCases(name) {
			data := encode(c.val)
			if key := name + "\x00" + string(data); !seen[key] {
				seen[key] = true
				out = append(out, sample{decl: name, label: c.label, data: data, want: c.want})
			}
		}
	}
	return out
}

func TestDifferential(t *testing.T) {
	prog := codecbenchIR(t)
	files, err := Messages(prog)
	if err != nil {
		t.Fatal(err)
	}
	schemas := compileAll(t, files)
	var names []string
	for _, f := range files {
		names = append(names, DocName(f.Path))
		if codecbenchDecoders[DocName(f.Path)] == nil {
			t.Fatalf("no decoder for %s in codecbenchDecoders", DocName(f.Path))
		}
	}
	if len(names) != len(codecbenchDecoders) {
		t.Fatalf("schemas for %v, decoders for %d declarations", names, len(codecbenchDecoders))
	}
	samples := corpus(prog, names)
	counts := map[string]int{}
	for _, s := range samples {
		if !jsonx.Valid(s.data) {
			t.Fatalf("%s %s: corpus document is not valid JSON for jsonx: %s", s.decl, s.label, s.data)
		}
		goErr := codecbenchDecoders[s.decl](s.data)
		schemaOK, schemaErr := schemaAccepts(t, schemas[s.decl], s.data)
		goOK := goErr == nil
		counts[s.want.String()]++
		if goOK {
			counts["decoder accepts"]++
		}
		switch {
		case goOK != schemaOK:
			t.Errorf("%s, %s: decoder and schema disagree\n  document: %s\n  decoder: %v\n  schema:  %v",
				s.decl, s.label, short(s.data), errOr(goErr, "accepts"), errOr(schemaErr, "accepts"))
		case s.want != either && goOK != (s.want == accept):
			t.Errorf("%s, %s: both %s, but the document was built to %s\n  document: %s\n  decoder: %v",
				s.decl, s.label, map[bool]string{true: "accept", false: "reject"}[goOK], s.want, short(s.data), errOr(goErr, "accepts"))
		}
	}
	t.Logf("%d documents over %d declarations: %v", len(samples), len(names), counts)
	if len(samples) < 200 || counts["decoder accepts"] < 50 || len(samples)-counts["decoder accepts"] < 50 {
		t.Errorf("corpus too small or one-sided: %v over %d documents", counts, len(samples))
	}
}

func errOr(err error, ok string) any {
	if err == nil {
		return ok
	}
	return err
}

func short(b []byte) string {
	s := string(b)
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

// TestCorpusCoversEdges checks that the corpus holds the edge cases the brief
// asks for, so that a change to the generator cannot quietly thin it out.
func TestCorpusCoversEdges(t *testing.T) {
	prog := codecbenchIR(t)
	var names []string
	for name := range codecbenchDecoders {
		names = append(names, name)
	}
	slices.Sort(names)
	samples := corpus(prog, names)
	has := func(decl, labelPart string, want verdict) {
		t.Helper()
		for _, s := range samples {
			if s.decl == decl && strings.Contains(s.label, labelPart) && s.want == want {
				return
			}
		}
		t.Errorf("no %s sample for %s with label containing %q", want, decl, labelPart)
	}
	has("Post", `content: 4000× "😀"`, accept)
	has("Post", `content: 4001× "é"`, reject)
	has("Post", `id: 0× "a"`, reject)
	has("Post", "id: not matching", reject)
	has("Post", "priority: 11", reject)
	has("Post", "sequence: -1", reject)
	has("Post", "sequence: 9223372036854775807", accept)
	has("Post", "sequence: 9223372036854775808", reject)
	has("Post", "score: max + 0.001", reject)
	has("Post", "kind: value image", accept)
	has("Post", "kind: upper-case value", reject)
	has("Post", "mentions: 21 items", reject)
	has("Post", "room: over the bound", reject)
	has("Post", "room: containing U+2028", reject)
	has("Post", "attachments: [0] size: 10485761", reject)
	has("Post", "reactions: [k] -1", reject)
	has("Post", "ranks: [0] [0] 101", reject)
	has("Post", "embed: poll: options: 1 items", reject)
	has("Post", "replyTo: messageId missing", reject)
	has("Post", "id missing", reject)
	has("Post", "unknown member", reject)
	has("Post", "member name in other case", reject)
	has("Post", "type present", accept)
	has("Post", "type wrong tag", reject)
	has("Post", "sentAt: wrong type string", reject)
	has("ClientFrame", "post: minimal", accept) // the default variant, without "type"
	has("ClientFrame", "typing: type missing", reject)
	has("ServerFrame", "typing: event missing", reject)
	has("ServerFrame", "presence: event wrong tag", reject)
	has("ServerFrame", "unknown tag", reject)
	has("Embed", "link: url: not matching", reject)
	has("Room", "name: 0×", reject)
}

// TestKnownDifferences pins the documented differences between the schemas
// and the decoders: each document is refused by one side and accepted by
// the other, in the direction stated. If one of these starts to agree, the
// difference is gone: move the case into the corpus and update the package
// documentation.
func TestKnownDifferences(t *testing.T) {
	prog := codecbenchIR(t)
	files, err := Messages(prog)
	if err != nil {
		t.Fatal(err)
	}
	schemas := compileAll(t, files)
	g := newGenerator(prog)
	post := g.base(prog.Message("Post").Fields, "", "", false)
	cases := []struct {
		name              string
		doc               obj
		decoder, schemaOK bool
	}{
		// Room identifiers are bounded to 64 bytes; 33 'é' are 66 bytes but
		// only 33 code points, and JSON Schema counts code points.
		{"identifier over the byte bound in 2-byte characters", post.with("room", strings.Repeat("é", 33)), false, true},
		// The decoder compares the float64 it decoded: 1.00000000000000001
		// rounds to 1, within max 1; JSON Schema compares the exact number.
		{"float64 above max by less than its precision", post.with("score", num("1.00000000000000001")), true, false},
		// -1e-400 rounds to -0, which is not below min 0.
		{"float64 below min 0 by an underflowing amount", post.with("score", num("-1e-400")), true, false},
	}
	for _, c := range cases {
		data := encode(c.doc)
		_, goErr := codecbench.DecodePost(data)
		schemaOK, schemaErr := schemaAccepts(t, schemas["Post"], data)
		if (goErr == nil) != c.decoder || schemaOK != c.schemaOK {
			t.Errorf("%s: decoder accepts = %v (%v), schema accepts = %v (%v); documented: %v and %v",
				c.name, goErr == nil, goErr, schemaOK, schemaErr, c.decoder, c.schemaOK)
		}
	}
}

// TestBeyondJSONSchema shows what the corpus leaves out: documents the
// decoder refuses for reasons a JSON Schema cannot state, because they are
// about the JSON text rather than the value a JSON parser makes of it. A
// validator fed by encoding/json (as the independent one is) sees invalid
// UTF-8 and lone surrogates as U+FFFD and keeps the last of duplicate keys,
// so it accepts them.
func TestBeyondJSONSchema(t *testing.T) {
	prog := codecbenchIR(t)
	files, err := Messages(prog)
	if err != nil {
		t.Fatal(err)
	}
	schemas := compileAll(t, files)
	post := string(encode(newGenerator(prog).base(prog.Message("Post").Fields, "", "", false)))
	content := `"content":"a"`
	if !strings.Contains(post, content) {
		t.Fatalf("minimal Post has no %s: %s", content, post)
	}
	for name, doc := range map[string]string{
		"invalid UTF-8":         strings.Replace(post, content, "\"content\":\"a\xffb\"", 1),
		"lone surrogate escape": strings.Replace(post, content, `"content":"a\ud800b"`, 1),
		"duplicate key":         strings.Replace(post, content, `"content":"a","content":"b"`, 1),
	} {
		_, goErr := codecbench.DecodePost([]byte(doc))
		schemaOK, schemaErr := schemaAccepts(t, schemas["Post"], []byte(doc))
		if goErr == nil || !schemaOK {
			t.Errorf("%s: decoder error = %v (want one), schema error = %v (want none)\n%s", name, goErr, schemaErr, doc)
		}
	}
}
