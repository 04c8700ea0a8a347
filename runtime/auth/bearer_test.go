package auth

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

const tok = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"

// TestBearerToken checks where the token is taken from and every way a
// request can carry a bad one; no error quotes the token.
func TestBearerToken(t *testing.T) {
	tests := []struct {
		name    string
		query   string
		headers []string // Authorization values
		want    string
		wantErr error
	}{
		{"header", "", []string{"Bearer " + tok}, tok, nil},
		{"header, scheme in lower case", "", []string{"bearer " + tok}, tok, nil},
		{"header, padding", "", []string{"Bearer abc=="}, "abc==", nil},
		{"query", "access_token=" + tok, nil, tok, nil},
		{"query among others", "room=a&access_token=" + tok + "&since=3", nil, tok, nil},
		{"query, name percent-encoded", "access%5Ftoken=" + tok, nil, tok, nil},
		{"both, same", "access_token=" + tok, []string{"Bearer " + tok}, tok, nil},
		{"other scheme ignored", "access_token=" + tok, []string{"Basic dXNlcjpwYXNz"}, tok, nil},
		{"missing", "room=a", nil, "", ErrNoToken},
		{"missing, other scheme", "", []string{"Basic dXNlcjpwYXNz"}, "", ErrNoToken},
		{"both, different", "access_token=" + tok + "x", []string{"Bearer " + tok}, "", ErrMalformed},
		{"header empty", "", []string{"Bearer "}, "", ErrMalformed},
		{"header scheme only", "", []string{"Bearer"}, "", ErrMalformed},
		{"header with a space inside", "", []string{"Bearer " + tok + " x"}, "", ErrMalformed},
		{"header with a comma", "", []string{"Bearer a,b"}, "", ErrMalformed},
		{"header only padding", "", []string{"Bearer =="}, "", ErrMalformed},
		{"header padding inside", "", []string{"Bearer a=b"}, "", ErrMalformed},
		{"two bearer headers", "", []string{"Bearer " + tok, "Bearer " + tok}, "", ErrMalformed},
		{"query empty", "access_token=", nil, "", ErrMalformed},
		{"query twice", "access_token=" + tok + "&access_token=" + tok, nil, "", ErrMalformed},
		{"query with a space", "access_token=a+b", nil, "", ErrMalformed},
		{"query with a quote", "access_token=a%22b", nil, "", ErrMalformed},
		{"query too long", "access_token=" + strings.Repeat("a", MaxTokenLength+1), nil, "", ErrMalformed},
		{"header too long", "", []string{"Bearer " + strings.Repeat("a", MaxTokenLength+1)}, "", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/room/a?"+tt.query, nil)
			for _, h := range tt.headers {
				r.Header.Add("Authorization", h)
			}
			got, err := BearerToken(r)
			if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("BearerToken = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
			if err != nil {
				assertNoSecret(t, err.Error(), tok)
				if strings.Contains(err.Error(), "aaaaaaaa") {
					t.Fatalf("error quotes the token: %v", err)
				}
			}
		})
	}
}

// TestStripQuery checks that access_token goes, under any spelling, and
// everything else stays byte for byte.
func TestStripQuery(t *testing.T) {
	tests := []struct{ in, strip, redact string }{
		{"", "", ""},
		{"room=a", "room=a", "room=a"},
		{"access_token=" + tok, "", "access_token=REDACTED"},
		{"a=1&access_token=" + tok + "&b=%20x", "a=1&b=%20x", "a=1&access_token=REDACTED&b=%20x"},
		{"access%5Ftoken=" + tok + "&access_token=y", "", "access%5Ftoken=REDACTED&access_token=REDACTED"},
		{"access_token", "", "access_token=REDACTED"},
		{"access_tokens=1&my_access_token=2", "access_tokens=1&my_access_token=2", "access_tokens=1&my_access_token=2"},
		{"%zz=1&access_token=x", "%zz=1", "%zz=1&access_token=REDACTED"},
	}
	for _, tt := range tests {
		if got := StripQuery(tt.in); got != tt.strip {
			t.Errorf("StripQuery(%q) = %q, want %q", tt.in, got, tt.strip)
		}
		if got := RedactQuery(tt.in); got != tt.redact {
			t.Errorf("RedactQuery(%q) = %q, want %q", tt.in, got, tt.redact)
		}
	}
}

// TestReplaceAttr checks that a logger using ReplaceAttr never writes a
// token, however it is passed, and leaves other attributes alone.
func TestReplaceAttr(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: ReplaceAttr}))
	u, _ := url.Parse("wss://u:pw@host/room/a?access_token=" + tok + "&room=a")
	r := httptest.NewRequest(http.MethodGet, "/room/a?access_token="+tok, nil)
	l.Info("request",
		"Authorization", "Bearer "+tok,
		"access_token", tok,
		"Token", tok,
		slog.Group("req", "url", u, "uri", r.RequestURI, "line", "GET /x?access_token="+tok+" HTTP/1.1"),
		"urlValue", *u,
		"user", "alice",
	)
	out := buf.String()
	assertNoSecret(t, out, tok)
	if strings.Contains(out, "pw@") {
		t.Errorf("password logged: %s", out)
	}
	for _, want := range []string{"user=alice", "room=a", "Authorization=REDACTED", "access_token=REDACTED"} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %q", out, want)
		}
	}
	if got := Redact("bad token "+tok+"!", tok); got != "bad token REDACTED!" {
		t.Errorf("Redact = %q", got)
	}
	if got := Redact("text", ""); got != "text" {
		t.Errorf("Redact with no token = %q", got)
	}
}
