package auth

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// QueryParam is the query parameter that carries a bearer token (RFC 6750
// §2.3): browsers cannot set headers on a WebSocket handshake.
const QueryParam = "access_token"

// MaxTokenLength is the longest token BearerToken and the verifiers
// accept, in bytes. Real JWTs are far shorter; the bound keeps a hostile
// request from making the server decode megabytes.
const MaxTokenLength = 8 << 10

// Errors of BearerToken. Both mean the request must be refused with 401.
var (
	// ErrNoToken: the request carries no bearer token.
	ErrNoToken = errors.New("auth: no bearer token: send it as \"Authorization: Bearer TOKEN\" or as the access_token query parameter")
	// ErrMalformed: the request carries a token that cannot be one.
	ErrMalformed = errors.New("auth: malformed bearer token")
)

// BearerToken returns the request's bearer token: the credentials of an
// "Authorization: Bearer T" header (the scheme's case does not matter) or
// the access_token query parameter. When both are present they must be
// the same token. Authorization headers of other schemes are ignored.
//
// The error wraps ErrNoToken when there is no token, and ErrMalformed when
// the token is empty, longer than MaxTokenLength, has characters a bearer
// token cannot have (RFC 6750 §2.1: letters, digits, - . _ ~ + / and
// trailing =), or appears several times, or when the header and the query
// disagree. The error never contains the token.
func BearerToken(r *http.Request) (string, error) {
	header, err := headerToken(r.Header)
	if err != nil {
		return "", err
	}
	query, err := queryToken(r.URL)
	if err != nil {
		return "", err
	}
	switch {
	case header == "" && query == "":
		return "", ErrNoToken
	case header != "" && query != "" && header != query:
		return "", fmt.Errorf("%w: the Authorization header and the access_token parameter carry different tokens; send one", ErrMalformed)
	case header != "":
		return header, nil
	}
	return query, nil
}

// headerToken returns the token of the request's Bearer Authorization
// header ("" when there is none).
func headerToken(h http.Header) (string, error) {
	var token string
	for _, v := range h.Values("Authorization") {
		scheme, cred, _ := strings.Cut(strings.TrimSpace(v), " ")
		if !strings.EqualFold(scheme, "Bearer") {
			continue
		}
		if token != "" {
			return "", fmt.Errorf("%w: several Bearer Authorization headers", ErrMalformed)
		}
		cred = strings.TrimLeft(cred, " ")
		if err := checkToken(cred, "the Authorization header"); err != nil {
			return "", err
		}
		token = cred
	}
	return token, nil
}

// queryToken returns the access_token parameter of u ("" when there is
// none).
func queryToken(u *url.URL) (string, error) {
	if u == nil || !strings.Contains(u.RawQuery, "access") && !strings.Contains(u.RawQuery, "%") {
		return "", nil
	}
	// A query that does not parse still yields the parameters that do;
	// the route's own query decoder reports the rest.
	q, _ := url.ParseQuery(u.RawQuery)
	vals := q[QueryParam]
	switch len(vals) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", fmt.Errorf("%w: several access_token parameters", ErrMalformed)
	}
	if err := checkToken(vals[0], "the access_token parameter"); err != nil {
		return "", err
	}
	return vals[0], nil
}

// checkToken reports whether t has the syntax of RFC 6750's b64token
// (1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=") and
// fits MaxTokenLength; where names the token's place for the error.
func checkToken(t, where string) error {
	if t == "" {
		return fmt.Errorf("%w: %s is empty", ErrMalformed, where)
	}
	if len(t) > MaxTokenLength {
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrMalformed, where, MaxTokenLength)
	}
	end := len(t)
	for end > 0 && t[end-1] == '=' {
		end--
	}
	if end == 0 {
		return fmt.Errorf("%w: %s has no token characters", ErrMalformed, where)
	}
	for i := range end {
		if !isTokenChar(t[i]) {
			return fmt.Errorf("%w: %s has a character a token cannot have at byte %d", ErrMalformed, where, i)
		}
	}
	return nil
}

func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '_', '~', '+', '/':
		return true
	}
	return false
}
