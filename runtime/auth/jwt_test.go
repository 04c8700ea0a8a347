package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// testKeys holds the asymmetric keys of the tests, made once.
var testKeys = sync.OnceValue(func() struct {
	rsa   *rsa.PrivateKey
	ed    ed25519.PrivateKey
	rsaPE []byte // the RSA public key, PEM-encoded (what an attacker would use as an HMAC secret)
} {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	_, ek, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&rk.PublicKey)
	if err != nil {
		panic(err)
	}
	pe := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	return struct {
		rsa   *rsa.PrivateKey
		ed    ed25519.PrivateKey
		rsaPE []byte
	}{rk, ek, pe}
})

// sign makes a token with any method and key, claims as given.
func sign(t testing.TB, m jwt.SigningMethod, key any, claims jwt.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func registered(sub string, exp time.Duration) jwt.RegisteredClaims {
	now := time.Now()
	return jwt.RegisteredClaims{
		Subject:   sub,
		Issuer:    "chat",
		Audience:  jwt.ClaimStrings{"chat"},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(exp)),
	}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// flipLastChar changes a token's last character to the neighbour in the
// base64url alphabet that differs only in the lowest bit, which lenient
// decoding of a 32-byte signature ignores.
func flipLastChar(s string) string {
	const enc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(enc, s[len(s)-1])
	return s[:len(s)-1] + string(enc[i^1])
}

// b64 is base64url without padding.
func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestVerify checks each verifier against tokens it must accept and
// tokens it must refuse, the error kinds, and that no error quotes the
// token.
func TestVerify(t *testing.T) {
	k := testKeys()
	opts := []Option{WithIssuer("chat"), WithAudience("chat", "admin")}
	hs := must[*JWTVerifier](t)(NewHS256(testKey, opts...))
	rs := must[*JWTVerifier](t)(NewRS256(&k.rsa.PublicKey, opts...))
	ed := must[*JWTVerifier](t)(NewEdDSA(k.ed.Public().(ed25519.PublicKey), opts...))
	noLeeway := must[*JWTVerifier](t)(NewHS256(testKey, WithLeeway(0)))
	strict := must[*JWTVerifier](t)(NewHS256(testKey, WithRequireExpiry()))
	plain := must[*JWTVerifier](t)(NewHS256(testKey))

	good := registered("alice", time.Minute)
	valid := sign(t, jwt.SigningMethodHS256, testKey, good)
	with := func(f func(c *jwt.RegisteredClaims)) jwt.RegisteredClaims {
		c := registered("alice", time.Minute)
		f(&c)
		return c
	}
	at := func(d time.Duration) *jwt.NumericDate { return jwt.NewNumericDate(time.Now().Add(d)) }
	parts := strings.Split(valid, ".")

	tests := []struct {
		name    string
		v       *JWTVerifier
		token   string
		wantErr error // nil: accepted
		reason  string
	}{
		{"hs256 valid", hs, valid, nil, ""},
		{"rs256 valid", rs, sign(t, jwt.SigningMethodRS256, k.rsa, good), nil, ""},
		{"eddsa valid", ed, sign(t, jwt.SigningMethodEdDSA, k.ed, good), nil, ""},
		{"second audience", hs, sign(t, jwt.SigningMethodHS256, testKey, with(func(c *jwt.RegisteredClaims) { c.Audience = jwt.ClaimStrings{"x", "admin"} })), nil, ""},
		{"expired within leeway", hs, sign(t, jwt.SigningMethodHS256, testKey, with(func(c *jwt.RegisteredClaims) { c.ExpiresAt = at(-2 * time.Second) })), nil, ""},
		{"no exp", plain, sign(t, jwt.SigningMethodHS256, testKey, jwt.RegisteredClaims{Subject: "alice"}), nil, ""},

		{"empty", hs, "", ErrInvalidToken, "empty"},
		{"one part", hs, "abc", ErrInvalidToken, "malformed"},
		{"two parts", hs, parts[0] + "." + parts[1], ErrInvalidToken, "malformed"},
		{"four parts", hs, valid + ".x", ErrInvalidToken, "malformed"},
		{"header not base64", hs, "!!." + parts[1] + "." + parts[2], ErrInvalidToken, "malformed"},
		{"header not JSON", hs, b64("{") + "." + parts[1] + "." + parts[2], ErrInvalidToken, "malformed"},
		{"claims not JSON", hs, parts[0] + "." + b64("[1") + "." + parts[2], ErrInvalidToken, "malformed"},
		{"exp a string", hs, sign(t, jwt.SigningMethodHS256, testKey, jwt.MapClaims{"sub": "alice", "exp": "tomorrow"}), ErrInvalidToken, "malformed"},
		{"signature padded", hs, valid + "=", ErrInvalidToken, "malformed"},
		{"signature not canonical", hs, flipLastChar(valid), ErrInvalidToken, "malformed"},
		{"too long", hs, valid + strings.Repeat("A", MaxTokenLength), ErrInvalidToken, "longer"},
		{"payload altered", hs, parts[0] + "." + b64(`{"sub":"bob","iss":"chat","aud":"chat"}`) + "." + parts[2], ErrInvalidToken, "signature does not match"},
		{"wrong key", hs, sign(t, jwt.SigningMethodHS256, []byte("another key of thirty-two bytes!"), good), ErrInvalidToken, "signature does not match"},
		{"rs256 wrong key", rs, sign(t, jwt.SigningMethodRS256, must[*rsa.PrivateKey](t)(rsa.GenerateKey(rand.Reader, 2048)), good), ErrInvalidToken, "signature does not match"},
		{"alg none", hs, sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good), ErrInvalidToken, "algorithm"},
		{"alg none on rs256", rs, sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good), ErrInvalidToken, "algorithm"},
		{"alg none, signature kept", hs, b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + "." + parts[2], ErrInvalidToken, "algorithm"},
		{"alg missing", hs, b64(`{"typ":"JWT"}`) + "." + parts[1] + "." + parts[2], ErrInvalidToken, "algorithm"},
		{"alg unknown", hs, b64(`{"alg":"XS256"}`) + "." + parts[1] + "." + parts[2], ErrInvalidToken, "algorithm"},
		{"hs256 with rsa public key as secret", rs, sign(t, jwt.SigningMethodHS256, k.rsaPE, good), ErrInvalidToken, "algorithm not accepted"},
		{"hs256 with rsa public key DER as secret", rs, sign(t, jwt.SigningMethodHS256, x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey), good), ErrInvalidToken, "algorithm not accepted"},
		{"hs512 same key", hs, sign(t, jwt.SigningMethodHS512, testKey, good), ErrInvalidToken, "algorithm not accepted"},
		{"rs256 on hs256", hs, sign(t, jwt.SigningMethodRS256, k.rsa, good), ErrInvalidToken, "algorithm not accepted"},
		{"ps256 on rs256", rs, sign(t, jwt.SigningMethodPS256, k.rsa, good), ErrInvalidToken, "algorithm not accepted"},
		{"eddsa on rs256", rs, sign(t, jwt.SigningMethodEdDSA, k.ed, good), ErrInvalidToken, "algorithm not accepted"},
		{"expired", hs, sign(t, jwt.SigningMethodHS256, testKey, with(func(c *jwt.RegisteredClaims) { c.ExpiresAt = at(-time.Minute) })), ErrExpired, "expired"},
		{"expired, no leeway", noLeeway, sign(t, jwt.SigningMethodHS256, testKey, jwt.RegisteredClaims{ExpiresAt: at(-2 * time.Second)}), ErrExpired, "expired"},
		{"not yet valid", hs, sign(t, jwt.SigningMethodHS256, testKey, with(func(c *jwt.RegisteredClaims) { c.NotBefore = at(time.Minute) })), ErrInvalidToken, "not valid yet"},
		{"issued in the future", hs, sign(t, jwt.SigningMethodHS256, testKey, with(func(c *jwt.RegisteredClaims) { c.IssuedAt = at(time.Minute) })), ErrInvalidToken, "issued in the future"},
		{"wrong audience", hs, sign(t, jwt.SigningMethodHS256, testKey, with(func(c *jwt.RegisteredClaims) { c.Audience = jwt.ClaimStrings{"billing"} })), ErrInvalidToken, "audience"},
		{"no audience", hs, sign(t, jwt.SigningMethodHS256, testKey, with(func(c *jwt.RegisteredClaims) { c.Audience = nil })), ErrInvalidToken, "audience"},
		{"wrong issuer", hs, sign(t, jwt.SigningMethodHS256, testKey, with(func(c *jwt.RegisteredClaims) { c.Issuer = "evil" })), ErrInvalidToken, "issuer"},
		{"no issuer", hs, sign(t, jwt.SigningMethodHS256, testKey, with(func(c *jwt.RegisteredClaims) { c.Issuer = "" })), ErrInvalidToken, "issuer"},
		{"exp required", strict, sign(t, jwt.SigningMethodHS256, testKey, jwt.RegisteredClaims{Subject: "alice"}), ErrInvalidToken, "exp) missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.v.Verify(context.Background(), tt.token)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if c.Subject != "alice" {
					t.Errorf("subject %q, want alice", c.Subject)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, claims %+v", c)
			}
			if !errors.Is(err, tt.wantErr) || !errors.Is(err, ErrInvalidToken) {
				t.Errorf("error %v does not wrap %v", err, tt.wantErr)
			}
			if tt.wantErr != ErrExpired && errors.Is(err, ErrExpired) {
				t.Errorf("error %v wraps ErrExpired", err)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q does not say %q", err, tt.reason)
			}
			if c.Subject != "" || !c.ExpiresAt.IsZero() || c.Audience != nil {
				t.Errorf("claims %+v returned with the error", c)
			}
			assertNoSecret(t, err.Error(), tt.token)
		})
	}
}

