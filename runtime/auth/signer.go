package auth

import (
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Signer issues HS256 tokens that a NewHS256 verifier with the same key
// accepts. It is safe for concurrent use.
type Signer struct {
	key []byte
	cfg config
}

// NewHS256Signer returns a Signer with key, which must have at least 32
// bytes (the key is copied). WithIssuer and WithAudience set iss and aud
// in tokens whose claims leave them empty; other options are ignored.
func NewHS256Signer(key []byte, opts ...Option) (*Signer, error) {
	if len(key) < minHMACKey {
		return nil, fmt.Errorf("auth: HS256 key has %d bytes, at least %d needed: use 32 random bytes", len(key), minHMACKey)
	}
	return &Signer{key: append([]byte(nil), key...), cfg: newConfig(opts)}, nil
}

// Sign returns the compact JWT of c, signed with HS256. Zero times and
// empty strings are left out of the token; times are kept to the second
// (JWT NumericDate), rounded down.
func (s *Signer) Sign(c Claims) (string, error) {
	rc := jwt.RegisteredClaims{
		Subject:   c.Subject,
		Issuer:    c.Issuer,
		ID:        c.ID,
		ExpiresAt: dateOf(c.ExpiresAt),
		NotBefore: dateOf(c.NotBefore),
		IssuedAt:  dateOf(c.IssuedAt),
	}
	if rc.Issuer == "" {
		rc.Issuer = s.cfg.issuer
	}
	switch {
	case len(c.Audience) > 0:
		rc.Audience = jwt.ClaimStrings(c.Audience)
	case len(s.cfg.audience) > 0:
		rc.Audience = jwt.ClaimStrings(s.cfg.audience)
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, rc).SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("auth: sign: %w", err)
	}
	return token, nil
}

func dateOf(t time.Time) *jwt.NumericDate {
	if t.IsZero() {
		return nil
	}
	return jwt.NewNumericDate(t)
}
