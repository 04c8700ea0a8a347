package gospec

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseTag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []tagOption
		err  *tagError
	}{
		{in: "", want: nil},
		{in: "optional", want: []tagOption{{Key: "optional"}}},
		{in: "maxLength=4000", want: []tagOption{{Key: "maxLength", HasValue: true, Value: "4000", ValOff: 10}}},
		{in: "default=,min=1", want: []tagOption{
			{Key: "default", HasValue: true, Value: "", ValOff: 8},
			{Key: "min", KeyOff: 9, HasValue: true, Value: "1", ValOff: 13},
		}},
		{in: "pattern='^[a-z]{1,3}$',optional", want: []tagOption{
			{Key: "pattern", HasValue: true, Value: "^[a-z]{1,3}$", ValOff: 8, Quoted: true},
			{Key: "optional", KeyOff: 23},
		}},
		{in: "optional,  enum=a|b", want: []tagOption{
			{Key: "optional"},
			{Key: "enum", KeyOff: 11, HasValue: true, Value: "a|b", ValOff: 16},
		}},
		{in: "default='',x=it's", want: []tagOption{
			{Key: "default", HasValue: true, Value: "", ValOff: 8, Quoted: true},
			{Key: "x", KeyOff: 11, HasValue: true, Value: "it's", ValOff: 13},
		}},
		{in: "pattern=a=b", want: []tagOption{{Key: "pattern", HasValue: true, Value: "a=b", ValOff: 8}}},
		{in: ",", err: &tagError{Off: 0, Msg: "empty option"}},
		{in: "a,", err: &tagError{Off: 2, Msg: "empty option"}},
		{in: "a, ,b", err: &tagError{Off: 3, Msg: "empty option"}},
		{in: "a=1,a=2", err: &tagError{Off: 4, Msg: `duplicate option "a"`}},
		{in: "1a", err: &tagError{Off: 0, Msg: "option names start with a letter, not '1'"}},
		{in: "max length=3", err: &tagError{Off: 3, Msg: "unexpected ' ' after option name max (want max=value)"}},
		{in: "p='abc", err: &tagError{Off: 2, Msg: "unterminated quoted value"}},
		{in: "p='a'b", err: &tagError{Off: 5, Msg: "unexpected 'b' after quoted value (want a comma)"}},
		{in: "p:é", err: &tagError{Off: 1, Msg: "unexpected ':' after option name p (want p=value)"}},
		{in: "é", err: &tagError{Off: 0, Msg: "option names start with a letter, not 'é'"}},
		{in: "pattern=^[a-z]{1,3}$", err: &tagError{Off: 17, Msg: "option names start with a letter, not '3'; " +
			"if the comma belongs to the value of pattern, single-quote the value: pattern='…'"}},
		{in: "optional,1", err: &tagError{Off: 9, Msg: "option names start with a letter, not '1'"}},
	} {
		got, err := parseTag(tc.in)
		if diff := cmp.Diff(tc.err, err); diff != "" {
			t.Errorf("parseTag(%q) error (-want +got):\n%s", tc.in, diff)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("parseTag(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

// formatTag writes options back in the syntax parseTag reads.
func formatTag(opts []tagOption) string {
	parts := make([]string, len(opts))
	for i, o := range opts {
		switch {
		case !o.HasValue:
			parts[i] = o.Key
		case strings.Contains(o.Value, ",") || strings.HasPrefix(o.Value, "'"):
			parts[i] = o.Key + "='" + o.Value + "'"
		default:
			parts[i] = o.Key + "=" + o.Value
		}
	}
	return strings.Join(parts, ",")
}

// FuzzParseTag checks that parseTag never panics, that every offset it
// returns points at what it says, and that options written back parse the
// same.
func FuzzParseTag(f *testing.F) {
	for _, s := range []string{
		"", "optional", "maxLength=4000", "default=Anonymous,minLength=1,maxLength=50,pattern='^[^<>]+$'",
		"enum=message|typing", "optional,maxItems=100", "default='',maxLength=4000", "min=-1,default='0'",
		"pattern='^[a-z]{1,3}$'", "topic=room.message", "ws=/room/:roomId", " a = b", "a,,b", "a='", "a='x'y",
		"a=1,a=2", "=x", "é=1", "p='it''s'", "x=it's,y", ",",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		opts, err := parseTag(s)
		if err != nil {
			if err.Off < 0 || err.Off > len(s) || err.Msg == "" || opts != nil {
				t.Fatalf("parseTag(%q) = %v, %v", s, opts, err)
			}
			return
		}
		seen := map[string]bool{}
		for _, o := range opts {
			if seen[o.Key] {
				t.Fatalf("parseTag(%q): duplicate key %q accepted", s, o.Key)
			}
			seen[o.Key] = true
			if !strings.HasPrefix(s[o.KeyOff:], o.Key) || o.Key == "" {
				t.Fatalf("parseTag(%q): key %q not at offset %d", s, o.Key, o.KeyOff)
			}
			if !o.HasValue {
				if o.Value != "" || o.Quoted {
					t.Fatalf("parseTag(%q): flag %+v has a value", s, o)
				}
				continue
			}
			if o.ValOff != o.KeyOff+len(o.Key)+1 || s[o.ValOff-1] != '=' {
				t.Fatalf("parseTag(%q): value of %q at %d", s, o.Key, o.ValOff)
			}
			if !strings.HasPrefix(s[o.textOff():], o.Value) {
				t.Fatalf("parseTag(%q): value %q not at offset %d", s, o.Value, o.textOff())
			}
			if o.Quoted && (s[o.ValOff] != '\'' || s[o.textOff()+len(o.Value)] != '\'') {
				t.Fatalf("parseTag(%q): quoted value %+v not between quotes", s, o)
			}
		}
		again, err := parseTag(formatTag(opts))
		if err != nil {
			t.Fatalf("parseTag(formatTag(%q)) = %v", s, err)
		}
		if len(again) != len(opts) {
			t.Fatalf("round trip of %q: %d options, then %d", s, len(opts), len(again))
		}
		for i := range opts {
			if again[i].Key != opts[i].Key || again[i].Value != opts[i].Value || again[i].HasValue != opts[i].HasValue {
				t.Fatalf("round trip of %q: %+v became %+v", s, opts[i], again[i])
			}
		}
	})
}

// FuzzLookupTag checks lookupTag against reflect.StructTag.Lookup on the
// same tag, and that the offsets it returns map every decoded byte into the
// literal.
func FuzzLookupTag(f *testing.F) {
	for _, s := range []string{
		`json:"name" jsgen:"maxLength=100"`, `json:"a"jsgen:"x"`, `jsgen:"pattern='\\d,\"'"`, `jsgen:`,
		`json:"é\u00e9\x41" jsgen:"a"`, ` jsgen:"a" `, `jsgen:"a\nb"`, `x:"1" y:"2 jsgen:"3"`, `jsgen:"\xff"`,
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, tag string, raw bool) {
		var src string
		if raw {
			if strings.ContainsAny(tag, "`\r") {
				return
			}
			src = "`" + tag + "`"
		} else {
			src = strconv.Quote(tag)
		}
		lit, err := decodeLiteral(src)
		if err != nil {
			t.Fatalf("decodeLiteral(%s): %v", src, err)
		}
		if lit.text != tag || len(lit.offs) != len(tag)+1 {
			t.Fatalf("decodeLiteral(%s) = %q with %d offsets", src, lit.text, len(lit.offs))
		}
		got, ok, terr := lookupTag(lit, "jsgen")
		want, wantOK := reflect.StructTag(tag).Lookup("jsgen")
		if ok != wantOK || ok && got.text != want {
			t.Fatalf("lookupTag(%q) = %q, %v, %v; reflect: %q, %v", tag, got.text, ok, terr, want, wantOK)
		}
		if terr != nil && (ok || terr.Off < 0 || terr.Off > len(tag)) {
			t.Fatalf("lookupTag(%q): error %v with ok=%v", tag, terr, ok)
		}
		if !ok {
			return
		}
		if len(got.offs) != len(got.text)+1 {
			t.Fatalf("lookupTag(%q): %d offsets for %d bytes", tag, len(got.offs), len(got.text))
		}
		for i := 1; i < len(got.offs); i++ {
			if got.offs[i] < got.offs[i-1] || got.offs[i] >= len(src) {
				t.Fatalf("lookupTag(%q): offsets %v not increasing within %d", tag, got.offs, len(src))
			}
		}
	})
}

func TestDecodeLiteralOffsets(t *testing.T) {
	t.Parallel()
	lit, err := decodeLiteral(`"a\"b\u00e9"`)
	if err != nil {
		t.Fatal(err)
	}
	if lit.text != `a"bé` {
		t.Fatalf("text = %q", lit.text)
	}
	if diff := cmp.Diff([]int{1, 2, 4, 5, 5, 11}, lit.offs); diff != "" {
		t.Errorf("offsets (-want +got):\n%s", diff)
	}
	for _, bad := range []string{`"a\qb"`, "\"a\nb\"", `abc`, `"`} {
		if _, err := decodeLiteral(bad); err == nil {
			t.Errorf("decodeLiteral(%q) succeeded", bad)
		}
	}
}

func TestRouteName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Room": "room", "DM": "dm", "HTTPStatus": "httpStatus", "RoomMembers": "roomMembers", "X": "x", "ÉTé": "éTé",
	} {
		if got := routeName(in); got != want {
			t.Errorf("routeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	t.Parallel()
	known := []string{"model", "message", "union"}
	for got, want := range map[string]string{
		"modle":   "did you mean //jsgen:model?",
		"mesage":  "did you mean //jsgen:message?",
		"Union":   "did you mean //jsgen:union?",
		"x":       "known: //jsgen:model, //jsgen:message, //jsgen:union",
		"channel": "known: //jsgen:model, //jsgen:message, //jsgen:union",
	} {
		if hint := didYouMean(got, known, "//jsgen:%s"); hint != want {
			t.Errorf("didYouMean(%q) = %q, want %q", got, hint, want)
		}
	}
}
