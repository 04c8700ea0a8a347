package yamlspec

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// diagCases are bad inputs with the exact diagnostics they must produce.
var diagCases = []struct {
	name    string
	in      string
	want    string
	nilSpec bool // the document could not be read at all
}{
	{
		name:    "empty file",
		in:      "",
		nilSpec: true,
		want: "jsgen.yaml:1:1: empty document\n" +
			"\thint: add `version: 1` at the top\n",
	},
	{
		name:    "only comments and a document marker",
		in:      "# nothing yet\n---\n",
		nilSpec: true,
		want: "jsgen.yaml:2:1: empty document\n" +
			"\thint: add `version: 1` at the top\n",
	},
	{
		name:    "top level is a sequence",
		in:      "- version: 1\n",
		nilSpec: true,
		want: "jsgen.yaml:1:1: the document must be a mapping of keys such as `version` and `models`, found a sequence\n" +
			"\thint: start with `version: 1`, then `models:`, `messages:` and so on\n",
	},
	{
		name: "missing version",
		in:   "models:\n  Room: {}\n",
		want: "jsgen.yaml:1:1: missing `version`\n" +
			"\thint: add `version: 1` at the top\n",
	},
	{
		name: "version 2",
		in:   "version: 2\n",
		want: "jsgen.yaml:1:10: unsupported version \"2\": this jsgen reads version 1\n" +
			"\thint: write `version: 1`\n",
	},
	{
		name: "version not a scalar",
		in:   "version: {major: 1}\n",
		want: "jsgen.yaml:1:10: `version` must be the number 1, found a mapping\n" +
			"\thint: write `version: 1`\n",
	},
	{
		name: "version without a value",
		in:   "version:\nmodels: {}\n",
		want: "jsgen.yaml:1:9: `version` must be the number 1, found nothing\n" +
			"\thint: write `version: 1`\n",
	},
	{
		name:    "syntax error: mapping value in a plain scalar",
		in:      "version: 1\nchannels:\n  UserChannels:\n    prefix: user:\n",
		nilSpec: true,
		want: "jsgen.yaml:4:1: invalid YAML: mapping values are not allowed in this context\n" +
			"\thint: quote values that contain \": \" or end with \":\", e.g. prefix: \"user:\"\n",
	},
	{
		name:    "syntax error: tab indentation",
		in:      "version: 1\nmessages:\n  M:\n    fields:\n\ta: string\n",
		nilSpec: true,
		want: "jsgen.yaml:5:1: invalid YAML: found character that cannot start any token\n" +
			"\thint: indent with spaces: YAML does not allow tabs for indentation\n",
	},
	{
		name:    "syntax error: unquoted array type",
		in:      "version: 1\nmessages:\n  M:\n    fields:\n      tags: []string\n",
		nilSpec: true,
		want: "jsgen.yaml:5:1: invalid YAML: did not find expected key\n" +
			"\thint: quote type expressions that contain [ or ], e.g. \"[]string\"\n",
	},
	{
		name:    "syntax error: unclosed flow sequence",
		in:      "version: 1\nmessages:\n  M:\n    fields:\n      t: {type: enum, values: [a, b}\n",
		nilSpec: true,
		want:    "jsgen.yaml:5:1: invalid YAML: did not find expected ',' or ']'\n",
	},
	{
		name:    "syntax error: reserved character",
		in:      "version: 1\npackage: @chat\n",
		nilSpec: true,
		want: "jsgen.yaml:2:1: invalid YAML: found character that cannot start any token\n" +
			"\thint: quote values that start with a reserved character such as @ or `\n",
	},
	{
		name:    "control character",
		in:      "version: 1\nmodels:\n  Room: {doc: \"a\x07\"}\n",
		nilSpec: true,
		want: "jsgen.yaml:3:17: control character U+0007 is not allowed in YAML\n" +
			"\thint: write it as an escape inside a double-quoted string, e.g. \"\\t\"\n",
	},
	{
		name:    "invalid UTF-8",
		in:      "version: 1\nmodels:\n  R\xe9sum\xe9: {}\n",
		nilSpec: true,
		want: "jsgen.yaml:3:4: invalid UTF-8 (byte 0xe9)\n" +
			"\thint: save jsgen.yaml as UTF-8\n",
	},
	{
		name: "two documents",
		in:   "version: 1\n---\nversion: 1\n",
		want: "jsgen.yaml:2:1: jsgen.yaml must hold a single YAML document, found another one\n" +
			"\thint: remove the `---` separator and merge the documents\n",
	},
	{
		name: "unknown keys with suggestions",
		in: "version: 1\nmodel:\n  Room: {}\nmodels:\n  Room:\n    feilds: {}\n    fields:\n" +
			"      name: {type: string, maxLenght: 100, MinLength: 1}\n",
		want: "jsgen.yaml:2:1: unknown key \"model\" in the document\n" +
			"\thint: did you mean `models`?\n" +
			"jsgen.yaml:6:5: unknown key \"feilds\" in model Room\n" +
			"\thint: did you mean `fields`?\n" +
			"jsgen.yaml:8:28: unknown key \"maxLenght\" in field Room.name\n" +
			"\thint: did you mean `maxLength`?\n" +
			"jsgen.yaml:8:44: unknown key \"MinLength\" in field Room.name\n" +
			"\thint: did you mean `minLength`?\n",
	},
	{
		name: "unknown keys without a close match",
		in: "version: 1\nbuild: fast\nmessages:\n  M:\n    idMaxLength: 5\n    fields:\n" +
			"      a: {type: string, required: true, enum: [x]}\n" +
			"controllers:\n  C:\n    routes:\n      r: {ws: /r}\n",
		want: "jsgen.yaml:2:1: unknown key \"build\" in the document\n" +
			"\thint: allowed keys: version, package, models, messages, unions, channels, events, controllers\n" +
			"jsgen.yaml:5:5: unknown key \"idMaxLength\" in message M\n" +
			"\thint: `idMaxLength` applies to models only\n" +
			"jsgen.yaml:7:25: unknown key \"required\" in field M.a\n" +
			"\thint: fields are required unless marked `optional: true`\n" +
			"jsgen.yaml:7:41: unknown key \"enum\" in field M.a\n" +
			"\thint: write `type: enum` and list the values in `values: [a, b]`\n" +
			"jsgen.yaml:11:7: route C.r has no `path`\n" +
			"\thint: add `path:` with the route's path, e.g. /room/:roomId\n" +
			"jsgen.yaml:11:11: unknown key \"ws\" in route C.r\n" +
			"\thint: write the route's path as `path: /...`\n",
	},
	{
		name: "duplicate keys at several levels",
		in: "version: 1\nmodels:\n  Room:\n    fields:\n      name: string\n      name: int\n" +
			"  Room: {}\nversion: 1\nunions:\n  U: {variants: {a: A, a: B}}\n",
		want: "jsgen.yaml:6:7: duplicate key \"name\" in fields of model Room (first at line 5)\n" +
			"jsgen.yaml:7:3: duplicate key \"Room\" in models (first at line 3)\n" +
			"jsgen.yaml:8:1: duplicate key \"version\" in the document (first at line 1)\n" +
			"jsgen.yaml:10:24: duplicate key \"a\" in variants of union U (first at line 10)\n",
	},
	{
		name: "wrong node kinds for sections and entries",
		in: "version: 1\nmodels:\n  - Room\nmessages:\n  M: string\n  N: {fields: [a, b]}\n" +
			"events:\n  E: {topics: [a]}\nunions: yes\n",
		want: "jsgen.yaml:3:3: `models` must be a mapping of model names to models, found a sequence\n" +
			"jsgen.yaml:5:6: message M must be a mapping, found \"string\"\n" +
			"jsgen.yaml:6:15: `fields` of message N must be a mapping of wire names to fields, found a sequence\n" +
			"jsgen.yaml:8:15: `topics` of event bus E must be a mapping of topics to payload names, found a sequence\n" +
			"jsgen.yaml:9:9: `unions` must be a mapping of union names to unions, found \"yes\"\n",
	},
	{
		name: "bad fields",
		in: "version: 1\nmessages:\n  M:\n    fields:\n      t: [string]\n      u:\n      v: {optional: true}\n" +
			"      w: {type: [x]}\n      x: {type: enum, values: a|b}\n      y: {type: enum, values: [a, {b: c}]}\n" +
			"      z: {type: string, doc: [a], goName: {}, maxLength: [1]}\n",
		want: "jsgen.yaml:5:10: field M.t must be a type or a mapping with `type`, found a sequence\n" +
			"\thint: quote array types: \"[]string\"\n" +
			"jsgen.yaml:6:9: field M.u must be a type or a mapping with `type`, found nothing\n" +
			"\thint: write `u: string` or `u: {type: string, optional: true}`\n" +
			"jsgen.yaml:7:7: field M.v has no `type`\n" +
			"\thint: add `type:` with the field's type, e.g. string\n" +
			"jsgen.yaml:8:17: `type` of field M.w must be a string, found a sequence\n" +
			"jsgen.yaml:9:31: `values` of field M.x must be a sequence of strings, found \"a|b\"\n" +
			"\thint: write a list: [a, b]\n" +
			"jsgen.yaml:10:35: each item of `values` of field M.y must be a string, found a mapping\n" +
			"jsgen.yaml:11:30: `doc` of field M.z must be a string, found a sequence\n" +
			"jsgen.yaml:11:43: `goName` of field M.z must be a name, found a mapping\n" +
			"jsgen.yaml:11:58: `maxLength` of field M.z must be a single value, found a sequence\n",
	},
	{
		name: "channels missing required keys",
		in:   "version: 1\nchannels:\n  C: {prefix: x}\n  D: {key: {a: b}, message: }\n",
		want: "jsgen.yaml:3:3: channel C has no `key`\n" +
			"\thint: add `key:` with the model whose Ref keys the channels\n" +
			"jsgen.yaml:3:3: channel C has no `message`\n" +
			"\thint: add `message:` with the message or union published\n" +
			"jsgen.yaml:4:3: channel D has no `message`\n" +
			"\thint: add `message:` with the message or union published\n" +
			"jsgen.yaml:4:12: `key` of channel D must be a name, found a mapping\n",
	},
	{
		name: "bad route values",
		in: "version: 1\ncontrollers:\n  C:\n    prefix: [x]\n    routes:\n" +
			"      r: {path: /r, params: [a], query: [Q], in: {x: y}, out: [A, [B]]}\n" +
			"      s: {path: /s, out: {a: b}, params: {id: }}\n      t: /t\n",
		want: "jsgen.yaml:4:13: `prefix` of controller C must be a string, found a sequence\n" +
			"jsgen.yaml:6:29: `params` of route C.r must be a mapping of path parameters to model names, found a sequence\n" +
			"jsgen.yaml:6:41: `query` of route C.r must be a name, found a sequence\n" +
			"jsgen.yaml:6:50: `in` of route C.r must be a name, found a mapping\n" +
			"jsgen.yaml:6:67: each item of `out` of route C.r must be a name, found a sequence\n" +
			"jsgen.yaml:7:26: `out` of route C.s must be a name or a sequence of names, found a mapping\n" +
			"\thint: write `out: Name` or `out: [A, B]`\n" +
			"jsgen.yaml:7:47: param id of route C.s must be a name, found nothing\n" +
			"jsgen.yaml:8:10: route C.t must be a mapping, found \"/t\"\n",
	},
	{
		name: "bad union",
		in:   "version: 1\nunions:\n  U:\n    discriminater: kind\n    variants:\n      a: [X]\n      b:\n",
		want: "jsgen.yaml:4:5: unknown key \"discriminater\" in union U\n" +
			"\thint: did you mean `discriminator`?\n" +
			"jsgen.yaml:6:10: variant a of union U must be a name, found a sequence\n" +
			"jsgen.yaml:7:9: variant b of union U must be a name, found nothing\n",
	},
	{
		name: "aliases and merge keys are rejected",
		in: "version: 1\nbase: &b {type: string}\nmessages:\n  M:\n    fields:\n      a: *b\n      <<: {c: string}\n" +
			"    doc: &d hello\n  N: {doc: *d}\n",
		want: "jsgen.yaml:2:1: unknown key \"base\" in the document\n" +
			"\thint: allowed keys: version, package, models, messages, unions, channels, events, controllers\n" +
			"jsgen.yaml:6:10: YAML aliases are not supported (*b)\n" +
			"\thint: write the value out in full\n" +
			"jsgen.yaml:7:7: YAML merge keys (<<) are not supported\n" +
			"\thint: write the keys out in full\n" +
			"jsgen.yaml:9:12: YAML aliases are not supported (*d)\n" +
			"\thint: write the value out in full\n",
	},
	{
		name:    "alias to an unknown anchor",
		in:      "version: 1\nmessages:\n  M:\n    fields:\n      a: *nope\n",
		nilSpec: true,
		want: "jsgen.yaml:5:1: invalid YAML: unknown anchor 'nope' referenced\n" +
			"\thint: jsgen.yaml does not use anchors and aliases: write the value out\n",
	},
	{
		name: "non-scalar keys",
		in:   "version: 1\n? [a]\n: b\nmessages:\n  {x: 1}: {}\n",
		want: "jsgen.yaml:2:3: keys of the document must be names, found a sequence\n" +
			"jsgen.yaml:5:3: keys of messages must be names, found a mapping\n",
	},
	{
		name: "package not a name",
		in:   "version: 1\npackage: [a]\n",
		want: "jsgen.yaml:2:10: `package` must be a name, found a sequence\n",
	},
}

