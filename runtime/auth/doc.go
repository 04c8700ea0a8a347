// Package auth verifies the bearer tokens that identify WebSocket and HTTP
// clients, and keeps them out of logs.
//
// # Using it
//
// Build one Verifier for the key your tokens are signed with, take the
// token from the request, verify it:
//
//	v, err := auth.NewHS256(key, auth.WithIssuer("chat"), auth.WithAudience("chat"))
//	...
//	token, err := auth.BearerToken(r) // Authorization: Bearer T, or ?access_token=T
//	if err != nil {
//		// 401: errors.Is(err, auth.ErrNoToken) or auth.ErrMalformed
//	}
//	claims, err := v.Verify(r.Context(), token)
//	if err != nil {
//		// 401: errors.Is(err, auth.ErrInvalidToken); auth.ErrExpired when only the time is up
//	}
//	user := claims.Subject
//
// On a WebSocket route, set ws.Route.Authenticate instead: the runtime
// takes the token, refuses the upgrade with 401 when it is missing or
// invalid, removes access_token from the query the route sees, and closes
// the connection with 4001 when the token expires.
//
// NewHS256 (shared secret, at least 32 bytes), NewEdDSA (Ed25519 public
// key) and NewRS256 (RSA public key, at least 2048 bits) verify JSON Web
// Tokens with github.com/golang-jwt/jwt/v5. A verifier accepts exactly its
// own algorithm: "none", another HMAC or RSA variant, or an HS256 token
// made with an RSA public key as secret are all refused. exp, nbf and iat
// are checked with a leeway of DefaultLeeway (WithLeeway); iss and aud
// only when WithIssuer and WithAudience are given, and then they are
// required. NewHS256Signer issues tokens for NewHS256 (sessions, tests,
// development helpers).
//
// # Keeping tokens out of logs
//
// A token is a password: whoever has it is the user until it expires.
// No error of this package contains the token or any part of it. Use
// ReplaceAttr in your slog handler options to redact attributes named
// like credentials (authorization, access_token, token, ...) and the
// access_token parameter of URLs and query strings logged as attributes;
// RedactQuery and RedactURL do the same for one value, Redact removes a
// known token from any text, and StripQuery drops the parameter from a
// query.
package auth
