package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultLeeway is how far past exp (and before nbf and iat) a token is
// still accepted, for clocks that disagree a little.
const DefaultLeeway = 5 * time.Second

// Errors of Verify. Every verification failure wraps ErrInvalidToken; one
// that fails only because the token has expired also wraps ErrExpired.
var (
	// ErrInvalidToken: the token is not a valid token for this verifier.
	ErrInvalidToken = errors.New("auth: invalid token")
	// ErrExpired: the token was valid but its exp has passed.
	ErrExpired = fmt.Errorf("%w: token expired", ErrInvalidToken)
)

// Claims are the registered JWT claims (RFC 7519 §4.1) jsgen uses. A zero
// time or empty string means the token does not carry that claim.
type Claims struct {
	Subject   string    // sub: whom the token identifies
	ExpiresAt time.Time // exp
	NotBefore time.Time // nbf
	IssuedAt  time.Time // iat
	Issuer    string    // iss
	Audience  []string  // aud
	ID        string    // jti
}

// Verifier checks a token and returns its claims. Implementations are
// safe for concurrent use, and their errors wrap ErrInvalidToken and never
// contain the token.
type Verifier interface {
	Verify(ctx context.Context, token string) (Claims, error)
}

// Option configures a verifier (and, for WithIssuer and WithAudience, the
// claims a Signer fills in).
type Option func(*config)

type config struct {
	audience   []string
	issuer     string
	leeway     time.Duration
	now        func() time.Time
	requireExp bool
}

func newConfig(opts []Option) config {
	c := config{leeway: DefaultLeeway, now: time.Now}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithAudience requires the token's aud to contain at least one of aud
// (a token without aud is then refused). A Signer puts aud in tokens
// that have none.
func WithAudience(aud ...string) Option {
	return func(c *config) { c.audience = append([]string(nil), aud...) }
}

// WithIssuer requires the token's iss to be iss (a token without iss is
// then refused). A Signer puts it in tokens that have none.
func WithIssuer(iss string) Option { return func(c *config) { c.issuer = iss } }

// WithLeeway sets how far past exp and before nbf and iat a token is still
// accepted (DefaultLeeway when not given; negative counts as 0).
func WithLeeway(d time.Duration) Option { return func(c *config) { c.leeway = max(d, 0) } }

// WithRequireExpiry refuses tokens without exp. Without it a token with
// no exp never expires.
func WithRequireExpiry() Option { return func(c *config) { c.requireExp = true } }

// WithClock sets the clock that exp, nbf and iat are checked against
// (time.Now when not given), for tests.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// JWTVerifier verifies compact JSON Web Tokens signed with one algorithm
// and key. Build it with NewHS256, NewEdDSA or NewRS256.
type JWTVerifier struct {
	alg    string
	key    any
	cfg    config
	parser *jwt.Parser
}

var _ Verifier = (*JWTVerifier)(nil)

// minHMACKey is the shortest HS256 secret accepted: the hash's size
// (RFC 7518 §3.2).
const minHMACKey = 32

// minRSABits is the smallest RSA modulus accepted (RFC 7518 §3.3).
const minRSABits = 2048

// NewHS256 returns a verifier of HS256 (HMAC-SHA256) tokens signed with
// key, which must have at least 32 bytes. The key is copied.
func NewHS256(key []byte, opts ...Option) (*JWTVerifier, error) {
	if len(key) < minHMACKey {
		return nil, fmt.Errorf("auth: HS256 key has %d bytes, at least %d needed: use 32 random bytes", len(key), minHMACKey)
	}
	return newJWTVerifier(jwt.SigningMethodHS256.Alg(), append([]byte(nil), key...), opts), nil
}

// NewEdDSA returns a verifier of EdDSA (Ed25519) tokens signed by the
// private key of pub.
func NewEdDSA(pub ed25519.PublicKey, opts ...Option) (*JWTVerifier, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("auth: Ed25519 public key has %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	return newJWTVerifier(jwt.SigningMethodEdDSA.Alg(), append(ed25519.PublicKey(nil), pub...), opts), nil
}

// NewRS256 returns a verifier of RS256 (RSASSA-PKCS1-v1_5 with SHA-256)
// tokens signed by the private key of pub, whose modulus must have at
// least 2048 bits.
func NewRS256(pub *rsa.PublicKey, opts ...Option) (*JWTVerifier, error) {
	if pub == nil || pub.N == nil {
		return nil, errors.New("auth: RS256 needs an RSA public key, got nil")
	}
	if pub.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("auth: RSA key has %d bits, at least %d needed", pub.N.BitLen(), minRSABits)
	}
	return newJWTVerifier(jwt.SigningMethodRS256.Alg(), pub, opts), nil
}

func newJWTVerifier(alg string, key any, opts []Option) *JWTVerifier {
	c := newConfig(opts)
	popts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{alg}),
		jwt.WithLeeway(c.leeway),
		jwt.WithTimeFunc(c.now),
		jwt.WithIssuedAt(),
		jwt.WithStrictDecoding(),
	}
	if len(c.audience) > 0 {
		popts = append(popts, jwt.WithAudience(c.audience...))
	}
	if c.issuer != "" {
		popts = append(popts, jwt.WithIssuer(c.issuer))
	}
	if c.requireExp {
		popts = append(popts, jwt.WithExpirationRequired())
	}
	return &JWTVerifier{alg: alg, key: key, cfg: c, parser: jwt.NewParser(popts...)}
}