// TestParseDiagnostics checks the exact text of the diagnostics for bad
// inputs, and whether a (partial) spec comes back with them.
func TestParseDiagnostics(t *testing.T) {

	for _, tt := range diagCases {
		t.Run(tt.name, func(t *testing.T) {
			spec, diags := Parse("jsgen.yaml", []byte(tt.in))
			if diff := cmp.Diff(tt.want, diags.String()); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
			if got := spec == nil; got != tt.nilSpec {
				t.Errorf("spec == nil is %v, want %v", got, tt.nilSpec)
			}
			for _, d := range diags {
				if d.Pos.File != "jsgen.yaml" || d.Pos.Line < 1 || d.Pos.Col < 1 {
					t.Errorf("diagnostic %q has position %+v", d.Msg, d.Pos)
				}
			}
		})
	}
}

// TestParseKeepsValidParts checks that declarations with sound shape are
// still returned next to the diagnostics about the others.
func TestParseKeepsValidParts(t *testing.T) {
	in := "version: 1\nmessages:\n  A: {fields: {x: string, y: [bad], z: int}}\n  B: nope\n  C: {unknown: 1}\n"
	spec, diags := Parse("jsgen.yaml", []byte(in))
	if len(diags) != 3 {
		t.Fatalf("want 3 diagnostics, got:\n%s", diags)
	}
	want := "spec jsgen.yaml origin=yaml\n" +
		"message A@3:3 origin=yaml\n" +
		"  field x@3:16 type=\"string\"@3:19\n" +
		"  field z@3:37 type=\"int\"@3:40\n" +
		"message C@5:3 origin=yaml\n"
	if diff := cmp.Diff(want, render(spec)); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}
}

