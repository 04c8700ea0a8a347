package asyncapi

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/jsgen-dev/jsgen/internal/wireschema"
)

// roundTrip writes {key: value} and reads it back with yaml.v3.
func roundTrip(t *testing.T, key, value string) {
	t.Helper()
	var buf bytes.Buffer
	writeYAML(&buf, newMap().set(key, str(value)).set("list", seq(str(value), newMap().set(key, str(value)))))
	var got map[string]any
	if err := yaml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%q: %v\n%s", value, err, buf.Bytes())
	}
	if v, ok := got[key].(string); !ok || v != value {
		t.Fatalf("{%q: %q} reads back as %#v\n%s", key, value, got, buf.Bytes())
	}
	list, _ := got["list"].([]any)
	if len(list) != 2 || list[0] != value || list[1].(map[string]any)[key] != value {
		t.Fatalf("list of %q reads back as %#v\n%s", value, got["list"], buf.Bytes())
	}
	for _, r := range buf.String() {
		if r != '\n' && (r < 0x20 || r == 0x7f || r == 0xfeff || r == 0x2028 || r == 0x2029) {
			t.Fatalf("raw %U written for %q", r, value)
		}
	}
}

func TestYAMLStrings(t *testing.T) {
	for _, s := range []string{
		"", "plain", "true", "No", "~", "null", "3.0.0", "0x10", "-1", ".inf", "a: b", "a #b", "#/c", "- x",
		"trailing ", " leading", "{x}", "[x]", "*x", "&x", "!x", "|", ">", "%x", "@x", "`x`", "'q'", `"q"`,
		"a\nb", "tab\there", "\x00\x1f\x7f", "\u0085\u00a0", "\u2028\u2029\ufeff\u200b", "é👋", "\U000e0001",
		`back\slash`, "$ref", "it's", "x/y.z-w", "^[^\\x00- *.>]+$",
	} {
		roundTrip(t, "k", s)
		roundTrip(t, s, "v")
	}
}

func TestYAMLCollections(t *testing.T) {
	doc := newMap().
		set("empty", newMap()).
		set("none", seq()).
		set("nested", seq(seq(str("a"), lit("1")), seq(), newMap())).
		set("nums", seq(lit("-9223372036854775808"), lit("1.5e300"), lit("true"), lit("null")))
	var buf bytes.Buffer
	writeYAML(&buf, doc)
	var got map[string]any
	if err := yaml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	want := "empty: {}\nnone: []\nnested:\n  -\n    - a\n    - 1\n  - []\n  - {}\nnums:\n  - -9223372036854775808\n  - 1.5e300\n  - true\n  - null\n"
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
	if n := got["nested"].([]any); len(n) != 3 || len(n[0].([]any)) != 2 {
		t.Errorf("nested reads back as %#v", got["nested"])
	}
}

func FuzzYAMLString(f *testing.F) {
	for _, s := range []string{"", "a", "true", "a: b", "\u2028", "\x00", "é", "- x", "\"\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip("document strings are valid UTF-8")
		}
		roundTrip(t, "k", s)
		roundTrip(t, s+"k", "v")
	})
}

// parseJSON reads a JSON value as the emitter receives schemas: a
// wireschema.Value turned into a node.
func parseJSON(data []byte) (*node, error) {
	v, err := wireschema.Parse(data)
	if err != nil {
		return nil, err
	}
	return fromValue(v), nil
}

func TestParseJSON(t *testing.T) {
	n, err := parseJSON([]byte(`{"b":1,"a":[true,null,"x",{"z":-0.5e3}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if n.keys[0] != "b" || n.keys[1] != "a" || n.get("b").value != "1" || n.get("a").vals[3].get("z").value != "-0.5e3" {
		t.Fatalf("order or number text lost: %+v", n)
	}
	for _, bad := range []string{`{"a":1} x`, `{"a":`, `[1,]`} {
		if _, err := parseJSON([]byte(bad)); err == nil {
			t.Errorf("parseJSON(%q) succeeded", bad)
		}
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"a":[1,"b",null]}`, `1`, `"x"`, `{"a":1}{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := parseJSON(data)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		writeYAML(&buf, newMap().set("v", n))
		var got map[string]any
		if err := yaml.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("JSON %q gives YAML that does not parse: %v\n%s", data, err, buf.Bytes())
		}
	})
}