// Algorithm returns the one JWS algorithm the verifier accepts ("HS256",
// "EdDSA" or "RS256").
func (v *JWTVerifier) Algorithm() string { return v.alg }

// Verify checks token's signature (with the verifier's algorithm only),
// exp, nbf and iat (with the leeway), and iss and aud when configured,
// and returns its claims. The error wraps ErrInvalidToken, and ErrExpired
// when the token has expired; its text says what is wrong without
// quoting the token. ctx is not used: verification does not block.
func (v *JWTVerifier) Verify(_ context.Context, token string) (Claims, error) {
	if token == "" {
		return Claims{}, &tokenError{reason: "empty token"}
	}
	if len(token) > MaxTokenLength {
		return Claims{}, &tokenError{reason: fmt.Sprintf("longer than %d bytes", MaxTokenLength)}
	}
	var rc jwt.RegisteredClaims
	t, err := v.parser.ParseWithClaims(token, &rc, v.keyFor)
	if err != nil {
		e := newTokenError(err)
		if errors.Is(err, jwt.ErrTokenRequiredClaimMissing) {
			e.reason = v.missingClaim(&rc)
		}
		return Claims{}, e
	}
	if !t.Valid { // the parser reports every failure; this is belt and braces
		return Claims{}, &tokenError{reason: "not valid"}
	}
	return claimsOf(&rc), nil
}

// keyFor returns the verification key after checking, again, that the
// token's algorithm is the verifier's.
func (v *JWTVerifier) keyFor(t *jwt.Token) (any, error) {
	if t.Method == nil || t.Method.Alg() != v.alg {
		return nil, errWrongAlg
	}
	return v.key, nil
}

// missingClaim names the required claim rc lacks.
func (v *JWTVerifier) missingClaim(rc *jwt.RegisteredClaims) string {
	switch {
	case v.cfg.issuer != "" && rc.Issuer == "":
		return "issuer (iss) missing"
	case len(v.cfg.audience) > 0 && len(rc.Audience) == 0:
		return "audience (aud) missing"
	case v.cfg.requireExp && rc.ExpiresAt == nil:
		return "expiry (exp) missing"
	}
	return "a required claim is missing"
}

var errWrongAlg = errors.New("algorithm not accepted")

func claimsOf(rc *jwt.RegisteredClaims) Claims {
	c := Claims{Subject: rc.Subject, Issuer: rc.Issuer, ID: rc.ID}
	if len(rc.Audience) > 0 {
		c.Audience = []string(rc.Audience)
	}
	c.ExpiresAt = timeOf(rc.ExpiresAt)
	c.NotBefore = timeOf(rc.NotBefore)
	c.IssuedAt = timeOf(rc.IssuedAt)
	return c
}

func timeOf(d *jwt.NumericDate) time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.Time
}

// tokenError is a verification failure. Its text is chosen here, from the
// kind of failure only, so it never quotes the token (or anything decoded
// from it); the library's error stays reachable through Unwrap.
type tokenError struct {
	reason string
	err    error // the library's error, if any
}

func newTokenError(err error) *tokenError {
	return &tokenError{reason: reasonOf(err), err: err}
}

// Error returns "auth: invalid token: <reason>".
func (e *tokenError) Error() string { return "auth: invalid token: " + e.reason }

// Unwrap returns ErrExpired or ErrInvalidToken, and the library's error.
func (e *tokenError) Unwrap() []error {
	sentinel := ErrInvalidToken
	if e.err != nil && errors.Is(e.err, jwt.ErrTokenExpired) && !otherClaimFailure(e.err) {
		sentinel = ErrExpired
	}
	if e.err == nil {
		return []error{sentinel}
	}
	return []error{sentinel, e.err}
}

// otherClaimFailure reports whether err has a claim failure besides exp.
func otherClaimFailure(err error) bool {
	for _, other := range []error{jwt.ErrTokenNotValidYet, jwt.ErrTokenUsedBeforeIssued, jwt.ErrTokenInvalidAudience, jwt.ErrTokenInvalidIssuer, jwt.ErrTokenRequiredClaimMissing} {
		if errors.Is(err, other) {
			return true
		}
	}
	return false
}

// reasonOf describes a jwt error in words of our own.
func reasonOf(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed (not a compact JWT: three base64url parts of JSON)"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "signing algorithm missing or not accepted"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid) && badSignature(err):
		return "signature does not match (wrong key, or the token was altered)"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "signing algorithm not accepted"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "audience (aud) not accepted"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "issuer (iss) not accepted"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "a required claim is missing"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "not valid yet (nbf is in the future)"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "issued in the future (iat)"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "expired"
	case errors.Is(err, jwt.ErrInvalidType):
		return "a claim has the wrong type"
	}
	return "rejected"
}

// badSignature reports whether err is a signature check that failed (as
// opposed to an algorithm refused before any check).
func badSignature(err error) bool {
	return errors.Is(err, jwt.ErrSignatureInvalid) || errors.Is(err, jwt.ErrEd25519Verification) || errors.Is(err, rsa.ErrVerification)
}