// TestParseAliasBomb checks that an alias bomb is rejected alias by alias,
// without expanding it: one diagnostic per alias written where jsgen reads.
func TestParseAliasBomb(t *testing.T) {
	spec, diags := Parse("jsgen.yaml", []byte(billionLaughs(9)))
	if spec == nil {
		t.Fatal("spec is nil")
	}
	var aliases, unknown int
	for _, d := range diags {
		switch {
		case d.Msg == "YAML aliases are not supported (*l9)":
			aliases++
		case strings.HasPrefix(d.Msg, "unknown key \"l"):
			unknown++
		default:
			t.Errorf("unexpected diagnostic %s", d)
		}
	}
	if aliases != 3 || unknown != 10 {
		t.Errorf("got %d alias and %d unknown-key diagnostics, want 3 and 10:\n%s", aliases, unknown, diags)
	}
}

// TestParseDeepNesting checks that deeply nested input is refused cleanly.
func TestParseDeepNesting(t *testing.T) {
	for _, depth := range []int{100, 20000} {
		in := "version: 1\nmessages:\n  M:\n    fields:\n      a: " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n"
		spec, diags := Parse("jsgen.yaml", []byte(in))
		if len(diags) != 1 {
			t.Fatalf("depth %d: want one diagnostic, got:\n%s", depth, diags)
		}
		want := "jsgen.yaml:5:10: field M.a must be a type or a mapping with `type`, found a sequence"
		if depth > 10000 {
			want = "jsgen.yaml:5:1: invalid YAML: exceeded max depth of 10000"
		}
		if got := diags[0].Pos.String() + ": " + diags[0].Msg; got != want {
			t.Errorf("depth %d: got %q, want %q", depth, got, want)
		}
		if (spec == nil) != (depth > 10000) {
			t.Errorf("depth %d: spec == nil is %v", depth, spec == nil)
		}
	}
}
