package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzBearerToken checks that any request yields either an error or a
// well-formed token that the request really carries, that StripQuery
// removes it, and that no error quotes it.
func FuzzBearerToken(f *testing.F) {
	f.Add("access_token="+tok, "")
	f.Add("", "Bearer "+tok)
	f.Add("access_token="+tok, "Bearer "+tok)
	f.Add("access_token="+tok+"&access_token=x", "bearer x")
	f.Add("access%5ftoken=a%2Bb%3D&x=%zz", "Basic a")
	f.Add("a=1;access_token=b", "Bearer  a==")
	f.Fuzz(func(t *testing.T, query, header string) {
		r := &http.Request{URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{}}
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		got, err := BearerToken(r)
		if err != nil {
			if got != "" {
				t.Fatalf("token %q with error %v", got, err)
			}
			if !errors.Is(err, ErrNoToken) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v wraps neither ErrNoToken nor ErrMalformed", err)
			}
			return
		}
		if checkToken(got, "token") != nil {
			t.Fatalf("accepted malformed token %q", got)
		}
		q, _ := url.ParseQuery(query)
		if !strings.HasSuffix(strings.TrimSpace(header), " "+got) && (len(q[QueryParam]) != 1 || q[QueryParam][0] != got) {
			t.Fatalf("token %q is neither the header's nor the query's", got)
		}
		stripped, _ := url.ParseQuery(StripQuery(query))
		if _, ok := stripped[QueryParam]; ok {
			t.Fatalf("StripQuery(%q) kept access_token", query)
		}
		redacted, _ := url.ParseQuery(RedactQuery(query))
		for _, v := range redacted[QueryParam] {
			if v != Redacted {
				t.Fatalf("RedactQuery(%q) kept value %q", query, v)
			}
		}
	})
}

// fuzzNow is the clock of FuzzVerify, so its seed tokens never expire.
var fuzzNow = time.Unix(1_800_000_000, 0)

// FuzzVerify checks that Verify never panics, accepts only a token whose
// HS256 signature an independent HMAC reproduces byte for byte (so no
// malformed, re-encoded or differently signed token passes), and never
// quotes the token in an error.
func FuzzVerify(f *testing.F) {
	v, err := NewHS256(testKey, WithClock(func() time.Time { return fuzzNow }))
	if err != nil {
		f.Fatal(err)
	}
	claims := jwt.RegisteredClaims{Subject: "alice", ExpiresAt: jwt.NewNumericDate(fuzzNow.Add(time.Hour))}
	valid := sign(f, jwt.SigningMethodHS256, testKey, claims)
	parts := strings.Split(valid, ".")
	f.Add(valid)
	f.Add(valid + "=")
	f.Add(flipLastChar(valid))
	f.Add(sign(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims))
	f.Add(sign(f, jwt.SigningMethodHS512, testKey, claims))
	f.Add(b64(`{"alg":"none"}`) + "." + parts[1] + ".")
	f.Add(b64(`{"alg":"HS256","crit":["x"]}`) + "." + parts[1] + "." + parts[2])
	f.Add(parts[0] + "." + b64(`{"sub":"bob","exp":1e99}`) + "." + parts[2])
	f.Add(parts[0] + "." + b64(`{"sub":"bob","exp":"x"}`) + "." + parts[2])
	f.Add("..")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := v.Verify(context.Background(), token)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("error %v does not wrap ErrInvalidToken", err)
			}
			if len(token) >= 16 && strings.Contains(token, ".") && strings.Contains(err.Error(), token) {
				t.Fatalf("error %q quotes the token", err)
			}
			return
		}
		p := strings.Split(token, ".")
		if len(p) != 3 {
			t.Fatalf("accepted %q with %d parts", token, len(p))
		}
		mac := hmac.New(sha256.New, testKey)
		mac.Write([]byte(p[0] + "." + p[1]))
		if want := base64.RawURLEncoding.EncodeToString(mac.Sum(nil)); p[2] != want {
			t.Fatalf("accepted %q whose signature is not HMAC-SHA256 %q", token, want)
		}
		hb, err := base64.RawURLEncoding.Strict().DecodeString(p[0])
		var h struct{ Alg string }
		if err != nil || json.Unmarshal(hb, &h) != nil || h.Alg != "HS256" {
			t.Fatalf("accepted %q with header %q", token, hb)
		}
		if !c.ExpiresAt.IsZero() && c.ExpiresAt.Before(fuzzNow.Add(-DefaultLeeway)) {
			t.Fatalf("accepted an expired token: %+v", c)
		}
	})
}
