package query

import (
	"encoding/json"
	"errors"
	"net/url"
	"testing"

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
		{Path: "echo", Message: `want true or false, got "maybe"`},
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

func FuzzJSON(f *testing.F) {
	f.Add("username=bob&echo=true&limit=3&ratio=1e3&tag=a&tag=b")
	f.Add("username=%00%ff&tag=%22")
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		out, err := JSON(v, fields)
		if err == nil && !json.Valid(out) {
			t.Fatalf("invalid JSON %q from %q", out, q)
		}
	})
}