// assertNoSecret fails if text contains the token or any of its parts
// longer than 8 bytes.
func assertNoSecret(t testing.TB, text, token string) {
	t.Helper()
	if token == "" {
		return
	}
	if strings.Contains(text, token) {
		t.Fatalf("%q contains the token", text)
	}
	for _, p := range strings.Split(token, ".") {
		if len(p) > 8 && strings.Contains(text, p) {
			t.Fatalf("%q contains part of the token: %q", text, p)
		}
	}
}

// TestVerifyClaims checks that every registered claim comes back.
func TestVerifyClaims(t *testing.T) {
	s := must[*Signer](t)(NewHS256Signer(testKey, WithIssuer("chat"), WithAudience("chat")))
	v := must[*JWTVerifier](t)(NewHS256(testKey, WithIssuer("chat"), WithAudience("chat")))
	now := time.Now().Truncate(time.Second)
	in := Claims{Subject: "alice", ExpiresAt: now.Add(time.Hour), NotBefore: now.Add(-time.Second), IssuedAt: now, ID: "j1"}
	token := must[string](t)(s.Sign(in))
	got := must[Claims](t)(v.Verify(context.Background(), token))
	want := in
	want.Issuer, want.Audience = "chat", []string{"chat"}
	if !got.ExpiresAt.Equal(want.ExpiresAt) || !got.NotBefore.Equal(want.NotBefore) || !got.IssuedAt.Equal(want.IssuedAt) {
		t.Errorf("times %v %v %v, want %v %v %v", got.ExpiresAt, got.NotBefore, got.IssuedAt, want.ExpiresAt, want.NotBefore, want.IssuedAt)
	}
	got.ExpiresAt, got.NotBefore, got.IssuedAt = want.ExpiresAt, want.NotBefore, want.IssuedAt
	if got.Subject != want.Subject || got.Issuer != want.Issuer || got.ID != want.ID || strings.Join(got.Audience, ",") != "chat" {
		t.Errorf("claims %+v, want %+v", got, want)
	}
	// A Signer's own iss and aud win over its defaults.
	other := must[string](t)(s.Sign(Claims{Subject: "bob", Issuer: "evil", Audience: []string{"x"}}))
	if _, err := v.Verify(context.Background(), other); err == nil {
		t.Error("token with iss evil and aud x accepted")
	}
}

