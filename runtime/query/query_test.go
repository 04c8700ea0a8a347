package query

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

var fields = []Field{
	{Name: "username", Kind: String},
	{Name: "echo", Kind: Bool},
	{Name: "limit", Kind: Int},
	{Name: "ratio", Kind: Float},
	{Name: "tag", Kind: String, Array: true},
}

func TestJSON(t *testing.T) {
	for _, tc := range []struct {
		query, want string
	}{
		{"", `{}`},
		{"username=bob&echo=false&limit=5&ratio=0.5&tag=a&tag=b", `{"username":"bob","echo":false,"limit":5,"ratio":0.5,"tag":["a","b"]}`},
		{"username=%22%2C%22x%22%3A1&unknown=1", `{"username":"\",\"x\":1"}`},
		{"echo=1&limit=-7", `{"echo":true,"limit":-7}`},
		{"username=", `{"username":""}`},
	} {
		v, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		got, err := JSON(v, fields)
		if err != nil {
			t.Errorf("%q: %v", tc.query, err)
			continue
		}
		if string(got) != tc.want || !json.Valid(got) {
			t.Errorf("%q: got %s, want %s", tc.query, got, tc.want)
		}
	}
}

func TestJSONErrors(t *testing.T) {
	v, _ := url.ParseQuery("username=a&username=b&echo=maybe&limit=1.5&ratio=inf&tag=x")
	_, err := JSON(v, fields)
	var e *jsgenrt.Error
	if !errors.As(err, &e) || e.Code != jsgenrt.CodeInvalidMessage {
		t.Fatalf("err = %v", err)
	}
	want := []jsgenrt.FieldError{
		{Path: "username", Message: "given 2 times; give it once"},
		{Path: "echo", Message: `want a boolean (true, false, 1, 0, t or f), got "maybe"`},
		{Path: "limit", Message: `want an integer, got "1.5"`},
		{Path: "ratio", Message: `want a number, got "inf"`},
	}
	if len(e.Errors) != len(want) {
		t.Fatalf("errors = %v", e.Errors)
	}
	for i := range want {
		if e.Errors[i] != want[i] {
			t.Errorf("error %d = %v, want %v", i, e.Errors[i], want[i])
		}
	}
}

// TestJSONInvalidUTF8 checks that invalid UTF-8 anywhere in the query, in a
// value or a name, declared or not, is refused with the parameter's path
// instead of being replaced by U+FFFD.
func TestJSONInvalidUTF8(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  []jsgenrt.FieldError
	}{
		{"username=%FF%FE", []jsgenrt.FieldError{{Path: "username", Message: "invalid UTF-8 at byte 0"}}},
		{"username=ok%C3", []jsgenrt.FieldError{{Path: "username", Message: "invalid UTF-8 at byte 2"}}},
		{"tag=a&tag=b%ED%A0%80", []jsgenrt.FieldError{{Path: "tag[1]", Message: "invalid UTF-8 at byte 1"}}},
		{"limit=%FF", []jsgenrt.FieldError{{Path: "limit", Message: "invalid UTF-8 at byte 0"}}},
		{"echo=true&cachebust=%80", []jsgenrt.FieldError{{Path: "cachebust", Message: "invalid UTF-8 at byte 0"}}},
		{"=%E8", []jsgenrt.FieldError{{Path: "", Message: "parameter with an empty name: invalid UTF-8 at byte 0"}}},
		{"user%FFname=bob", []jsgenrt.FieldError{{Path: `user\xffname`, Message: "parameter name is not valid UTF-8"}}},
		{"z=%FF&a=%FF&username=%FF", []jsgenrt.FieldError{
			{Path: "username", Message: "invalid UTF-8 at byte 0"},
			{Path: "a", Message: "invalid UTF-8 at byte 0"},
			{Path: "z", Message: "invalid UTF-8 at byte 0"},
		}},
	} {
		v, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		out, err := JSON(v, fields)
		var e *jsgenrt.Error
		if !errors.As(err, &e) || e.Code != jsgenrt.CodeInvalidMessage {
			t.Errorf("%q: got %s, %v; want a 400 error", tc.query, out, err)
			continue
		}
		if !slices.Equal(e.Errors, tc.want) {
			t.Errorf("%q: errors = %q, want %q", tc.query, e.Errors, tc.want)
		}
	}
	// Valid multi-byte text passes unchanged.
	v, _ := url.ParseQuery("username=%C3%A9l%C3%A8ve%F0%9F%98%80")
	out, err := JSON(v, fields)
	if err != nil || string(out) != `{"username":"élève😀"}` {
		t.Errorf("valid UTF-8: got %s, %v", out, err)
	}
}

func FuzzJSON(f *testing.F) {
	f.Add("username=bob&echo=true&limit=3&ratio=1e3&tag=a&tag=b")
	f.Add("username=%00%ff&tag=%22")
	f.Add("tag=%C3%A9&tag=%ED%A0%80&x%FF=1")
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		out, err := JSON(v, fields)
		if err != nil {
			var e *jsgenrt.Error
			if !errors.As(err, &e) || len(e.Errors) == 0 {
				t.Fatalf("error without field errors from %q: %v", q, err)
			}
			for _, fe := range e.Errors {
				if !utf8.ValidString(fe.Path) || fe.Path == "" && !strings.HasPrefix(fe.Message, "parameter with an empty name") {
					t.Fatalf("bad error path %q from %q", fe.Path, q)
				}
			}
			return
		}
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("invalid JSON %q from %q", out, q)
		}
		for k, vals := range v {
			if !utf8.ValidString(k) {
				t.Fatalf("accepted invalid UTF-8 name %q from %q", k, q)
			}
			for _, s := range vals {
				if !utf8.ValidString(s) {
					t.Fatalf("accepted invalid UTF-8 value %q from %q", s, q)
				}
			}
		}
	})
}