// TestWithClock checks that exp is judged on the given clock.
func TestWithClock(t *testing.T) {
	s := must[*Signer](t)(NewHS256Signer(testKey))
	exp := time.Now().Add(time.Hour)
	token := must[string](t)(s.Sign(Claims{Subject: "alice", ExpiresAt: exp}))
	later := must[*JWTVerifier](t)(NewHS256(testKey, WithClock(func() time.Time { return exp.Add(time.Minute) })))
	if _, err := later.Verify(context.Background(), token); !errors.Is(err, ErrExpired) {
		t.Errorf("an hour later: %v, want ErrExpired", err)
	}
}

// TestNewVerifierKeys checks that unusable keys are refused up front.
func TestNewVerifierKeys(t *testing.T) {
	small := must[*rsa.PrivateKey](t)(rsa.GenerateKey(rand.Reader, 1024))
	for name, err := range map[string]error{
		"hs256 short":    second(NewHS256([]byte("short"))),
		"signer short":   second(NewHS256Signer(make([]byte, 31))),
		"eddsa short":    second(NewEdDSA(make(ed25519.PublicKey, 31))),
		"rs256 nil":      second(NewRS256(nil)),
		"rs256 1024 bit": second(NewRS256(&small.PublicKey)),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func second[T any](_ T, err error) error { return err }
